"""A student with two Tandem micro-credentials and one from an independent partner issuer
(its own Ed25519 key, a did:key), and a registrar who defines the nano-degree."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.completion.models import Completion, CompletionStatus
from plugin.completion.service import approve_completion
from plugin.credentials import signing
from plugin.credentials.document import (
    Concept,
    CredentialFacts,
    LearningOutcome,
    Organisation,
    build_credential,
)
from plugin.credentials.multikey import public_key_to_multikey
from plugin.credentials.service import IssuerContext, issue_credential
from plugin.exchanges.models import Exchange
from plugin.issuers.service import check_entry, import_trusted_issuers
from plugin.people.models import Person
from plugin.registrars.service import add_registrar
from tests.plugin.completion.completion_world import (
    CompletionWorld,
    build_completion_world,
    make_ready,
)

CTX = IssuerContext("https://tandem.example", "s" * 40)
PARTNER_ACHIEVEMENT = "https://partner.example/achievements/data-ethics"


@dataclass
class PartnerIssuer:
    """A second, independent issuer: its own key, its own identifier."""

    key: Ed25519PrivateKey
    did: str
    method: str = ""

    def issue(
        self,
        email: str,
        *,
        achievement_id: str = PARTNER_ACHIEVEMENT,
        status: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        now = datetime.now(UTC).replace(microsecond=0)
        facts = CredentialFacts(
            credential_id=f"urn:uuid:{secrets.token_hex(8)}",
            achievement_id=achievement_id,
            title="Data ethics in practice",
            description="A partner university's micro-credential.",
            awarding_body=Organisation(self.did, "Universidad Asociada", "ES"),
            issued_at=now,
            learner_email=email,
            learner_salt=secrets.token_urlsafe(18),
            learning_outcomes=(LearningOutcome("Weigh the ethics of a data project."),),
            ects=2,
            eqf_level=6,
            assessment=Concept("Written assignment", "https://partner.example/vocab/written"),
            quality_assurance=Concept("Internal", "https://partner.example/vocab/qa"),
            status=status,
        )
        method = self.method or f"{self.did}#{self.did.removeprefix('did:key:')}"
        return signing.sign(build_credential(facts), self.key, method, now)


def trust(session: Session, issuer: PartnerIssuer) -> None:
    """Put the partner on the alliance's trusted-issuer list (what an admin imports)."""
    import_trusted_issuers(session, [check_entry(issuer.did, "Universidad Asociada")])


def new_partner() -> PartnerIssuer:
    key = Ed25519PrivateKey.generate()
    return PartnerIssuer(key, "did:key:" + public_key_to_multikey(key.public_key()))


@dataclass
class PathwayWorld:
    cw: CompletionWorld
    student: Actor
    registrar: Actor
    institution_id: int
    credentials: tuple[str, str]  # ids: the web tests' app closes the session per request
    exchanges: tuple[int, int]
    partner: PartnerIssuer
    email: str


def build_pathway_world(session: Session, ctx: IssuerContext = CTX) -> PathwayWorld:
    cw = build_completion_world(session)
    student = cw.rooms.alice
    make_ready(session, cw, student)
    first = approve_completion(session, cw.rooms.teacher, cw.exchange_id, student.person_id)
    alice = session.get(Person, student.person_id)
    teacher = session.get(Person, cw.rooms.teacher.person_id)
    assert alice is not None
    assert teacher is not None
    assert alice.email
    add_registrar(session, teacher.id, alice.institution_id)
    registrar = Actor(teacher.id, Role.TEACHER)
    one = issue_credential(session, registrar, first.completion.id, ctx)
    second = Exchange(
        title="Sustainable cities",
        starts_on=date(2026, 3, 2),
        ends_on=date(2026, 4, 26),
        owner_id=teacher.id,
    )
    session.add(second)
    session.flush()
    done = Completion(exchange_id=second.id, person_id=alice.id, status=CompletionStatus.APPROVED)
    session.add(done)
    session.commit()
    two = issue_credential(session, registrar, done.id, ctx)
    partner = new_partner()
    trust(session, partner)
    return PathwayWorld(
        cw,
        student,
        registrar,
        alice.institution_id,
        (one.id, two.id),
        (cw.exchange_id, second.id),
        partner,
        alice.email,
    )
