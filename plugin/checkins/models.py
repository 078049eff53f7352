"""Check-in schedules (one per exchange) and answers (one per person, team and ISO week)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow


class CheckinSchedule(Base):
    """When an exchange's teams are asked to check in: weekly between two dates.

    One row per exchange; a teacher moving the dates updates it (the default is the exchange's
    project-work phase). ``opened_week``/``closed_week`` remember which week's notices went out,
    so the worker's weekly run never tells a student twice.
    """

    __tablename__ = "checkin_schedule"
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("exchange.id", ondelete="CASCADE"), primary_key=True
    )
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    enabled: Mapped[bool] = mapped_column(default=True)
    opened_week: Mapped[str | None] = mapped_column(String(8))
    closed_week: Mapped[str | None] = mapped_column(String(8))
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CheckinAnswer(Base):
    """One student's answer for one ISO week (e.g. ``2026-W07``); answering again replaces it.

    All three scores run 1 (bad) to 5 (good): ``blockers`` 5 means nothing is in the way.
    The comment is read only by the student's own teachers.
    """

    __tablename__ = "checkin_answer"
    __table_args__ = (UniqueConstraint("person_id", "team_id", "week"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("exchange.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    week: Mapped[str] = mapped_column(String(8))
    teamwork: Mapped[int]
    contribute: Mapped[int]
    blockers: Mapped[int]
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(default=utcnow)
