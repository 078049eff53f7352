"""The wallet's JWT proof of possession: Ed25519 and P-256 did:keys, and what is refused."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from plugin.credentials.multikey import encode_multibase, public_key_to_multikey
from plugin.wallet.oid4vci import WalletError, check_proof, credential_offer, offer_uri

ISSUER = "https://tandem.example"


def _p256_did(key: ec.EllipticCurvePrivateKey) -> str:
    point = key.public_key().public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    return "did:key:" + encode_multibase(b"\x80\x24" + point)


def _proof(key: Any, did: str, alg: str, **claims: Any) -> dict[str, Any]:
    body = {"aud": ISSUER, "iat": int(time.time()), "nonce": "n-1", **claims}
    header = {"typ": "openid4vci-proof+jwt", "kid": f"{did}#0"}
    return {"proof_type": "jwt", "jwt": jwt.encode(body, key, alg, headers=header)}


def test_ed25519_and_p256_proofs_bind_to_their_did_key() -> None:
    now = datetime.now(UTC)
    ed = Ed25519PrivateKey.generate()
    ed_did = "did:key:" + public_key_to_multikey(ed.public_key())
    assert check_proof(_proof(ed, ed_did, "EdDSA"), ISSUER, "n-1", now) == ed_did
    p256 = ec.generate_private_key(ec.SECP256R1())
    p_did = _p256_did(p256)
    assert check_proof(_proof(p256, p_did, "ES256"), ISSUER, "n-1", now) == p_did


def test_wrong_proofs_are_refused_with_their_code() -> None:
    now = datetime.now(UTC)
    key = Ed25519PrivateKey.generate()
    did = "did:key:" + public_key_to_multikey(key.public_key())
    other = "did:key:" + public_key_to_multikey(Ed25519PrivateKey.generate().public_key())
    cases = {
        "invalid_nonce": _proof(key, did, "EdDSA", nonce="other"),
        "invalid_proof": _proof(key, other, "EdDSA"),  # signed by a key the kid does not name
    }
    for code, proof in cases.items():
        with pytest.raises(WalletError) as caught:
            check_proof(proof, ISSUER, "n-1", now)
        assert caught.value.code == code
    refused: list[Any] = [
        _proof(key, did, "EdDSA", aud="https://elsewhere.example"),
        _proof(key, did, "EdDSA", iat=int(time.time()) - 3600),
        {"proof_type": "jwt", "jwt": "not.a.jwt"},
        {"proof_type": "cwt", "cwt": "x"},
        None,
    ]
    for bad in refused:
        with pytest.raises(WalletError):
            check_proof(bad, ISSUER, "n-1", now)


def test_the_offer_link_carries_the_code() -> None:
    uri = offer_uri(credential_offer(ISSUER, "abc"))
    assert uri.startswith("openid-credential-offer://?credential_offer=%7B")
    assert "abc" in uri
