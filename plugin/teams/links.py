"""Which LMS page a notification's email should open instead of Tandem's own page.

It lives here, above courses, exchanges and notifications, because it reads all three (a
room's team, the exchange's approved seats, the recipient's course link); the email sender
hands it to ``plugin.notifications.service.pending_emails``, which cannot import it.

A Tandem page needs Tandem's session; an email is often opened days later, in another
browser. The course's LMS page (``CourseLink.lms_url``, read from the launch by lti.lms_links)
signs the person in and launches Tandem in the right course. The recipient's own course is
used, never a partner's: each student reaches the exchange through their own LMS.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.courses.models import CourseLink, CourseMembership
from plugin.exchanges.models import Seat, SeatStatus
from plugin.teams.models import Team

# Targets whose page works without a session (a credential's public page): keep Tandem's.
PUBLIC_TARGETS = frozenset({"credential"})


def _exchange_of(session: Session, what: str, ident: int) -> int | None:
    if what in ("room", "health"):
        return session.scalar(select(Team.exchange_id).where(Team.id == ident))
    if what in ("exchange", "completion", "checkin"):
        return ident
    return None


def lms_url_for(session: Session, person_id: int, target: str | None) -> str | None:
    """The LMS page for this person and notification target, or None (use Tandem's URL)."""
    if not target or ":" not in target:
        return None
    what, _, raw = target.partition(":")
    if what in PUBLIC_TARGETS or not raw.isdigit():
        return None
    ident = int(raw)
    mine = select(CourseMembership.course_id).where(CourseMembership.person_id == person_id)
    if what == "grades":
        return session.scalar(
            select(CourseLink.lms_url).where(
                CourseLink.course_id == ident, CourseLink.course_id.in_(mine)
            )
        )
    exchange_id = _exchange_of(session, what, ident)
    if exchange_id is None:
        return None
    return session.scalar(
        select(CourseLink.lms_url)
        .join(Seat, Seat.course_id == CourseLink.course_id)
        .where(
            Seat.exchange_id == exchange_id,
            Seat.status == SeatStatus.APPROVED,
            CourseLink.course_id.in_(mine),
        )
        .order_by(CourseLink.course_id)
        .limit(1)
    )
