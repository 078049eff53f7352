"""Matching runs: each proposal kept for audit (the teams it produces live in plugin.teams)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow


class MatchingRun(Base):
    """One matching proposal, kept for audit: the rules and seed it ran with and what it gave.

    ``teams`` is the teacher's working copy ({key: [person id, ...]}), edited by hand moves;
    ``result`` is what the engine returned, never edited, so audit can compare the two.
    """

    __tablename__ = "matching_run"
    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("exchange.id", ondelete="CASCADE"), index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    strategy: Mapped[str] = mapped_column(String(40))
    seed: Mapped[int]
    rules: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    teams: Mapped[dict[str, list[int]]] = mapped_column(JSON, default=dict)
    locked: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
