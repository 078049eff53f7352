"""Exports for the student information system: CSV with every Annex I element, and a
signed manifest (file hashes, row count, period, ledger head) that proves the batch whole.

Pure over the query rows: no session, no clock (the caller passes both in).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping, Sequence
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from plugin.credentials.jcs import canonicalize
from plugin.credentials.multikey import decode_multibase, encode_multibase
from plugin.errors import InvalidInput
from plugin.i18n import N_
from plugin.reports.queries import CredentialRow

COLUMNS = (
    "credential_id",
    "verify_url",
    "credential_sha256",
    "status",
    "revoked_at",
    "learner_identifier",
    "learner_esi",
    "title",
    "issuer_country",
    "awarding_body",
    "co_awarding_bodies",
    "date_of_issuing",
    "learning_outcomes",
    "esco_skills",
    "ects",
    "eqf_level",
    "assessment_type",
    "participation",
    "quality_assurance",
    "identity_verification",
    "grade",
    "exchange",
    "lms_trace",
    "holder_erased",
)
#: The Annex I columns read from the signed document (empty once the holder is erased).
ANNEX_COLUMNS = COLUMNS[COLUMNS.index("learner_identifier") : COLUMNS.index("exchange")]


def _alignments(achievement: Mapping[str, Any], target: str) -> list[Mapping[str, Any]]:
    return [a for a in achievement.get("alignment", []) if a.get("targetType") == f"ext:{target}"]


def _names(achievement: Mapping[str, Any], target: str) -> str:
    return "; ".join(str(a.get("targetName", "")) for a in _alignments(achievement, target))


def annex_elements(doc: Mapping[str, Any]) -> dict[str, str]:
    """Every Annex I element, read back from the signed document itself."""
    subject = doc["credentialSubject"]
    achievement = subject["achievement"]
    identities = subject.get("identifier", [])
    hashed = next((i["identityHash"] for i in identities if i.get("hashed")), "")
    esi = next((i["identityHash"] for i in identities if not i.get("hashed")), "")
    narrative = str(achievement.get("criteria", {}).get("narrative", ""))
    outcomes = [line[2:] for line in narrative.splitlines() if line.startswith("- ")]
    results = subject.get("result", [])
    return {
        "learner_identifier": hashed,
        "learner_esi": esi,
        "title": str(doc["name"]),
        "issuer_country": str(doc["issuer"]["address"]["addressCountryCode"]),
        "awarding_body": str(doc["issuer"]["name"]),
        "co_awarding_bodies": _names(achievement, "CoAwardingBody"),
        "date_of_issuing": str(doc["validFrom"]),
        "learning_outcomes": "; ".join(outcomes),
        "esco_skills": "; ".join(
            str(a["targetUrl"]) for a in _alignments(achievement, "ESCOSkill")
        ),
        "ects": str(achievement.get("creditsAvailable", "")),
        "eqf_level": "; ".join(
            str(a.get("targetCode", "")) for a in _alignments(achievement, "EQFLevel")
        ),
        "assessment_type": _names(achievement, "AssessmentType"),
        "participation": _names(achievement, "ModeOfLearning"),
        "quality_assurance": _names(achievement, "QualityAssurance"),
        "identity_verification": _names(achievement, "IdentityVerification"),
        "grade": str(results[0].get("value", "")) if results else "",
    }


def annex_row(row: CredentialRow) -> dict[str, str]:
    """One CSV row: the Annex I elements plus what the registry knows about the credential.

    A credential whose holder was erased keeps only what names no one: its id, fingerprint,
    status, issuing date and course; ``holder_erased`` says why the rest is empty."""
    doc = row.credential.document
    revoked = row.credential.revoked_at
    if doc is None:
        annex = dict.fromkeys(ANNEX_COLUMNS, "")
        annex["date_of_issuing"] = row.credential.issued_at.isoformat()
    else:
        annex = annex_elements(doc)
    return {
        "credential_id": row.credential.id,
        "verify_url": str(doc["id"]) if doc is not None else "",
        "credential_sha256": row.credential.sha256,
        "status": "revoked" if revoked else "valid",
        "revoked_at": revoked.isoformat() if revoked else "",
        **annex,
        "exchange": row.exchange,
        "lms_trace": row.lms_trace,
        "holder_erased": "yes" if row.credential.holder_erased_at is not None else "",
    }


def to_csv(rows: Sequence[CredentialRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(annex_row(row))
    return buffer.getvalue().encode("utf-8")


def read_csv(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def manifest(
    files: Mapping[str, bytes],
    *,
    rows: int,
    period: tuple[str, str],
    ledger_head: str,
    generated_at: str,
    signer: str,
    key: Ed25519PrivateKey,
) -> dict[str, Any]:
    """A manifest signed over its RFC 8785 form with the institution's issuer key."""
    body: dict[str, Any] = {
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
        "rows": rows,
        "period": {"from": period[0], "until": period[1]},
        "ledgerHead": ledger_head,
        "generatedAt": generated_at,
        "verificationMethod": signer,
    }
    return {**body, "signature": encode_multibase(key.sign(canonicalize(body)))}


def verify_manifest(
    signed: Mapping[str, Any], files: Mapping[str, bytes], public_key: Ed25519PublicKey
) -> None:
    """Raise ``InvalidInput`` unless the signature holds and every file matches its hash."""
    body = {k: v for k, v in signed.items() if k != "signature"}
    try:
        public_key.verify(decode_multibase(str(signed.get("signature", ""))), canonicalize(body))
    except InvalidSignature:
        raise InvalidInput(N_("The manifest's signature does not match.")) from None
    listed = body.get("files", {})
    if set(listed) != set(files):
        raise InvalidInput(N_("The manifest lists other files than those given."))
    for name, data in files.items():
        if hashlib.sha256(data).hexdigest() != listed[name]:
            raise InvalidInput(N_("%(name)s does not match the manifest.", name=name))
