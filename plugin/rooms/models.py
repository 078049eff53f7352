"""A team's room: durable chat, one shared note, and a task board per COIL phase."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugin.db import Base, utcnow
from plugin.people.models import Person
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


class Note(Base):
    """The team's shared note. ``version`` makes concurrent saves detectable (see service)."""

    __tablename__ = "room_note"
    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), unique=True)
    text: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=0)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TaskState(StrEnum):
    OPEN = "open"
    DOING = "doing"
    DONE = "done"


class Task(Base):
    """A piece of work for one COIL phase (``phase_key`` matches ``Exchange.phases[i]["key"]``)."""

    __tablename__ = "room_task"
    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    phase_key: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    state: Mapped[TaskState] = mapped_column(
        Enum(
            TaskState,
            native_enum=False,
            length=20,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=TaskState.OPEN,
    )
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    due_on: Mapped[date | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    done_at: Mapped[datetime | None]
