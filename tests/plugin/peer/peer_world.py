"""The rooms world with a team of five across two universities, for check-ins and peer rounds:
Leiden: Alice, Chen, Eva; Bologna: Bruno, Fabio. Teachers: Tess (Leiden), Paola (Bologna)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.people.models import Person
from plugin.teams.models import TeamMembership
from tests.plugin.rooms.rooms_world import World, build_world

# A Wednesday inside the exchange (2026-02-02 .. 2026-04-30).
NOW = datetime(2026, 3, 4, 12, 0, tzinfo=UTC)


@dataclass
class PeerWorld:
    rooms: World
    eva: Actor
    fabio: Actor

    @property
    def exchange_id(self) -> int:
        return self.rooms.exchange_id

    @property
    def team(self) -> list[Actor]:
        w = self.rooms
        return [w.alice, w.bruno, w.chen, self.eva, self.fabio]


def build_peer_world(session: Session) -> PeerWorld:
    world = build_world(session)
    alice = session.get(Person, world.alice.person_id)
    bruno = session.get(Person, world.bruno.person_id)
    assert alice is not None
    assert bruno is not None
    eva = Person(institution_id=alice.institution_id, lms_name="Eva")
    fabio = Person(institution_id=bruno.institution_id, lms_name="Fabio")
    session.add_all([eva, fabio])
    session.flush()
    for person in (eva, fabio):
        session.add(
            TeamMembership(
                team_id=world.team_id, exchange_id=world.exchange_id, person_id=person.id
            )
        )
    session.commit()
    return PeerWorld(world, Actor(eva.id, Role.STUDENT, None), Actor(fabio.id, Role.STUDENT, None))


def window() -> tuple[datetime, datetime]:
    return NOW - timedelta(days=1), NOW + timedelta(days=6)
