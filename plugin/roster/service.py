"""The LMS roster of a course, synchronised into Tandem (called by lti/roster.py, NRPS).

Above courses, exchanges and teams: someone who leaves a course without ever launching is
forgotten, which looks at their participations and team memberships too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from sqlalchemy import exists, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plugin.actors import Role
from plugin.courses.models import CourseMembership
from plugin.courses.service import get_course
from plugin.db import utcnow
from plugin.exchanges.models import Participant
from plugin.people.identity import AccountRef, PersonFacts, upsert_people
from plugin.people.models import Person
from plugin.teams.models import TeamMembership


@dataclass(frozen=True)
class RosterMember:
    """One line of an LMS roster. Names and email may all be missing (anonymous mode)."""

    account: AccountRef
    person: PersonFacts
    role: Role
    active: bool = True


@dataclass(frozen=True)
class RosterResult:
    added: int
    updated: int
    left: int


def sync_roster(
    session: Session,
    course_id: int,
    members: Sequence[RosterMember],
    *,
    alongside: Callable[[Session], None] | None = None,
) -> RosterResult:
    """Make the course's memberships match the LMS roster; safe to run again and again.

    People on the roster who never launched become known by name only (so teams can include
    them and teachers can nudge them); the roster's email is never stored. Members the roster
    no longer lists, or lists as inactive, are marked as left rather than deleted, because
    their teams, messages and grades stay meaningful; but someone who never opened Tandem from
    the course is forgotten when they leave it (see ``_forget_unlaunched``).

    ``alongside`` makes the caller's own bookkeeping of this sync (the LMS adapter's: the
    token worked, when the roster was read) in the same transaction, redone with it.
    """
    try:
        result = _reconcile(session, course_id, members, alongside)
        session.commit()
    except IntegrityError:
        # A launch added one of these people or memberships meanwhile: read again and redo.
        session.rollback()
        result = _reconcile(session, course_id, members, alongside)
        session.commit()
    return result


def _reconcile(
    session: Session,
    course_id: int,
    members: Sequence[RosterMember],
    alongside: Callable[[Session], None] | None,
) -> RosterResult:
    if alongside is not None:
        alongside(session)
    course = get_course(session, course_id)
    now = utcnow()
    current = {
        m.person_id: m
        for m in session.scalars(
            select(CourseMembership).where(CourseMembership.course_id == course.id)
        )
    }
    # Names are all the roster's pages use: the roster's email is never stored.
    person_ids = upsert_people(
        session,
        [(m.account, replace(m.person, email=None)) for m in members],
        course.institution_id,
    )
    seen: set[int] = set()
    joining: dict[int, Role] = {}
    updated = 0
    for member, person_id in zip(members, person_ids, strict=True):
        if not member.active:
            continue
        seen.add(person_id)
        membership = current.get(person_id)
        if membership is None:
            joining[person_id] = member.role
        elif membership.role != member.role or membership.left_at is not None:
            membership.role = member.role
            membership.left_at = None
            updated += 1
    if joining:
        session.execute(
            insert(CourseMembership),
            [
                {"course_id": course.id, "person_id": person_id, "role": role}
                for person_id, role in joining.items()
            ],
        )
    added = len(joining)
    left = 0
    for person_id, membership in current.items():
        if person_id not in seen and membership.left_at is None:
            membership.left_at = now
            left += 1
            if membership.launched_at is None:
                _forget_unlaunched(session, membership)
    return RosterResult(added=added, updated=updated, left=left)


def _forget_unlaunched(session: Session, membership: CourseMembership) -> None:
    """A roster-only member who left: drop the membership, and the person too when nothing
    else of theirs exists (no other course, exchange or team). They never saw Tandem, so
    Tandem keeps nothing about them; if they come back they are known afresh."""
    person_id = membership.person_id
    session.delete(membership)
    session.flush()
    for column in (
        CourseMembership.person_id,
        Participant.person_id,
        TeamMembership.person_id,
    ):
        if session.scalar(select(exists().where(column == person_id))):
            return
    person = session.get(Person, person_id)
    if person is not None:
        session.delete(person)
