"""Notifications for teachers about work that waits on them or on an administrator: scores
the LMS refused, credentials held up. Helpers (no commit): each is called inside the
transaction that records the fact, so the notice and the fact are one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import TEACHING_ROLES
from plugin.courses.models import Course, CourseMembership
from plugin.notifications.service import notify


def course_teachers(session: Session, course_id: int) -> list[int]:
    return list(
        session.scalars(
            select(CourseMembership.person_id).where(
                CourseMembership.course_id == course_id,
                CourseMembership.role.in_(TEACHING_ROLES),
            )
        )
    )


def tell_grades_refused(session: Session, course_id: int, now: datetime) -> int:
    """Tell the course's teachers that the LMS refused a score: once per course and day,
    however many scores a run sends (the grades page lists them)."""
    course = session.get(Course, course_id)
    if course is None:
        return 0
    return notify(
        session,
        course_teachers(session, course_id),
        "grades_refused",
        {"course": course.title or course.label or course.external_id},
        dedupe_key=f"grades-refused:{course_id}:{now.date().isoformat()}",
        target=f"grades:{course_id}",
    )


def tell_issuance_held(
    session: Session,
    requested_by: int | None,
    completion_id: int,
    exchange_id: int,
    exchange: str,
    learner: str,
) -> int:
    """Tell whoever asked for a credential that it is held (once per completion)."""
    if requested_by is None:
        return 0
    return notify(
        session,
        [requested_by],
        "issuance_held",
        {"exchange": exchange, "learner": learner},
        dedupe_key=f"issuance-held:{completion_id}",
        target=f"exchange:{exchange_id}",
    )
