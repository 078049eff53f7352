"""The teacher's grades page over HTTP: delivery state per student, retry, teachers only."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import requests
from babel.dates import format_datetime
from sqlalchemy import select

from lti.grades import LEASE, queue_score, retry_now, send_pending
from lti.launch import LtiContext
from lti.models import GradeOutbox
from plugin.courses.models import Course
from plugin.db import utcnow
from plugin.people.models import ExternalAccount
from tests.exchange_flow import launch_as
from tests.live import LiveStack


@pytest.fixture(autouse=True)
def healthy_lms(live_stack: LiveStack) -> Iterator[None]:
    yield
    for platform in live_stack.platforms.values():
        platform.services.down = False


def _row(page: str, person_id: int) -> str:
    found = re.search(rf'<tr [^>]*data-person="{person_id}".*?</tr>', page, re.S)
    assert found, page
    return found.group(0)


def test_teacher_sees_delivery_and_retries(live_stack: LiveStack) -> None:
    platform = live_stack.platform("bologna")
    teacher = launch_as(live_stack, "bologna", platform.teacher.user_id)[0]
    teacher.post(f"{live_stack.tandem_url}/timezone", data={"tz": "Asia/Tokyo"}, timeout=10)
    first, second = platform.students[0], platform.students[1]
    with live_stack.session_factory() as db:
        course_id = db.scalar(
            select(Course.id).where(Course.external_id == platform.course.context_id)
        )
        assert course_id is not None
        people = dict(
            db.execute(
                select(ExternalAccount.subject, ExternalAccount.person_id).where(
                    ExternalAccount.namespace == f"lti:{platform.issuer}"
                )
            ).all()
        )
        for student in (first, second):
            queue_score(db, course_id, people[student.user_id], score_given=80)
        platform.services.down = True
        context: LtiContext = live_stack.tandem.extensions["tandem.lti"]
        report = send_pending(db, context.client(), course_id=course_id)
        assert report.failed == 2
        retry_at = db.scalars(
            select(GradeOutbox.next_attempt_at).where(GradeOutbox.course_id == course_id)
        ).first()
        assert retry_at is not None

    page = teacher.get(f"{live_stack.tandem_url}/grades", timeout=10)

    assert page.status_code == 200
    failing = _row(page.text, people[first.user_id])
    assert 'data-state="failing"' in failing
    assert "HTTP 503" in failing
    assert first.name in failing
    tokyo = format_datetime(retry_at, "short", tzinfo=ZoneInfo("Asia/Tokyo"), locale="en")
    assert tokyo in failing
    assert format_datetime(retry_at, "short", tzinfo=ZoneInfo("UTC"), locale="en") != tokyo
    nobody = _row(page.text, people[platform.students[2].user_id])
    assert 'data-state="none"' in nobody

    platform.services.down = False
    outbox_id = re.search(r'name="outbox_id" value="(\d+)"', failing)
    assert outbox_id
    retried = teacher.post(
        f"{live_stack.tandem_url}/grades/send", data={"outbox_id": outbox_id.group(1)}, timeout=20
    )
    assert 'data-testid="send-report"' in retried.text
    assert 'data-state="delivered"' in _row(retried.text, people[first.user_id])
    assert 'data-state="failing"' in _row(retried.text, people[second.user_id])
    assert platform.services.lineitems  # the score reached the gradebook
    assert any(first.user_id in item.scores for item in platform.services.lineitems.values())

    everything = teacher.post(f"{live_stack.tandem_url}/grades/send", timeout=20)
    assert 'data-state="delivered"' in _row(everything.text, people[second.user_id])


def test_students_and_strangers_cannot_see_grades(live_stack: LiveStack) -> None:
    platform = live_stack.platform("bologna")
    student = launch_as(live_stack, "bologna", platform.students[0].user_id)[0]
    assert student.get(f"{live_stack.tandem_url}/grades", timeout=10).status_code == 403
    assert student.post(f"{live_stack.tandem_url}/grades/send", timeout=10).status_code == 403
    assert requests.get(f"{live_stack.tandem_url}/grades", timeout=10).status_code == 401


class _Killed(BaseException):
    """A sender's process dying while it sends: its claimed score stays leased."""


@pytest.mark.parametrize(
    ("lang", "being_sent", "left_alone"),
    [
        ("en", "Being sent now", "1 grade was already being sent, so it was not sent again."),
        (
            "nl",
            "Wordt nu verzonden",
            "1 cijfer werd al verzonden en is daarom niet nog eens verstuurd.",
        ),
    ],
)
def test_a_score_a_sender_holds_shows_as_being_sent_and_is_not_sent_again(
    live_stack: LiveStack, lang: str, being_sent: str, left_alone: str
) -> None:
    platform = live_stack.platform("leiden")
    teacher = launch_as(live_stack, "leiden", platform.teacher.user_id)[0]
    teacher.post(f"{live_stack.tandem_url}/language", data={"lang": lang}, timeout=10)
    teacher.post(f"{live_stack.tandem_url}/timezone", data={"tz": "Asia/Tokyo"}, timeout=10)
    student = platform.students[8 if lang == "en" else 9]
    launch_as(live_stack, "leiden", student.user_id)
    context: LtiContext = live_stack.tandem.extensions["tandem.lti"]
    client = context.client()
    with live_stack.session_factory() as db:
        course_id = db.scalar(
            select(Course.id).where(Course.external_id == platform.course.context_id)
        )
        assert course_id is not None
        person_id = db.scalar(
            select(ExternalAccount.person_id).where(
                ExternalAccount.namespace == f"lti:{platform.issuer}",
                ExternalAccount.subject == student.user_id,
            )
        )
        assert person_id is not None
        retry_now(db, course_id)  # earlier tests' scores go out now: only ours waits
        send_pending(db, client, course_id=course_id)
        queue_score(db, course_id, person_id, score_given=75)
        send = client.request

        def dies(*args: Any, **kwargs: Any) -> Any:
            if args[2] == "POST" and args[3].endswith("/scores"):
                raise _Killed
            return send(*args, **kwargs)

        client.request = dies  # type: ignore[method-assign]
        with pytest.raises(_Killed):
            send_pending(db, client, course_id=course_id)
        client.request = send  # type: ignore[method-assign]
    received = sum(len(item.received) for item in platform.services.lineitems.values())
    try:
        page = teacher.get(f"{live_stack.tandem_url}/grades", timeout=10)
        row = _row(page.text, person_id)
        assert 'data-state="sending"' in row
        assert being_sent in row
        assert 'name="outbox_id"' not in row  # no retry for a score on its way
        assert "75.0 / 100" in row if lang == "en" else "75,0 / 100" in row
        # When the sender's hold ends, in the teacher's zone: then the next run sends it.
        with live_stack.session_factory() as db:
            lease = db.scalar(
                select(GradeOutbox.leased_until).where(GradeOutbox.person_id == person_id)
            )
        assert lease is not None
        tokyo = format_datetime(lease, "short", tzinfo=ZoneInfo("Asia/Tokyo"), locale=lang)
        assert tokyo in row
        assert 'data-testid="being-sent-note"' in page.text
        # Nothing else waits, so there is nothing to send by hand.
        assert 'data-testid="send-all"' not in page.text

        sent = teacher.post(f"{live_stack.tandem_url}/grades/send", timeout=20)

        report = re.search(r'data-testid="send-report">(.*?)</p>', sent.text, re.S)
        assert report, sent.text
        assert left_alone in report.group(1)
        assert 'data-state="sending"' in _row(sent.text, person_id)
        after = sum(len(item.received) for item in platform.services.lineitems.values())
        assert after == received  # the leased score was not sent a second time
    finally:
        with live_stack.session_factory() as db:  # the lease ends: the score goes out once
            later = send_pending(db, client, course_id=course_id, now=utcnow() + LEASE)
    assert later.delivered == 1
