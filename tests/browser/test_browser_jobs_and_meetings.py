"""In chromium at 320 px, English and Dutch, axe-core clean: a registrar watches a bulk
issuing job's progress (the counts update by the page's small poll when the worker moves
on), and a student agrees on a team meeting by keyboard and sees it in their own zone."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from plugin.actors import Actor, Role
from plugin.credentials.models import IssuingJob
from plugin.db import utcnow
from plugin.people.models import Person
from plugin.registrars.service import add_registrar
from plugin.teams.service import create_team
from tests.browser.test_browser_launch import open_from_lms
from tests.browser.test_browser_matching_pages import _accessible
from tests.exchange_flow import TwoUniversityExchange, set_up_two_university_exchange
from tests.live import LiveStack

pytestmark = pytest.mark.browser

WAIT = 15000
SHOTS = (
    Path(os.environ.get("TANDEM_SCREENSHOTS", "")) if os.environ.get("TANDEM_SCREENSHOTS") else None
)


@pytest.fixture(scope="module")
def exchange(live_stack: LiveStack) -> TwoUniversityExchange:
    return set_up_two_university_exchange(live_stack)


@pytest.fixture(scope="module")
def team_id(live_stack: LiveStack, exchange: TwoUniversityExchange) -> int:
    with live_stack.session_factory() as db:
        teacher = Actor(exchange.owner_id, Role.TEACHER, None)
        return create_team(db, teacher, exchange.id, "Rivers 1", exchange.student_ids).id


def _shot(page: Any, tmp_path: Path, name: str) -> None:
    page.screenshot(path=str((SHOTS or tmp_path) / name), full_page=True)


def _page(chromium: Any, stack: LiveStack, slug: str, user_id: str, lang: str) -> Any:
    context = chromium.new_context(
        viewport={"width": 320, "height": 700},
        bypass_csp=True,
        locale="en-US",
        timezone_id="America/New_York",
    )
    page = context.new_page()
    open_from_lms(page, stack, slug, user_id)
    page.select_option("#lang-select", lang)
    with page.expect_navigation():
        page.locator("form.language button").click()
    return page


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_the_registrar_watches_a_job_move(
    chromium: Any, live_stack: LiveStack, exchange: TwoUniversityExchange, lang: str, tmp_path: Path
) -> None:
    with live_stack.session_factory() as db:
        teacher = db.get(Person, exchange.owner_id)
        assert teacher is not None
        institution_id = teacher.institution_id
        if not db.scalar(select(IssuingJob.id).where(IssuingJob.request_key == f"shot-{lang}")):
            try:
                add_registrar(db, teacher.id, institution_id)
            except Exception:
                db.rollback()
        job = IssuingJob(
            institution_id=institution_id,
            exchange_id=exchange.id,
            requested_by_id=teacher.id,
            request_key=f"shot-{lang}-{utcnow().timestamp()}",
            total=40,
            done=12,
            failed=1,
            last_error="The awarding institution has no country; an administrator must set it.",
        )
        db.add(job)
        db.commit()
        job_id = job.id
    leiden = live_stack.platform("leiden")
    page = _page(chromium, live_stack, "leiden", leiden.teacher.user_id, lang)
    page.goto(f"{live_stack.tandem_url}/registrar/jobs/{job_id}")
    status = page.locator('[data-testid="job-progress"]')
    assert status.get_attribute("role") == "status"
    issued = "12 of 40 issued" if lang == "en" else "12 van 40 uitgegeven"
    assert issued in status.inner_text()
    _accessible(page)
    _shot(page, tmp_path, f"job-running-320-{lang}.png")

    with live_stack.session_factory() as db:  # the worker finishes meanwhile
        db.execute(
            update(IssuingJob).where(IssuingJob.id == job_id).values(done=39, finished_at=utcnow())
        )
        db.commit()
    finished = "39 of 40 issued" if lang == "en" else "39 van 40 uitgegeven"
    page.wait_for_function(
        "t => document.getElementById('job-progress').innerText.includes(t)",
        arg=finished,
        timeout=WAIT,
    )
    assert status.get_attribute("data-poll") is None  # done: the poll stops
    _accessible(page)
    _shot(page, tmp_path, f"job-finished-320-{lang}.png")
    page.context.close()


@pytest.mark.parametrize("lang", ["en", "nl"])
def test_a_student_agrees_on_a_meeting_by_keyboard(
    chromium: Any, live_stack: LiveStack, team_id: int, lang: str, tmp_path: Path
) -> None:
    clock = "18:30" if lang == "en" else "19:45"
    student = live_stack.platform("leiden").students[0]
    page = _page(chromium, live_stack, "leiden", student.user_id, lang)
    page.goto(f"{live_stack.tandem_url}/teams/{team_id}/room")
    page.locator('[data-testid="agree-form"]').wait_for(timeout=WAIT)
    page.fill("#agree-date", "2027-02-10")
    page.fill("#agree-time", clock)
    page.focus('[data-testid="agree-form"] button[type="submit"]')
    page.keyboard.press("Enter")
    meeting = page.locator('[data-testid="agreed-meeting"]', has_text=clock)
    meeting.wait_for(timeout=WAIT)
    text = meeting.inner_text()  # the viewer's zone, 24-hour clock in both languages
    assert ("februari" if lang == "nl" else "February") in text
    _accessible(page)
    page.locator("#agreed-heading").scroll_into_view_if_needed()
    _shot(page, tmp_path, f"room-meeting-320-{lang}.png")
    page.locator('[data-testid="agreed-meetings"]').screenshot(
        path=str((SHOTS or tmp_path) / f"room-agreed-320-{lang}.png")
    )
    page.context.close()
