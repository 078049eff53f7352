"""Team use cases that do not need the matching engine: make a team by hand, remove someone.

Teachers get their teams from matching's publish step; ``create_team`` makes one directly from
a list of people, for the demo's seeding and for tests that need a team without a matching run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, selectinload

from plugin.actors import TEACHING_ROLES, Actor
from plugin.courses.models import CourseMembership
from plugin.errors import InvalidInput, NotAllowed, NotFound
from plugin.exchanges.models import Exchange, Participant, ParticipantStatus, Seat, SeatStatus
from plugin.exchanges.service import get_exchange
from plugin.i18n import N_
from plugin.people.models import Person
from plugin.teams.models import Team, TeamMembership


def is_exchange_teacher(session: Session, person_id: int, exchange_id: int) -> bool:
    """Teaches a course holding an approved seat in the exchange (or is a teaching participant)."""
    by_seat = exists().where(
        Seat.exchange_id == exchange_id,
        Seat.status == SeatStatus.APPROVED,
        CourseMembership.course_id == Seat.course_id,
        CourseMembership.person_id == person_id,
        CourseMembership.role.in_(TEACHING_ROLES),
    )
    by_participant = exists().where(
        Participant.exchange_id == exchange_id,
        Participant.person_id == person_id,
        Participant.status == ParticipantStatus.ACTIVE,
        Participant.role.in_(TEACHING_ROLES),
    )
    return bool(session.scalar(select(by_seat | by_participant)))


def require_exchange_teacher(session: Session, actor: Actor, exchange_id: int) -> Exchange:
    """The exchange, if the actor teaches in it: the gate of teachers' pages and use cases
    (completion, check-ins, peer evaluation)."""
    exchange = get_exchange(session, exchange_id)
    if not is_exchange_teacher(session, actor.person_id, exchange_id):
        raise NotAllowed(N_("Only teachers of this exchange can do this."))
    return exchange


def require_teams_teacher(session: Session, actor: Actor, exchange_id: int) -> Exchange:
    """The exchange, if the actor teaches in it and so may change its teams (here and matching)."""
    exchange = session.get(Exchange, exchange_id)
    if exchange is None:
        raise NotFound(N_("This exchange does not exist."))
    if not is_exchange_teacher(session, actor.person_id, exchange_id):
        raise NotAllowed(N_("Only teachers of this exchange can change its teams."))
    return exchange


def create_team(
    session: Session, actor: Actor, exchange_id: int, name: str, member_ids: Sequence[int]
) -> Team:
    """A team of the given people; a person already in a team of this exchange is refused."""
    require_teams_teacher(session, actor, exchange_id)
    name = name.strip()
    if not name or len(name) > 80:
        raise InvalidInput(N_("A team name must be 1 to 80 characters."))
    taken = session.scalars(
        select(TeamMembership.person_id).where(
            TeamMembership.exchange_id == exchange_id, TeamMembership.person_id.in_(member_ids)
        )
    ).all()
    if taken or len(set(member_ids)) != len(member_ids):
        raise InvalidInput(N_("A person can be in only one team of an exchange."))
    team = Team(exchange_id=exchange_id, name=name)
    team.members = [TeamMembership(exchange_id=exchange_id, person_id=pid) for pid in member_ids]
    session.add(team)
    session.commit()
    return team


def may_remove_from_published_team(session: Session, actor: Actor, person_id: int) -> bool:
    """Whether a teacher of the exchange may take this person out of a published team.

    The same line as signing off completion: only teachers of the student's own university
    act on that student once teams are published (moves inside a proposal stay open to all
    the exchange's teachers, see ``plugin.matching.service.move_member``).
    """
    mine = session.scalar(select(Person.institution_id).where(Person.id == actor.person_id))
    theirs = session.scalar(select(Person.institution_id).where(Person.id == person_id))
    return mine is not None and mine == theirs


def remove_member(session: Session, actor: Actor, team_id: int, person_id: int) -> None:
    """Take a person out of a team; adapters then cut their live connections."""
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(N_("This team does not exist."))
    require_teams_teacher(session, actor, team.exchange_id)
    membership = next((m for m in team.members if m.person_id == person_id), None)
    if membership is None:
        raise NotFound(N_("This person is not in the team."))
    if not may_remove_from_published_team(session, actor, person_id):
        raise NotAllowed(
            N_(
                "Only a teacher of the student's own university can remove them from a "
                "published team. Ask their teacher."
            )
        )
    team.members.remove(membership)
    session.commit()


@dataclass(frozen=True)
class TeamLine:
    """A team as its exchange's teachers see it on the way to its room."""

    team_id: int
    name: str
    members: list[tuple[int, str, str]]  # person id, display name, institution
    removable: frozenset[int] = frozenset()  # whom the viewing teacher may take out


def my_team_in(session: Session, actor: Actor, exchange_id: int) -> int | None:
    """The actor's team in an exchange (one at most), or None before teams are formed."""
    return session.scalar(
        select(TeamMembership.team_id).where(
            TeamMembership.exchange_id == exchange_id,
            TeamMembership.person_id == actor.person_id,
        )
    )


def exchange_teams(session: Session, actor: Actor, exchange_id: int) -> list[TeamLine]:
    """Every team of the exchange with its members, for the teachers who observe the rooms."""
    if not is_exchange_teacher(session, actor.person_id, exchange_id):
        raise NotAllowed(N_("Only teachers of this exchange can see all its teams."))
    teams = session.scalars(
        select(Team)
        .where(Team.exchange_id == exchange_id)
        .options(selectinload(Team.members).joinedload(TeamMembership.person))
        .order_by(Team.id)
    ).all()
    mine = session.scalar(select(Person.institution_id).where(Person.id == actor.person_id))
    return [
        TeamLine(
            team_id=team.id,
            name=team.name,
            members=[
                (m.person_id, m.person.display_name or "Anonymous", m.person.institution.name)
                for m in sorted(team.members, key=lambda m: m.id)
            ],
            # the rule of plugin.teams.service.remove_member: own university's students only
            removable=frozenset(
                m.person_id for m in team.members if m.person.institution_id == mine
            ),
        )
        for team in teams
    ]
