"""Verify anyone's Open Badges 3.0 / VC 2.0 credential, whatever proof format its issuer uses.

Tandem's own verifier (``verification.py``) trusts one DID document the caller hands it. A
registrar sent a partner's badge needs more: the proof format the partner's software chose
(Data Integrity eddsa-rdfc-2022, eddsa-jcs-2022, ecdsa-rdfc-2019, or a VC-JWT), the partner's
key found from its DID, its status list fetched, and an answer in three parts people act on:
valid, invalid, or "could not check" (something needed was unreachable), plus whether the
issuer is one the alliance knows. Every check is one line with a reason.
"""

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import jwt
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from plugin import jcs
from plugin.credentials import contexts, ob_schema, status_list
from plugin.credentials.canonical import canonicalize
from plugin.credentials.fetch import CannotCheck
from plugin.credentials.guards import DEFAULT_LIMITS, Limits, check_document, load_json
from plugin.credentials.multikey import decode_multibase
from plugin.credentials.resolve import (
    DidResolver,
    PublicKey,
    assertion_public_key,
    did_of,
    normalise_method,
)
from plugin.credentials.verification import check_validity_period
from plugin.errors import InvalidInput
from plugin.i18n import N_

Outcome = Literal["passed", "failed", "unchecked"]
Verdict = Literal["valid", "valid_unknown_issuer", "invalid", "unchecked"]

SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019")
JWT_ALGORITHMS = ("EdDSA", "ES256", "RS256")
#: The open verifier accepts every context Tandem bundles; any other is refused by name.
OPEN_CONTEXTS = contexts.bundled_urls()
MAX_JWT_CHARS = 400 * 1024


@dataclass(frozen=True)
class OpenCheck:
    """One line of the report: what was checked, its outcome, and why in plain words."""

    name: str
    outcome: Outcome
    message: str

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"

    @property
    def unchecked(self) -> bool:
        return self.outcome == "unchecked"


@dataclass(frozen=True)
class VerificationReport:
    """The checks, the credential they were about (a JWT's decoded payload too) and trust."""

    checks: tuple[OpenCheck, ...]
    credential: Mapping[str, Any] | None = None
    issuer: str | None = None
    proof_format: str | None = None
    #: Separate from validity: is the issuer on the alliance's trusted-issuer list?
    trust: OpenCheck | None = None

    @property
    def valid(self) -> bool:
        return all(check.passed for check in self.checks)

    @property
    def verdict(self) -> Verdict:
        if any(check.outcome == "failed" for check in self.checks):
            return "invalid"
        if any(check.unchecked for check in self.checks):
            return "unchecked"
        if self.trust is None or not self.trust.passed:
            return "valid_unknown_issuer"
        return "valid"

    @property
    def exit_code(self) -> int:
        """0 valid (trusted or not), 1 invalid, 2 could not check: the CLI's contract."""
        return {"valid": 0, "valid_unknown_issuer": 0, "invalid": 1, "unchecked": 2}[self.verdict]


@dataclass(frozen=True)
class _Proven:
    """What a proof established: the key that signed and the document it covers."""

    method: str
    document: Mapping[str, Any]
    proof_format: str


@dataclass
class _Steps:
    checks: list[OpenCheck] = field(default_factory=list)

    def run(self, name: str, step: Callable[[], str]) -> bool:
        try:
            self.checks.append(OpenCheck(name, "passed", step()))
            return True
        except InvalidInput as error:
            self.checks.append(OpenCheck(name, "failed", error.message))
        except CannotCheck as error:
            self.checks.append(OpenCheck(name, "unchecked", error.message))
        return False


def verify_any(
    document_or_jws: Mapping[str, Any] | str | bytes | object,
    *,
    resolver: DidResolver,
    now: datetime,
    trusted: Callable[[str], bool] | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> VerificationReport:
    """Verify a credential given as a JSON object, JSON text, or a compact JWS (VC-JWT).

    ``resolver`` finds issuers' keys (and, with a fetcher, status lists); ``trusted`` says
    whether an issuer id is on the alliance's list. Never raises for bad input.
    """
    started = time.monotonic()
    steps = _Steps()
    proven: list[_Proven] = []
    try:
        parsed = _parse(document_or_jws, limits)
    except InvalidInput as error:
        return VerificationReport((OpenCheck("format", "failed", error.message),))

    def proof() -> str:
        proven.append(_verify_proof(parsed, resolver, limits))
        return N_(
            "Signed (%(format)s) by %(method)s.",
            format=proven[0].proof_format,
            method=proven[0].method,
        )

    steps.run("proof", proof)
    credential = proven[0].document if proven else _plain(parsed)
    issuer = _issuer_id(credential)

    def issuer_step() -> str:
        if not proven:
            raise CannotCheck(N_("The issuer is checked once the signature is."))
        signer = did_of(proven[0].method)
        if issuer is None:
            raise InvalidInput(N_("The credential does not name its issuer."))
        if signer != issuer:
            raise InvalidInput(
                N_(
                    "The signing key belongs to %(signer)s, not to the issuer %(issuer)s.",
                    signer=signer,
                    issuer=issuer,
                )
            )
        return N_("The issuer %(issuer)s was found and holds the signing key.", issuer=issuer)

    steps.run("issuer", issuer_step)
    steps.run("validity_period", lambda: _dates(credential, now))
    steps.run("status", lambda: _status(credential, issuer, resolver, now, limits, started))
    steps.run("schema", lambda: ob_schema.check(credential))
    trust = None
    if issuer is not None and steps.checks[0].passed:
        trust = _trust(issuer, trusted)
    return VerificationReport(
        tuple(steps.checks),
        credential=credential,
        issuer=issuer,
        proof_format=proven[0].proof_format if proven else None,
        trust=trust,
    )


def _trust(issuer: str, trusted: Callable[[str], bool] | None) -> OpenCheck:
    if trusted is not None and trusted(issuer):
        return OpenCheck(
            "trust", "passed", N_("The issuer is on the alliance's list of known institutions.")
        )
    return OpenCheck(
        "trust",
        "unchecked",
        N_("Valid, unknown issuer: %(issuer)s is not on the alliance's list.", issuer=issuer),
    )


# ----------------------------------------------------------------------------- parsing


def _parse(value: object, limits: Limits) -> Mapping[str, Any] | str:
    """A JSON object, or a compact JWS (three base64url parts) kept as text."""
    if isinstance(value, Mapping):
        return value
    if not isinstance(value, str | bytes):
        raise InvalidInput(N_("A credential is a JSON object or a compact JWS (VC-JWT)."))
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    stripped = text.strip()
    if stripped.startswith("{"):
        return load_json(stripped, limits)
    if stripped.count(".") == 2 and len(stripped) <= MAX_JWT_CHARS:
        return stripped
    raise InvalidInput(N_("This is neither a JSON credential nor a compact JWS (VC-JWT)."))


def _plain(parsed: Mapping[str, Any] | str) -> Mapping[str, Any]:
    if isinstance(parsed, Mapping):
        return parsed
    try:  # an unverified JWT's claims still show what it says; nothing trusts them
        claims = jwt.decode(parsed, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}
    inner = claims.get("vc") if isinstance(claims, dict) else None
    return inner if isinstance(inner, dict) else claims if isinstance(claims, dict) else {}


def _issuer_id(document: Mapping[str, Any]) -> str | None:
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    return issuer_id if isinstance(issuer_id, str) and issuer_id else None


# ----------------------------------------------------------------------------- proofs


def _verify_proof(
    parsed: Mapping[str, Any] | str, resolver: DidResolver, limits: Limits
) -> _Proven:
    if isinstance(parsed, str):
        return _verify_jwt(parsed, resolver, limits)
    return _verify_data_integrity(parsed, resolver, limits)


def _verify_data_integrity(
    document: Mapping[str, Any], resolver: DidResolver, limits: Limits
) -> _Proven:
    entries = document.get("proof")
    proofs = [
        entry
        for entry in (entries if isinstance(entries, list) else [entries])
        if isinstance(entry, Mapping)
        and entry.get("type") == "DataIntegrityProof"
        and entry.get("cryptosuite") in SUITES
    ]
    if not proofs:
        raise InvalidInput(
            N_(
                "The credential has no proof in a format this verifier knows (%(suites)s).",
                suites=", ".join((*SUITES, "VC-JWT")),
            )
        )
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    if any(proof["cryptosuite"] == "eddsa-jcs-2022" for proof in proofs):
        # size, depth, contexts: RDFC canonicalisation checks these itself; JCS does not
        check_document(unsecured, OPEN_CONTEXTS, limits)
    hashes_by_kind: dict[str, bytes] = {}
    method = ""
    for proof in proofs:
        suite = str(proof["cryptosuite"])
        method = normalise_method(_string(proof, "verificationMethod"))
        if proof.get("proofPurpose") != "assertionMethod":
            raise InvalidInput(N_("The proof's purpose is not assertionMethod."))
        key = assertion_public_key(resolver.resolve(did_of(method)), method)
        options = {k: v for k, v in proof.items() if k != "proofValue"}
        if "@context" in options and options["@context"] != document.get("@context"):
            raise InvalidInput(N_("The proof's @context differs from the document's."))
        if "@context" in document:
            options["@context"] = document["@context"]
        if suite == "eddsa-jcs-2022":
            doc_hash = hashes_by_kind.setdefault(
                "jcs", hashlib.sha256(jcs.canonicalize(unsecured)).digest()
            )
            data = hashlib.sha256(jcs.canonicalize(options)).digest() + doc_hash
        else:
            doc_hash = hashes_by_kind.setdefault("rdfc", _rdfc_hash(unsecured, limits))
            data = _rdfc_hash(options, limits) + doc_hash
        signature = decode_multibase(_string(proof, "proofValue"))
        check_signature(suite, key, signature, data)
    return _Proven(
        method, document, ", ".join(dict.fromkeys(str(p["cryptosuite"]) for p in proofs))
    )


def _rdfc_hash(document: Mapping[str, Any], limits: Limits) -> bytes:
    nquads = canonicalize(document, allowed_contexts=OPEN_CONTEXTS, limits=limits)
    return hashlib.sha256(nquads.encode("utf-8")).digest()


def check_signature(suite: str, key: PublicKey, signature: bytes, data: bytes) -> None:
    try:
        if suite.startswith("eddsa-"):
            if not isinstance(key, Ed25519PublicKey):
                raise InvalidInput(N_("An eddsa proof needs an Ed25519 key."))
            key.verify(signature, data)
        else:
            if not isinstance(key, ec.EllipticCurvePublicKey) or len(signature) != 64:
                raise InvalidInput(N_("An ecdsa-rdfc-2019 proof needs a P-256 key and signature."))
            der = encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            )
            key.verify(der, data, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise InvalidInput(N_("The signature does not match the credential or the key.")) from None


def _verify_jwt(token: str, resolver: DidResolver, limits: Limits) -> _Proven:
    try:  # read once without trust: the header names the key; the claims may name iss
        parts = jwt.PyJWS().decode_complete(token, options={"verify_signature": False})
        unverified = load_json(parts["payload"], limits)
    except jwt.PyJWTError:
        raise InvalidInput(N_("The VC-JWT cannot be read.")) from None
    header = parts["header"]
    alg = header.get("alg")
    if alg not in JWT_ALGORITHMS:
        raise InvalidInput(
            N_(
                "The JWT algorithm %(alg)s is not accepted (only %(algs)s).",
                alg=repr(alg),
                algs=", ".join(JWT_ALGORITHMS),
            )
        )
    kid = header.get("kid")
    issuer = unverified.get("iss")
    if isinstance(kid, str) and kid.startswith("#") and isinstance(issuer, str):
        kid = issuer + kid
    if not isinstance(kid, str) or not kid.startswith("did:"):
        raise InvalidInput(N_("The VC-JWT does not name its key as a DID URL (kid)."))
    method = normalise_method(kid)
    key = assertion_public_key(resolver.resolve(did_of(method)), method)
    expected = {"EdDSA": Ed25519PublicKey, "ES256": ec.EllipticCurvePublicKey}.get(
        alg, rsa.RSAPublicKey
    )
    if not isinstance(key, expected):
        raise InvalidInput(N_("The key does not fit the JWT algorithm %(alg)s.", alg=alg))
    try:
        payload = jwt.PyJWS().decode(token, key=key, algorithms=[alg])
    except jwt.InvalidSignatureError:
        raise InvalidInput(N_("The signature does not match the credential or the key.")) from None
    except jwt.PyJWTError:
        raise InvalidInput(N_("The VC-JWT cannot be read.")) from None
    claims = load_json(payload, limits)
    inner = claims.get("vc")
    document: dict[str, Any] = inner if isinstance(inner, dict) else claims
    check_document(document, OPEN_CONTEXTS, limits)
    if "vc" in claims and isinstance(issuer, str) and _issuer_id(document) not in (None, issuer):
        raise InvalidInput(N_("The JWT's iss differs from the credential's issuer."))
    if "vc" in claims and _issuer_id(document) is None and isinstance(issuer, str):
        document = {**document, "issuer": issuer}
    return _Proven(method, document, f"VC-JWT {alg}")


def _string(proof: Mapping[str, Any], key: str) -> str:
    value = proof.get(key)
    if not isinstance(value, str):
        raise InvalidInput(N_("The proof has no %(key)s.", key=key))
    return value


# ----------------------------------------------------------------------------- dates, status


def _dates(document: Mapping[str, Any], now: datetime) -> str:
    check_validity_period(document, now)
    return N_("Within its validity period.")


def _status(
    document: Mapping[str, Any],
    issuer: str | None,
    resolver: DidResolver,
    now: datetime,
    limits: Limits,
    started: float,
) -> str:
    status = document.get("credentialStatus")
    if status is None:
        return N_("The credential has no revocation status.")
    entries = status if isinstance(status, list) else [status]
    types = [entry.get("type") for entry in entries if isinstance(entry, Mapping)]
    if status_list.status_list_url(document) is not None:
        return _bitstring(document, issuer, resolver, now, limits, started)
    if "1EdTechRevocationList" in types:
        return _revocation_list(document, entries, resolver, limits)
    raise CannotCheck(
        N_(
            "The credential's status (%(types)s) is of a kind this verifier cannot check.",
            types=", ".join(str(t) for t in types) or "?",
        )
    )


def _fetch_json(resolver: DidResolver, url: str, limits: Limits) -> dict[str, Any]:
    if resolver.fetch is None:
        raise CannotCheck(N_("The status list (%(url)s) was not fetched (offline).", url=url))
    body = resolver.fetch(url)
    try:
        return load_json(body, limits)
    except InvalidInput as error:
        raise CannotCheck(
            N_("The status list at %(url)s is unusable: %(error)s", url=url, error=error)
        ) from None


def _bitstring(
    document: Mapping[str, Any],
    issuer: str | None,
    resolver: DidResolver,
    now: datetime,
    limits: Limits,
    started: float,
) -> str:
    url = status_list.status_list_url(document) or ""
    if time.monotonic() - started > limits.max_seconds * 4:
        raise CannotCheck(N_("Checking the status took too long."))
    listed = _fetch_json(resolver, url, limits)
    try:
        proven = _verify_proof(listed, resolver, limits)
    except InvalidInput as error:
        raise InvalidInput(
            N_("The status list's signature is not valid: %(error)s", error=error)
        ) from None
    if did_of(proven.method) != issuer:
        raise InvalidInput(N_("The status list is not signed by the credential's issuer."))
    check_validity_period(listed, now)
    if status_list.is_revoked(document, listed):
        raise InvalidInput(N_("The issuer has revoked this credential."))
    return N_("Not revoked (status list checked).")


def _revocation_list(
    document: Mapping[str, Any], entries: list[Any], resolver: DidResolver, limits: Limits
) -> str:
    entry = next(
        e for e in entries if isinstance(e, Mapping) and e.get("type") == "1EdTechRevocationList"
    )
    url = entry.get("id")
    if not isinstance(url, str):
        raise InvalidInput(N_("The revocation list entry has no address."))
    listed = _fetch_json(resolver, url, limits)
    revoked = listed.get("revokedCredentials")
    if not isinstance(revoked, list):
        raise CannotCheck(N_("The revocation list at %(url)s lists nothing.", url=url))
    ids = {item.get("id") if isinstance(item, Mapping) else item for item in revoked}
    if document.get("id") in ids:
        raise InvalidInput(N_("The issuer has revoked this credential."))
    return N_("Not revoked (revocation list checked).")
