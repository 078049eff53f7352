"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C vc-di-eddsa).

Signing input is SHA-256(canonical proof options) || SHA-256(canonical document), both
canonicalised with RDFC-1.0, signed with Ed25519. Keys are passed in: finding them (key
store, DID document over HTTPS) is the caller's job, so this module stays pure.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from plugin.credentials import contexts
from plugin.credentials.canonical import canonicalize
from plugin.credentials.did_web import assertion_key
from plugin.credentials.guards import DEFAULT_LIMITS, Limits
from plugin.credentials.multikey import decode_multibase, encode_multibase
from plugin.errors import InvalidInput
from plugin.i18n import N_
from plugin.xsd import xsd_datetime

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
PURPOSE = "assertionMethod"


@dataclass(frozen=True)
class VerifiedProof:
    """What a successful verification established, for the check list shown to people."""

    verification_method: str
    created: str | None


def sign(
    document: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    verification_method: str,
    created: datetime,
    *,
    allowed_contexts: frozenset[str] = contexts.OPEN_BADGES_CONTEXTS,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Any]:
    """Return a copy of ``document`` with an embedded eddsa-rdfc-2022 proof."""
    if "proof" in document:
        raise InvalidInput(N_("The document is already signed."))
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": xsd_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": PURPOSE,
    }
    data = _signing_input(document, options, allowed_contexts, limits)
    return {
        **document,
        "proof": {**options, "proofValue": encode_multibase(private_key.sign(data))},
    }


def verify(
    document: Mapping[str, Any],
    controller_document: Mapping[str, Any],
    *,
    allowed_contexts: frozenset[str] = contexts.OPEN_BADGES_CONTEXTS,
    limits: Limits = DEFAULT_LIMITS,
) -> VerifiedProof:
    """Check every eddsa-rdfc-2022 proof on ``document``; raise ``InvalidInput`` on any failure.

    ``controller_document`` is the issuer's DID (controller) document: the key is looked up
    there, and it must be the issuer's. Proofs of other suites are ignored because they can
    add no trust here; at least one proof of this suite is required.
    """
    proofs = _our_proofs(document.get("proof"))
    issuer = _issuer_id(document)
    if controller_document.get("id") != issuer:
        raise InvalidInput(
            N_("The DID document given is not the issuer's (%(issuer)s).", issuer=repr(issuer))
        )
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    document_hash = _hash(unsecured, allowed_contexts, limits)
    for proof in proofs:
        method = proof.get("verificationMethod")
        if not isinstance(method, str):
            raise InvalidInput(N_("The proof does not name its verificationMethod."))
        if proof.get("proofPurpose") != PURPOSE:
            raise InvalidInput(N_("The proof's purpose is not assertionMethod."))
        public_key = assertion_key(controller_document, method)
        signature = decode_multibase(_string(proof, "proofValue"))
        options = {key: value for key, value in proof.items() if key != "proofValue"}
        data = _hash(_with_context(options, document), allowed_contexts, limits) + document_hash
        try:
            public_key.verify(signature, data)
        except InvalidSignature:
            raise InvalidInput(N_("The proof does not match the document or the key.")) from None
    last = proofs[-1]
    created = last.get("created")
    return VerifiedProof(
        str(last["verificationMethod"]), created if isinstance(created, str) else None
    )


def _signing_input(
    document: Mapping[str, Any],
    options: Mapping[str, Any],
    allowed_contexts: frozenset[str],
    limits: Limits,
) -> bytes:
    proof_hash = _hash(_with_context(options, document), allowed_contexts, limits)
    return proof_hash + _hash(document, allowed_contexts, limits)


def _hash(document: Mapping[str, Any], allowed_contexts: frozenset[str], limits: Limits) -> bytes:
    nquads = canonicalize(document, allowed_contexts=allowed_contexts, limits=limits)
    return hashlib.sha256(nquads.encode("utf-8")).digest()


def _with_context(options: Mapping[str, Any], document: Mapping[str, Any]) -> dict[str, Any]:
    """Proof options are canonicalised under the document's own context (DI 1.0, 4.2)."""
    if "@context" in options and options["@context"] != document.get("@context"):
        raise InvalidInput(N_("The proof's @context differs from the document's."))
    return {**options, "@context": document.get("@context")}


def _our_proofs(value: Any) -> list[Mapping[str, Any]]:
    entries = value if isinstance(value, list) else [value] if value is not None else []
    ours = [
        entry
        for entry in entries
        if isinstance(entry, Mapping)
        and entry.get("type") == PROOF_TYPE
        and entry.get("cryptosuite") == CRYPTOSUITE
    ]
    if not ours:
        raise InvalidInput(N_("The document has no %(suite)s proof.", suite=CRYPTOSUITE))
    return ours


def _issuer_id(document: Mapping[str, Any]) -> str:
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if not isinstance(issuer_id, str) or not issuer_id:
        raise InvalidInput(N_("The credential does not name its issuer."))
    return issuer_id


def _string(proof: Mapping[str, Any], key: str) -> str:
    value = proof.get(key)
    if not isinstance(value, str):
        raise InvalidInput(N_("The proof has no %(key)s.", key=key))
    return value
