"""OpenID for Verifiable Credential Issuance, the parts that are pure: the credential offer,
the issuer's metadata, the wallet's JWT proof of possession and its did:key.

A proof binds the issued copy to the wallet's key: the wallet signs the issuer's identifier
and the nonce Tandem gave it with the key its ``kid`` names (a did:key, Ed25519 or P-256),
so a copy cannot be fetched for a key the wallet does not hold.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from plugin.credentials.contexts import OB_V3P0_3, VC_V2
from plugin.credentials.multikey import decode_multibase
from plugin.errors import InvalidInput
from plugin.i18n import N_

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
CONFIGURATION_ID = "OpenBadgeCredential_ldp_vc"
PROOF_TYPE = "openid4vci-proof+jwt"
PROOF_MAX_AGE_SECONDS = 300
_ED25519_PUB = b"\xed\x01"
_P256_PUB = b"\x80\x24"


class WalletError(InvalidInput):
    """An OAuth / OpenID4VCI error: ``code`` is the protocol's error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def credential_offer(issuer: str, code: str) -> dict[str, Any]:
    return {
        "credential_issuer": issuer,
        "credential_configuration_ids": [CONFIGURATION_ID],
        "grants": {PRE_AUTHORIZED_GRANT: {"pre-authorized_code": code}},
    }


def offer_uri(offer: Mapping[str, Any]) -> str:
    """The ``openid-credential-offer://`` link a wallet opens (the QR code holds it)."""
    text = json.dumps(dict(offer), separators=(",", ":"))
    return "openid-credential-offer://?credential_offer=" + quote(text, safe="")


def issuer_metadata(issuer: str) -> dict[str, Any]:
    return {
        "credential_issuer": issuer,
        "credential_endpoint": f"{issuer}/oid4vci/credential",
        "token_endpoint": f"{issuer}/oid4vci/token",
        "display": [{"name": "Tandem", "locale": "en"}],
        "credential_configurations_supported": {
            CONFIGURATION_ID: {
                "format": "ldp_vc",
                "credential_definition": {
                    "@context": [VC_V2, OB_V3P0_3],
                    "type": ["VerifiableCredential", "OpenBadgeCredential"],
                },
                "cryptographic_binding_methods_supported": ["did:key"],
                "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
                "proof_types_supported": {
                    "jwt": {"proof_signing_alg_values_supported": ["EdDSA", "ES256"]}
                },
                "display": [{"name": "Micro-credential (Open Badges 3.0)", "locale": "en"}],
            }
        },
    }


def authorization_metadata(issuer: str) -> dict[str, Any]:
    return {
        "issuer": issuer,
        "token_endpoint": f"{issuer}/oid4vci/token",
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


def did_key_public(did: str) -> Ed25519PublicKey | ec.EllipticCurvePublicKey:
    """The public key of a did:key (Ed25519 or P-256 multikey), offline."""
    if not did.startswith("did:key:z"):
        raise WalletError("invalid_proof", N_("The proof's key is not a did:key."))
    data = decode_multibase(did.removeprefix("did:key:"))
    if data.startswith(_ED25519_PUB) and len(data) == 34:
        return Ed25519PublicKey.from_public_bytes(data[2:])
    if data.startswith(_P256_PUB) and len(data) == 35:
        return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), data[2:])
    raise WalletError("invalid_proof", N_("Only Ed25519 and P-256 did:key keys are accepted."))


def check_proof(proof: Any, issuer: str, nonce: str, now: datetime) -> str:
    """Verify the wallet's JWT proof of possession; return the did:key it binds to."""
    if not isinstance(proof, Mapping) or proof.get("proof_type") != "jwt":
        raise WalletError("invalid_proof", N_("A JWT proof of possession is required."))
    token = proof.get("jwt")
    if not isinstance(token, str) or len(token) > 8000:
        raise WalletError("invalid_proof", N_("A JWT proof of possession is required."))
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise WalletError("invalid_proof", N_("The proof is not a JWT.")) from None
    if header.get("typ") != PROOF_TYPE:
        raise WalletError("invalid_proof", N_("The proof's type must be openid4vci-proof+jwt."))
    algorithm = header.get("alg")
    kid = header.get("kid")
    if algorithm not in ("EdDSA", "ES256") or not isinstance(kid, str):
        raise WalletError("invalid_proof", N_("The proof must be EdDSA or ES256 with a kid."))
    did = kid.split("#", 1)[0]
    key = did_key_public(did)
    if (algorithm == "EdDSA") != isinstance(key, Ed25519PublicKey):
        raise WalletError("invalid_proof", N_("The proof's algorithm does not fit its key."))
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            audience=issuer,
            options={"require": ["aud", "iat", "nonce"], "verify_exp": True},
        )
    except jwt.PyJWTError:
        raise WalletError(
            "invalid_proof", N_("The proof's signature, audience or times are wrong.")
        ) from None
    if claims.get("nonce") != nonce:
        raise WalletError("invalid_nonce", N_("The proof's nonce is not the one Tandem gave."))
    issued = claims.get("iat")
    if not isinstance(issued, int | float) or abs(now.timestamp() - issued) > PROOF_MAX_AGE_SECONDS:
        raise WalletError("invalid_proof", N_("The proof is too old or from the future."))
    return did


def bound_copy(document: Mapping[str, Any], holder: str) -> dict[str, Any]:
    """The credential, unsigned, with its subject bound to the wallet's DID (re-signed by
    the service; same id and status entry, so revoking the credential revokes the copy)."""
    copy = {key: value for key, value in document.items() if key != "proof"}
    copy["credentialSubject"] = {**document["credentialSubject"], "id": holder}
    return copy
