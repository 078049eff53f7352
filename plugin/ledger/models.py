"""The event log and, apart from it, the personal data that erasure may remove."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow


class EventKind(StrEnum):
    ENROLLED = "enrolled"
    EVIDENCE_RECORDED = "evidence_recorded"
    RULE_SET = "rule_set"
    RULE_EVALUATED = "rule_evaluated"
    COMPLETION_REQUESTED = "completion_requested"
    COMPLETION_DECIDED = "completion_decided"
    COMPLETION_OVERRIDDEN = "completion_overridden"
    CREDENTIAL_ISSUED = "credential_issued"
    CREDENTIAL_REVOKED = "credential_revoked"
    EXPORTED = "exported"


class LedgerEvent(Base):
    """Append-only: rows are inserted with the next ``seq`` and never updated or deleted.

    ``seq`` is unique, so two writers that read the same head cannot both append after it.
    """

    __tablename__ = "ledger_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[str] = mapped_column(String(32))
    exchange_id: Mapped[int | None] = mapped_column(index=True)
    subject_ref: Mapped[str | None] = mapped_column(String(32), index=True)
    actor_ref: Mapped[str | None] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    private_hash: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class LedgerSubject(Base):
    """Which person an opaque reference stands for; erasure deletes the row."""

    __tablename__ = "ledger_subject"
    ref: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerPrivate(Base):
    """Free text an event refers to by hash (an override reason, a revocation reason)."""

    __tablename__ = "ledger_private"
    event_id: Mapped[int] = mapped_column(
        ForeignKey("ledger_event.id", ondelete="CASCADE"), primary_key=True
    )
    subject_ref: Mapped[str | None] = mapped_column(String(32), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
