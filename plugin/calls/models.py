"""Who was in the team's video call, and when (from the Jitsi IFrame API's joined/left events)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow


class CallAttendance(Base):
    """One stretch of one member in the call. ``left_at`` is empty while they are in it; a
    rejoin after a dropped connection starts a new row, so stretches never overlap."""

    __tablename__ = "room_call_attendance"
    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]


Index("ix_room_call_attendance_room_person", CallAttendance.room_id, CallAttendance.person_id)
