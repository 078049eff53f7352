"""The diploma-supplement annex of a credential: the elements a certificate prints and the
registrars' export lists, computed from the signed document alone (pure).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


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
