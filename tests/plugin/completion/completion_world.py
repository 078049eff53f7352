"""The rooms world plus what completion needs: a Bologna teacher with a seat, and students
enrolled in their own courses (their grades go there)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.chat.models import Message
from plugin.completion.service import record_meeting, set_rule, submit_reflection
from plugin.courses.models import CourseMembership
from plugin.exchanges.models import Seat
from plugin.people.models import Person
from plugin.tasks.models import Task, TaskState
from tests.plugin.rooms.rooms_world import World, build_world

REFLECTION = "I learnt to plan work across two time zones and to ask for help early."


@dataclass
class CompletionWorld:
    rooms: World
    leiden_course: int
    bologna_course: int
    bologna_teacher: Actor

    @property
    def exchange_id(self) -> int:
        return self.rooms.exchange_id


def build_completion_world(session: Session) -> CompletionWorld:
    world = build_world(session)
    seats = session.scalars(
        select(Seat).where(Seat.exchange_id == world.exchange_id).order_by(Seat.id)
    ).all()
    leiden_course, bologna_course = seats[0].course_id, seats[1].course_id
    bruno = session.get(Person, world.bruno.person_id)
    assert bruno is not None
    teacher = Person(institution_id=bruno.institution_id, lms_name="Beatrice")
    session.add(teacher)
    session.flush()
    session.add_all(
        [
            CourseMembership(course_id=bologna_course, person_id=teacher.id, role=Role.TEACHER),
            CourseMembership(
                course_id=leiden_course, person_id=world.alice.person_id, role=Role.STUDENT
            ),
            CourseMembership(
                course_id=bologna_course, person_id=world.bruno.person_id, role=Role.STUDENT
            ),
        ]
    )
    session.commit()
    return CompletionWorld(
        world, leiden_course, bologna_course, Actor(teacher.id, Role.TEACHER, bologna_course)
    )


def chat_in_weeks(session: Session, room_id: int, person_id: int, weeks: list[int]) -> None:
    """Chat lines written in given ISO weeks of 2026 (as if over the exchange's run)."""
    for index, week in enumerate(weeks):
        moment = datetime.fromisocalendar(2026, week, 2).replace(hour=10, tzinfo=UTC)
        session.add(
            Message(
                room_id=room_id,
                seq=1000 + index + 100 * person_id,
                client_id=f"c{person_id}-{index}",
                author_id=person_id,
                body="hello",
                created_at=moment,
                changed_seq=0,
            )
        )
    session.commit()


def finish_all_phases(session: Session, room_id: int, person_id: int, phases: list[str]) -> None:
    for key in phases:
        session.add(
            Task(
                room_id=room_id,
                phase_key=key,
                title=f"{key} work",
                state=TaskState.DONE,
                done_by_id=person_id,
                done_at=datetime(2026, 3, 3, tzinfo=UTC),
            )
        )
    session.commit()


def make_ready(session: Session, cw: CompletionWorld, student: Actor) -> None:
    """Everything the default rule asks of a student except the sign-off."""
    rooms = cw.rooms
    set_rule(
        session,
        rooms.teacher,
        rooms.exchange_id,
        min_meetings=2,
        min_contribution_weeks=3,
        required_phases=("icebreaker", "project"),
        reflection_required=True,
    )
    chat_in_weeks(session, rooms.room_id, student.person_id, [6, 7, 9])
    finish_all_phases(session, rooms.room_id, student.person_id, ["icebreaker", "project"])
    record_meeting(
        session, rooms.teacher, rooms.exchange_id, [student.person_id], date(2026, 2, 10)
    )
    record_meeting(
        session, rooms.teacher, rooms.exchange_id, [student.person_id], date(2026, 2, 24)
    )
    submit_reflection(session, student, rooms.exchange_id, REFLECTION)
