"""Second-issuer signers for the open verifier's tests: formats Tandem does not issue itself.

They follow the published algorithms (ecdsa-rdfc-2019, VC-JWT) so the verifier is checked
against an independent signing path, not against itself.
"""

import copy
import hashlib
from collections.abc import Mapping
from typing import Any

import jwt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from plugin import jcs
from plugin.credentials import contexts
from plugin.credentials.canonical import canonicalize
from plugin.credentials.multikey import encode_multibase

ALL_CONTEXTS = contexts.bundled_urls()


def ed25519_did_key(key: Ed25519PrivateKey) -> str:
    raw = key.public_key().public_bytes_raw()
    return "did:key:" + encode_multibase(b"\xed\x01" + raw)


def p256_did_key(key: ec.EllipticCurvePrivateKey) -> str:
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    return "did:key:" + encode_multibase(b"\x80\x24" + point)


def key_url(did: str) -> str:
    return f"{did}#{did.removeprefix('did:key:')}" if did.startswith("did:key:") else did + "#k1"


def sign_ecdsa_rdfc(
    document: Mapping[str, Any], key: ec.EllipticCurvePrivateKey, method: str
) -> dict[str, Any]:
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": "ecdsa-rdfc-2019",
        "created": "2025-01-01T00:00:00Z",
        "verificationMethod": method,
        "proofPurpose": "assertionMethod",
    }

    def digest(value: Mapping[str, Any]) -> bytes:
        nquads = canonicalize(value, allowed_contexts=ALL_CONTEXTS)
        return hashlib.sha256(nquads.encode()).digest()

    data = digest({**options, "@context": document["@context"]}) + digest(document)
    r, s = decode_dss_signature(key.sign(data, ec.ECDSA(hashes.SHA256())))
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return {
        **copy.deepcopy(dict(document)),
        "proof": {**options, "proofValue": encode_multibase(raw)},
    }


def sign_jwt(
    document: Mapping[str, Any],
    key: Ed25519PrivateKey | ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey,
    alg: str,
    kid: str,
) -> str:
    """A VC-JOSE-COSE style token: the credential itself is the payload."""
    return jwt.encode(dict(document), key, algorithm=alg, headers={"kid": kid, "typ": "vc+jwt"})


def rsa_did_document(did: str, key: rsa.RSAPrivateKey) -> dict[str, Any]:
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    method = f"{did}#k1"
    return {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": did,
        "verificationMethod": [
            {"id": method, "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk}
        ],
        "assertionMethod": [method],
    }


def sign_eddsa_jcs(
    document: Mapping[str, Any], key: Ed25519PrivateKey, method: str
) -> dict[str, Any]:
    """eddsa-jcs-2022: SHA-256 of the JCS proof options (with the document's @context), then
    of the JCS document, signed with Ed25519."""
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": "2025-01-01T00:00:00Z",
        "verificationMethod": method,
        "proofPurpose": "assertionMethod",
        "@context": document["@context"],
    }
    data = hashlib.sha256(jcs.canonicalize(options)).digest()
    data += hashlib.sha256(jcs.canonicalize(dict(document))).digest()
    proof = {**options, "proofValue": encode_multibase(key.sign(data))}
    return {**copy.deepcopy(dict(document)), "proof": proof}
