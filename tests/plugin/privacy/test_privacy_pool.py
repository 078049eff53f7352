"""The pool chart across universities: refusals respected, no group under three shown."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Role
from plugin.exchanges.models import Participant, Seat
from plugin.exchanges.queries import pool_makeup
from plugin.people.models import Person
from plugin.profiles.models import Profile
from tests.plugin.rooms.rooms_world import build_world


def _join(session: Session, exchange_id: int, person_id: int, seat: Seat) -> None:
    person = session.get(Person, person_id)
    assert person is not None
    session.add(
        Participant(
            exchange_id=exchange_id, seat_id=seat.id, person_id=person_id, role=Role.STUDENT
        )
    )


def test_partner_teachers_see_no_single_person_and_no_refused_field(session: Session) -> None:
    world = build_world(session)
    seats = session.scalars(
        select(Seat).where(Seat.exchange_id == world.exchange_id).order_by(Seat.id)
    ).all()
    leiden_seat, bologna_seat = seats
    leiden = leiden_seat.course.institution_id
    bologna = bologna_seat.course.institution_id
    people = []
    for n in range(3):  # three Leiden students speaking Dutch, sharing nothing
        p = Person(institution_id=leiden, lms_name=f"L{n}")
        session.add(p)
        session.flush()
        session.add(
            Profile(
                person_id=p.id,
                time_zone="Europe/Amsterdam",
                languages=[{"code": "nl", "level": "native"}],
                consents={},
            )
        )
        people.append((p.id, leiden_seat))
    arabic = Person(institution_id=bologna, lms_name="Amal")  # the only Arabic speaker
    refuser = Person(institution_id=bologna, lms_name="Rita")  # shares nothing
    session.add_all([arabic, refuser])
    session.flush()
    session.add(
        Profile(
            person_id=arabic.id,
            time_zone="America/Sao_Paulo",
            languages=[{"code": "ar", "level": "native"}],
            consents={"languages": True, "time_zone": True},
        )
    )
    session.add(
        Profile(
            person_id=refuser.id,
            time_zone="Europe/Rome",
            languages=[{"code": "it", "level": "native"}, {"code": "ar", "level": "B1"}],
            consents={},
        )
    )
    people += [(arabic.id, bologna_seat), (refuser.id, bologna_seat)]
    for person_id, seat in people:
        _join(session, world.exchange_id, person_id, seat)
    session.commit()

    as_leiden = pool_makeup(session, world.exchange_id, leiden)
    labels = {b.label: b.count for b in as_leiden.languages}
    assert labels == {"nl": 3}  # Amal alone is under three; Rita refused
    assert {b.label for b in as_leiden.time_zones} == {"Europe/Amsterdam"}
    assert {b.label: b.count for b in as_leiden.institutions} == {"Universiteit Leiden": 3}
    assert as_leiden.students == 5

    as_bologna = pool_makeup(session, world.exchange_id, bologna)
    assert {b.label: b.count for b in as_bologna.languages} == {"ar": 2, "it": 1}  # own students
    assert {b.label for b in as_bologna.time_zones} == {"America/Sao_Paulo", "Europe/Rome"}
    assert {b.label: b.count for b in as_bologna.institutions} == {
        "Universiteit Leiden": 3,
        "Università di Bologna": 2,
    }
