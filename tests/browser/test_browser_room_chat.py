"""The team room in chromium: a Leiden and a Bologna student, launched through the demo LMS,
chat in real time; a line sent while one is offline arrives when they reconnect; typed HTML
stays text; a late joiner sees the history; the teacher observes read-only; the page passes
axe-core's WCAG 2.1 AA rules at 1280 px and at 375 px (no sideways scroll) and sends by
keyboard alone."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

import pytest

from demo.platforms import DemoUser
from plugin.actors import Actor, Role
from plugin.teams.service import create_team
from tests.browser.test_browser_launch import (
    axe_violations,
    open_from_lms,
)
from tests.exchange_flow import set_up_two_university_exchange
from tests.live import LiveStack

pytestmark = pytest.mark.browser

WAIT = 15000
SETUP = {
    "title": "Rivers",
    "languages": ["en"],
    "starts_on": "2027-02-01",
    "ends_on": "2027-03-28",
    "team_size_min": "3",
    "team_size_max": "5",
    "weekly_hours": "3",
}


@dataclass
class Team:
    exchange_id: int
    team_id: int
    leiden: DemoUser
    bologna: DemoUser
    late: DemoUser


@pytest.fixture(scope="module")
def team(live_stack: LiveStack) -> Team:
    """Leiden's exchange with Bologna as partner; three students onboard over HTTP and the
    teacher's use case puts them in one team."""
    leiden, bologna = live_stack.platform("leiden"), live_stack.platform("bologna")
    exchange = set_up_two_university_exchange(live_stack, SETUP)
    exchange_id, ids = exchange.id, exchange.student_ids
    teacher = Actor(exchange.owner_id, Role.TEACHER, None)
    with live_stack.session_factory() as db:
        made = create_team(db, teacher, exchange_id, "Rivers 1", ids)
    return Team(exchange_id, made.id, leiden.students[0], bologna.students[0], bologna.students[1])


def _open_room(
    chromium: Any, stack: LiveStack, slug: str, user: DemoUser, team: Team, width: int = 1280
) -> Any:
    """Launch from the LMS, then follow the exchange page's link to the team room."""
    context = chromium.new_context(
        viewport={"width": width, "height": 800}, bypass_csp=True, timezone_id="Europe/Rome"
    )
    page = context.new_page()
    open_from_lms(page, stack, slug, user.user_id)
    page.goto(f"{stack.tandem_url}/exchanges/{team.exchange_id}")
    page.locator('[data-testid="team-room-link"]').click()
    _wait_connected(page)
    return page


def _wait_connected(page: Any) -> None:
    page.locator('[data-testid="members"] .online').first.wait_for(timeout=WAIT)


def _line(page: Any, text: str) -> Any:
    return page.locator('[data-testid="messages"] .message-body', has_text=text)


def _send(page: Any, text: str) -> None:
    page.fill("#message-input", text)
    page.press("#message-input", "Enter")


def _no_sideways_scroll(page: Any) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def test_two_universities_chat_live_and_catch_up_after_being_offline(
    chromium: Any, live_stack: LiveStack, team: Team
) -> None:
    anna = _open_room(chromium, live_stack, "leiden", team.leiden, team)
    bea = _open_room(chromium, live_stack, "bologna", team.bologna, team)

    _send(anna, "Hoi from Leiden")
    _line(bea, "Hoi from Leiden").wait_for(timeout=WAIT)
    _send(bea, "Ciao from Bologna")
    _line(anna, "Ciao from Bologna").wait_for(timeout=WAIT)
    cards = anna.locator('[data-testid="member"]')
    assert cards.count() == 3
    assert "@" not in anna.inner_text('[data-testid="members"]')  # never an email

    # Typed HTML is shown as text: no element is made, no script runs.
    attack = '<img src=x onerror="window.pwned=1"><b>bold</b>'
    _send(bea, attack)
    _line(anna, "<b>bold</b>").wait_for(timeout=WAIT)
    assert anna.locator('[data-testid="messages"] img, [data-testid="messages"] b').count() == 0
    assert anna.evaluate("window.pwned") is None

    # Bea loses the network; what Anna says meanwhile arrives when Bea is back.
    bea.context.set_offline(True)
    bea.locator('[data-testid="status"]', has_text="Offline").wait_for(timeout=WAIT)
    _send(anna, "Sent while you were away")
    _line(anna, "Sent while you were away").wait_for(timeout=WAIT)
    bea.context.set_offline(False)
    _line(bea, "Sent while you were away").wait_for(timeout=30000)
    assert _line(bea, "Sent while you were away").count() == 1

    # A teammate who opens the room only now sees everything said so far.
    late = _open_room(chromium, live_stack, "bologna", team.late, team)
    for text in ("Hoi from Leiden", "Ciao from Bologna", "Sent while you were away"):
        _line(late, text).wait_for(timeout=WAIT)
    for page in (anna, bea, late):
        page.context.close()


def test_the_teacher_observes_read_only_from_the_teachers_page(
    chromium: Any, live_stack: LiveStack, team: Team
) -> None:
    leiden = live_stack.platform("leiden")
    context = chromium.new_context(bypass_csp=True)
    page = context.new_page()
    open_from_lms(page, live_stack, "leiden", leiden.teacher.user_id)
    page.goto(f"{live_stack.tandem_url}/exchanges/{team.exchange_id}/teacher")
    page.locator('[data-testid="team-rooms-link"]').click()
    assert axe_violations(page) == []
    page.locator(f'a[href="/teams/{team.team_id}/room"]').click()
    page.locator('[data-testid="observer"]').wait_for(timeout=WAIT)
    page.locator('[data-testid="status"]', has_text=re.compile("Verbonden|Connected")).wait_for(
        timeout=WAIT
    )
    assert page.locator("#message-input").count() == 0
    assert page.locator("#note-input").get_attribute("readonly") is not None
    assert axe_violations(page) == []
    context.close()


@pytest.mark.parametrize("width", [1280, 375])
def test_the_room_is_accessible_and_sends_by_keyboard_alone(
    chromium: Any, live_stack: LiveStack, team: Team, width: int
) -> None:
    page = _open_room(chromium, live_stack, "leiden", team.leiden, team, width=width)
    _no_sideways_scroll(page)
    assert axe_violations(page) == []
    page.locator("body").focus()
    page.evaluate("document.activeElement.blur()")
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "message-input":
            break
    else:
        pytest.fail("Tab never reached the message box")
    text = f"Typed at {width} px without a mouse"
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    _line(page, text).wait_for(timeout=WAIT)
    assert page.input_value("#message-input") == ""
    # The whole history is on the page: "Show older messages" stays hidden (a button's
    # display rule once overrode the hidden attribute).
    assert page.locator("#older").is_hidden()
    _no_sideways_scroll(page)
    assert axe_violations(page) == []  # with messages, cards and presence filled in
    shots = os.environ.get("TANDEM_SCREENSHOTS")  # for a person to look at
    if shots:
        page.screenshot(path=f"{shots}/room-{width}.png", full_page=True)
    page.context.close()
