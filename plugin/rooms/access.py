"""Who someone is in a team room, decided once per transaction; every room feature asks here.

Members write; teachers of any approved seat in the exchange observe read-only and moderate.
``check_access`` keeps its answers in a per-transaction cache (``session.info``), so a socket
event's check and its use case's check cost one query, and a member removed a second ago is
refused on their very next event. ``require_writer`` and ``require_moderator`` are the shared
checks the chat, note and task use cases start with."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.errors import NotAllowed, NotFound
from plugin.i18n import N_
from plugin.people.models import Person
from plugin.rooms.models import Room
from plugin.rooms.sql import RoomCursor
from plugin.teams.models import Team
from plugin.teams.service import is_exchange_teacher


@dataclass(frozen=True)
class RoomAccess:
    room_id: int
    team_id: int
    exchange_id: int
    person_id: int
    is_member: bool
    is_teacher: bool
    display_name: str = "Anonymous"  # the actor's name as the room shows it

    @property
    def can_write(self) -> bool:
        return self.is_member

    @property
    def can_moderate(self) -> bool:
        return self.is_teacher


_ACCESS_CACHE = "tandem.rooms.access"


def check_access(session: Session, actor: Actor, room_id: int) -> RoomAccess:
    """Who the actor is in this room, from the database now; refuses outsiders.

    Read-only: no commit. "Does not exist" and "not yours" are both NotFound for students, so a
    probe cannot learn which room numbers exist. The answer is kept for the rest of the
    session's current transaction only: a socket event checks access before its use case, and
    the use case checks again; within one transaction the second read would see the same rows,
    and the next event (or anything after a commit) reads afresh, so a removed member is still
    refused on their very next event.
    """
    key = (actor.person_id, room_id)
    check_members(session, {key})  # the one query for members, every event's case
    hit = cached_access(session).get(key)
    if hit is not None:
        return hit
    # Not a member: a teacher of the exchange may observe.
    room = session.get(Room, room_id)
    team = session.get(Team, room.team_id) if room is not None else None
    if team is None or not is_exchange_teacher(session, actor.person_id, team.exchange_id):
        raise NotFound(N_("This room does not exist or is not yours."))
    name = person_name(session.get(Person, actor.person_id))
    access = RoomAccess(room_id, team.id, team.exchange_id, actor.person_id, False, True, name)
    cached_access(session)[key] = access
    return access


def cached_access(session: Session) -> dict[tuple[int, int], RoomAccess]:
    """This transaction's answers of check_access, by (person, room); new for a new one."""
    transaction = session.get_transaction()
    cached: tuple[object, dict[tuple[int, int], RoomAccess]] | None
    cached = session.info.get(_ACCESS_CACHE)
    if cached is None or transaction is None or cached[0] is not transaction:
        cached = (transaction, {})
        session.info[_ACCESS_CACHE] = cached
    return cached[1]


def check_members(session: Session, pairs: set[tuple[int, int]]) -> None:
    """check_access for many (person, room) pairs in one query: members land in this
    transaction's cache; anyone else is left to check_access (teacher or refused)."""
    session.connection()  # begins first: the cache is the transaction's
    cache = cached_access(session)
    wanted = pairs - cache.keys()
    if not wanted:  # checked already in this transaction (a use case after its event's check)
        return
    with RoomCursor(session) as cursor:
        rows = cursor.members(sorted({r for _, r in wanted}), sorted({p for p, _ in wanted}))
    for row in rows:
        if (row.person_id, row.room_id) in wanted:
            name = shown_name(row.chosen_name, row.lms_name)
            access = RoomAccess(
                row.room_id, row.team_id, row.exchange_id, row.person_id, True, False, name
            )
            cache[(row.person_id, row.room_id)] = access


def require_writer(session: Session, actor: Actor, room_id: int) -> RoomAccess:
    access = check_access(session, actor, room_id)
    if not access.can_write:
        raise NotAllowed(N_("Teachers observe this room; only team members can write in it."))
    return access


def require_moderator(session: Session, actor: Actor, room_id: int) -> RoomAccess:
    access = check_access(session, actor, room_id)
    if not access.can_moderate:
        raise NotAllowed(N_("Only teachers of this exchange can moderate a room."))
    return access


def person_name(person: Person | None) -> str:
    if person is None:
        return "—"
    return shown_name(person.chosen_name, person.lms_name)


def shown_name(chosen_name: str | None, lms_name: str | None) -> str:
    """Person.display_name from its two columns (the access queries read columns, not rows)."""
    return chosen_name or lms_name or "Anonymous"
