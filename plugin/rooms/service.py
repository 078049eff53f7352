"""Room use cases shared by every room feature: open a team's room, who is in it, which rooms
are mine. Access (``plugin.rooms.access``) is checked first, from the database.

The features of a room are sibling packages above this one: ``plugin.chat``, ``plugin.notes``,
``plugin.tasks``, ``plugin.calls``; ``plugin.workspace`` composes them for a (re)join."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.db import get_or_create
from plugin.errors import NotFound
from plugin.i18n import N_
from plugin.people.models import Person
from plugin.profiles.models import Profile
from plugin.profiles.service import find_profile, shares_with, teammate_card
from plugin.rooms.access import (
    RoomAccess,
    check_access,
    person_name,
)
from plugin.rooms.models import Room
from plugin.teams.models import Team, TeamMembership


def open_team_room(session: Session, actor: Actor, team_id: int) -> RoomAccess:
    """The team's room, made on first use; refuses anyone who may not see it."""
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(N_("This room does not exist or is not yours."))
    room, created = get_or_create(session, Room, {"team_id": team_id}, lambda: Room(team=team))
    access = check_access(session, actor, room.id)
    if created:
        session.commit()
    return access


def local_time(time_zone: str | None, now: datetime) -> str | None:
    """Wall-clock time in a zone, or None for a missing or unknown zone."""
    if not time_zone:
        return None
    try:
        return now.astimezone(ZoneInfo(time_zone)).strftime("%H:%M")
    except (ZoneInfoNotFoundError, ValueError):
        return None


@dataclass(frozen=True)
class MemberView:
    """A teammate's card (``profiles.service.teammate_card``: consented fields only, never an
    email) plus their local time now."""

    person_id: int
    display_name: str
    institution: str
    time_zone: str | None
    local_time: str | None  # "HH:MM" now in the member's zone
    pronouns: str | None = None
    languages: tuple[tuple[str, str], ...] = ()
    overlap_minutes: int | None = None  # weekly time both can meet, seen from the viewer

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def room_members(session: Session, actor: Actor, room_id: int, now: datetime) -> list[MemberView]:
    """Teammates as other institutions may see them: their cards and local time. No email."""
    access = check_access(session, actor, room_id)
    rows = session.execute(
        select(Person, Profile)
        .join(TeamMembership, TeamMembership.person_id == Person.id)
        .outerjoin(Profile, Profile.person_id == Person.id)
        .where(TeamMembership.team_id == access.team_id)
        .order_by(TeamMembership.id)
    ).all()
    viewer = find_profile(session, actor.person_id)
    viewer_person = session.get(Person, actor.person_id)
    views = []
    for person, profile in rows:
        card = teammate_card(person, profile, viewer)
        shown = shares_with(person, profile, "time_zone", viewer_person)
        zone = profile.time_zone if profile is not None and shown else None
        views.append(
            MemberView(
                person_id=person.id,
                display_name=person_name(person),
                institution=card.institution,
                time_zone=zone,
                local_time=local_time(zone, now),
                pronouns=card.pronouns,
                languages=card.languages,
                overlap_minutes=card.overlap_minutes,
            )
        )
    return views


def room_of_team(session: Session, team_id: int) -> int | None:
    """The team's room id, if anyone opened it yet (nobody can be connected otherwise)."""
    return session.scalar(select(Room.id).where(Room.team_id == team_id))


def rooms_of(session: Session, actor: Actor) -> list[tuple[int, str]]:
    """(team id, team name) of the actor's teams, for links to their rooms."""
    rows = session.execute(
        select(Team.id, Team.name)
        .join(TeamMembership, TeamMembership.team_id == Team.id)
        .where(TeamMembership.person_id == actor.person_id)
        .order_by(Team.id)
    ).all()
    return [(int(i), str(n)) for i, n in rows]
