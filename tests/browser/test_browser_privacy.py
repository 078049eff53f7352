"""In chromium: the privacy page, a student's own data and self-erasure by keyboard alone;
axe-core WCAG 2.1 AA at desktop and phone widths, in English and Dutch."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_browser_launch import axe_violations
from tests.live import LiveStack

pytestmark = pytest.mark.browser


def _shot(page: Any, name: str) -> None:
    """Screenshots for a person to look at, when TANDEM_SCREENSHOTS names a folder."""
    folder = os.environ.get("TANDEM_SCREENSHOTS")
    if folder:
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def _fits(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def _tab_to(page: Any, testid: str, limit: int = 80) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement?.dataset?.testid === '{testid}'"):
            return
    raise AssertionError(f"{testid} is not reachable by Tab")


@pytest.mark.parametrize(
    ("viewport", "student", "locale"),
    [
        ({"width": 1280, "height": 900}, 3, "en-GB"),
        ({"width": 375, "height": 700}, 4, "nl-NL"),
    ],
)
def test_my_data_and_erasing_myself_by_keyboard(
    chromium: Any, live_stack: LiveStack, viewport: dict[str, int], student: int, locale: str
) -> None:
    leiden = live_stack.platform("leiden")
    person = leiden.students[student]
    context = chromium.new_context(viewport=viewport, bypass_csp=True, locale=locale)
    page = context.new_page()
    page.goto(f"{live_stack.demo_url}/leiden/launch/{person.user_id}?target=window")
    page.wait_for_load_state("load")
    tag = f"{viewport['width']}-{locale}"

    page.goto(f"{live_stack.tandem_url}/privacy")
    page.locator('[data-testid="records"]').wait_for()
    assert axe_violations(page) == []
    _fits(page)
    _shot(page, f"privacy-{tag}")

    _tab_to(page, "my-data")
    page.keyboard.press("Enter")
    page.locator('[data-testid="holding"]').first.wait_for()
    assert person.user_id in page.inner_text("main")  # the LMS account, in their own export
    assert axe_violations(page) == []
    _fits(page)
    _shot(page, f"mydata-{tag}")

    _tab_to(page, "erase-me")
    page.keyboard.press("Enter")
    page.locator('[data-testid="erase-me-confirm"]').wait_for()
    assert axe_violations(page) == []
    _fits(page)
    _shot(page, f"erase-{tag}")
    _tab_to(page, "erase-me-confirm")
    page.keyboard.press("Enter")
    page.locator('[data-testid="erased"]').wait_for()
    assert axe_violations(page) == []
    context.close()
