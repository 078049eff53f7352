"""Assignment and Grade Services through a durable outbox.

``queue_score`` commits a row before any HTTP call; ``send_pending`` delivers due rows one by
one, committing each outcome, so a crash, an LMS that is down or one that answers 500 costs a
retry with exponential backoff and never a score. Rows stay after delivery: they are the
teacher's record of what reached the gradebook.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sqlalchemy import ColumnElement, func, or_, select, update
from sqlalchemy.orm import Session

from lti.claims import (
    AGS_LINEITEM_SCOPE,
    AGS_RESULT_READ_SCOPE,
    AGS_SCORE_SCOPE,
)
from lti.health import note_refusal, note_token_granted
from lti.models import GradeOutbox, Registration, ServiceEndpoints
from lti.services import (
    ServiceClient,
    ServiceError,
    before_calling_the_lms,
    endpoints_for,
    stored_message,
)
from plugin.courses.notices import tell_grades_refused
from plugin.courses.service import current_students
from plugin.db import utcnow
from plugin.errors import InvalidInput, NotFound
from plugin.i18n import N_, Text
from plugin.people.models import ExternalAccount, Person

ACTIVITY_PROGRESS = frozenset({"Initialized", "Started", "InProgress", "Submitted", "Completed"})
GRADING_PROGRESS = frozenset({"FullyGraded", "Pending", "PendingManual", "Failed", "NotReady"})
LINEITEM_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitem+json"
LINEITEMS_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
SCORE_MEDIA_TYPE = "application/vnd.ims.lis.v1.score+json"
RESULTS_MEDIA_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"
logger = logging.getLogger(__name__)
TANDEM_TAG = "tandem"
DEFAULT_SCORE_MAXIMUM = 100.0
FIRST_RETRY = timedelta(seconds=30)
LONGEST_RETRY = timedelta(hours=6)


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... capped at 6 h: an LMS down for a weekend is retried all along."""
    return min(FIRST_RETRY * int(2 ** min(max(attempts - 1, 0), 20)), LONGEST_RETRY)


def _lti_user_id(session: Session, endpoints: ServiceEndpoints, person_id: int) -> str:
    namespace = f"lti:{endpoints.registration.issuer}"
    subject = session.scalar(
        select(ExternalAccount.subject).where(
            ExternalAccount.person_id == person_id, ExternalAccount.namespace == namespace
        )
    )
    if subject is None:
        raise NotFound(N_("This person has no account at the course's learning platform."))
    return subject


def queue_score(
    session: Session,
    course_id: int,
    person_id: int,
    *,
    score_given: float | None,
    score_maximum: float = DEFAULT_SCORE_MAXIMUM,
    activity_progress: str = "Completed",
    grading_progress: str = "FullyGraded",
    comment: str | None = None,
) -> GradeOutbox:
    """Record a score for delivery to the course's gradebook; committed before any HTTP."""
    if activity_progress not in ACTIVITY_PROGRESS:
        raise InvalidInput(N_("Unknown activity progress."))
    if grading_progress not in GRADING_PROGRESS:
        raise InvalidInput(N_("Unknown grading progress."))
    if score_maximum <= 0 or (score_given is not None and score_given < 0):
        raise InvalidInput(N_("A score must be zero or more, out of a positive maximum."))
    if session.get(Person, person_id) is None:
        raise NotFound(N_("This person is not known to Tandem."))
    endpoints = endpoints_for(session, course_id)
    row = GradeOutbox(
        course_id=course_id,
        person_id=person_id,
        user_id=_lti_user_id(session, endpoints, person_id),
        score_given=score_given,
        score_maximum=score_maximum,
        activity_progress=activity_progress,
        grading_progress=grading_progress,
        comment=comment,
        scored_at=utcnow(),
        next_attempt_at=utcnow(),
    )
    session.add(row)
    session.commit()
    return row


def _with_path_suffix(url: str, suffix: str) -> str:
    """``<lineitem>/scores`` keeping the line item URL's query string (Moodle puts ids there)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=parts.path.rstrip("/") + suffix))


def ensure_lineitem(session: Session, client: ServiceClient, endpoints: ServiceEndpoints) -> str:
    """The line item to report to: the launch's, an earlier Tandem one, or a new one.

    Brightspace gives LTI 1.3 links no grade column; Tandem finds its own (by tag) or creates
    it, and remembers it so a second delivery never creates a duplicate column.
    """
    if endpoints.lineitem_url:
        return endpoints.lineitem_url
    if not endpoints.lineitems_url:
        raise ServiceError(N_("This course's LMS offers no gradebook service (AGS)."))
    # Committed at once, before any score is sent: a failed score send rolls back, and the
    # column the LMS now has must still be remembered, or the next attempt makes another.
    endpoints.lineitem_url = _find_or_create_lineitem(client, endpoints, endpoints.lineitems_url)
    session.commit()
    return endpoints.lineitem_url


def _find_or_create_lineitem(
    client: ServiceClient, endpoints: ServiceEndpoints, lineitems_url: str
) -> str:
    """The id of Tandem's own column (found by its tag), created when there is none."""
    registration = endpoints.registration
    scopes = (AGS_LINEITEM_SCOPE,)
    for page in client.pages(
        registration,
        scopes,
        _with_query(lineitems_url, {"tag": TANDEM_TAG}),
        accept=LINEITEMS_MEDIA_TYPE,
    ):
        for item in page if isinstance(page, list) else []:
            if isinstance(item, dict) and item.get("tag") == TANDEM_TAG and item.get("id"):
                return str(item["id"])
    body = {
        "scoreMaximum": DEFAULT_SCORE_MAXIMUM,
        "label": "Tandem",
        "tag": TANDEM_TAG,
        "resourceId": f"tandem-course-{endpoints.course_id}",
    }
    response = client.request(
        registration,
        scopes,
        "POST",
        lineitems_url,
        json_body=body,
        accept=LINEITEM_MEDIA_TYPE,
        content_type=LINEITEM_MEDIA_TYPE,
    )
    created = response.json()
    if not isinstance(created, dict) or not created.get("id"):
        raise ServiceError(N_("The LMS created a line item but did not say where."))
    return str(created["id"])


def _with_query(url: str, extra: dict[str, str]) -> str:
    parts = urlsplit(url)
    added = "&".join(f"{k}={v}" for k, v in extra.items())
    return urlunsplit(parts._replace(query=f"{parts.query}&{added}" if parts.query else added))


def _score_body(row: GradeOutbox) -> dict[str, Any]:
    body: dict[str, Any] = {
        "userId": row.user_id,
        "activityProgress": row.activity_progress,
        "gradingProgress": row.grading_progress,
        "timestamp": row.scored_at.isoformat(),
    }
    if row.score_given is not None:
        body["scoreGiven"] = row.score_given
        body["scoreMaximum"] = row.score_maximum
    if row.comment:
        body["comment"] = row.comment
    return body


@dataclass(frozen=True)
class DeliveryReport:
    delivered: int
    failed: int


def _deliver(session: Session, client: ServiceClient, row: GradeOutbox) -> None:
    endpoints = endpoints_for(session, row.course_id)
    _ = endpoints.registration  # loaded now, for the requests after the commit
    before_calling_the_lms(session)
    lineitem = ensure_lineitem(session, client, endpoints)
    client.request(
        endpoints.registration,
        (AGS_SCORE_SCOPE,),
        "POST",
        _with_path_suffix(lineitem, "/scores"),
        json_body=_score_body(row),
        content_type=SCORE_MEDIA_TYPE,
    )


CLAIM_CHUNK = 50
LEASE = timedelta(minutes=2)


def send_pending(
    session: Session,
    client: ServiceClient,
    *,
    now: datetime | None = None,
    limit: int = 1000,
    course_id: int | None = None,
) -> DeliveryReport:
    """Deliver every due score (of one course, if named), oldest first; each outcome is
    committed on its own.

    Rows are claimed before sending, a chunk at a time, by leasing them (``leased_until``)
    until their outcome is committed: two senders (worker threads or processes, a teacher's
    "send now") never send one row together, a teacher's retry leaves a leased row alone, and
    a sender killed mid-chunk holds its rows only until the lease ends.
    A row sent again after such a kill carries its first timestamp, which the LMS keeps once.

    Scores of a broken registration (lti.health) wait untried; once a registration's token is
    refused in a run, its other scores fail with the same refusal without asking the LMS
    again, so one run counts one refusal.
    """
    moment = now or utcnow()
    query = (
        select(GradeOutbox.id, ServiceEndpoints.registration_id)
        .outerjoin(ServiceEndpoints, ServiceEndpoints.course_id == GradeOutbox.course_id)
        .outerjoin(Registration, Registration.id == ServiceEndpoints.registration_id)
        .where(
            GradeOutbox.delivered_at.is_(None),
            GradeOutbox.next_attempt_at <= moment,
            _unleased(moment),
            Registration.broken_at.is_(None),
        )
    )
    if course_id is not None:
        query = query.where(GradeOutbox.course_id == course_id)
    found = session.execute(query.order_by(GradeOutbox.id).limit(limit)).all()
    registrations: dict[int, int | None] = {row[0]: row[1] for row in found}
    due = list(registrations)
    session.commit()
    delivered = failed = 0
    refused: dict[int, ServiceError] = {}
    granted: set[int] = set()
    for start in range(0, len(due), CLAIM_CHUNK):
        for row in _claim(session, due[start : start + CLAIM_CHUNK], moment):
            registration_id = registrations.get(row.id)
            try:
                if registration_id is not None and registration_id in refused:
                    raise refused[registration_id]  # the same refusal, without asking again
                _deliver(session, client, row)
            except (ServiceError, NotFound) as error:
                session.rollback()
                row.attempts += 1
                row.last_error = str(error)[:1000]
                row.last_error_message = _stored(error)
                row.next_attempt_at = moment + backoff(row.attempts)
                row.leased_until = None
                failed += 1
                if _refused(error, row.attempts):
                    tell_grades_refused(session, row.course_id, moment)
                session.commit()
                logger.warning(
                    "Score %s of course %s not delivered: %s", row.id, row.course_id, error
                )
                if (
                    isinstance(error, ServiceError)
                    and error.oauth_error is not None
                    and registration_id is not None
                    and registration_id not in refused
                ):
                    refused[registration_id] = error
                    note_refusal(session, registration_id, error)
            else:
                row.attempts += 1
                row.delivered_at = utcnow()
                row.last_error = None
                row.last_error_message = None
                row.leased_until = None
                delivered += 1
                session.commit()
                if registration_id is not None and registration_id not in granted:
                    granted.add(registration_id)
                    note_token_granted(session, registration_id)
    return DeliveryReport(delivered=delivered, failed=failed)


# An LMS that is down for this many attempts is as good as refusing: the teacher should know.
TELL_AFTER_ATTEMPTS = 4


def _refused(error: ServiceError | NotFound, attempts: int) -> bool:
    """Whether the teacher hears of this failure: the LMS said no (a 4xx answer, a refused
    token, a student or course it does not know), or it stayed down for several tries."""
    if isinstance(error, NotFound) or attempts >= TELL_AFTER_ATTEMPTS:
        return True
    status = error.status
    return error.oauth_error is not None or (status is not None and 400 <= status < 500)


def _stored(error: ServiceError | NotFound) -> dict[str, Any]:
    if isinstance(error, ServiceError):
        return error.stored
    return {"msgid": getattr(error.message, "msgid", error.message), "params": {}}


def _claim(session: Session, ids: list[int], moment: datetime) -> list[GradeOutbox]:
    """The rows of ``ids`` still due, now leased to this sender (committed before any HTTP)."""
    claimed = list(
        session.scalars(
            update(GradeOutbox)
            .where(
                GradeOutbox.id.in_(ids),
                GradeOutbox.delivered_at.is_(None),
                GradeOutbox.next_attempt_at <= moment,
                _unleased(moment),
            )
            .values(leased_until=moment + LEASE)
            .returning(GradeOutbox.id)
            .execution_options(synchronize_session=False)
        )
    )
    session.commit()
    if not claimed:
        return []
    # Read afresh: a row already in the session would otherwise keep its unleased state, and
    # clearing the lease after sending would then look like no change and never be written.
    rows = session.scalars(
        select(GradeOutbox)
        .where(GradeOutbox.id.in_(claimed))
        .order_by(GradeOutbox.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


def _unleased(moment: datetime) -> ColumnElement[bool]:
    """No sender holds the row at ``moment``: never leased, released, or its lease ended."""
    return or_(GradeOutbox.leased_until.is_(None), GradeOutbox.leased_until <= moment)


@dataclass(frozen=True)
class RetryReport:
    """What a teacher's "send again" did: scores made due now, and scores left alone because
    a sender holds them at this moment (they are on their way already)."""

    made_due: int
    being_sent: int


def retry_now(session: Session, course_id: int, outbox_id: int | None = None) -> RetryReport:
    """Make undelivered scores due now (a teacher pressed retry), except those a sender is
    sending: making those due would let a second sender claim and send them again."""
    moment = utcnow()
    undelivered = [GradeOutbox.course_id == course_id, GradeOutbox.delivered_at.is_(None)]
    if outbox_id is not None:
        undelivered.append(GradeOutbox.id == outbox_id)
    # One statement, so a sender's claim and this retry never interleave on one row.
    made_due = list(
        session.scalars(
            update(GradeOutbox)
            .where(*undelivered, _unleased(moment))
            .values(next_attempt_at=moment)
            .returning(GradeOutbox.id)
            .execution_options(synchronize_session=False)
        )
    )
    being_sent = session.scalar(
        select(func.count(GradeOutbox.id)).where(*undelivered, ~_unleased(moment))
    )
    session.commit()
    return RetryReport(made_due=len(made_due), being_sent=int(being_sent or 0))


@dataclass(frozen=True)
class GradeStatus:
    """The newest score of one person in one course, and whether it reached the LMS."""

    outbox_id: int
    person_id: int
    display_name: str | None
    score_given: float | None
    score_maximum: float
    delivered_at: datetime | None
    attempts: int
    last_error: str | None
    next_attempt_at: datetime
    user_id: str = ""
    # The error marked for translation (None for rows written before it was kept).
    last_error_message: Text | None = None
    # A sender holds the row right now (its lease has not ended): a retry would not touch it.
    being_sent: bool = False
    # When that sender's hold ends: if it has not delivered by then, the next run sends it.
    leased_until: datetime | None = None

    @property
    def state(self) -> str:
        """delivered, sending (a sender holds it now), failing (an attempt failed; retried
        later) or queued (not tried yet)."""
        if self.delivered_at is not None:
            return "delivered"
        if self.being_sent:
            return "sending"
        return "failing" if self.attempts else "queued"


@dataclass(frozen=True)
class StudentGrade:
    """A student of the course and their newest score's delivery, if they have a score."""

    person_id: int
    display_name: str | None
    grade: GradeStatus | None


def course_gradebook(session: Session, course_id: int) -> list[StudentGrade]:
    """Every current student of the course, then anyone else who has a score in it."""
    statuses = {s.person_id: s for s in grade_statuses(session, course_id)}
    rows = [
        StudentGrade(s.person_id, s.display_name, statuses.pop(s.person_id, None))
        for s in current_students(session, course_id)
    ]
    rows.extend(StudentGrade(s.person_id, s.display_name, s) for s in statuses.values())
    return rows


def grade_statuses(session: Session, course_id: int) -> list[GradeStatus]:
    newest = (
        select(func.max(GradeOutbox.id))
        .where(GradeOutbox.course_id == course_id)
        .group_by(GradeOutbox.person_id)
    )
    rows = session.execute(
        select(GradeOutbox, Person)
        .join(Person, Person.id == GradeOutbox.person_id)
        .where(GradeOutbox.id.in_(newest))
        .order_by(Person.lms_name, GradeOutbox.id)
    ).all()
    moment = utcnow()
    statuses = []
    for row, person in rows:
        lease = row.leased_until
        held = row.delivered_at is None and lease is not None and lease > moment
        statuses.append(
            GradeStatus(
                outbox_id=row.id,
                person_id=row.person_id,
                display_name=person.display_name,
                score_given=row.score_given,
                score_maximum=row.score_maximum,
                delivered_at=row.delivered_at,
                attempts=row.attempts,
                last_error=row.last_error,
                next_attempt_at=row.next_attempt_at,
                user_id=row.user_id,
                last_error_message=stored_message(row.last_error_message),
                being_sent=held,
                leased_until=row.leased_until if held else None,
            )
        )
    return statuses


def read_results(session: Session, client: ServiceClient, course_id: int) -> list[dict[str, Any]]:
    """The results the LMS holds for Tandem's line item (what the gradebook shows)."""
    endpoints = endpoints_for(session, course_id)
    lineitem = ensure_lineitem(session, client, endpoints)
    results: list[dict[str, Any]] = []
    for page in client.pages(
        endpoints.registration,
        (AGS_RESULT_READ_SCOPE,),
        _with_path_suffix(lineitem, "/results"),
        accept=RESULTS_MEDIA_TYPE,
    ):
        results.extend(r for r in (page if isinstance(page, list) else []) if isinstance(r, dict))
    return results
