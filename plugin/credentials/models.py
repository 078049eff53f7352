"""Issued credentials, issuer keys per awarding institution, and their status lists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugin.db import Base, utcnow
from plugin.people.models import Institution


class IssuerKey(Base):
    """An Ed25519 key of an institution's did:web issuer. The newest unretired key signs;
    retired keys stay in the DID document so credentials they signed keep verifying."""

    __tablename__ = "issuer_key"
    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institution.id", ondelete="CASCADE"), index=True
    )
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    public_multikey: Mapped[str] = mapped_column(String(100))
    private_sealed: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]


class StatusList(Base):
    """A revocation bitstring of one institution and its signed status list credential."""

    __tablename__ = "status_list"
    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institution.id", ondelete="CASCADE"), index=True
    )
    entries: Mapped[int]
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    used: Mapped[int] = mapped_column(default=0)
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when ``bits`` changed after ``document`` was signed: the worker publishes it.
    pending_since: Mapped[datetime | None]


class Credential(Base):
    """One signed OpenBadgeCredential. ``document`` is exactly what was signed and served.

    When the holder is erased, ``document`` (which identifies them by a salted hash of their
    email) goes and ``holder_erased_at`` is set: what remains names no one, yet keeps the
    revocation-list entry taken (never reused) so the copy the holder saved still verifies.
    """

    __tablename__ = "credential"
    __table_args__ = (UniqueConstraint("status_list_id", "status_index"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    exchange_id: Mapped[int | None] = mapped_column(
        ForeignKey("exchange.id", ondelete="SET NULL"), index=True
    )
    completion_id: Mapped[int | None] = mapped_column(
        ForeignKey("completion.id", ondelete="SET NULL"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id", ondelete="SET NULL"))
    status_list_id: Mapped[int] = mapped_column(ForeignKey("status_list.id"))
    status_index: Mapped[int]
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    sha256: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    revoked_at: Mapped[datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    revocation_reason: Mapped[str | None] = mapped_column(String(1000))
    holder_erased_at: Mapped[datetime | None]

    institution: Mapped[Institution] = relationship()


class HeldIssuance(Base):
    """A credential a teacher's sign-off asked for that could not be issued yet (say, the
    awarding institution has no country). Kept so the teacher and student see why, and so it
    is issued as soon as an administrator fixes the cause; deleted once issued."""

    __tablename__ = "held_issuance"
    id: Mapped[int] = mapped_column(primary_key=True)
    completion_id: Mapped[int] = mapped_column(
        ForeignKey("completion.id", ondelete="CASCADE"), unique=True
    )
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institution.id", ondelete="CASCADE"), index=True
    )
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL")
    )
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempted_at: Mapped[datetime] = mapped_column(default=utcnow)


class IssuingJob(Base):
    """A registrar's bulk issuing, run by the worker in batches so the registrar can watch
    the counts move. ``cursor`` is the last completion id handled: a batch redone after a
    killed worker starts after it, and a finished job issues nothing more when run again."""

    __tablename__ = "issuing_job"
    __table_args__ = (UniqueConstraint("requested_by_id", "request_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institution.id", ondelete="CASCADE"), index=True
    )
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchange.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL")
    )
    # The form's one-time key: the same form submitted twice finds the first job.
    request_key: Mapped[str] = mapped_column(String(64))
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    cursor: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
