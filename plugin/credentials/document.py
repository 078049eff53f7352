"""The Open Badges 3.0 ``OpenBadgeCredential`` for one completed micro-credential.

Every element of Annex I of the Council Recommendation on micro-credentials (2022/C 243/02)
is written with a term the VC 2.0 and OB 3.0.3 contexts define, so it is inside the signed
graph (an undefined term would be dropped by canonicalisation and ride along unsigned):

========================================  ====================================================
Annex I element                           where it is
========================================  ====================================================
learner identification                    credentialSubject.identifier: IdentityObject
                                          (salted SHA-256 of the email; the ESI when known)
title                                     name, achievement.name
country of the issuer                     issuer.address.addressCountryCode
awarding body                             issuer (Profile, did:web id)
co-awarding partners                      achievement.alignment, targetType ext:CoAwardingBody
date of issuing                           validFrom, awardedDate
learning outcomes                         achievement.criteria.narrative; ESCO skills as
                                          achievement.alignment, targetType ext:ESCOSkill
workload (ECTS)                           achievement.creditsAvailable, credentialSubject
                                          .creditsEarned; the unit as alignment ext:CreditSystem
EQF level                                 achievement.alignment, targetType ext:EQFLevel
type of assessment                        achievement.alignment, targetType ext:AssessmentType
form of participation                     achievement.alignment, targetType ext:ModeOfLearning
type of quality assurance                 achievement.alignment, targetType ext:QualityAssurance
grade (optional)                          credentialSubject.result + achievement.resultDescription
prerequisites (optional)                  achievement.criteria.narrative
identity verification (optional)          achievement.alignment, ext:IdentityVerification
stackability (optional)                   achievement.criteria.narrative
========================================  ====================================================

OB 3.0 has no property for most classified Annex I elements, so they are alignments to the
EU's own vocabularies (``ext:`` is how OB 3.0 extends its AlignmentTargetType enumeration).
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from plugin.credentials.contexts import OB_V3P0_3, VC_V2
from plugin.errors import InvalidInput
from plugin.i18n import N_
from plugin.xsd import xsd_datetime

ESI_PREFIX = "urn:schac:personalUniqueCode:int:esi:"
EQF_FRAMEWORK = "European Qualifications Framework"
#: Concepts from the EU's Europass vocabularies, as the EU's own Annex I sample uses them.
ECTS_URI = "http://data.europa.eu/snb/education-credit/6fcec5c5af"
ONLINE_URI = "http://data.europa.eu/snb/learning-assessment/920fbb3cbe"


@dataclass(frozen=True)
class Concept:
    """A value from a controlled vocabulary: a label people read and the URI that defines it."""

    label: str
    uri: str


ONLINE = Concept("Online", ONLINE_URI)


@dataclass(frozen=True)
class Organisation:
    """An awarding body or partner; ``id`` is its did:web (or another IRI)."""

    id: str
    name: str
    country_code: str
    url: str | None = None


@dataclass(frozen=True)
class LearningOutcome:
    text: str
    esco_skill: str | None = None


@dataclass(frozen=True)
class CredentialFacts:
    """Everything a micro-credential states; the service layer gathers it from the database."""

    credential_id: str
    achievement_id: str
    title: str
    description: str
    awarding_body: Organisation
    issued_at: datetime
    learner_email: str
    learner_salt: str
    learning_outcomes: tuple[LearningOutcome, ...]
    ects: float
    eqf_level: int
    assessment: Concept
    quality_assurance: Concept
    participation: Concept = ONLINE
    co_awarding: tuple[Organisation, ...] = ()
    esi: str | None = None
    grade: str | None = None
    prerequisites: str | None = None
    identity_verification: Concept | None = None
    stackability: str | None = None
    status: dict[str, Any] | None = None


def build_credential(facts: CredentialFacts) -> dict[str, Any]:
    """The unsigned credential; ``signing.sign`` adds the proof."""
    _check(facts)
    issued = xsd_datetime(facts.issued_at)
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": _identifiers(facts),
        "achievement": _achievement(facts),
        "creditsEarned": _number(facts.ects),
    }
    if facts.grade is not None:
        subject["result"] = [
            {
                "type": ["Result"],
                "resultDescription": _grade_description_id(facts),
                "value": facts.grade,
            }
        ]
    credential: dict[str, Any] = {
        "@context": [VC_V2, OB_V3P0_3],
        "id": facts.credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": facts.title,
        "description": facts.description,
        "issuer": _profile(facts.awarding_body),
        "validFrom": issued,
        "awardedDate": issued,
        "credentialSubject": subject,
    }
    if facts.status is not None:
        credential["credentialStatus"] = facts.status
    return credential


def email_identity_hash(email: str, salt: str) -> str:
    """OB 3.0's ``sha256$<hex>`` of the trimmed, lower-cased email followed by the salt.

    The salt stops anyone from confirming a guessed address against many credentials at once;
    the learner (who knows both) can still prove the credential is theirs.
    """
    digest = hashlib.sha256((email.strip().lower() + salt).encode("utf-8")).hexdigest()
    return f"sha256${digest}"


def _check(facts: CredentialFacts) -> None:
    if not 1 <= facts.eqf_level <= 8:
        raise InvalidInput(N_("The EQF level is a whole number from 1 to 8."))
    if not 0 < facts.ects <= 60:
        raise InvalidInput(N_("A micro-credential's workload is more than 0 and at most 60 ECTS."))
    if not facts.learning_outcomes:
        raise InvalidInput(N_("A micro-credential states at least one learning outcome."))
    if facts.esi is not None and not facts.esi.startswith(ESI_PREFIX):
        raise InvalidInput(
            N_("A European Student Identifier starts with %(prefix)s.", prefix=ESI_PREFIX)
        )
    if len(facts.learner_salt) < 16:
        raise InvalidInput(N_("The email salt must be at least 16 characters."))
    for organisation in (facts.awarding_body, *facts.co_awarding):
        if len(organisation.country_code) != 2 or not organisation.country_code.isupper():
            raise InvalidInput(
                N_("%(name)s: the country is an ISO 3166-1 alpha-2 code.", name=organisation.name)
            )


def _number(value: float) -> int | float:
    """Whole numbers as integers: JavaScript and pyld canonicalise 5.0 differently."""
    return int(value) if float(value).is_integer() else float(value)


def _identifiers(facts: CredentialFacts) -> list[dict[str, Any]]:
    identities = [
        {
            "type": "IdentityObject",
            "identityType": "emailAddress",
            "hashed": True,
            "identityHash": email_identity_hash(facts.learner_email, facts.learner_salt),
            "salt": facts.learner_salt,
        }
    ]
    if facts.esi is not None:
        identities.append(
            {
                "type": "IdentityObject",
                "identityType": "identifier",
                "hashed": False,
                "identityHash": facts.esi,
            }
        )
    return identities


def _profile(organisation: Organisation) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "id": organisation.id,
        "type": ["Profile"],
        "name": organisation.name,
        "address": {"type": ["Address"], "addressCountryCode": organisation.country_code},
    }
    if organisation.url is not None:
        profile["url"] = organisation.url
    return profile


def _achievement(facts: CredentialFacts) -> dict[str, Any]:
    achievement: dict[str, Any] = {
        "id": facts.achievement_id,
        "type": ["Achievement"],
        "achievementType": "MicroCredential",
        "name": facts.title,
        "description": facts.description,
        "criteria": {"narrative": _narrative(facts)},
        "creditsAvailable": _number(facts.ects),
        "alignment": _alignments(facts),
    }
    if facts.grade is not None:
        achievement["resultDescription"] = [
            {
                "id": _grade_description_id(facts),
                "type": ["ResultDescription"],
                "name": "Grade",
                "resultType": "LetterGrade",
            }
        ]
    return achievement


def _grade_description_id(facts: CredentialFacts) -> str:
    return f"{facts.achievement_id}#grade"


def _narrative(facts: CredentialFacts) -> str:
    """Markdown people read: what was learnt, and the optional conditions around it."""
    lines = ["Learning outcomes:", *(f"- {outcome.text}" for outcome in facts.learning_outcomes)]
    if facts.prerequisites is not None:
        lines += ["", f"Prerequisites: {facts.prerequisites}"]
    if facts.stackability is not None:
        lines += ["", f"Stackability: {facts.stackability}"]
    return "\n".join(lines)


def _alignment(
    target_type: str, framework: str, name: str, url: str, **extra: str
) -> dict[str, Any]:
    return {
        "type": ["Alignment"],
        "targetType": f"ext:{target_type}",
        "targetFramework": framework,
        "targetName": name,
        "targetUrl": url,
        **extra,
    }


def _concept(target_type: str, framework: str, concept: Concept) -> dict[str, Any]:
    return _alignment(target_type, framework, concept.label, concept.uri)


def _alignments(facts: CredentialFacts) -> list[dict[str, Any]]:
    level = str(facts.eqf_level)
    alignments = [
        _alignment(
            "EQFLevel",
            EQF_FRAMEWORK,
            f"EQF level {level}",
            f"http://data.europa.eu/snb/eqf/{level}",
            targetCode=level,
        ),
        _alignment(
            "CreditSystem",
            "European Credit Transfer and Accumulation System",
            "ECTS credits",
            ECTS_URI,
        ),
        _concept("ModeOfLearning", "Europass learning assessment mode", facts.participation),
        _concept("AssessmentType", "Type of assessment", facts.assessment),
        _concept("QualityAssurance", "Type of quality assurance", facts.quality_assurance),
        *(
            _alignment("ESCOSkill", "ESCO", outcome.text, outcome.esco_skill)
            for outcome in facts.learning_outcomes
            if outcome.esco_skill is not None
        ),
        *(
            _alignment(
                "CoAwardingBody",
                "Co-awarding body",
                partner.name,
                partner.url or partner.id,
                targetCode=partner.country_code,
            )
            for partner in facts.co_awarding
        ),
    ]
    if facts.identity_verification is not None:
        alignments.append(
            _concept(
                "IdentityVerification",
                "Supervision and identity verification",
                facts.identity_verification,
            )
        )
    return alignments
