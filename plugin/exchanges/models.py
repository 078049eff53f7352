from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugin.actors import Role
from plugin.courses.models import Course
from plugin.db import Base, utcnow
from plugin.people.models import Person


def _enum(kind: type[StrEnum]) -> Enum:
    """Enums stored as their values in a plain string column: portable and readable in SQL."""
    return Enum(kind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class SeatStatus(StrEnum):
    PENDING = "pending"  # a partner asked to join; the owner has not decided
    APPROVED = "approved"
    DECLINED = "declined"
    LEFT = "left"


class ParticipantStatus(StrEnum):
    ACTIVE = "active"
    LEFT = "left"
    ERASED = "erased"  # personal data removed; the row keeps aggregate counts honest


class Exchange(Base):
    __tablename__ = "exchange"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    # ISO 639-1 codes of the working languages, e.g. ["en", "nl"].
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    # COIL phases: [{"key": "icebreaker", "title": "...", "starts_on": "2026-02-02", ...}, ...]
    phases: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    team_size_min: Mapped[int] = mapped_column(default=4)
    team_size_max: Mapped[int] = mapped_column(default=6)
    weekly_hours: Mapped[int] = mapped_column(default=3)
    owner_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("exchange.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    owner: Mapped[Person] = relationship(foreign_keys=[owner_id])
    seats: Mapped[list[Seat]] = relationship(
        back_populates="exchange", cascade="all, delete-orphan", order_by="Seat.id"
    )


class JoinCode(Base):
    """A code a partner teacher enters to ask for a seat. Stored hashed, never in clear."""

    __tablename__ = "exchange_join_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("exchange.id", ondelete="CASCADE"), index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# A seat is live while it is asked for or approved; declined and left seats are history.
LIVE_SEAT = text("status IN ('pending', 'approved')")


class Seat(Base):
    """A partner course in an exchange, with its own teachers, students and settings.

    A course (an LMS placement) has at most one live seat: its launches must land in one
    exchange, never in whichever was created last (partial unique index, both databases).
    """

    __tablename__ = "exchange_seat"
    __table_args__ = (
        UniqueConstraint("exchange_id", "course_id"),
        Index(
            "uq_exchange_seat_live_course",
            "course_id",
            unique=True,
            sqlite_where=LIVE_SEAT,
            postgresql_where=LIVE_SEAT,
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("exchange.id", ondelete="CASCADE"), index=True
    )
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    status: Mapped[SeatStatus] = mapped_column(_enum(SeatStatus))
    is_owner: Mapped[bool] = mapped_column(default=False)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    exchange: Mapped[Exchange] = relationship(back_populates="seats")
    course: Mapped[Course] = relationship()


class Participant(Base):
    """A person in an exchange, through the seat of the course they launched from."""

    __tablename__ = "exchange_participant"
    __table_args__ = (UniqueConstraint("exchange_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("exchange.id", ondelete="CASCADE"), index=True
    )
    seat_id: Mapped[int] = mapped_column(
        ForeignKey("exchange_seat.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("person.id", ondelete="SET NULL"), index=True
    )
    role: Mapped[Role] = mapped_column(_enum(Role))
    status: Mapped[ParticipantStatus] = mapped_column(
        _enum(ParticipantStatus), default=ParticipantStatus.ACTIVE
    )
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    seat: Mapped[Seat] = relationship()
    person: Mapped[Person | None] = relationship()


class SeatSetting(Base):
    """A seat's own choices, kept beside the seat (no row: every default).

    ``share_team_data`` is "share individual team data": partner teachers may see this
    course's students by name in check-ins and peer results, but only when the partner's
    seat turned it on too (``plugin.exchanges.service.individual_data_shared``).
    """

    __tablename__ = "exchange_seat_setting"
    seat_id: Mapped[int] = mapped_column(
        ForeignKey("exchange_seat.id", ondelete="CASCADE"), primary_key=True
    )
    share_team_data: Mapped[bool] = mapped_column(default=False)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
