"""Whether an LMS registration still works, judged by what its token endpoint answers.

A tool deleted in the LMS (or re-registered under a new client id) is never announced to
Tandem: its token endpoint just answers ``invalid_client`` from then on. After
:data:`BROKEN_AFTER` such refusals in a row Tandem marks the registration broken, stops sending
grades and reading rosters for it (so nothing hammers an LMS that will never say yes), tells
the admin on the admin page and the teachers on their grades page. An admin's "Activate again",
or any token the LMS grants, resumes it; scores wait in the outbox meanwhile and are never lost.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from lti.models import GradeOutbox, Registration, ServiceEndpoints
from lti.services import ServiceError, stored_message
from plugin.db import utcnow
from plugin.errors import NotFound
from plugin.i18n import N_, Text

logger = logging.getLogger(__name__)
BROKEN_AFTER = 3
INVALID_CLIENT = "invalid_client"


def is_broken(registration: Registration) -> bool:
    return registration.broken_at is not None


def note_refusal(session: Session, registration_id: int, error: ServiceError) -> bool:
    """Count an ``invalid_client`` refusal and commit; True when it made the registration broken.

    Other failures (the LMS down, a 500) say nothing about the registration and are not counted.
    """
    if error.oauth_error != INVALID_CLIENT:
        return False
    registration = session.get(Registration, registration_id)
    if registration is None or registration.broken_at is not None:
        return False
    registration.token_refusals += 1
    registration.last_token_error = error.stored
    became_broken = registration.token_refusals >= BROKEN_AFTER
    if became_broken:
        registration.broken_at = utcnow()
        logger.error(
            "LMS registration %s (%s, client id %s) is broken: its token endpoint refused "
            "Tandem %s times in a row (%s). Grades and rosters wait until an admin activates "
            "it again.",
            registration.id,
            registration.issuer,
            registration.client_id,
            registration.token_refusals,
            error,
        )
    else:
        logger.warning(
            "LMS registration %s refused a token (%s of %s before it counts as broken): %s",
            registration.id,
            registration.token_refusals,
            BROKEN_AFTER,
            error,
        )
    session.commit()
    return became_broken


def note_token_granted(session: Session, registration_id: int) -> None:
    """The LMS granted a token: whatever it refused before, the registration works (commits)."""
    if clear_refusals(session, registration_id):
        session.commit()


def clear_refusals(session: Session, registration_id: int) -> bool:
    """note_token_granted inside a caller's transaction (a helper: no commit); True when there
    was something to clear."""
    registration = session.get(Registration, registration_id)
    if registration is None or (registration.token_refusals == 0 and not registration.broken_at):
        return False
    if registration.broken_at is not None:
        logger.info("LMS registration %s works again: a token was granted.", registration.id)
        _make_waiting_scores_due(session, registration_id)
    _clear(registration)
    return True


def _clear(registration: Registration) -> None:
    registration.token_refusals = 0
    registration.broken_at = None
    registration.last_token_error = None


def activate_again(session: Session, registration_id: int) -> Registration:
    """An admin says the LMS works again: clear the broken state; waiting scores are due now."""
    registration = session.get(Registration, registration_id)
    if registration is None:
        raise NotFound(N_("This registration does not exist."))
    _clear(registration)
    _make_waiting_scores_due(session, registration_id)
    session.commit()
    return registration


def _make_waiting_scores_due(session: Session, registration_id: int) -> None:
    """Scores backed off while the LMS refused Tandem go out at the next run, not hours later."""
    courses = select(ServiceEndpoints.course_id).where(
        ServiceEndpoints.registration_id == registration_id
    )
    session.execute(
        update(GradeOutbox)
        .where(GradeOutbox.delivered_at.is_(None), GradeOutbox.course_id.in_(courses))
        .values(next_attempt_at=utcnow())
    )


def broken_registrations(session: Session) -> list[Registration]:
    query = select(Registration).where(Registration.broken_at.is_not(None))
    return list(session.scalars(query.order_by(Registration.broken_at)))


@dataclass(frozen=True)
class CourseConnection:
    """What a teacher needs to know about their course's LMS connection."""

    broken: bool
    last_error: Text | None
    waiting_grades: int


def course_connection(session: Session, course_id: int) -> CourseConnection:
    """Whether the course's LMS registration is broken, and how many scores wait for it."""
    registration = session.scalar(
        select(Registration)
        .join(ServiceEndpoints, ServiceEndpoints.registration_id == Registration.id)
        .where(ServiceEndpoints.course_id == course_id)
    )
    waiting = session.scalar(
        select(func.count(GradeOutbox.id)).where(
            GradeOutbox.course_id == course_id, GradeOutbox.delivered_at.is_(None)
        )
    )
    broken = registration is not None and registration.broken_at is not None
    return CourseConnection(
        broken=broken,
        last_error=stored_message(registration.last_token_error) if registration else None,
        waiting_grades=int(waiting or 0),
    )
