"""Ways around Tandem, in chromium (issue 15, points 5 and 6): a small navigation and a brand
that links home, inside the LMS's iframe; the room and completion pages lead back to the
exchange; a teacher's "Remove from team" asks first and can be cancelled, by keyboard, in
Dutch. axe-core passes on every page visited."""

from __future__ import annotations

from typing import Any

import pytest

from plugin.actors import Actor, Role
from plugin.teams.service import create_team
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
    teacher = Actor(exchange.owner_id, Role.TEACHER, None)
    with live_stack.session_factory() as db:
        made = create_team(db, teacher, exchange.id, "Rivers 1", exchange.student_ids)
    return Team(exchange.id, made.id, leiden.students[0], bologna.students[0], bologna.students[1])


def _tandem_frame(page: Any, stack: LiveStack) -> Any:
    frame = next(f for f in page.frames if f.url.startswith(stack.tandem_url))
    frame.wait_for_load_state("load")
    return frame


def test_a_student_finds_the_way_around_inside_the_lms_iframe(
    chromium: Any, live_stack: LiveStack, team: Team
) -> None:
    context = chromium.new_context(
        bypass_csp=True, locale="en-GB", viewport={"width": 375, "height": 800}
    )
    page = context.new_page()
    page.goto(f"{live_stack.demo_url}/bologna/")
    page.locator(f'[data-user-id="{team.bologna.user_id}"] a').first.click()
    inside = page.frame_locator("iframe")
    inside.locator('[data-testid="site-nav"]').wait_for(timeout=WAIT)
    inside.get_by_role("navigation", name="Main navigation").get_by_role(
        "link", name="Team rooms"
    ).click()
    inside.locator(f'a[href="/teams/{team.team_id}/room"]').click()
    inside.locator("#room-status", has_text="Connected.").wait_for(timeout=WAIT)
    assert axe_violations(_tandem_frame(page, live_stack)) == []
    inside.get_by_role("link", name="Back to the exchange").click()
    inside.locator('[data-testid="team-room-link"]').wait_for(timeout=WAIT)
    frame = _tandem_frame(page, live_stack)
    assert frame.url == f"{live_stack.tandem_url}/exchanges/{team.exchange_id}"
    assert axe_violations(frame) == []

    frame.goto(f"{live_stack.tandem_url}/exchanges/{team.exchange_id}/completion")
    inside.get_by_role("link", name="Back to the exchange").click()
    inside.locator('[data-testid="team-room-link"]').wait_for(timeout=WAIT)

    inside.locator('[data-testid="brand"]').click()  # home, still inside the iframe
    inside.locator('[data-testid="site-nav"]').wait_for(timeout=WAIT)
    assert page.url.startswith(live_stack.demo_url)  # the LMS page never went away
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()


def test_a_teacher_is_asked_before_removing_someone_and_can_cancel_by_keyboard(
    chromium: Any, live_stack: LiveStack, team: Team
) -> None:
    leiden = live_stack.platform("leiden")
    context = chromium.new_context(bypass_csp=True)
    page = context.new_page()
    open_from_lms(page, live_stack, "leiden", leiden.teacher.user_id)
    page.goto(f"{live_stack.tandem_url}/exchanges/{team.exchange_id}/teams")
    members = page.locator('[data-testid="team-member"]')
    before = members.count()
    assert before == 3
    assert axe_violations(page) == []

    first = page.locator('[data-testid="remove-member"]').first
    first.focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="uit Rivers 1 halen?").wait_for(timeout=WAIT)
    assert 'lang="nl"' in page.content()
    assert axe_violations(page) == []
    page.locator('[data-testid="cancel-remove"]').focus()
    page.keyboard.press("Enter")
    page.locator('[data-testid="team"]').first.wait_for(timeout=WAIT)
    assert members.count() == before  # asking removed nobody

    page.locator('[data-testid="remove-member"]').first.focus()
    page.keyboard.press("Enter")
    page.locator('[data-testid="confirm-remove"]').focus()
    page.keyboard.press("Enter")
    page.locator('[data-testid="team"]').first.wait_for(timeout=WAIT)
    page.wait_for_load_state("load")
    assert members.count() == before - 1
    # The outcome is said and has the focus, instead of the top of a reloaded page.
    assert page.evaluate("document.activeElement.id") == "outcome"
    assert "zit niet meer in Rivers 1" in page.inner_text('[data-testid="outcome"]')
    assert axe_violations(page) == []
    context.close()


@pytest.mark.parametrize("lang", ["en-GB", "nl-NL"])
def test_a_form_sent_back_with_an_error_puts_focus_on_its_summary(
    chromium: Any, live_stack: LiveStack, team: Team, lang: str
) -> None:
    context = chromium.new_context(bypass_csp=True, locale=lang)
    page = context.new_page()
    open_from_lms(page, live_stack, "bologna", team.bologna.user_id)
    page.goto(f"{live_stack.tandem_url}/exchanges/{team.exchange_id}/profile")
    page.evaluate("document.querySelectorAll('input[name=slot]').forEach(b => b.checked = false)")
    page.locator('[data-testid="save-profile"]').click()  # no time ticked: refused
    page.locator('[data-testid="form-error"]').wait_for(timeout=WAIT)
    assert page.evaluate("document.activeElement.id") == "form-error"
    page.keyboard.press("Tab")  # onwards into the page, not back to the top
    assert page.evaluate("document.activeElement.closest('main') !== null")
    assert axe_violations(page) == []
    context.close()
