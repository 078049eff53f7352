"""Team matching in chromium: the teacher of a live two-university exchange sets the rules
(adding and removing a keep-apart pair), previews teams, moves (typing the team) and locks a
student by keyboard alone, sees an infeasibility report, re-runs and publishes, then places a
late joiner and rebalances on a phone; a student finds their team room. Every page passes
axe-core's WCAG 2.1 AA rules at 1280 px and at 375 px (no sideways scroll)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.test_browser_launch import (
    axe_violations,
    open_from_lms,
)
from tests.exchange_flow import launch_as, onboarding_form
from tests.live import LiveStack

pytestmark = pytest.mark.browser

WAIT = 15000
SETUP = {
    "title": "Bridges",
    "languages": ["en"],
    "starts_on": "2027-02-01",
    "ends_on": "2027-03-28",
    "team_size_min": "3",
    "team_size_max": "4",
    "weekly_hours": "3",
}


# Monday and Tuesday 18:00-20:00 local time.
EVENINGS = ("0-1080", "1-1080")


@pytest.fixture(scope="module")
def exchange_id(live_stack: LiveStack) -> int:
    """Leiden's exchange with Bologna as partner; three students of each onboard over HTTP."""
    leiden, bologna = live_stack.platform("leiden"), live_stack.platform("bologna")
    base = live_stack.tandem_url
    owner, _ = launch_as(live_stack, "leiden", leiden.teacher.user_id)
    created = owner.post(f"{base}/exchanges/new", data=SETUP, timeout=10)
    made = int(re.findall(r"/exchanges/(\d+)/teacher", created.url)[0])
    code_page = owner.post(f"{base}/exchanges/{made}/code", timeout=10).text
    code = re.findall(r'data-testid="join-code">([A-Z0-9-]+)<', code_page)[0]
    partner, _ = launch_as(live_stack, "bologna", bologna.teacher.user_id)
    partner.post(f"{base}/exchanges/join", data={"code": code}, timeout=10)
    overview = owner.get(f"{base}/exchanges/{made}/teacher", timeout=10).text
    seat_id = re.findall(r"/seats/(\d+)/decide", overview)[0]
    owner.post(f"{base}/seats/{seat_id}/decide", data={"approve": "1"}, timeout=10)
    for platform, zone in ((leiden, "Europe/Amsterdam"), (bologna, "Europe/Rome")):
        for student in platform.students[:3]:
            http, landed = launch_as(live_stack, platform.slug, student.user_id)
            assert (
                http.post(landed, data=onboarding_form(zone, EVENINGS), timeout=10).status_code
                == 200
            )
    return made


def _accessible(page: Any) -> None:
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def _teacher_page(chromium: Any, stack: LiveStack, width: int, exchange_id: int) -> Any:
    context = chromium.new_context(
        viewport={"width": width, "height": 800}, bypass_csp=True, timezone_id="Europe/Amsterdam"
    )
    page = context.new_page()
    teacher = stack.platform("leiden").teacher
    open_from_lms(page, stack, "leiden", teacher.user_id)
    page.goto(f"{stack.tandem_url}/exchanges/{exchange_id}/teacher")
    page.locator('[data-testid="matching-link"]').click()
    page.locator('[data-testid="rules-form"]').wait_for(timeout=WAIT)
    return page


def _propose_by_keyboard(page: Any, min_hours: str) -> None:
    page.fill("#min_hours", min_hours)
    page.focus('[data-testid="propose"]')
    page.keyboard.press("Enter")
    page.locator("#run-heading").wait_for(timeout=WAIT)


def test_teacher_previews_edits_and_reruns_by_keyboard(
    chromium: Any, live_stack: LiveStack, exchange_id: int
) -> None:
    page = _teacher_page(chromium, live_stack, 1280, exchange_id)
    assert page.input_value("#min_size") == "3"  # presets from the exchange
    assert page.input_value("#max_size") == "4"
    assert page.input_value("#isolation") == "institution"
    _accessible(page)

    # A keep-apart pair picked and removed by keyboard alone; focus comes back to the picker.
    page.focus("#apart_a")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    pair = page.locator('[data-testid="pairs-apart"] [data-testid="pair"]')
    pair.wait_for(timeout=WAIT)
    assert page.evaluate("document.activeElement.id") == "apart_a"
    assert page.locator('[data-testid="pair-notice"]').is_visible()
    _accessible(page)
    pair.locator('[data-testid="remove-pair"]').focus()
    page.keyboard.press("Enter")
    page.locator('[data-testid="pair-notice"]').wait_for(timeout=WAIT)
    assert pair.count() == 0

    _propose_by_keyboard(page, "2")
    teams = page.locator('[data-testid="team"]')
    assert teams.count() == 2
    explanation = teams.first.locator('[data-testid="explanation"]').inner_text()
    # Leiden's LMS launches in Dutch; 17:00 UTC shows in the teacher's zone, Amsterdam.
    assert "mengt 2 universiteiten" in explanation
    assert "4 u overlap per week" in explanation
    assert "ma 18:00\u201320:00" in explanation
    _accessible(page)

    # Move the first member of team 1 to team 2 with the keyboard: type the team into the
    # field (one list of teams serves every field) and press Enter; the scores are recomputed.
    member = teams.first.locator('[data-testid="member"]').first
    person = member.get_attribute("data-person")
    target = teams.nth(1).get_attribute("data-key")
    field = member.get_by_role("combobox", name="Verplaatsen naar")
    assert field.get_attribute("list") == "team-keys"
    assert page.locator("#team-keys option").count() == 2
    described = field.get_attribute("aria-describedby").split()
    assert "team-hint" in described  # a screen reader hears the student's name and the hint
    assert "Typ het team" in page.locator("#team-hint").inner_text()
    field.focus()
    page.keyboard.type(target.lower())  # "t02" reads as team T02
    page.keyboard.press("Enter")
    moved = page.locator(f'[data-testid="team"]:nth-child(2) [data-person="{person}"]')
    moved.wait_for(timeout=WAIT)
    assert (
        page.locator('[data-testid="team"]').nth(1).locator('[data-testid="member"]').count() == 4
    )
    broken = page.locator('[data-testid="team"]').first.locator('[data-testid="broken"]')
    assert "Teamgrootte" in broken.inner_text()  # 2 and 4 from 3 and 3: re-scored and flagged
    _accessible(page)

    # Lock them there: the Move form disappears, and a re-run keeps them in that team.
    moved.locator('[data-testid="lock"]').focus()
    page.keyboard.press("Enter")
    locked = page.locator(f'[data-person="{person}"] [data-testid="locked"]')
    locked.wait_for(timeout=WAIT)
    key = page.locator('[data-testid="team"]').nth(1).get_attribute("data-key")
    page.focus('[data-testid="rerun"]')
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/matching/runs/\d+$"))
    again = page.locator(f'[data-testid="team"][data-key="{key}"] [data-person="{person}"]')
    again.wait_for(timeout=WAIT)
    _accessible(page)

    # Rules that cannot hold: a clear report with the relaxation to make, no teams.
    page.locator('[data-testid="rules-link"]').click()
    assert page.locator('[data-testid="run"]').count() >= 2  # every run listed for audit
    _propose_by_keyboard(page, "20")
    report = page.locator('[data-testid="infeasible"]')
    assert "Gedeelde uren per week" in report.inner_text()
    assert "verlaag de minimale gedeelde tijd naar 4 uur" in report.inner_text()
    assert page.locator('[data-testid="problem-students"] li').count() >= 1  # named
    assert page.locator('[data-testid="team"]').count() == 0
    _accessible(page)
    page.context.close()


def test_teacher_publishes_on_a_phone_and_a_student_finds_the_team(
    chromium: Any, live_stack: LiveStack, exchange_id: int
) -> None:
    page = _teacher_page(chromium, live_stack, 375, exchange_id)
    _accessible(page)
    _propose_by_keyboard(page, "2")
    assert page.locator('[data-testid="team"]').count() == 2
    _accessible(page)
    page.focus('[data-testid="publish"]')
    page.keyboard.press("Enter")
    page.locator('[data-testid="published"]').wait_for(timeout=WAIT)
    _accessible(page)

    # A student who arrives after publishing is listed, then placed by keyboard; nobody moves.
    late = live_stack.platform("leiden").students[3]
    http, landed = launch_as(live_stack, "leiden", late.user_id)
    assert (
        http.post(
            landed, data=onboarding_form("Europe/Amsterdam", EVENINGS), timeout=10
        ).status_code
        == 200
    )
    page.reload()
    assert page.locator('[data-testid="late-joiner"]').count() == 1
    _accessible(page)
    page.focus('[data-testid="place-late"]')
    page.keyboard.press("Enter")
    report = page.locator('[data-testid="changes-report"]')
    report.wait_for(timeout=WAIT)
    assert re.search(r"is bij team T0\d geplaatst", report.inner_text())
    assert page.locator('[data-testid="no-late-joiners"]').is_visible()
    _accessible(page)
    page.focus('[data-testid="rebalance"]')
    page.keyboard.press("Enter")
    page.locator('[data-testid="changes-report"]').wait_for(timeout=WAIT)
    assert "Geen enkel team hoefde te veranderen." in report.inner_text()
    _accessible(page)
    page.context.close()

    student = live_stack.platform("bologna").students[0]
    http, _landed = launch_as(live_stack, "bologna", student.user_id)
    home = http.get(f"{live_stack.tandem_url}/exchanges/{exchange_id}", timeout=10).text
    assert "Go to your team room" in home
