"""Team health in chromium: the Leiden teacher opens the dashboard from the exchange page,
reads the heat map and a team's reasons, opens the team page by keyboard and logs an action,
and sets the thresholds with numbers written her language's way (errors beside their fields);
axe-core clean at 1280 px in English and at 375 px in Dutch, with no sideways scroll."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from plugin.actors import Actor, Role
from plugin.chat.models import Message
from plugin.exchanges.models import Exchange
from plugin.health.service import refresh_exchange_health
from plugin.rooms.service import open_team_room
from plugin.teams.service import create_team
from tests.browser.test_browser_launch import open_from_lms
from tests.browser.test_browser_matching_pages import _accessible
from tests.exchange_flow import TwoUniversityExchange, set_up_two_university_exchange
from tests.live import LiveStack

pytestmark = pytest.mark.browser

WAIT = 15000


@pytest.fixture(scope="module")
def exchange(live_stack: LiveStack) -> tuple[TwoUniversityExchange, int]:
    flow = set_up_two_university_exchange(live_stack)
    teacher = Actor(flow.owner_id, Role.TEACHER, None)
    now = datetime.now(UTC)
    with live_stack.session_factory() as db:
        # Five weeks into the exchange, so the heat map has weeks to show.
        held = db.get_one(Exchange, flow.id)
        held.starts_on = (now - timedelta(weeks=5)).date()
        db.commit()
        team = create_team(db, teacher, flow.id, "Team Delta", flow.student_ids)
        create_team(db, teacher, flow.id, "Team Echo", [])
        room = open_team_room(db, teacher, team.id)
        for seq in range(1, 40):
            db.add(
                Message(
                    room_id=room.room_id,
                    seq=seq,
                    client_id=f"b{seq}",
                    author_id=flow.student_ids[seq % 2],
                    body="hello",
                    created_at=now - timedelta(hours=seq * seq),
                )
            )
        db.commit()
        refresh_exchange_health(db, flow.id, now)
        return flow, team.id


@pytest.mark.parametrize(("width", "lang"), [(1280, "en"), (375, "nl")])
def test_dashboard_and_team_page(
    chromium: Any,
    live_stack: LiveStack,
    exchange: tuple[TwoUniversityExchange, int],
    width: int,
    lang: str,
    tmp_path: Path,
) -> None:
    flow, team_id = exchange
    context = chromium.new_context(
        viewport={"width": width, "height": 800},
        bypass_csp=True,
        locale=lang,
        timezone_id="Europe/Amsterdam",
    )
    page = context.new_page()
    teacher = live_stack.platform("leiden").teacher
    open_from_lms(page, live_stack, "leiden", teacher.user_id)
    page.select_option("#lang-select", lang)
    page.locator("form.language button").click()
    page.wait_for_load_state("load")
    page.goto(f"{live_stack.tandem_url}/exchanges/{flow.id}/teacher")
    page.locator('[data-testid="health-link"]').click()
    page.locator('[data-testid="heat-map"]').wait_for(timeout=WAIT)
    assert page.locator('[data-testid="heat-map"] tbody tr').count() == 2
    page.screenshot(path=str(tmp_path / f"dashboard-{width}-{lang}.png"), full_page=True)
    _accessible(page)

    link = page.locator(f'[data-team="{team_id}"] [data-testid="team-link"]')
    link.focus()
    page.keyboard.press("Enter")
    page.locator('[data-testid="log-action"]').wait_for(timeout=WAIT)
    _accessible(page)
    page.focus('[data-testid="log-action"]')
    page.select_option('[data-testid="log-action"]', "met")
    page.focus('[data-testid="log-note"]')
    page.keyboard.type("Talked about the meeting time" if lang == "en" else "Over de tijd gepraat")
    page.focus('[data-testid="log-submit"]')
    page.keyboard.press("Enter")
    page.locator('[data-testid="log-entry"]').first.wait_for(timeout=WAIT)
    assert page.locator('[data-testid="flash"]').count() == 1
    page.screenshot(path=str(tmp_path / f"team-{width}-{lang}.png"), full_page=True)
    _accessible(page)

    page.goto(f"{live_stack.tandem_url}/exchanges/{flow.id}/health/settings")
    # Numbers the viewer's way: the default 2.5 reads "2,5" in Dutch.
    low = page.locator('[data-testid="field-checkin_low"]')
    assert low.input_value() == ("2,5" if lang == "nl" else "2.5")
    page.fill('[data-testid="field-silent_days"]', "1")
    # The other language's decimal mark is refused, not guessed (a Dutch "1.5" is fifteen).
    page.fill('[data-testid="field-checkin_drop"]', "1.5" if lang == "nl" else "1,5")
    page.focus('[data-testid="save"]')
    page.keyboard.press("Enter")
    page.locator('[data-testid="field-error-silent_days"]').wait_for(timeout=WAIT)
    page.wait_for_load_state("load")
    assert page.evaluate("document.activeElement.id") == "form-error"
    example = page.locator('[data-testid="field-error-checkin_drop"]').inner_text()
    assert example.endswith("1,0." if lang == "nl" else "1.0.")
    drop = page.locator('[data-testid="field-checkin_drop"]')
    assert drop.input_value() == ("1.5" if lang == "nl" else "1,5")  # kept as typed
    assert drop.get_attribute("aria-invalid") == "true"
    assert drop.get_attribute("aria-describedby") == "checkin_drop-hint checkin_drop-error"
    # The summary's link leads the keyboard to the field.
    page.locator('#form-error a[href="#checkin_drop"]').focus()
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "checkin_drop"
    page.screenshot(path=str(tmp_path / f"settings-{width}-{lang}.png"), full_page=True)
    _accessible(page)
    page.fill('[data-testid="field-silent_days"]', "12")
    page.fill('[data-testid="field-checkin_drop"]', "1,5" if lang == "nl" else "1.5")
    page.focus('[data-testid="save"]')
    page.keyboard.press("Enter")
    page.locator('[data-testid="heat-map"]').wait_for(timeout=WAIT)
    page.goto(f"{live_stack.tandem_url}/exchanges/{flow.id}/health/settings")
    assert drop.input_value() == ("1,5" if lang == "nl" else "1.5")
    context.close()
