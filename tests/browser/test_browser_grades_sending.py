"""A score a sender holds, on the teacher's grades page in chromium: it reads "Being sent now",
says in the teacher's own zone when it goes out again if this send is interrupted, offers no
retry (and no "send all" when nothing else waits), writes the score the teacher's way ("85,0"
in Dutch); axe-core clean at 1280 and 390 px, in English and Dutch, and the page itself never
scrolls sideways: on a phone each student is a card of labelled lines."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_datetime
from sqlalchemy import select, update

from lti.grades import LEASE, queue_score
from lti.models import GradeOutbox
from plugin.courses.models import CourseMembership
from plugin.db import utcnow
from tests.browser.test_browser_launch import axe_violations, open_from_lms
from tests.exchange_flow import TwoUniversityExchange, set_up_two_university_exchange
from tests.live import LiveStack

pytestmark = pytest.mark.browser
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright for Python is missing")
WAIT = 15000


@pytest.fixture(scope="module")
def held(live_stack: LiveStack) -> tuple[TwoUniversityExchange, int]:
    """A Leiden student's score, claimed by a sender that has not finished (its lease runs)."""
    flow = set_up_two_university_exchange(live_stack)
    student = flow.student_ids[0]
    with live_stack.session_factory() as db:
        course = db.scalar(
            select(CourseMembership.course_id).where(CourseMembership.person_id == student)
        )
        assert course is not None
        queue_score(db, course, student, score_given=85)
        db.execute(
            update(GradeOutbox)
            .where(GradeOutbox.person_id == student)
            .values(leased_until=utcnow() + LEASE)
        )
        db.commit()
    return flow, student


@pytest.mark.parametrize(
    ("width", "lang", "state", "score"),
    [
        (1280, "en", "Being sent now", "85.0 / 100"),
        (390, "nl", "Wordt nu verzonden", "85,0 / 100"),
    ],
)
def test_a_held_score_reads_as_being_sent_in_the_teachers_zone(
    browser: Any,
    live_stack: LiveStack,
    held: tuple[TwoUniversityExchange, int],
    width: int,
    lang: str,
    state: str,
    score: str,
    tmp_path: Path,
) -> None:
    _flow, student = held
    context = browser.new_context(
        bypass_csp=True,
        viewport={"width": width, "height": 844},
        locale=lang,
        timezone_id="America/Mexico_City",
    )
    page = context.new_page()
    teacher = live_stack.platform("leiden").teacher
    open_from_lms(page, live_stack, "leiden", teacher.user_id)  # and the zone reaches the session
    page.goto(f"{live_stack.tandem_url}/grades?lang={lang}")
    row = page.locator(f'tr[data-person="{student}"]')
    row.wait_for(timeout=WAIT)
    assert row.get_attribute("data-state") == "sending"
    text = row.inner_text()
    assert state in text
    assert score in text
    with live_stack.session_factory() as db:
        lease = db.scalar(select(GradeOutbox.leased_until).where(GradeOutbox.person_id == student))
    assert lease is not None
    zone = ZoneInfo("America/Mexico_City")
    assert format_datetime(lease, "short", tzinfo=zone, locale=lang) in text
    assert row.locator('button, input[name="outbox_id"]').count() == 0  # no retry by hand
    assert page.get_by_test_id("send-all").count() == 0  # nothing else waits
    assert page.get_by_test_id("being-sent-note").is_visible()
    # The caption's words sit inside the scrolling region, however wide the table behind.
    inside = page.evaluate(
        """() => {
          const caption = document.querySelector("table.grades caption");
          const words = document.createRange();
          words.selectNodeContents(caption);
          const text = words.getBoundingClientRect();
          const region = caption.closest(".table-scroll").getBoundingClientRect();
          return text.left >= region.left && text.right <= region.right;
        }"""
    )
    assert inside
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # When it goes out again is in view without scrolling sideways (on a phone, a card).
    retry = row.locator("td").nth(4).bounding_box()
    assert retry is not None
    assert retry["x"] + retry["width"] <= width
    shots = Path(os.environ.get("TANDEM_SCREENSHOTS", "") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"grades-sending-{width}-{lang}.png"), full_page=True)
    assert axe_violations(page) == []
    context.close()
