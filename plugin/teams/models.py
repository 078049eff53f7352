"""Teams: what matching produces and what rooms, completion and reports hang from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugin.db import Base, utcnow
from plugin.exchanges.models import Exchange
from plugin.people.models import Person


class Team(Base):
    __tablename__ = "team"
    id: Mapped[int] = mapped_column(primary_key=True)
    exchange_id: Mapped[int] = mapped_column(
        ForeignKey("exchange.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    exchange: Mapped[Exchange] = relationship()
    members: Mapped[list[TeamMembership]] = relationship(
        back_populates="team", cascade="all, delete-orphan", order_by="TeamMembership.id"
    )

    def has_member(self, person_id: int) -> bool:
        return any(m.person_id == person_id for m in self.members)


class TeamMembership(Base):
    """A person in a team. ``locked`` members stay where a teacher put them when rematching."""

    __tablename__ = "team_membership"
    # A person is in at most one team per exchange; the exchange column makes that a constraint.
    __table_args__ = (UniqueConstraint("exchange_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id", ondelete="CASCADE"), index=True)
    exchange_id: Mapped[int] = mapped_column(ForeignKey("exchange.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    locked: Mapped[bool] = mapped_column(default=False)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    team: Mapped[Team] = relationship(back_populates="members")
    person: Mapped[Person] = relationship()
