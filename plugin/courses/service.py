from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import cast

from sqlalchemy import Insert, Table, bindparam, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.courses.models import Course, CourseLink, CourseMembership
from plugin.db import get_or_create, utcnow
from plugin.errors import NotAllowed, NotFound
from plugin.i18n import N_
from plugin.people.identity import AccountRef, PersonFacts, upsert_person
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


def _upsert_membership(session: Session, course: Course, person: Person, role: Role) -> None:
    """One INSERT ... ON CONFLICT DO UPDATE: no read first, and two launches of one person
    at once cannot both insert. Only a launch sets ``launched_at`` (roster sync never does);
    launching again means they are back (``left_at`` cleared) in the role the LMS says."""
    if course.id is None or person.id is None:
        session.flush()  # new rows need their ids
    now = utcnow()
    session.connection().execute(  # Core on the transaction's connection: no ORM bulk path
        _membership_upsert(session.get_bind().dialect.name),
        {"course_id": course.id, "person_id": person.id, "role": role, "now": now},
    )


@lru_cache(maxsize=4)
def _membership_upsert(dialect: str) -> Insert:
    """The membership upsert, built once per dialect with bound parameters: building it (and
    its ``excluded`` alias and cache key) per launch cost more CPU than running it (py-spy)."""
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    table = cast("Table", CourseMembership.__table__)
    columns = table.c
    now = bindparam("now", type_=columns.launched_at.type)
    statement = insert(table).values(
        course_id=bindparam("course_id", type_=columns.course_id.type),
        person_id=bindparam("person_id", type_=columns.person_id.type),
        role=bindparam("role", type_=columns.role.type),
        first_seen_at=now,
        last_seen_at=now,
        launched_at=now,
    )
    return statement.on_conflict_do_update(
        index_elements=[columns.course_id, columns.person_id],
        set_={
            "role": statement.excluded.role,
            "last_seen_at": statement.excluded.last_seen_at,
            "launched_at": statement.excluded.launched_at,
            "left_at": None,
        },
    )


def get_course(session: Session, course_id: int) -> Course:
    course = session.get(Course, course_id)
    if course is None:
        raise NotFound(N_("This course is not known to Tandem."))
    return course


# ---------------------------------------------------------------- the gradebook's rows


@dataclass(frozen=True)
class CourseStudent:
    person_id: int
    display_name: str | None


def gradebook_course(actor: Actor) -> int:
    """The course whose gradebook the actor may see: the one they teach and launched from."""
    if not actor.can_teach or actor.course_id is None:
        raise NotAllowed(N_("Only teachers of this course can see its grades."))
    return actor.course_id


def current_students(session: Session, course_id: int) -> list[CourseStudent]:
    """The course's current students by LMS name: the gradebook's rows (a read)."""
    rows = session.execute(
        select(Person.id, Person.chosen_name, Person.lms_name)
        .join(CourseMembership, CourseMembership.person_id == Person.id)
        .where(
            CourseMembership.course_id == course_id,
            CourseMembership.role == Role.STUDENT,
            CourseMembership.left_at.is_(None),
        )
        .order_by(Person.lms_name, Person.id)
    ).all()
    return [CourseStudent(pid, chosen or lms) for pid, chosen, lms in rows]
