"""A student's teammate requests and the personal code that lets a partner's student ask for them.

Both are per exchange: a code or a request from last term's exchange must never reach this
term's pool. Rows name people by ``person_id`` within one exchange; erasure deletes them
explicitly (the person row survives erasure, anonymised, so no cascade would fire).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow


class TeammateRequest(Base):
    """``requester`` would like ``requested`` in their team. One-directional on purpose.

    Storing each direction alone means nobody can be put with someone who did not also ask:
    matching counts a pair only when both rows exist (see plugin/matching/problem.py).
    """

    __tablename__ = "teammate_request"
    __table_args__ = (
        UniqueConstraint("exchange_id", "requester_id", "requested_id"),
        CheckConstraint("requester_id <> requested_id", name="not_self"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # No index of its own: the unique constraint leads with exchange_id.
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchange.id", ondelete="CASCADE"))
    requester_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    requested_id: Mapped[int] = mapped_column(
        ForeignKey("person.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TeammateCode(Base):
    """A student's own code in one exchange, which they may give a friend at a partner university.

    Kept in clear, unlike join codes, because its owner must be able to read it again on their
    page whenever a friend asks. What it unlocks is small and chosen by its owner: the holder
    learns the owner's display name (a field teammates see anyway) and may ask for them. A leaked
    code is replaced with a new one, which stops the old one at once.
    """

    __tablename__ = "teammate_code"
    __table_args__ = (UniqueConstraint("exchange_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchange.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
