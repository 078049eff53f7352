"""A meeting a team agreed on: one date and time (UTC), reminded once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow


class AgreedMeeting(Base):
    """One agreed meeting of a team. ``(team_id, starts_at)`` is unique, so the same form sent
    twice (or two members agreeing on the same suggestion) is one meeting; ``reminded_at`` is
    set in the transaction that records the reminders, so none is sent twice."""

    __tablename__ = "agreed_meeting"
    __table_args__ = (UniqueConstraint("team_id", "starts_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    agreed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    reminded_at: Mapped[datetime | None] = mapped_column(index=True)
