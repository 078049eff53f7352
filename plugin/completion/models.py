"""Completion rules (versioned per exchange), evidence per student, and the decision."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugin.completion.rules import Rule
from plugin.db import Base, utcnow
from plugin.people.models import Person


def _enum(kind: type[StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class CompletionStatus(StrEnum):
    IN_PROGRESS = "in_progress"
    REQUESTED = "requested"  # the student asked their teacher to sign off
    APPROVED = "approved"
    DECLINED = "declined"  # only by an override, with a reason


class EvidenceKind(StrEnum):
    CONTRIBUTION = "contribution"  # key: ISO week, e.g. 2026-W07
    MEETING = "meeting"  # key: the meeting's date, recorded by a teacher


class CompletionRule(Base):
    """One version of an exchange's rule; changing the rule adds a version."""

    __tablename__ = "completion_rule"
    __table_args__ = (UniqueConstraint("exchange_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("exchange.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int]
    min_meetings: Mapped[int]
    min_contribution_weeks: Mapped[int]
    required_phases: Mapped[list[str]] = mapped_column(JSON, default=list)
    reflection_required: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def spec(self) -> Rule:
        return Rule(
            version=self.version,
            min_meetings=self.min_meetings,
            min_contribution_weeks=self.min_contribution_weeks,
            required_phases=tuple(self.required_phases),
            reflection_required=self.reflection_required,
        )


class CompletionEvidence(Base):
    """A fact that counts towards completion, kept even if the room's data later changes."""

    __tablename__ = "completion_evidence"
    __table_args__ = (UniqueConstraint("exchange_id", "person_id", "kind", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchange.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EvidenceKind] = mapped_column(_enum(EvidenceKind))
    key: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))  # chat, note, task, teacher
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Completion(Base):
    """One student's completion of one exchange."""

    __tablename__ = "completion"
    __table_args__ = (UniqueConstraint("exchange_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("exchange.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[CompletionStatus] = mapped_column(
        _enum(CompletionStatus), default=CompletionStatus.IN_PROGRESS
    )
    rule_version: Mapped[int | None]
    reflection: Mapped[str | None] = mapped_column(Text)
    reflection_at: Mapped[datetime | None]
    requested_at: Mapped[datetime | None]
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]
    overridden: Mapped[bool] = mapped_column(default=False)
    override_reason: Mapped[str | None] = mapped_column(String(1000))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    approved_by: Mapped[Person | None] = relationship(foreign_keys=[approved_by_id])
