"""A notification per person and event, and each person's choices of channel per kind.

A notification is written in the same transaction as the event that causes it (teams published,
a completion decided, ...), so nobody is told of something that was rolled back; email is sent
later by the task queue from the row's ``email_state``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow


class Notification(Base):
    __tablename__ = "notification"
    __table_args__ = (UniqueConstraint("person_id", "dedupe_key"),)  # one event, one notice

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Where the notice leads, as '<what>:<id>' (room:7, credential:3): adapters make the URL.
    target: Mapped[str | None] = mapped_column(String(100))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    # "none" (no email wanted or no address), "pending", "sent", "failed" (permanent).
    email_state: Mapped[str] = mapped_column(String(10), default="none", index=True)
    email_attempts: Mapped[int] = mapped_column(default=0)
    email_error: Mapped[str | None] = mapped_column(String(500))


class NotificationChoice(Base):
    """A person's departure from a kind's default channels (absent row: the default)."""

    __tablename__ = "notification_choice"
    __table_args__ = (UniqueConstraint("person_id", "kind", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(10))
    enabled: Mapped[bool]


class NotifyAddress(Base):
    """The address a person chose for notification email, kept apart from the LMS's email.

    The LMS overwrites ``person.email`` at every launch; a chosen address must survive that, and
    it only counts once the person opened the confirmation link sent to it (``pending`` until
    then). Without a confirmed ``address`` the LMS's email is used.
    """

    __tablename__ = "notify_address"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    address: Mapped[str | None] = mapped_column(String(320))
    pending: Mapped[str | None] = mapped_column(String(320))
    pending_at: Mapped[datetime | None]
    # The confirmation email: "none", "pending" (the worker sends it), "sent", "failed".
    email_state: Mapped[str] = mapped_column(String(10), default="none", index=True)
    # Confirmation emails sent in the current hour-long window (bounds what one person can send).
    window_start: Mapped[datetime | None]
    sends_in_window: Mapped[int] = mapped_column(default=0)
