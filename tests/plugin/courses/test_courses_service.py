"""Entering a course: idempotent, protocol-neutral, and safe when launches race."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from plugin.actors import Role
from plugin.courses.models import Course, CourseMembership
from plugin.courses.service import CourseEntry, CourseRef, enter_course
from plugin.db import make_session_factory
from plugin.errors import InvalidInput, NotFound
from plugin.people.identity import AccountRef, PersonFacts
from plugin.people.models import ExternalAccount
from plugin.people.service import create_institution


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
