from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sqlalchemy import exists, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.courses.models import Course, CourseLink, CourseMembership
from plugin.db import get_or_create, utcnow
from plugin.errors import NotFound
from plugin.exchanges.models import Participant
from plugin.i18n import N_
from plugin.matching.models import TeamMembership
from plugin.people.identity import AccountRef, PersonFacts, upsert_people, upsert_person
from plugin.people.models import Institution, Person


@dataclass(frozen=True)
class CourseRef:
    namespace: str
    external_id: str
    title: str | None = None
    label: str | None = None
    lms_url: str | None = None


@dataclass(frozen=True)
class CourseEntry:
    """What any launch becomes once its protocol has been checked: who, from where, as what."""

    account: AccountRef
    institution_id: int
    person: PersonFacts
    role: Role
    course: CourseRef | None


@dataclass(frozen=True)
class Arrival:
    actor: Actor
    person: Person
    course: Course | None


def enter_course(session: Session, entry: CourseEntry) -> Arrival:
    """Record that a person arrived from their LMS, in a course or (no context) on their own.

    Idempotent: the same person launching again is the same person, with refreshed details.
    """
    if session.get(Institution, entry.institution_id) is None:
        raise NotFound(N_("The institution this launch comes from is not registered."))
    person = upsert_person(session, entry.account, entry.institution_id, entry.person)
    course = None
    if entry.course is not None:
        course = _upsert_course(session, entry.course, entry.institution_id)
        _upsert_membership(session, course, person, entry.role)
    session.flush()
    actor = Actor(person_id=person.id, role=entry.role, course_id=course.id if course else None)
    session.commit()
    return Arrival(actor=actor, person=person, course=course)


def _upsert_course(session: Session, ref: CourseRef, institution_id: int) -> Course:
    course, _created = get_or_create(
        session,
        Course,
        {"namespace": ref.namespace, "external_id": ref.external_id},
        lambda: Course(
            namespace=ref.namespace, external_id=ref.external_id, institution_id=institution_id
        ),
    )
    if ref.title:
        course.title = ref.title[:300]
    if ref.label:
        course.label = ref.label[:100]
    if ref.lms_url and len(ref.lms_url) <= 1000:
        if course.id is None:
            session.flush()  # a new course needs its id
        link = session.get(CourseLink, course.id)
        if link is None:
            session.add(CourseLink(course_id=course.id, lms_url=ref.lms_url))
        elif link.lms_url != ref.lms_url:
            link.lms_url = ref.lms_url
    return course


def _get_or_create_membership(
    session: Session, course: Course, person: Person, role: Role
) -> tuple[CourseMembership, bool]:
    return get_or_create(
        session,
        CourseMembership,
        {"course_id": course.id, "person_id": person.id},
        lambda: CourseMembership(course_id=course.id, person_id=person.id, role=role),
    )


def _upsert_membership(session: Session, course: Course, person: Person, role: Role) -> None:
    membership, created = _get_or_create_membership(session, course, person, role)
    membership.launched_at = utcnow()  # only a launch sets it; roster sync never does
    if not created:
        membership.role = role
        membership.last_seen_at = membership.launched_at
        membership.left_at = None  # launching again means they are back


def get_course(session: Session, course_id: int) -> Course:
    course = session.get(Course, course_id)
    if course is None:
        raise NotFound(N_("This course is not known to Tandem."))
    return course


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


def sync_roster(session: Session, course_id: int, members: Sequence[RosterMember]) -> RosterResult:
    """Make the course's memberships match the LMS roster; safe to run again and again.

    People on the roster who never launched become known by name only (so teams can include
    them and teachers can nudge them); the roster's email is never stored. Members the roster
    no longer lists, or lists as inactive, are marked as left rather than deleted, because
    their teams, messages and grades stay meaningful; but someone who never opened Tandem from
    the course is forgotten when they leave it (see ``_forget_unlaunched``).
    """
    try:
        result = _reconcile(session, course_id, members)
        session.commit()
    except IntegrityError:
        # A launch added one of these people or memberships meanwhile: read again and redo.
        session.rollback()
        result = _reconcile(session, course_id, members)
        session.commit()
    return result


def _reconcile(session: Session, course_id: int, members: Sequence[RosterMember]) -> RosterResult:
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
