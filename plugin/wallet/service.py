"""Offering a credential to its holder's wallet, and the token and credential endpoints'
use cases (OpenID4VCI pre-authorized code flow)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.credentials.service import IssuerContext, get_credential, sign_as_institution
from plugin.db import utcnow
from plugin.errors import Conflict, NotFound
from plugin.i18n import N_
from plugin.wallet import oid4vci
from plugin.wallet.models import WalletOffer
from plugin.wallet.oid4vci import WalletError

OFFER_LIFETIME = timedelta(minutes=10)
TOKEN_LIFETIME = timedelta(minutes=5)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii", "replace")).hexdigest()


def offer_credential(
    session: Session, actor: Actor, credential_id: str, *, now: datetime | None = None
) -> WalletOffer:
    """The holder asks to take a credential into a wallet. An unexpired, unused offer is
    reused, so submitting twice makes one offer."""
    moment = now or utcnow()
    credential = get_credential(session, credential_id)
    if credential.person_id != actor.person_id or credential.document is None:
        raise NotFound(N_("There is no credential with this id."))
    if credential.revoked_at is not None:
        raise Conflict(N_("This credential is revoked; it cannot go into a wallet."))
    offer = session.scalar(
        select(WalletOffer)
        .where(
            WalletOffer.credential_id == credential.id,
            WalletOffer.person_id == actor.person_id,
            WalletOffer.redeemed_at.is_(None),
            WalletOffer.expires_at > moment,
        )
        .order_by(WalletOffer.id.desc())
        .limit(1)
    )
    if offer is None:
        offer = WalletOffer(
            credential_id=credential.id,
            person_id=actor.person_id,
            code=secrets.token_urlsafe(32),
            created_at=moment,
            expires_at=moment + OFFER_LIFETIME,
        )
        session.add(offer)
    session.commit()
    return offer


@dataclass(frozen=True)
class OfferView:
    offer: WalletOffer
    uri: str
    expired: bool


def my_offer(session: Session, actor: Actor, offer_id: int, ctx: IssuerContext) -> OfferView:
    offer = session.get(WalletOffer, offer_id)
    if offer is None or offer.person_id != actor.person_id:
        raise NotFound(N_("There is no wallet offer with this id."))
    uri = oid4vci.offer_uri(oid4vci.credential_offer(ctx.base_url, offer.code))
    expired = offer.redeemed_at is not None or offer.expires_at <= utcnow()
    return OfferView(offer, uri, expired)


@dataclass(frozen=True)
class Token:
    access_token: str
    c_nonce: str
    expires_in: int


def redeem_code(
    session: Session, grant_type: str, code: str, *, now: datetime | None = None
) -> Token:
    """The token endpoint: a pre-authorized code buys one access token, once."""
    moment = now or utcnow()
    if grant_type != oid4vci.PRE_AUTHORIZED_GRANT:
        raise WalletError("unsupported_grant_type", N_("Only the pre-authorized code grant."))
    offer = session.scalar(
        select(WalletOffer).where(WalletOffer.code == code[:64]).with_for_update()
    )
    if offer is None or offer.redeemed_at is not None or offer.expires_at <= moment:
        raise WalletError("invalid_grant", N_("This offer is unknown, used or expired."))
    token = secrets.token_urlsafe(32)
    offer.redeemed_at = moment
    offer.token_sha256 = _hash(token)
    offer.token_expires_at = moment + TOKEN_LIFETIME
    offer.c_nonce = secrets.token_urlsafe(16)
    session.commit()
    return Token(token, offer.c_nonce, int(TOKEN_LIFETIME.total_seconds()))


def issue_to_wallet(
    session: Session,
    access_token: str,
    request: Any,
    ctx: IssuerContext,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The credential endpoint: the holder's credential, its subject bound to the wallet's
    did:key and signed by the issuing institution. The token works once."""
    moment = now or utcnow()
    offer = session.scalar(
        select(WalletOffer).where(WalletOffer.token_sha256 == _hash(access_token)).with_for_update()
    )
    if (
        offer is None
        or offer.issued_at is not None
        or offer.token_expires_at is None
        or offer.token_expires_at <= moment
    ):
        raise WalletError("invalid_token", N_("The access token is unknown, used or expired."))
    if not isinstance(request, dict):
        raise WalletError("invalid_credential_request", N_("The request is not a JSON object."))
    wanted = request.get("credential_configuration_id")
    fmt = request.get("format")
    if wanted != oid4vci.CONFIGURATION_ID and fmt != "ldp_vc":
        raise WalletError(
            "unsupported_credential_format", N_("Tandem issues ldp_vc Open Badges only.")
        )
    holder = oid4vci.check_proof(request.get("proof"), ctx.base_url, offer.c_nonce or "", moment)
    credential = get_credential(session, offer.credential_id)
    if credential.document is None or credential.revoked_at is not None:
        raise WalletError("invalid_token", N_("This credential can no longer be issued."))
    signed = sign_as_institution(
        session,
        credential.institution_id,
        oid4vci.bound_copy(credential.document, holder),
        ctx,
        moment,
    )
    offer.issued_at = moment
    offer.holder_did = holder
    session.commit()
    return signed
