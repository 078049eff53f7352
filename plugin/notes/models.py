"""A team's shared note: the ``Note`` row and the stored changes of its collaborative
document (Yjs/Yrs).

The ``Note`` row keeps the plain text and a version for readers that only want text (the room
snapshot, completion evidence); the ``NoteUpdate`` rows are the document itself: every
accepted change as the update its client sent, now and then merged into one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, Text
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow


class NoteUpdate(Base):
    """One Yjs update (v1 encoding). Applying every row of a room, in any order, rebuilds the
    document; ``merged`` counts the client changes a row stands for (1 until compaction)."""

    __tablename__ = "room_note_update"
    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    merged: Mapped[int] = mapped_column(default=1)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Note(Base):
    """The team's shared note. ``version`` makes concurrent saves detectable (see service)."""

    __tablename__ = "room_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=0)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
