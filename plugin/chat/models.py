"""Chat lines of a team's room."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugin.db import Base, utcnow
from plugin.people.models import Person


class Message(Base):
    """A chat line. ``seq`` orders a room's lines; ``client_id`` (chosen by the sender) makes a
    retried send find the line it already stored instead of storing it twice."""

    __tablename__ = "room_message"
    __table_args__ = (
        UniqueConstraint("room_id", "seq"),
        UniqueConstraint("room_id", "client_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"))
    seq: Mapped[int]
    client_id: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The room cursor of the line's latest change (its seq when new; bumped by edit, delete
    # and hide), so a catching-up client sees changes too.
    changed_seq: Mapped[int] = mapped_column(default=0)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str | None] = mapped_column(String(500))

    author: Mapped[Person | None] = relationship(foreign_keys=[author_id])


Index("ix_room_message_room_id_changed_seq", Message.room_id, Message.changed_seq)
# Team health recounts a room's recent lines (created since last week) without reading the rest.
Index("ix_room_message_room_id_created_at", Message.room_id, Message.created_at)
