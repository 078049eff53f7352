"""Peer rounds, the ratings and confidential comments given in them, and their results."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow


class PeerPolicy(Base):
    """How an exchange uses peer evaluation; absent means the defaults (no grade effect)."""

    __tablename__ = "peer_policy"
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("exchange.id", ondelete="CASCADE"), primary_key=True
    )
    # Scale grades sent to the LMS by the student's adjustment factor (last closed round).
    adjust_grades: Mapped[bool] = mapped_column(default=False)
    # Highest factor allowed (e.g. 1.05); None: no cap.
    factor_cap: Mapped[float | None]
    # Use the factor that includes the student's own rating of themselves.
    include_self: Mapped[bool] = mapped_column(default=False)
    # Taking part in every closed round counts toward completion.
    required_for_completion: Mapped[bool] = mapped_column(default=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PeerRound(Base):
    """A round a teacher opened: students rate between ``opens_at`` and ``closes_at`` (UTC)."""

    __tablename__ = "peer_round"
    __table_args__ = (UniqueConstraint("exchange_id", "title"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("exchange.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    opens_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the round's results were computed (at or after closing); results are final then.
    finalized_at: Mapped[datetime | None]
    opened_notified_at: Mapped[datetime | None]


class PeerSubmission(Base):
    """A student took part in a round: their confidential comment to their own teachers."""

    __tablename__ = "peer_submission"
    __table_args__ = (UniqueConstraint("round_id", "rater_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("peer_round.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)


class PeerRating(Base):
    """One rater's scores (1-5) for one teammate (or themselves) on the five dimensions."""

    __tablename__ = "peer_rating"
    __table_args__ = (UniqueConstraint("round_id", "rater_id", "ratee_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("peer_round.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    rater_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    ratee_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    contributing: Mapped[int]
    interacting: Mapped[int]
    on_track: Mapped[int]
    quality: Mapped[int]
    knowledge: Mapped[int]
    rated_at: Mapped[datetime] = mapped_column(default=utcnow)


class PeerResult(Base):
    """A student's computed result in a finalized round: aggregates only, never who said what.

    Kept when a rater is erased (their ratings go; the result stays as computed); the rated
    student's own erasure unlinks it (``person_id`` emptied) so team aggregates stay honest.
    """

    __tablename__ = "peer_result"
    __table_args__ = (UniqueConstraint("round_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("peer_round.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    institution_id: Mapped[int | None] = mapped_column(ForeignKey("institution.id"))
    # Teammates (not self) who rated this student.
    raters: Mapped[int] = mapped_column(default=0)
    # Mean of teammates' ratings over all five dimensions; None without any.
    peer_mean: Mapped[float | None]
    self_mean: Mapped[float | None]
    # Per dimension means from teammates: {"contributing": 3.8, ...}.
    dimensions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    factor_with_self: Mapped[float | None]
    factor_without_self: Mapped[float | None]
    # Flag keys (see plugin.peer.flags): ["overconfident", ...].
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)


class PeerTeamResult(Base):
    """A team's flags in a finalized round (conflict, institution split): team-level only."""

    __tablename__ = "peer_team_result"
    __table_args__ = (UniqueConstraint("round_id", "team_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        ForeignKey("peer_round.id", ondelete="CASCADE"), index=True
    )
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    raters: Mapped[int] = mapped_column(default=0)
    peer_mean: Mapped[float | None]
    # Mean rating given to own-university minus partner-university teammates; None if no mix.
    institution_gap: Mapped[float | None]
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    computed_at: Mapped[datetime] = mapped_column(default=utcnow)
