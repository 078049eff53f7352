"""Notices to a course's teachers about work that waits on them: scores the LMS refused.

A helper (no commit), called inside the transaction that records the fact, so the notice and
the fact are one. It lives with the courses whose teachers it reads.
"""

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
