"""A team's room: the row its features hang off (chat lines, the note, tasks, calls are in
their own packages: plugin.chat, plugin.notes, plugin.tasks, plugin.calls)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugin.db import Base, utcnow
from plugin.teams.models import Team


class Room(Base):
    """One per team. ``last_seq`` is the room's event cursor: every new, edited, deleted or
    hidden line takes the next value under the row's write lock, so "everything after N" is
    one indexed query and a reconnecting client misses nothing."""

    __tablename__ = "room"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), unique=True)
    last_seq: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team] = relationship()
