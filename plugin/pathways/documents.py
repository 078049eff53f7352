"""The nano-degree ``OpenBadgeCredential`` and the CLR 2.0 ``ClrCredential`` that bundles it.

The nano-degree names every component in its criteria and links each as ``evidence`` (the
component's credential URL), so a verifier can follow them. The CLR carries the nano-degree
and every component credential as signed, embedded ``verifiableCredential``s, and states the
record's structure as ``association``s (each component ``isPartOf`` the nano-degree).

The record names the 1EdTech CLR 2.0 context. Tandem signs it with eddsa-jcs-2022 (JSON as
written, see ``jcs_proof``), so signing needs no copy of that context; a verifier that expands
it as JSON-LD brings its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from plugin.credentials.contexts import OB_V3P0_3, VC_V2
from plugin.credentials.document import (
    Concept,
    CredentialFacts,
    LearningOutcome,
    Organisation,
    build_credential,
)
from plugin.xsd import xsd_datetime

NANO_DEGREE_TYPE = "ext:NanoDegree"
CLR_V2P0 = "https://purl.imsglobal.org/spec/clr/v2p0/context-2.0.1.json"


@dataclass(frozen=True)
class ComponentLink:
    """A component credential as the nano-degree names it."""

    url: str
    title: str
    issuer_name: str
    required: bool


@dataclass(frozen=True)
class NanoDegreeFacts:
    credential_url: str
    achievement_id: str
    name: str
    description: str
    awarding_body: Organisation
    issued_at: datetime
    learner_email: str
    learner_salt: str
    outcomes: tuple[str, ...]
    ects: float
    eqf_level: int
    components: tuple[ComponentLink, ...]
    status: dict[str, Any]
    base_url: str


def nano_degree(facts: NanoDegreeFacts) -> dict[str, Any]:
    """The unsigned nano-degree credential (Annex I elements as for a micro-credential)."""
    parts = "; ".join(
        f"{c.title} ({c.issuer_name}, {'required' if c.required else 'elective'})"
        for c in facts.components
    )
    document = build_credential(
        CredentialFacts(
            credential_id=facts.credential_url,
            achievement_id=facts.achievement_id,
            title=facts.name,
            description=facts.description or f"Nano-degree: {facts.name}",
            awarding_body=facts.awarding_body,
            issued_at=facts.issued_at,
            learner_email=facts.learner_email,
            learner_salt=facts.learner_salt,
            learning_outcomes=tuple(LearningOutcome(text) for text in facts.outcomes),
            ects=facts.ects,
            eqf_level=facts.eqf_level,
            assessment=Concept(
                "Assessment of each component micro-credential",
                f"{facts.base_url}/vocab/assessment/component-credentials",
            ),
            quality_assurance=Concept(
                "Internal quality assurance of the awarding institution",
                f"{facts.base_url}/vocab/quality-assurance/internal",
            ),
            stackability=f"Made of these micro-credentials: {parts}.",
            status=facts.status,
        )
    )
    document["credentialSubject"]["achievement"]["achievementType"] = NANO_DEGREE_TYPE
    document["evidence"] = [
        {
            "id": component.url,
            "type": ["Evidence"],
            "name": component.title,
            "description": (
                f"Component micro-credential ({'required' if component.required else 'elective'})"
                f" issued by {component.issuer_name}."
            ),
        }
        for component in facts.components
    ]
    return document


def clr_credential(
    *,
    record_url: str,
    issuer: dict[str, Any],
    learner_identifiers: list[dict[str, Any]],
    nano_degree_credential: dict[str, Any],
    components: Sequence[dict[str, Any]],
    issued_at: datetime,
) -> dict[str, Any]:
    """The unsigned ``ClrCredential``: the nano-degree and its components, all as signed."""
    whole = nano_degree_credential["credentialSubject"]["achievement"]["id"]
    associations = [
        {
            "type": ["Association"],
            "associationType": "isPartOf",
            "sourceId": part["credentialSubject"]["achievement"]["id"],
            "targetId": whole,
        }
        for part in components
        if isinstance(part.get("credentialSubject"), dict)
        and isinstance(part["credentialSubject"].get("achievement"), dict)
        and "id" in part["credentialSubject"]["achievement"]
    ]
    return {
        "@context": [VC_V2, CLR_V2P0, OB_V3P0_3],
        "id": record_url,
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": f"Comprehensive Learner Record: {nano_degree_credential.get('name', '')}",
        "issuer": issuer,
        "validFrom": xsd_datetime(issued_at),
        "credentialSubject": {
            "type": ["ClrSubject"],
            "identifier": learner_identifiers,
            "verifiableCredential": [nano_degree_credential, *components],
            "association": associations,
        },
    }
