"""Credential offers to wallets (OpenID4VCI pre-authorized code flow)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from plugin.db import Base, utcnow


class WalletOffer(Base):
    """One offer of one credential to its holder's wallet. The pre-authorized code is single
    use and short lived; the token it buys is stored only as a hash."""

    __tablename__ = "wallet_offer"
    id: Mapped[int] = mapped_column(primary_key=True)
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("credential.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    redeemed_at: Mapped[datetime | None]
    token_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime | None]
    c_nonce: Mapped[str | None] = mapped_column(String(64))
    issued_at: Mapped[datetime | None]
    holder_did: Mapped[str | None] = mapped_column(String(500))
