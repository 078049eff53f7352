"""Two universities on two platforms, a course at each, and people in them: the setting of
every exchange test (service and web)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.courses.service import CourseEntry, CourseRef, enter_course
from plugin.exchanges.service import (
    ExchangeDraft,
    create_exchange,
    decide_seat,
    issue_join_code,
    request_seat,
)
from plugin.people.identity import AccountRef, PersonFacts
from plugin.people.service import create_institution

DRAFT = ExchangeDraft(
    title="Climate & Cities",
    starts_on=date(2027, 2, 1),
    ends_on=date(2027, 3, 28),
    languages=("en",),
    description="Two cities, one problem.",
)


@dataclass
class World:
    session: Session
    leiden_id: int
    bologna_id: int

    def arrive(
        self,
        where: str,
        sub: str,
        role: Role = Role.STUDENT,
        *,
        course: str = "c1",
        name: str | None = None,
        email: str | None = None,
    ) -> Actor:
        institution = self.leiden_id if where == "leiden" else self.bologna_id
        arrival = enter_course(
            self.session,
            CourseEntry(
                account=AccountRef(f"lti:https://{where}.example", sub),
                institution_id=institution,
                person=PersonFacts(name=name, email=email),
                role=role,
                course=CourseRef(
                    f"lti:https://{where}.example|c|d", course, title=f"{where} {course}"
                ),
            ),
        )
        return arrival.actor


def make_world(session: Session) -> World:
    leiden = create_institution(session, "Universiteit Leiden", "NL")
    bologna = create_institution(session, "Università di Bologna", "IT")
    return World(session, leiden.id, bologna.id)


def partnered(world: World) -> tuple[Actor, Actor, int, int]:
    """A Leiden-owned exchange with Bologna's course approved: (owner, partner, exchange, seat)."""
    owner = world.arrive("leiden", "t1", Role.TEACHER)
    partner = world.arrive("bologna", "t2", Role.TEACHER)
    exchange = create_exchange(world.session, owner, DRAFT)
    code = issue_join_code(world.session, owner, exchange.id).code
    seat = request_seat(world.session, partner, code)
    decide_seat(world.session, owner, seat.id, approve=True)
    return owner, partner, exchange.id, seat.id
