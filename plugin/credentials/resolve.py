"""Finding any issuer's verification key: did:key offline, did:web over a guarded fetch, or
DID documents the caller supplies (offline use, ``--did``).

The key must come from the DID document of the DID the key URL names and be listed there
under ``assertionMethod``; a key URL is never trusted for what it looks like.
"""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from plugin.credentials.did_web import DID_CONTEXTS, assertion_method, did_web_document_url
from plugin.credentials.fetch import CannotCheck
from plugin.credentials.guards import DEFAULT_LIMITS, load_json
from plugin.credentials.multikey import decode_multibase
from plugin.errors import InvalidInput
from plugin.i18n import N_

PublicKey = Ed25519PublicKey | ec.EllipticCurvePublicKey | rsa.RSAPublicKey

#: multicodec varint headers of the public keys a Multikey may hold here.
_ED25519_PUB = b"\xed\x01"
_P256_PUB = b"\x80\x24"
_KEY_TYPES = frozenset({"Multikey", "Ed25519VerificationKey2020", "JsonWebKey2020", "JsonWebKey"})


def multikey_public_key(text: str) -> PublicKey:
    """An Ed25519 or P-256 public Multikey; anything else is refused by name."""
    data = decode_multibase(text)
    if data.startswith(_ED25519_PUB) and len(data) == 34:
        return Ed25519PublicKey.from_public_bytes(data[2:])
    if data.startswith(_P256_PUB) and len(data) == 35:
        try:
            return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), data[2:])
        except ValueError:
            raise InvalidInput(N_("The P-256 key is not a point on the curve.")) from None
    raise InvalidInput(N_("The key is neither an Ed25519 nor a P-256 public Multikey."))


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document a did:key stands for, built offline from the key it contains."""
    fingerprint = did.removeprefix("did:key:")
    if not did.startswith("did:key:z") or "#" in fingerprint or ":" in fingerprint:
        raise InvalidInput(N_("%(did)s is not a did:key identifier.", did=repr(did)))
    multikey_public_key(fingerprint)  # refuse unknown key types here, by name
    method = f"{did}#{fingerprint}"
    return {
        "@context": list(DID_CONTEXTS),
        "id": did,
        "verificationMethod": [
            {
                "id": method,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": fingerprint,
            }
        ],
        "assertionMethod": [method],
    }


def did_of(method_id: str) -> str:
    """The DID a key URL belongs to (``did:x:y#key`` → ``did:x:y``)."""
    return method_id.split("#", 1)[0]


def normalise_method(method_id: str) -> str:
    """did:key names its one key by the fingerprint; a bare did:key means that key."""
    if method_id.startswith("did:key:") and "#" not in method_id:
        return f"{method_id}#{method_id.removeprefix('did:key:')}"
    return method_id


@dataclass
class DidResolver:
    """Resolve DIDs to documents. ``fetch`` (a guarded, caching fetcher) enables did:web;
    without it did:web is "could not check". ``documents`` wins over both (offline use)."""

    documents: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    fetch: Callable[[str], bytes] | None = None
    _resolved: dict[str, Mapping[str, Any]] = field(default_factory=dict)

    def resolve(self, did: str) -> Mapping[str, Any]:
        if did in self.documents:
            return self.documents[did]
        if did.startswith("did:key:"):
            if did not in self._resolved:
                self._resolved[did] = did_key_document(did)
            return self._resolved[did]
        if did.startswith("did:web:"):
            return self._did_web(did)
        raise CannotCheck(
            N_("%(did)s uses a DID method this verifier cannot resolve.", did=repr(did[:200]))
        )

    def _did_web(self, did: str) -> Mapping[str, Any]:
        url = did_web_document_url(did)
        if self.fetch is None:
            raise CannotCheck(
                N_("The issuer's DID document (%(url)s) was not fetched (offline).", url=url)
            )
        body = self.fetch(url)
        try:
            document = load_json(body, DEFAULT_LIMITS)
        except InvalidInput as error:
            raise CannotCheck(
                N_("The DID document at %(url)s is unusable: %(error)s", url=url, error=error)
            ) from None
        if document.get("id") != did:
            raise CannotCheck(N_("The DID document at %(url)s is not that of the issuer.", url=url))
        return document


def load_did_documents(texts: list[str]) -> dict[str, Mapping[str, Any]]:
    """DID documents given as JSON texts (files of a ``--did`` folder), keyed by their id."""
    documents: dict[str, Mapping[str, Any]] = {}
    for text in texts:
        document = json.loads(text)
        if isinstance(document, Mapping) and isinstance(document.get("id"), str):
            documents[document["id"]] = document
    return documents


def assertion_public_key(controller_document: Mapping[str, Any], method_id: str) -> PublicKey:
    """The key ``method_id`` names, if its controller lists it under ``assertionMethod``."""
    controller = controller_document.get("id")
    if not isinstance(controller, str) or not method_id.startswith(controller + "#"):
        raise InvalidInput(
            N_("The key %(method_id)s is not in its DID document.", method_id=repr(method_id))
        )
    method = assertion_method(controller_document, controller, method_id)
    if not method or method.get("controller") != controller:
        raise InvalidInput(
            N_(
                "The DID document does not describe the key %(method_id)s.",
                method_id=repr(method_id),
            )
        )
    if method.get("type") not in _KEY_TYPES:
        raise InvalidInput(
            N_("%(method_id)s is not a key type this verifier knows.", method_id=repr(method_id))
        )
    multibase = method.get("publicKeyMultibase")
    if isinstance(multibase, str):
        return multikey_public_key(multibase)
    jwk = method.get("publicKeyJwk")
    if isinstance(jwk, Mapping):
        return _jwk_public_key(jwk)
    raise InvalidInput(N_("%(method_id)s has no public key.", method_id=repr(method_id)))


def _jwk_public_key(jwk: Mapping[str, Any]) -> PublicKey:
    if "d" in jwk or "p" in jwk:
        raise InvalidInput(N_("A DID document must not publish a private key."))
    try:
        key = jwt.PyJWK(dict(jwk)).key
    except (jwt.PyJWKError, jwt.InvalidKeyError, ValueError, TypeError, KeyError):
        raise InvalidInput(N_("The DID document's JSON Web Key is not usable.")) from None
    if isinstance(key, Ed25519PublicKey | rsa.RSAPublicKey):
        return key
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return key
    raise InvalidInput(N_("The DID document's key is not Ed25519, P-256 or RSA."))
