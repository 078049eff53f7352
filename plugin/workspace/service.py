"""A team's room as a client sees it on (re)joining: chat, note, tasks, members and phases.

Composes the room features' reads, so it sits above them (plugin.rooms, chat, notes, tasks)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.chat.lines import MessageView
from plugin.chat.service import history_before
from plugin.notes.service import NoteView, get_note
from plugin.rooms.access import (
    RoomAccess,
    check_access,
)
from plugin.rooms.models import Room
from plugin.rooms.service import MemberView, room_members
from plugin.tasks.service import TaskView, exchange_phases, list_tasks
from plugin.teams.models import Team


@dataclass(frozen=True)
class RoomSnapshot:
    access: RoomAccess
    team_name: str
    last_seq: int
    members: list[MemberView]
    messages: list[MessageView]
    note: NoteView
    tasks: list[TaskView]
    phases: list[dict[str, str]] = field(default_factory=list)


def room_snapshot(
    session: Session, actor: Actor, room_id: int, now: datetime, newest_page: bool = True
) -> RoomSnapshot:
    """All a client needs on (re)joining; the newest page of chat, older pages on request.

    A reconnecting client catches up from its cursor instead (``newest_page=False``: no chat
    here). After a process dies every one of its clients reconnects at once, and loading a
    page of chat each would only throw away (py-spy: the snapshot was most of a surviving
    process's work in that storm)."""
    access = check_access(session, actor, room_id)
    team = session.get_one(Team, access.team_id)
    # A column read, not the Room object: the cursor moves by driver UPDATEs
    # (plugin.chat.sql), which an object already in the session's identity map would not
    # see.
    last_seq = session.scalar(select(Room.last_seq).where(Room.id == room_id))
    return RoomSnapshot(
        access=access,
        team_name=team.name,
        last_seq=int(last_seq or 0),
        members=room_members(session, actor, room_id, now),
        messages=history_before(session, actor, room_id, None) if newest_page else [],
        note=get_note(session, actor, room_id),
        tasks=list_tasks(session, actor, room_id),
        phases=exchange_phases(session, access.exchange_id),
    )
