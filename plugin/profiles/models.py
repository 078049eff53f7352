from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow


class Profile(Base):
    """One per person. Availability is stored as UTC minute-of-week intervals [start, end)."""

    __tablename__ = "profile"
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    pronouns: Mapped[str | None] = mapped_column(String(40))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    # [[start_minute, end_minute], ...] in UTC, 0 = Monday 00:00 UTC, 10080 = one week.
    availability: Mapped[list[list[int]]] = mapped_column(JSON, default=list)
    # [{"code": "en", "level": "B2"}, ...] with CEFR levels A1..C2 (or "native").
    languages: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    discipline: Mapped[str | None] = mapped_column(String(120))
    interests: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Which fields teammates from other institutions may see: {"pronouns": true, ...}.
    consents: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The name shown to a public video service (meet.jit.si) instead of the display name.
    video_name: Mapped[str | None] = mapped_column(String(80))
    completed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
