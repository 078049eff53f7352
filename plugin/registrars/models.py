"""The registrar designation: LTI says who teaches, not who keeps an institution's records."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugin.db import Base, utcnow
from plugin.people.models import Institution, Person


class Registrar(Base):
    """A person who may issue, revoke and export the credentials of one institution."""

    __tablename__ = "registrar"
    __table_args__ = (UniqueConstraint("person_id", "institution_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    person: Mapped[Person] = relationship()
    institution: Mapped[Institution] = relationship()
