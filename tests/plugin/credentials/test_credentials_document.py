"""The micro-credential document: every Annex I element, signed, in terms the contexts define."""

import dataclasses
import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from plugin.credentials import did_web, signing
from plugin.credentials.canonical import canonicalize
from plugin.credentials.document import (
    Concept,
    CredentialFacts,
    LearningOutcome,
    Organisation,
    build_credential,
    email_identity_hash,
)
from plugin.errors import InvalidInput

OB = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#"
SCHEMA = "https://schema.org/"
DID = did_web.did_web("tandem.example", ("issuers", "uni-a"))
ESCO = "http://data.europa.eu/esco/skill/326809fc-238d-40c2-881e-40042f7f2f0d"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(32))

FACTS = CredentialFacts(
    credential_id="urn:uuid:6a1e3c1e-4b7e-4c55-9a40-3f7f0c2d9a11",
    achievement_id="https://tandem.example/exchanges/7/achievement",
    title="Virtual exchange: intercultural teamwork",
    description="Six weeks of project work in an international team.",
    awarding_body=Organisation(DID, "Universität A", "DE", "https://uni-a.example"),
    issued_at=datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
    learner_email=" Ana.Lopez@Uni-A.example ",
    learner_salt="s4lt-0123456789ab",
    learning_outcomes=(
        LearningOutcome("Establish collaborative relations", ESCO),
        LearningOutcome("Reflect on intercultural differences"),
    ),
    ects=2,
    eqf_level=6,
    assessment=Concept("Portfolio", "https://tandem.example/vocab/assessment/portfolio"),
    quality_assurance=Concept("Internal QA, EQAR-listed agency", "https://www.eqar.eu/"),
)
FULL = dataclasses.replace(
    FACTS,
    ects=2.5,
    co_awarding=(Organisation("did:web:tandem.example:issuers:uni-b", "Universidad B", "ES"),),
    esi="urn:schac:personalUniqueCode:int:esi:uni-a.example:4711",
    grade="A",
    prerequisites="English at B2",
    identity_verification=Concept(
        "Unsupervised without ID verification",
        "http://data.europa.eu/snb/supervision-verification/c598449d64",
    ),
    stackability="Counts towards the Tandem certificate in global collaboration",
)


def _alignment_names(credential: dict[str, Any]) -> dict[str, str]:
    alignments = credential["credentialSubject"]["achievement"]["alignment"]
    return {item["targetType"]: item["targetName"] for item in alignments}


def test_minimal_credential_carries_every_mandatory_element() -> None:
    credential = build_credential(FACTS)
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["@context"][1].endswith("context-3.0.3.json")
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["achievementType"] == "MicroCredential"
    assert credential["issuer"]["address"]["addressCountryCode"] == "DE"
    assert credential["validFrom"] == "2024-05-01T09:30:00Z"
    assert achievement["creditsAvailable"] == 2
    assert isinstance(achievement["creditsAvailable"], int)
    assert _alignment_names(credential) == {
        "ext:EQFLevel": "EQF level 6",
        "ext:CreditSystem": "ECTS credits",
        "ext:ModeOfLearning": "Online",
        "ext:AssessmentType": "Portfolio",
        "ext:QualityAssurance": "Internal QA, EQAR-listed agency",
        "ext:ESCOSkill": "Establish collaborative relations",
    }
    assert "Reflect on intercultural differences" in achievement["criteria"]["narrative"]
    assert "result" not in credential["credentialSubject"]


def test_every_element_reaches_the_signed_graph() -> None:
    """Canonical N-Quads are what the signature covers, so look for each element there."""
    nquads = canonicalize(build_credential(FULL))
    expected = [
        f'<{OB}identityHash> "{email_identity_hash(FULL.learner_email, FULL.learner_salt)}"',
        f'<{OB}identityHash> "{FULL.esi}"',
        f'<{SCHEMA}name> "Virtual exchange: intercultural teamwork"',
        f'<{OB}CountryCode> "DE"',
        f'<{DID}> <{SCHEMA}name> "Universität A"',
        f'<{SCHEMA}targetName> "Universidad B"',
        '"2024-05-01T09:30:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>',
        f'<{SCHEMA}targetUrl> "{ESCO}"',
        # The OB 3.0.3 context itself spells the XSD namespace with https.
        f'<{OB}creditsAvailable> "2.5E0"^^<https://www.w3.org/2001/XMLSchema#float>',
        f'<{OB}targetCode> "6"',
        f'<{SCHEMA}targetName> "Portfolio"',
        f'<{SCHEMA}targetName> "Online"',
        f'<{SCHEMA}targetName> "Internal QA, EQAR-listed agency"',
        f'<{SCHEMA}value> "A"',
        "Prerequisites: English at B2",
        f'<{SCHEMA}targetName> "Unsupervised without ID verification"',
        "Stackability: Counts towards",
        f'<{OB}achievementType> "MicroCredential"',
    ]
    missing = [fragment for fragment in expected if fragment not in nquads]
    assert missing == []


def test_signed_credential_verifies_against_the_did_web_document() -> None:
    signed = signing.sign(build_credential(FULL), KEY, f"{DID}#key-1", FULL.issued_at)
    document = did_web.did_document(DID, [("key-1", KEY.public_key())])
    assert signing.verify(signed, document).verification_method == f"{DID}#key-1"


def test_email_hash_follows_open_badges() -> None:
    digest = hashlib.sha256(b"ana.lopez@uni-a.examples4lt-0123456789ab").hexdigest()
    assert email_identity_hash(FACTS.learner_email, FACTS.learner_salt) == f"sha256${digest}"


@pytest.mark.parametrize(
    "change",
    [
        {"eqf_level": 9},
        {"ects": 0},
        {"learning_outcomes": ()},
        {"esi": "12345"},
        {"learner_salt": "short"},
        {"awarding_body": Organisation(DID, "Universität A", "Germany")},
        {"title": "Bell\x07"},
    ],
)
def test_refuses_facts_it_cannot_state(change: dict[str, Any]) -> None:
    facts = dataclasses.replace(FACTS, **change)
    with pytest.raises(InvalidInput):
        signing.sign(build_credential(facts), KEY, f"{DID}#key-1", FACTS.issued_at)
