"""The team room in chromium: a Leiden and a Bologna student, launched through the demo LMS,
chat in real time; a line sent while one is offline arrives when they reconnect; typed HTML
stays text; a late joiner sees the history; the teacher observes read-only; the page passes
axe-core's WCAG 2.1 AA rules at 1280 px and at 375 px (no sideways scroll) and sends by
keyboard alone."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import requests
from sqlalchemy import select

from demo.platforms import DemoPlatform, DemoUser
from demo.testing import launch_form_fields
from plugin.actors import Actor, Role
from plugin.matching.teams import create_team
from plugin.people.models import ExternalAccount
from tests.browser.test_browser_launch import ARGS, CHROMIUM, axe_violations, sync_api
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


def _launch(stack: LiveStack, slug: str, user_id: str) -> tuple[requests.Session, str]:
    http = requests.Session()
    page = http.get(f"{stack.demo_url}/{slug}/launch/{user_id}?target=window", timeout=10)
    form = launch_form_fields(page.text)
    landed = http.post(form.pop("action"), data=form, timeout=10)
    assert landed.status_code == 200, landed.text
    return http, landed.url


def _person_id(stack: LiveStack, platform: DemoPlatform, user: DemoUser) -> int:
    with stack.session_factory() as db:
        person_id = db.scalar(
            select(ExternalAccount.person_id).where(
                ExternalAccount.namespace == f"lti:{platform.issuer}",
                ExternalAccount.subject == user.user_id,
            )
        )
    assert person_id is not None
    return person_id


def _profile(zone: str) -> dict[str, object]:
    return {
        "display_name": "",
        "time_zone": zone,
        "slot": ["0-1080"],
        "lang-0": "en",
        "level-0": "B2",
        "share": ["languages", "availability"],
    }


@pytest.fixture(scope="module")
def team(live_stack: LiveStack) -> Team:
    """Leiden's exchange with Bologna as partner; three students onboard over HTTP and the
    teacher's use case puts them in one team."""
    leiden, bologna = live_stack.platform("leiden"), live_stack.platform("bologna")
    base = live_stack.tandem_url
    owner, _ = _launch(live_stack, "leiden", leiden.teacher.user_id)
    created = owner.post(f"{base}/exchanges/new", data=SETUP, timeout=10)
    exchange_id = int(re.findall(r"/exchanges/(\d+)/teacher", created.url)[0])
    code_page = owner.post(f"{base}/exchanges/{exchange_id}/code", timeout=10).text
    code = re.findall(r'data-testid="join-code">([A-Z0-9-]+)<', code_page)[0]
    partner, _ = _launch(live_stack, "bologna", bologna.teacher.user_id)
    partner.post(f"{base}/exchanges/join", data={"code": code}, timeout=10)
    overview = owner.get(f"{base}/exchanges/{exchange_id}/teacher", timeout=10).text
    seat_id = re.findall(r"/seats/(\d+)/decide", overview)[0]
    owner.post(f"{base}/seats/{seat_id}/decide", data={"approve": "1"}, timeout=10)
    members = [
        (leiden, leiden.students[0], "Europe/Amsterdam"),
        (bologna, bologna.students[0], "Europe/Rome"),
        (bologna, bologna.students[1], "Europe/Rome"),
    ]
    for platform, student, zone in members:
        http, landed = _launch(live_stack, platform.slug, student.user_id)
        assert http.post(landed, data=_profile(zone), timeout=10).status_code == 200
    teacher = Actor(_person_id(live_stack, leiden, leiden.teacher), Role.TEACHER, None)
    ids = [_person_id(live_stack, p, s) for p, s, _ in members]
    with live_stack.session_factory() as db:
        made = create_team(db, teacher, exchange_id, "Rivers 1", ids)
    return Team(exchange_id, made.id, leiden.students[0], bologna.students[0], bologna.students[1])


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


def _open_room(
    chromium: Any, stack: LiveStack, slug: str, user: DemoUser, team: Team, width: int = 1280
) -> Any:
    """Launch from the LMS, then follow the exchange page's link to the team room."""
    context = chromium.new_context(
        viewport={"width": width, "height": 800}, bypass_csp=True, timezone_id="Europe/Rome"
    )
    page = context.new_page()
    page.goto(f"{stack.demo_url}/{slug}/launch/{user.user_id}?target=window")
    page.wait_for_load_state("networkidle")
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
    page.goto(f"{live_stack.demo_url}/leiden/launch/{leiden.teacher.user_id}?target=window")
    page.wait_for_load_state("networkidle")
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
    _no_sideways_scroll(page)
    assert axe_violations(page) == []  # with messages, cards and presence filled in
    page.context.close()
