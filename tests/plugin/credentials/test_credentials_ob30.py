"""The 1EdTech validator's OB 3.0 sample files, with the verdicts its OB30Tests.java expects.

Where our verdict differs from the validator's, the table says so and why: every difference
is a place where issue 7 asks for a stricter rule (key from the issuer's DID document, no
legacy VC 1.1 suites, contexts only by URL).
"""

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from plugin.credentials import multikey, verification

Loader = Callable[[str], Any]
NOW = datetime(2026, 1, 1, tzinfo=UTC)
SPEC_KEY = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
SECOND_KEY = "z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x"
#: What each sample issuer publishes as assertionMethod keys. The validator instead reads the
#: key from the proof's fragment; standing in for the issuers' DID documents makes that explicit.
PUBLISHED = {
    "https://example.com/issuers/876543": [SPEC_KEY, SECOND_KEY],
    "https://example.edu/issuers/565049": [SPEC_KEY],
    "https://1edtech.edu/issuers/565049": [SPEC_KEY],
    "https://state.gov/issuers/565049": ["z6MkoMGF38Ck9xkdqrbZt4h9eHb1qc3GhAAkoSWa4Vy3SHRN"],
}

# file: (validator verdict, our verdict, the check of ours that fails)
EXPECTED: dict[str, tuple[str, bool, str | None]] = {
    "simple.json": ("valid", True, None),
    "simple-multiple-proofs.json": ("valid", True, None),
    "simple-context-alias.json": ("valid", True, None),
    "simple-did-web-method.json": ("valid (test @Disabled: needs the network)", True, None),
    "simple-context-version.json": ("context probe flagged, not asserted invalid", True, None),
    "simple-err-type.json": ("invalid: TypePropertyProbe", False, "open_badge"),
    "simple-err-context.json": ("invalid: ContextPropertyProbe", False, "open_badge"),
    "simple-err-issuer.json": ("invalid: JsonSchemaProbe", False, "open_badge"),
    "simple-err-proof-method.json": ("invalid: EmbeddedProofProbe", False, "proof"),
    "simple-err-proof-method-no-scheme.json": ("invalid: EmbeddedProofProbe", False, "proof"),
    "simple-err-proof-method-unknown-scheme.json": ("invalid: EmbeddedProofProbe", False, "proof"),
    "simple-err-proof-method-unknown-did-method.json": (
        "invalid: EmbeddedProofProbe",
        False,
        "proof",
    ),
    "simple-err-proof-value.json": ("invalid: EmbeddedProofProbe", False, "proof"),
    "simple-err-expired.json": ("invalid: ExpirationProbe", False, "validity_period"),
    "simple-err-issued.json": ("invalid: IssuanceProbe", False, "validity_period"),
    "simple-err-credential-subject-type.json": (
        "invalid: CredentialSubjectProbe",
        False,
        "open_badge",
    ),
    "simple-err-credential-subject-identifier-type.json": (
        "invalid: CredentialSubjectProbe",
        False,
        "open_badge",
    ),
    "simple-err-credential-subject-result-type.json": (
        "invalid: CredentialSubjectProbe",
        False,
        "open_badge",
    ),
    "simple-err-credential-subject-achievement-result-description-type.json": (
        "invalid: CredentialSubjectProbe",
        False,
        "open_badge",
    ),
    "simple-err-credential-subject-profile-type.json": (
        "invalid: CredentialSubjectProbe",
        False,
        "open_badge",
    ),
    "simple-err-evidence-type.json": ("invalid: EvidenceProbe", False, "open_badge"),
    "simple-err-issuer-type.json": ("invalid: IssuerProbe", False, "open_badge"),
    "simple-err-issuer-parentorg-type.json": ("invalid: IssuerProbe", False, "open_badge"),
    "simple-err-issuer-otheridentifier-type.json": ("invalid: IssuerProbe", False, "open_badge"),
    # Invalid for the validator because an inline schema URL is 404; we refuse the embedded
    # endorsements' nested @context before that.
    "complete.json": ("invalid: InlineJsonSchemaProbe", False, "proof"),
    "complete_v1.json": ("invalid: InlineJsonSchemaProbe", False, "proof"),
    # Differences by design: the validator takes did:key keys without tying them to the issuer
    # (urn:uuid here), and accepts the VC 1.1 suites Ed25519Signature2020 and eddsa-2022.
    "simple-did-key-method.json": ("valid", False, "proof"),
    "simple_v1.json": ("valid with warnings", False, "proof"),
    "simple-eddsa-2022.json": ("valid with warnings", False, "proof"),
    "simple-noproof.json": ("(no test)", False, "proof"),
}


def _issuer_document(document: dict[str, Any]) -> dict[str, Any]:
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    methods = [
        {
            "id": f"{issuer_id}#{key}",
            "type": "Multikey",
            "controller": issuer_id,
            "publicKeyMultibase": multikey.public_key_to_multikey(
                multikey.public_key_from_multikey(key)
            ),
        }
        for key in PUBLISHED.get(str(issuer_id), [])
    ]
    return {
        "id": issuer_id,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def _failed(report: verification.Report) -> list[str]:
    return [check.name for check in report.checks if not check.passed]


def test_every_sample_has_an_expectation(vector: Loader) -> None:
    folder = Path(__file__).parent / "vectors" / "ob30"
    samples = {path.name for path in folder.glob("*.json")}
    assert samples - set(EXPECTED) <= {
        "credential-status-revoked.json",  # 1EdTechRevocationList: not implemented, see report
        "endorsement-valid.json",
        "endorsement-err-schema-status-refresh.json",
    }


@pytest.mark.parametrize("name", EXPECTED, ids=EXPECTED)
def test_verdict(name: str, vector: Loader) -> None:
    _validator, valid, failing = EXPECTED[name]
    document = vector(f"ob30/{name}")
    report = verification.verify_credential(document, _issuer_document(document), NOW)
    assert report.valid is valid, report.checks
    if failing is not None:
        assert failing in _failed(report), report.checks


def test_endorsement_proof_verifies(vector: Loader) -> None:
    """An EndorsementCredential is not an OpenBadgeCredential, but its proof is sound."""
    document = vector("ob30/endorsement-valid.json")
    report = verification.verify_credential(document, _issuer_document(document), NOW)
    assert _failed(report) == ["open_badge"]


def test_revoked_by_bitstring_status_list(vector: Loader) -> None:
    """The validator's revoked sample: index 23 is set in its signed test list."""
    document = vector("ob30/bit-string-list/credential-status-revoked.json")
    status_list = json.loads(vector("ob30/bit-string-list/testlist"))
    issuer = _issuer_document(document)
    report = verification.verify_credential(
        document, issuer, NOW, status_list_credential=status_list
    )
    assert _failed(report) == ["status"]
    assert "revoked" in report.checks[-1].message
    without_list = verification.verify_credential(document, issuer, NOW)
    assert _failed(without_list) == ["status"]
