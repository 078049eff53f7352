"""The team room in Dutch, opened by a browser whose own locale is American English in New
York: message times are Dutch 24-hour clock times in the viewer's profile zone, task due dates
read as Dutch dates and the phases of the task form carry their Dutch names."""

from __future__ import annotations

import re
from typing import Any

import pytest

from plugin.actors import Actor, Role
from plugin.teams.service import create_team
from tests.browser.test_browser_launch import open_from_lms
from tests.exchange_flow import set_up_two_university_exchange
from tests.live import LiveStack

pytestmark = pytest.mark.browser

WAIT = 15000
SETUP = {
    "title": "Rivieren",
    "languages": ["nl"],
    "starts_on": "2027-02-01",
    "ends_on": "2027-03-28",
    "team_size_min": "3",
    "team_size_max": "5",
    "weekly_hours": "3",
}


def test_the_room_in_dutch_speaks_dutch_times_dates_and_phases(
    live_stack: LiveStack, chromium: Any, tmp_path: Any
) -> None:
    exchange = set_up_two_university_exchange(live_stack, SETUP)
    teacher = Actor(exchange.owner_id, Role.TEACHER, None)
    with live_stack.session_factory() as db:
        made = create_team(db, teacher, exchange.id, "Rivieren 1", exchange.student_ids)
    student = live_stack.platform("leiden").students[0]
    context = chromium.new_context(
        viewport={"width": 1280, "height": 900},
        bypass_csp=True,
        locale="en-US",
        timezone_id="America/New_York",
    )
    page = context.new_page()
    open_from_lms(page, live_stack, "leiden", student.user_id)
    page.goto(f"{live_stack.tandem_url}/exchanges/{exchange.id}")
    page.select_option("#lang-select", "nl")
    with page.expect_navigation():
        page.locator("form.language button").click()
    assert page.evaluate("document.documentElement.lang") == "nl"
    page.goto(f"{live_stack.tandem_url}/teams/{made.id}/room")
    page.locator('[data-testid="members"] .online').first.wait_for(timeout=WAIT)

    page.fill("#message-input", "Hallo allemaal")
    page.press("#message-input", "Enter")
    line = page.locator('[data-testid="messages"] li', has_text="Hallo allemaal")
    line.wait_for(timeout=WAIT)
    when = line.locator("time").first.inner_text()
    assert re.fullmatch(r"\d{2}:\d{2}", when), when  # not "04:41 PM"

    options = page.locator("#task-phase option").all_inner_texts()
    assert "Teamvorming" in options
    assert not {"Team formation", "team_formation", "Preparation"} & set(options)

    page.select_option("#task-phase", label="Teamvorming")
    page.fill("#task-title", "Kennismaken")
    page.fill("#task-due", "2027-01-10")
    page.press("#task-title", "Enter")
    task = page.locator('[data-testid="tasks"] label', has_text="Kennismaken")
    task.wait_for(timeout=WAIT)
    assert "10 januari 2027" in task.inner_text()
    assert "1/10/2027" not in task.inner_text()
    page.screenshot(path=str(tmp_path / "room-nl.png"), full_page=True)
    context.close()
