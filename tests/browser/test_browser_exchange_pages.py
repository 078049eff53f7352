"""In chromium: the teacher page and the Dutch onboarding (availability grid by keyboard) pass
axe-core's WCAG 2.1 AA rules, on a desktop and on a phone-sized screen."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_browser_launch import (
    axe_violations,
    open_from_lms,
)
from tests.live import LiveStack

pytestmark = pytest.mark.browser

SETUP = {
    "#title": "Climate & Cities",
    "#starts_on": "2027-02-01",
    "#ends_on": "2027-03-28",
}


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 900}, {"width": 375, "height": 700}]
)
def test_teacher_page_and_dutch_onboarding_are_accessible(
    chromium: Any, live_stack: LiveStack, viewport: dict[str, int], tmp_path: Path
) -> None:
    leiden = live_stack.platform("leiden")
    context = chromium.new_context(
        viewport=viewport, bypass_csp=True, locale="nl-NL", timezone_id="Europe/Amsterdam"
    )
    page = context.new_page()
    # The teacher: the module's stack is shared, so create only when no exchange exists yet.
    open_from_lms(page, live_stack, "leiden", leiden.teacher.user_id)
    if page.locator('[data-testid="create-exchange"]').count():
        page.locator('[data-testid="create-exchange"]').click()
        assert axe_violations(page) == []
        for selector, value in SETUP.items():
            page.fill(selector, value)
        page.select_option("#language-1", "en")
        page.locator('[data-testid="save-exchange"]').click()
    page.locator('[data-testid="exchange-title"]').wait_for(timeout=15000)
    page.locator('[data-testid="make-code"]').click()
    page.locator('[data-testid="join-code"]').wait_for()
    code = page.inner_text('[data-testid="join-code"]')
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", code)
    page.reload()  # a refresh shows the same code; it never makes a new one
    assert page.inner_text('[data-testid="join-code"]') == code
    assert axe_violations(page) == []
    _no_sideways_scroll(page)
    # The header starts inside the viewport (nothing cut off at the left).
    assert page.evaluate("document.querySelector('.site-header').getBoundingClientRect().left") >= 0
    page.screenshot(path=tmp_path / "teacher.png", full_page=True)

    # A Leiden student onboards in Dutch by keyboard alone.
    student = leiden.students[1 if viewport["width"] > 400 else 2]
    page.goto(f"{live_stack.demo_url}/leiden/launch/{student.user_id}?target=window")
    form = page.locator('[data-testid="profile-form"]')
    form.wait_for(timeout=15000)
    assert 'lang="nl"' in page.content()
    assert "Je tijdzone" in page.content()
    assert axe_violations(page) == []
    _no_sideways_scroll(page)
    page.focus("#time_zone")
    assert page.input_value("#time_zone") == "Europe/Amsterdam"  # detected, to be confirmed
    # Tab into the grid: Monday 18:00-20:00, ticked with the space bar.
    page.focus("#slot-0-1080")
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")  # Tuesday, same hours (the grid is one Tab stop)
    page.keyboard.press("Space")
    page.focus("#lang-0")
    page.select_option("#lang-0", "nl")
    page.select_option("#level-0", "native")
    page.focus('[data-testid="save-profile"]')
    page.keyboard.press("Enter")
    page.locator('[data-testid="in-pool"]').wait_for(timeout=15000)
    assert axe_violations(page) == []
    context.close()
