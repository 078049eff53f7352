"""NRPS roster sync and AGS grade passback against the demo LMS over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from demo.platforms import DemoPlatform
from lti.claims import NRPS_SCOPE
from lti.grades import (
    LEASE,
    DeliveryReport,
    RetryReport,
    grade_statuses,
    queue_score,
    read_results,
    retry_now,
    send_pending,
)
from lti.launch import LtiContext
from lti.models import GradeOutbox
from lti.roster import sync_course_roster
from lti.services import ServiceClient, ServiceError, endpoints_for, next_page_url
from plugin.courses.models import Course, CourseMembership
from plugin.db import utcnow
from plugin.notifications.models import Notification
from plugin.people.models import ExternalAccount, Person
from tests.live import Launcher, LiveStack


@pytest.fixture
def client(live_stack: LiveStack) -> ServiceClient:
    context: LtiContext = live_stack.tandem.extensions["tandem.lti"]
    return context.client()


@pytest.fixture
def db(live_stack: LiveStack) -> Iterator[Session]:
    with live_stack.session_factory() as session:
        yield session


@pytest.fixture(autouse=True)
def healthy_lms(live_stack: LiveStack) -> Iterator[None]:
    """Every test starts and ends with both LMSs up, named and unpaged."""
    yield
    for platform in live_stack.platforms.values():
        platform.anonymous = False
        platform.services.down = False
        platform.services.failures.clear()
        platform.services.departed.clear()
        platform.services.extra_members.clear()
        platform.services.page_size = 100


def _course_id(db: Session, platform: DemoPlatform) -> int:
    course_id = db.scalar(select(Course.id).where(Course.external_id == platform.course.context_id))
    assert course_id is not None
    return course_id


def _person_id(db: Session, platform: DemoPlatform, user_id: str) -> int:
    person_id = db.scalar(
        select(ExternalAccount.person_id).where(
            ExternalAccount.namespace == f"lti:{platform.issuer}",
            ExternalAccount.subject == user_id,
        )
    )
    assert person_id is not None
    return person_id


def _memberships(db: Session, course_id: int) -> dict[str, CourseMembership]:
    rows = db.execute(
        select(ExternalAccount.subject, CourseMembership)
        .join(CourseMembership, CourseMembership.person_id == ExternalAccount.person_id)
        .where(CourseMembership.course_id == course_id)
    ).all()
    return dict(rows)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ('<https://lms/m?page=2>; rel="next"', "https://lms/m?page=2"),
        ("<https://lms/m?page=2>; rel=next", "https://lms/m?page=2"),
        (
            '<https://lms/m?p=1>; rel="prev", <https://lms/m?p=3>; rel="next last"',
            "https://lms/m?p=3",
        ),
        ("<https://lms/m?p=1>; rel=prev", None),
        (None, None),
    ],
)
def test_next_page_is_found_with_and_without_quotes(
    header: str | None, expected: str | None
) -> None:
    assert next_page_url(header) == expected


def _transaction_at_each_lms_call(
    monkeypatch: pytest.MonkeyPatch, client: ServiceClient, db: Session
) -> list[bool]:
    """Whether ``db`` was in a transaction at each request and page the client makes."""
    during: list[bool] = []
    send, fetch = client.request, client.pages

    def request(*args: Any, **kwargs: Any) -> Any:
        during.append(db.in_transaction())
        return send(*args, **kwargs)

    def pages(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for page in fetch(*args, **kwargs):
            during.append(db.in_transaction())
            yield page

    monkeypatch.setattr(client, "request", request)
    monkeypatch.setattr(client, "pages", pages)
    return during


def test_the_roster_is_read_from_the_lms_outside_any_transaction(
    launcher: Launcher,
    live_stack: LiveStack,
    db: Session,
    client: ServiceClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On SQLite a transaction holds the write lock: nobody should wait for the LMS."""
    platform = live_stack.platform("leiden")
    launcher.full_launch("leiden", platform.teacher.user_id)
    course_id = _course_id(db, platform)
    assert db.in_transaction()
    during = _transaction_at_each_lms_call(monkeypatch, client, db)
    sync_course_roster(db, client, course_id)
    assert during
    assert not any(during)


@pytest.mark.parametrize("slug", ["leiden", "bologna"])  # rel=next unquoted, then quoted
def test_a_launch_syncs_the_whole_roster_over_three_pages(
    launcher: Launcher, live_stack: LiveStack, db: Session, client: ServiceClient, slug: str
) -> None:
    platform = live_stack.platform(slug)
    platform.services.extra_members.append(
        {
            "status": "Active",
            "user_id": f"{slug}-never-launched",
            "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            "name": "Noor Haddad",
        }
    )
    platform.services.page_size = 3  # 13 users + 1 = pages of 3, 3, 3, 3 and 2
    pages = -(-(len(platform.users) + 1) // 3)
    before = platform.services.requests

    assert launcher.full_launch(slug, platform.teacher.user_id).status_code == 200

    course_id = _course_id(db, platform)
    endpoints = endpoints_for(db, course_id)
    if endpoints.roster_synced_at is None or platform.services.requests - before < pages:
        # An earlier test in this module synced already (not stale): sync on demand.
        before = platform.services.requests
        sync_course_roster(db, client, course_id)
    assert platform.services.requests - before == pages
    members = _memberships(db, course_id)
    assert set(members) >= {u.user_id for u in platform.users} | {f"{slug}-never-launched"}
    assert all(members[u.user_id].left_at is None for u in platform.users)

    again = sync_course_roster(db, client, course_id)
    assert (again.added, again.updated, again.left) == (0, 0, 0)


def test_members_who_left_are_marked_and_come_back(
    launcher: Launcher, live_stack: LiveStack, db: Session, client: ServiceClient
) -> None:
    platform = live_stack.platform("bologna")
    launcher.full_launch("bologna", platform.teacher.user_id)
    course_id = _course_id(db, platform)
    sync_course_roster(db, client, course_id)
    leaver = platform.students[3]
    platform.services.departed.add(leaver.user_id)

    result = sync_course_roster(db, client, course_id)

    assert result.left == 1
    db.expire_all()
    # The leaver never opened Tandem from this course: forgotten, not kept as "left".
    assert leaver.user_id not in _memberships(db, course_id)
    platform.services.departed.clear()
    assert sync_course_roster(db, client, course_id).added == 1
    db.expire_all()
    assert _memberships(db, course_id)[leaver.user_id].left_at is None


def test_anonymous_roster_brings_people_without_names(
    launcher: Launcher, live_stack: LiveStack, db: Session, client: ServiceClient
) -> None:
    platform = live_stack.platform("leiden")
    launcher.full_launch("leiden", platform.teacher.user_id)
    platform.anonymous = True
    platform.services.extra_members.append(
        {
            "status": "Active",
            "user_id": "anon-only-9001",
            "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
            "name": "Should Not Be Sent",
        }
    )
    course_id = _course_id(db, platform)

    result = sync_course_roster(db, client, course_id)

    assert result.added >= 1
    person = db.get(Person, _person_id(db, platform, "anon-only-9001"))
    assert person is not None
    assert person.lms_name is None
    assert person.email is None


def _launched_student(
    launcher: Launcher, live_stack: LiveStack, db: Session, slug: str, index: int = 0
) -> tuple[DemoPlatform, int, int]:
    platform = live_stack.platform(slug)
    student = platform.students[index]
    assert launcher.full_launch(slug, student.user_id).status_code == 200
    return platform, _course_id(db, platform), _person_id(db, platform, student.user_id)


def test_a_score_reaches_moodles_lineitem_and_reads_back(
    launcher: Launcher, live_stack: LiveStack, db: Session, client: ServiceClient
) -> None:
    platform, course_id, person_id = _launched_student(launcher, live_stack, db, "bologna")
    row = queue_score(db, course_id, person_id, score_given=87.5, comment="Great teamwork")

    report = send_pending(db, client)

    assert report.delivered >= 1
    db.refresh(row)
    assert row.delivered_at is not None
    assert row.last_error is None
    item = platform.services.lineitems[
        platform.links[platform.course.resource_link_id].lineitem_id or ""
    ]
    posted = item.scores[platform.students[0].user_id]
    assert posted["scoreGiven"] == 87.5
    assert posted["scoreMaximum"] == 100
    assert posted["activityProgress"] == "Completed"
    assert posted["gradingProgress"] == "FullyGraded"
    results = read_results(db, client, course_id)
    assert {"userId": platform.students[0].user_id, "resultScore": 87.5}.items() <= next(
        r for r in results if r["userId"] == platform.students[0].user_id
    ).items()


def test_scores_are_sent_to_the_lms_outside_any_transaction(
    launcher: Launcher,
    live_stack: LiveStack,
    db: Session,
    client: ServiceClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As the roster: on SQLite nobody should wait on the write lock for the LMS's answer."""
    _, course_id, person_id = _launched_student(launcher, live_stack, db, "leiden", 3)
    queue_score(db, course_id, person_id, score_given=9, score_maximum=10)
    assert db.scalar(select(Course.id).where(Course.id == course_id)) == course_id
    during = _transaction_at_each_lms_call(monkeypatch, client, db)
    assert send_pending(db, client, course_id=course_id).delivered == 1
    assert during
    assert not any(during)


def test_brightspace_gets_one_tandem_lineitem_created(
    launcher: Launcher, live_stack: LiveStack, db: Session, client: ServiceClient
) -> None:
    platform, course_id, person_id = _launched_student(launcher, live_stack, db, "leiden")
    before = {i.id for i in platform.services.lineitems.values() if i.tag == "tandem"}
    queue_score(db, course_id, person_id, score_given=3, score_maximum=10)
    queue_score(
        db,
        course_id,
        person_id,
        score_given=None,
        activity_progress="InProgress",
        grading_progress="Pending",
    )

    send_pending(db, client)

    tandem_items = [i for i in platform.services.lineitems.values() if i.tag == "tandem"]
    assert len(tandem_items) == 1
    assert before <= {tandem_items[0].id}
    latest = tandem_items[0].scores[platform.students[0].user_id]
    assert latest["activityProgress"] == "InProgress"
    assert "scoreGiven" not in latest


def test_an_lms_error_is_retried_with_backoff_until_delivered(
    launcher: Launcher, live_stack: LiveStack, db: Session, client: ServiceClient
) -> None:
    platform, course_id, person_id = _launched_student(launcher, live_stack, db, "bologna", 1)
    send_pending(db, client)  # nothing else due
    row = queue_score(db, course_id, person_id, score_given=70)
    platform.services.failures.append(500)

    first = send_pending(db, client)

    assert (first.delivered, first.failed) == (0, 1)
    db.refresh(row)
    assert row.delivered_at is None
    assert "500" in (row.last_error or "")
    assert row.next_attempt_at > utcnow()
    assert send_pending(db, client).delivered == 0  # not due yet: backoff holds

    second = send_pending(db, client, now=utcnow() + timedelta(minutes=2))

    assert second.delivered == 1
    db.refresh(row)
    assert row.delivered_at is not None
    assert row.attempts == 2
    statuses = {s.person_id: s for s in grade_statuses(db, course_id)}
    assert statuses[person_id].delivered_at is not None


def test_an_lms_down_for_the_whole_test_loses_nothing(
    launcher: Launcher, live_stack: LiveStack, db: Session, client: ServiceClient
) -> None:
    platform, course_id, _ = _launched_student(launcher, live_stack, db, "bologna", 2)
    send_pending(db, client)
    people = [_person_id(db, platform, s.user_id) for s in platform.students[:3]]
    ids = [queue_score(db, course_id, p, score_given=50 + i).id for i, p in enumerate(people)]
    platform.services.down = True
    client.tokens._tokens.clear()  # a cached token would hide the token endpoint's outage

    moment = utcnow()
    for _ in range(4):
        moment += timedelta(hours=7)
        report = send_pending(db, client, now=moment)
        assert report.delivered == 0

    rows = db.scalars(select(GradeOutbox).where(GradeOutbox.id.in_(ids))).all()
    assert len(rows) == 3
    assert all(r.delivered_at is None and r.attempts == 4 and r.last_error for r in rows)
    statuses = grade_statuses(db, course_id)
    assert any(s.last_error for s in statuses)


def test_a_token_without_the_scope_is_refused(
    launcher: Launcher, live_stack: LiveStack, db: Session, client: ServiceClient
) -> None:
    platform, course_id, _ = _launched_student(launcher, live_stack, db, "bologna")
    endpoints = endpoints_for(db, course_id)
    with pytest.raises(ServiceError) as refused:
        client.request(
            endpoints.registration,
            (NRPS_SCOPE,),
            "POST",
            f"{platform.lineitems_url}/1/scores",
            json_body={"userId": platform.students[0].user_id},
        )
    assert refused.value.status == 403


def test_an_expired_token_is_renewed_once(
    launcher: Launcher, live_stack: LiveStack, db: Session, client: ServiceClient
) -> None:
    _platform, course_id, _ = _launched_student(launcher, live_stack, db, "bologna")
    endpoints = endpoints_for(db, course_id)
    client.tokens.put((endpoints.registration.id, NRPS_SCOPE), "expired-or-revoked", 3600)

    result = sync_course_roster(db, client, course_id)

    assert result.left == 0
    assert client.tokens.get((endpoints.registration.id, NRPS_SCOPE)) != "expired-or-revoked"


def test_a_refused_score_tells_the_teachers_once_a_day_and_a_500_does_not(
    launcher: Launcher, live_stack: LiveStack, db: Session, client: ServiceClient
) -> None:
    platform = live_stack.platform("leiden")
    assert launcher.full_launch("leiden", platform.teacher.user_id).status_code == 200
    platform, course_id, person_id = _launched_student(launcher, live_stack, db, "leiden", 3)
    teacher_id = _person_id(db, platform, platform.teacher.user_id)
    send_pending(db, client)  # nothing else due
    db.execute(delete(Notification).where(Notification.kind == "grades_refused"))
    db.commit()

    def told() -> list[Notification]:
        db.expire_all()
        return list(db.scalars(select(Notification).where(Notification.kind == "grades_refused")))

    row = queue_score(db, course_id, person_id, score_given=61)
    platform.services.failures.append(500)  # a hiccup: retried, nobody is bothered
    assert send_pending(db, client).failed == 1
    assert told() == []

    platform.services.failures.extend([422, 422])  # the LMS says no
    assert send_pending(db, client, now=utcnow() + timedelta(minutes=2)).failed == 1
    [notice] = told()
    assert notice.person_id == teacher_id
    assert notice.target == f"grades:{course_id}"
    assert notice.params["course"]
    assert send_pending(db, client, now=utcnow() + timedelta(minutes=10)).failed == 1
    assert len(told()) == 1  # the same day: one notice, however many refusals
    db.refresh(row)
    assert row.delivered_at is None


def _scores_posted_since(platform: DemoPlatform, before: dict[str, int]) -> list[str]:
    """The userId of every score the LMS received after ``before`` (posts per line item)."""
    return [
        str(post["userId"])
        for item_id, item in platform.services.lineitems.items()
        for post in item.received[before.get(item_id, 0) :]
    ]


def _posted_so_far(platform: DemoPlatform) -> dict[str, int]:
    return {item_id: len(item.received) for item_id, item in platform.services.lineitems.items()}


def _launched_students(
    launcher: Launcher, live_stack: LiveStack, db: Session, slug: str, indexes: tuple[int, ...]
) -> list[int]:
    """Launch each student first (no read of ``db`` open meanwhile), then their person ids."""
    platform = live_stack.platform(slug)
    for index in indexes:
        assert launcher.full_launch(slug, platform.students[index].user_id).status_code == 200
    return [_person_id(db, platform, platform.students[i].user_id) for i in indexes]


def _deliver_leftovers(db: Session, client: ServiceClient, course_id: int) -> None:
    """Earlier tests' scores still waiting for a retry go out now, so only ours are counted."""
    retry_now(db, course_id)
    assert send_pending(db, client, course_id=course_id).failed == 0


class _Killed(BaseException):
    """A sender's process dying mid-chunk: nothing in send_pending catches it."""


def test_a_retry_while_a_sender_sends_never_sends_a_score_twice(
    launcher: Launcher,
    live_stack: LiveStack,
    db: Session,
    client: ServiceClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One sender has claimed three scores and is sending the first; meanwhile the teacher
    presses "send again" and a second sender (a worker, the teacher's own send-now) runs.
    The retry leaves the claimed scores alone, so each reaches the gradebook once."""
    platform = live_stack.platform("bologna")
    people = _launched_students(launcher, live_stack, db, "bologna", (4, 5, 6))
    course_id = _course_id(db, platform)
    _deliver_leftovers(db, client, course_id)
    before = _posted_so_far(platform)
    for index, person_id in enumerate(people):
        queue_score(db, course_id, person_id, score_given=60 + index)
    retried: list[RetryReport] = []
    second: list[DeliveryReport] = []
    send = client.request

    def request(*args: Any, **kwargs: Any) -> Any:
        method, url = args[2], args[3]
        if method == "POST" and url.endswith("/scores") and not retried:
            with live_stack.session_factory() as teacher:
                retried.append(retry_now(teacher, course_id))
            with live_stack.session_factory() as other:
                second.append(send_pending(other, client, course_id=course_id))
        return send(*args, **kwargs)

    monkeypatch.setattr(client, "request", request)

    first = send_pending(db, client, course_id=course_id)

    posted = _scores_posted_since(platform, before)
    expected = {platform.students[i].user_id for i in (4, 5, 6)}
    assert sorted(posted) == sorted(expected)  # each score once
    assert retried == [RetryReport(made_due=0, being_sent=3)]
    assert second == [DeliveryReport(delivered=0, failed=0)]
    assert (first.delivered, first.failed) == (3, 0)
    db.expire_all()
    rows = db.scalars(select(GradeOutbox).where(GradeOutbox.course_id == course_id)).all()
    assert all(r.leased_until is None for r in rows if r.person_id in people)


def test_a_sender_killed_mid_chunk_holds_its_scores_until_the_lease_ends(
    launcher: Launcher,
    live_stack: LiveStack,
    db: Session,
    client: ServiceClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    platform = live_stack.platform("leiden")
    people = _launched_students(launcher, live_stack, db, "leiden", (5, 6))
    course_id = _course_id(db, platform)
    _deliver_leftovers(db, client, course_id)
    for person_id in people:
        queue_score(db, course_id, person_id, score_given=7, score_maximum=10)
    send = client.request

    def dies(*args: Any, **kwargs: Any) -> Any:
        if args[2] == "POST" and args[3].endswith("/scores"):
            raise _Killed
        return send(*args, **kwargs)

    monkeypatch.setattr(client, "request", dies)
    with pytest.raises(_Killed):
        send_pending(db, client, course_id=course_id)
    monkeypatch.setattr(client, "request", send)
    db.rollback()
    before = _posted_so_far(platform)

    assert retry_now(db, course_id) == RetryReport(made_due=0, being_sent=2)
    statuses = {s.person_id: s for s in grade_statuses(db, course_id)}
    assert {statuses[p].state for p in people} == {"sending"}
    assert send_pending(db, client, course_id=course_id).delivered == 0  # still leased

    later = send_pending(db, client, course_id=course_id, now=utcnow() + LEASE)

    assert (later.delivered, later.failed) == (2, 0)
    assert sorted(_scores_posted_since(platform, before)) == sorted(
        platform.students[i].user_id for i in (5, 6)
    )
    assert retry_now(db, course_id) == RetryReport(made_due=0, being_sent=0)
