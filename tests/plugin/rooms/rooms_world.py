"""A small exchange to test rooms in: two universities, a teacher each, one team of three
students across both, a student of another team, and an outsider teacher."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.courses.models import Course, CourseMembership
from plugin.exchanges.models import Exchange, Seat, SeatStatus
from plugin.people.models import Institution, Person
from plugin.profiles.models import Profile
from plugin.rooms.service import open_team_room
from plugin.teams.service import create_team

PHASES = [
    {"key": "icebreaker", "title": "Icebreaker"},
    {"key": "project", "title": "Project"},
]


@dataclass
class World:
    exchange_id: int
    team_id: int
    other_team_id: int
    room_id: int
    other_room_id: int
    alice: Actor  # Leiden, Europe/Amsterdam
    bruno: Actor  # Bologna, Europe/Rome
    chen: Actor  # Leiden, no profile
    dora: Actor  # other team
    teacher: Actor  # Leiden teacher, seat in the exchange
    stranger: Actor  # teacher of a course with no seat
    partner_teacher: Actor  # Bologna teacher, seat in the exchange


def _person(session: Session, institution: Institution, name: str, zone: str | None) -> Person:
    person = Person(institution=institution, lms_name=name, email=f"{name.lower()}@example.org")
    session.add(person)
    session.flush()
    if zone:
        session.add(Profile(person_id=person.id, time_zone=zone))
    return person


def build_world(session: Session) -> World:
    leiden = Institution(name="Universiteit Leiden", country="NL")
    bologna = Institution(name="Università di Bologna", country="IT")
    session.add_all([leiden, bologna])
    session.flush()
    teacher = _person(session, leiden, "Tess", "Europe/Amsterdam")
    stranger = _person(session, bologna, "Sam", None)
    partner = _person(session, bologna, "Paola", "Europe/Rome")
    alice = _person(session, leiden, "Alice", "Europe/Amsterdam")
    bruno = _person(session, bologna, "Bruno", "Europe/Rome")
    chen = _person(session, leiden, "Chen", None)
    dora = _person(session, bologna, "Dora", "America/New_York")
    course_l = Course(namespace="t", external_id="L1", institution=leiden, title="COIL L")
    course_b = Course(namespace="t", external_id="B1", institution=bologna, title="COIL B")
    course_x = Course(namespace="t", external_id="X1", institution=bologna, title="Other")
    session.add_all([course_l, course_b, course_x])
    session.flush()
    session.add_all(
        [
            CourseMembership(course_id=course_l.id, person_id=teacher.id, role=Role.TEACHER),
            CourseMembership(course_id=course_x.id, person_id=stranger.id, role=Role.TEACHER),
            CourseMembership(course_id=course_b.id, person_id=partner.id, role=Role.TEACHER),
        ]
    )
    exchange = Exchange(
        title="Climate",
        starts_on=date(2026, 2, 2),
        ends_on=date(2026, 4, 30),
        owner_id=teacher.id,
        phases=PHASES,
    )
    session.add(exchange)
    session.flush()
    for course, owner in ((course_l, True), (course_b, False)):
        session.add(
            Seat(
                exchange_id=exchange.id,
                course_id=course.id,
                status=SeatStatus.APPROVED,
                is_owner=owner,
                requested_by_id=teacher.id,
            )
        )
    session.commit()
    teacher_actor = Actor(teacher.id, Role.TEACHER, course_l.id)
    team = create_team(session, teacher_actor, exchange.id, "Team 1", [alice.id, bruno.id, chen.id])
    other = create_team(session, teacher_actor, exchange.id, "Team 2", [dora.id])
    room = open_team_room(session, teacher_actor, team.id)
    other_room = open_team_room(session, teacher_actor, other.id)

    def student(p: Person) -> Actor:
        return Actor(p.id, Role.STUDENT, None)

    return World(
        exchange_id=exchange.id,
        team_id=team.id,
        other_team_id=other.id,
        room_id=room.room_id,
        other_room_id=other_room.room_id,
        alice=student(alice),
        bruno=student(bruno),
        chen=student(chen),
        dora=student(dora),
        teacher=teacher_actor,
        stranger=Actor(stranger.id, Role.TEACHER, course_x.id),
        partner_teacher=Actor(partner.id, Role.TEACHER, course_b.id),
    )
