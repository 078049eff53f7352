"""Stored health: per member and week activity counts, per team and week totals, each team's
current status, the exchange's thresholds and the teachers' intervention log.

Counts are rebuilt from what the rooms record (a grouped scan, never a message's text) by a
periodic task, so the dashboard reads a few stored rows instead of scanning chat lines.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow


class HealthSettings(Base):
    """An exchange's thresholds (no row: the defaults of ``status.Thresholds``)."""

    __tablename__ = "health_settings"
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("exchange.id", ondelete="CASCADE"), primary_key=True
    )
    meeting_gap_days: Mapped[int]
    silent_days: Mapped[int]
    checkin_drop: Mapped[float]
    checkin_low: Mapped[float]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class MemberWeek(Base):
    """One member's activity in one week of the exchange (week 0 starts on its first day).
    Only counts; erasure deletes the person's rows and the team totals stay."""

    __tablename__ = "health_member_week"
    __table_args__ = (UniqueConstraint("team_id", "person_id", "week"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchange.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    week: Mapped[int]
    lines: Mapped[int] = mapped_column(default=0)
    note_edits: Mapped[int] = mapped_column(default=0)
    tasks_done: Mapped[int] = mapped_column(default=0)
    calls: Mapped[int] = mapped_column(default=0)
    last_active_at: Mapped[datetime | None]


Index("ix_health_member_week_exchange", MemberWeek.exchange_id)


class TeamWeek(Base):
    """A team's totals for one week: the dashboard's heat map reads these rows only."""

    __tablename__ = "health_team_week"
    __table_args__ = (UniqueConstraint("team_id", "week"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("exchange.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"))
    week: Mapped[int]
    lines: Mapped[int] = mapped_column(default=0)
    note_edits: Mapped[int] = mapped_column(default=0)
    tasks_done: Mapped[int] = mapped_column(default=0)
    calls: Mapped[int] = mapped_column(default=0)
    active_members: Mapped[int] = mapped_column(default=0)
    checkin_average: Mapped[float | None]


class TeamHealth(Base):
    """A team's current status and reasons (``reasons``: ``Reason.as_json`` items).
    ``risk_episode`` counts the times the team became at risk: the alert's dedupe key, so
    teachers hear once per change, never on every recomputation."""

    __tablename__ = "health_team"
    team_id: Mapped[int] = mapped_column(
        ForeignKey("team.id", ondelete="CASCADE"), primary_key=True
    )
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("exchange.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20))
    rank: Mapped[int]  # 0 at risk, 1 watch, 2 healthy: the dashboard's sort, in the index
    reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    last_meeting_on: Mapped[date | None]
    activity_total: Mapped[int] = mapped_column(default=0)
    risk_episode: Mapped[int] = mapped_column(default=0)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)


Index("ix_health_team_exchange_rank", TeamHealth.exchange_id, TeamHealth.rank)


class Intervention(Base):
    """A teacher's note or action about a team, shared by the exchange's teachers.
    ``client_id`` (from the form) makes a double submit find the entry it already made."""

    __tablename__ = "health_intervention"
    __table_args__ = (UniqueConstraint("author_id", "client_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchange.id", ondelete="CASCADE"))
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    client_id: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
