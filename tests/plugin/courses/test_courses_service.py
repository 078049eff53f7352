"""Entering a course: idempotent, protocol-neutral, and safe when launches race."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from plugin.actors import Role
from plugin.courses.models import Course, CourseMembership
from plugin.courses.service import CourseEntry, CourseRef, enter_course
from plugin.db import make_session_factory
from plugin.errors import InvalidInput, NotFound
from plugin.people.identity import AccountRef, PersonFacts
from plugin.people.models import ExternalAccount
from plugin.people.service import create_institution
from plugin.roster.service import RosterMember, sync_roster


def _entry(institution_id: int, sub: str, course: str | None, **facts: str) -> CourseEntry:
    return CourseEntry(
        account=AccountRef("lti:https://lms.example", sub),
        institution_id=institution_id,
        person=PersonFacts(**facts),
        role=Role.STUDENT,
        course=CourseRef("lti:https://lms.example|c|d", course, title="T") if course else None,
    )


def test_entering_twice_is_one_person_with_refreshed_details(session: Session) -> None:
    uni = create_institution(session, "Universiteit Leiden", "NL")
    first = enter_course(session, _entry(uni.id, "7", "c1", name="Old Name"))
    second = enter_course(session, _entry(uni.id, "7", "c1", name="New Name"))
    assert first.person.id == second.person.id
    assert second.person.lms_name == "New Name"


def test_an_anonymous_launch_keeps_the_name_an_earlier_launch_gave(session: Session) -> None:
    uni = create_institution(session, "Universiteit Leiden", "NL")
    enter_course(session, _entry(uni.id, "8", "c1", given_name="Sanne", family_name="de Vries"))
    again = enter_course(session, _entry(uni.id, "8", "c1"))
    assert again.person.display_name == "Sanne de Vries"


def test_a_launch_without_context_enters_no_course(session: Session) -> None:
    uni = create_institution(session, "Università di Bologna", "IT")
    arrival = enter_course(session, _entry(uni.id, "9", None))
    assert arrival.course is None
    assert arrival.actor.course_id is None


def test_unknown_institution_and_empty_subject_are_refused(session: Session) -> None:
    with pytest.raises(NotFound):
        enter_course(session, _entry(999_999, "1", "c1"))
    uni = create_institution(session, "Universiteit Leiden", "NL")
    with pytest.raises(InvalidInput):
        enter_course(session, _entry(uni.id, "", "c1"))


def test_bad_institution_input_is_refused(session: Session) -> None:
    with pytest.raises(InvalidInput):
        create_institution(session, "  ")
    with pytest.raises(InvalidInput):
        create_institution(session, "Leiden", "NLD")


def test_simultaneous_first_launches_into_one_course_all_succeed(engine: Engine) -> None:
    """Six students launch at once into a course Tandem has never seen: one course, six people."""
    factory = make_session_factory(engine)
    with factory() as db:
        uni_id = create_institution(db, f"Uni {uuid.uuid4().hex[:6]}", "NL").id
    course_id = f"race-{uuid.uuid4().hex}"
    subs = [f"{course_id}-s{n}" for n in range(6)] + [f"{course_id}-s0"]  # one launches twice
    barrier = threading.Barrier(len(subs))
    errors: list[BaseException] = []

    def launch(sub: str) -> None:
        with factory() as db:
            barrier.wait()
            try:
                enter_course(db, _entry(uni_id, sub, course_id, name=sub))
            except BaseException as error:
                errors.append(error)

    threads = [threading.Thread(target=launch, args=(s,)) for s in subs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with factory() as db:
        courses = db.scalar(
            select(func.count()).select_from(Course).where(Course.external_id == course_id)
        )
        people = db.scalar(
            select(func.count())
            .select_from(ExternalAccount)
            .where(ExternalAccount.subject.startswith(course_id))
        )
        members = db.scalar(
            select(func.count())
            .select_from(CourseMembership)
            .join(Course)
            .where(Course.external_id == course_id)
        )
    assert (courses, people, members) == (1, 6, 6)


def _roster(prefix: str, count: int) -> list[RosterMember]:
    return [
        RosterMember(
            account=AccountRef("lti:https://lms.example", f"{prefix}-{n}"),
            person=PersonFacts(name=f"Student {n}"),
            role=Role.STUDENT,
        )
        for n in range(count)
    ]


def _course(db: Session, uni_id: int, course_id: str) -> int:
    enter_course(db, _entry(uni_id, f"{course_id}-teacher", course_id, name="Teacher"))
    found = db.scalar(select(Course.id).where(Course.external_id == course_id))
    assert found is not None
    return found


def test_a_large_roster_costs_a_few_statements_not_some_per_member(engine: Engine) -> None:
    factory = make_session_factory(engine)
    course_key = f"big-{uuid.uuid4().hex}"
    with factory() as db:
        uni_id = create_institution(db, f"Uni {uuid.uuid4().hex[:6]}", "NL").id
        course_id = _course(db, uni_id, course_key)
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", count)
    try:
        with factory() as db:
            result = sync_roster(db, course_id, _roster(course_key, 1200))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert (result.added, result.updated) == (1200, 0)
    # Lookups go by chunks of subjects, accounts and memberships are inserted in batches; new
    # people come back with their ids in order, one statement each on SQLite (no sentinel
    # for insertmanyvalues there) and in batches on PostgreSQL. Before: three per member.
    others = [s for s in statements if not s.startswith("INSERT INTO person ")]
    assert len(others) < 60, len(others)
    assert len(statements) - len(others) <= 1200
    with factory() as db:
        again = sync_roster(db, course_id, _roster(course_key, 1200))
    assert (again.added, again.updated, again.left) == (0, 0, 0)


def test_a_launch_during_a_roster_sync_does_not_fail_it(engine: Engine) -> None:
    """A student launches between the sync's reading and its writing: the sync redoes its
    work on a fresh read instead of failing on the unique account."""
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite transactions take turns from their first statement: no such race")
    factory = make_session_factory(engine)
    course_key = f"race-roster-{uuid.uuid4().hex}"
    with factory() as db:
        uni_id = create_institution(db, f"Uni {uuid.uuid4().hex[:6]}", "NL").id
        course_id = _course(db, uni_id, course_key)
    launched = threading.Event()

    def launch_first(*args: object) -> None:
        if launched.is_set() or not str(args[2]).startswith("INSERT INTO person "):
            return
        launched.set()  # another connection, as a launch request would be
        thread = threading.Thread(
            target=_enter, args=(factory, uni_id, f"{course_key}-3", course_key)
        )
        thread.start()
        thread.join(timeout=30)

    event.listen(engine, "before_cursor_execute", launch_first)
    try:
        with factory() as db:
            result = sync_roster(db, course_id, _roster(course_key, 5))
    finally:
        event.remove(engine, "before_cursor_execute", launch_first)
    assert launched.is_set()
    assert (result.added, result.updated) == (4, 0)  # the launch had added the fifth
    with factory() as db:
        accounts = db.scalar(
            select(func.count())
            .select_from(ExternalAccount)
            .where(ExternalAccount.subject.startswith(course_key))
        )
    assert accounts == 6  # the teacher and five students, each once


def _enter(factory: Callable[[], Session], uni_id: int, sub: str, course_key: str) -> None:
    with factory() as db:
        enter_course(db, _entry(uni_id, sub, course_key, name="Launching now"))
