"""Data Integrity proofs with the ``eddsa-jcs-2022`` cryptosuite (W3C vc-di-eddsa), for the
learner record.

A CLR bundles whole signed credentials, each with its own ``@context`` and proof. RDF
canonicalisation would refuse those nested contexts (our guards) and grow with every blank
node; JCS signs the JSON exactly as it is, so every embedded credential stays byte for byte
what its issuer signed and can be lifted out and verified on its own.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from plugin.credentials.multikey import decode_multibase, encode_multibase
from plugin.errors import InvalidInput
from plugin.i18n import N_
from plugin.jcs import canonicalize
from plugin.xsd import xsd_datetime

CRYPTOSUITE = "eddsa-jcs-2022"


def _signing_input(document: Mapping[str, Any], config: Mapping[str, Any]) -> bytes:
    return (
        hashlib.sha256(canonicalize(dict(config))).digest()
        + hashlib.sha256(canonicalize(dict(document))).digest()
    )


def sign(
    document: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
) -> dict[str, Any]:
    """A copy of ``document`` with an eddsa-jcs-2022 proof (the proof repeats its @context)."""
    if "proof" in document:
        raise InvalidInput(N_("The document is already signed."))
    config: dict[str, Any] = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": xsd_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    if "@context" in document:
        config["@context"] = document["@context"]
    signature = private_key.sign(_signing_input(document, config))
    return {**document, "proof": {**config, "proofValue": encode_multibase(signature)}}


def verify(document: Mapping[str, Any], public_key: Ed25519PublicKey) -> None:
    """Raise ``InvalidInput`` unless the document's eddsa-jcs-2022 proof is good for the key."""
    proof = document.get("proof")
    if not isinstance(proof, Mapping) or proof.get("cryptosuite") != CRYPTOSUITE:
        raise InvalidInput(N_("The document has no eddsa-jcs-2022 proof."))
    config = {key: value for key, value in proof.items() if key != "proofValue"}
    if "@context" in document and config.get("@context") != document["@context"]:
        raise InvalidInput(N_("The proof's @context differs from the document's."))
    value = proof.get("proofValue")
    if not isinstance(value, str):
        raise InvalidInput(N_("The proof has no proofValue."))
    unsecured = {key: item for key, item in document.items() if key != "proof"}
    try:
        public_key.verify(decode_multibase(value), _signing_input(unsecured, config))
    except InvalidSignature:
        raise InvalidInput(N_("The proof does not match the document or the key.")) from None
