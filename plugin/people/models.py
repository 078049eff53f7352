from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugin.db import Base, utcnow


class Institution(Base):
    """A university. Created when its LMS is registered, so its name is verified, not typed."""

    __tablename__ = "institution"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str | None] = mapped_column(String(2))
    # The body that legally awards credentials, when it differs from the short name.
    legal_name: Mapped[str | None] = mapped_column(String(300))
    url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Person(Base):
    """One human as one institution knows them; the same human at two LMSs is two people."""

    __tablename__ = "person"
    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    # What the LMS sent, refreshed on each launch; None in anonymous mode.
    lms_name: Mapped[str | None] = mapped_column(String(200))
    given_name: Mapped[str | None] = mapped_column(String(100))
    family_name: Mapped[str | None] = mapped_column(String(100))
    # Never shown to anyone outside the person's own institution.
    email: Mapped[str | None] = mapped_column(String(320))
    # The name the person chose in Tandem; wins over lms_name and survives relaunches.
    chosen_name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(35))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by erasure (GDPR art. 17): the row stays nameless and unreachable by any launch.
    erased_at: Mapped[datetime | None]

    institution: Mapped[Institution] = relationship(lazy="joined")
    accounts: Mapped[list[ExternalAccount]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )

    @property
    def display_name(self) -> str | None:
        return self.chosen_name or self.lms_name


class ExternalAccount(Base):
    """How a protocol names a person: ("lti:<issuer>", sub). Keeps the domain protocol-neutral."""

    __tablename__ = "external_account"
    __table_args__ = (UniqueConstraint("namespace", "subject"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    namespace: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Joined: every lookup of an account is followed by its person (one round trip, not two).
    person: Mapped[Person] = relationship(back_populates="accounts", lazy="joined")
