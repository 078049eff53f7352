"""The trusted-issuer registry's one table."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow


class TrustedIssuer(Base):
    """An issuer (a DID or issuer URL) the alliance knows: its credentials are "valid" rather
    than "valid, unknown issuer". An institution, never a person."""

    __tablename__ = "trusted_issuer"
    id: Mapped[int] = mapped_column(primary_key=True)
    issuer_id: Mapped[str] = mapped_column(String(500), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
