"""Errors beside their fields, in chromium at 320 px (issue 15, point 4; WCAG 3.3.1, 4.1.3):
a profile sent back with three mistakes focuses the summary, which lists them all as links;
following a link by keyboard focuses its field, which is marked invalid and described by its
message. English and Dutch; axe-core passes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.test_browser_launch import (
    axe_violations,
    open_from_lms,
)
from tests.browser.test_browser_room_chat import SETUP, Team
from tests.exchange_flow import set_up_two_university_exchange
from tests.live import LiveStack

pytestmark = pytest.mark.browser

WAIT = 15000


@pytest.fixture(scope="module")
def team(live_stack: LiveStack) -> Team:
    leiden, bologna = live_stack.platform("leiden"), live_stack.platform("bologna")
    exchange = set_up_two_university_exchange(live_stack, SETUP)
    return Team(exchange.id, 0, leiden.students[0], bologna.students[0], bologna.students[1])


@pytest.mark.parametrize("lang", ["en-GB", "nl-NL"])
def test_three_mistakes_are_listed_and_each_link_leads_to_its_field(
    chromium: Any,
    live_stack: LiveStack,
    team: Team,
    lang: str,
    tmp_path: Path,
) -> None:
    context = chromium.new_context(
        bypass_csp=True, locale=lang, viewport={"width": 320, "height": 700}
    )
    page = context.new_page()
    open_from_lms(page, live_stack, "bologna", team.bologna.user_id)
    page.goto(f"{live_stack.tandem_url}/exchanges/{team.exchange_id}/profile")
    # Three mistakes: a name over 80 characters, no time zone, no time ticked.
    page.evaluate(
        "() => { document.getElementById('display_name').value = 'x'.repeat(81);"
        " document.getElementById('time_zone').value = '';"
        " document.querySelectorAll('input[name=slot]').forEach(b => b.checked = false); }"
    )
    page.locator('[data-testid="save-profile"]').focus()
    page.keyboard.press("Enter")
    summary = page.locator('[data-testid="form-error"]')
    summary.wait_for(timeout=WAIT)
    page.wait_for_load_state("load")
    assert page.evaluate("document.activeElement.id") == "form-error"
    links = summary.locator("a")
    assert links.count() == 3
    page.keyboard.press("Tab")  # the first link, the name
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#display_name"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "display_name"
    name = page.locator("#display_name")
    assert name.get_attribute("aria-invalid") == "true"
    described = (name.get_attribute("aria-describedby") or "").split()
    assert described == ["display_name-error"]
    assert page.locator("#display_name-error").inner_text() in links.nth(0).inner_text()
    # The grid's link leads into the grid: its one Tab stop gets the focus.
    summary.locator('a[href="#availability-grid"]').focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name") == "slot"
    assert page.evaluate("document.activeElement.getAttribute('aria-invalid')") == "true"
    # Fits at 320 px: nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    shots = Path(os.environ.get("TANDEM_SCREENSHOTS", "") or tmp_path)  # to look at them
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"field-errors-320-{lang}.png"), full_page=True)
    assert axe_violations(page) == []
    context.close()
