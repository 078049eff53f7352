"""The PDF certificate: Annex I elements as text, the signed credential embedded byte for byte
(and still verifying), a QR code, and the learner's name only for the learner and registrars."""

from __future__ import annotations

import io
import json

import pytest
from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.completion.service import approve_completion
from plugin.credentials.certificate import ATTACHMENT
from plugin.credentials.service import (
    IssuerContext,
    certificate,
    issue_credential,
    revoke_credential,
    verify_credential,
)
from plugin.people.models import Person
from plugin.reports.access import add_registrar
from tests.plugin.completion.completion_world import (
    CompletionWorld,
    build_completion_world,
    make_ready,
)

pypdf = pytest.importorskip("pypdf", reason="pypdf (a dev dependency) reads the PDF back")
CTX = IssuerContext("https://tandem.example", "s" * 40)


@pytest.fixture
def cw(session: Session) -> CompletionWorld:
    return build_completion_world(session)


def _text(data: bytes) -> tuple[str, dict[str, list[bytes]]]:
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split()), reader.attachments


def test_certificate_carries_annex_one_and_the_signed_credential(
    session: Session, cw: CompletionWorld
) -> None:
    make_ready(session, cw, cw.rooms.alice)
    decision = approve_completion(
        session, cw.rooms.teacher, cw.exchange_id, cw.rooms.alice.person_id
    )
    credential = issue_credential(session, cw.rooms.teacher, decision.completion.id, CTX)
    alice = session.get(Person, cw.rooms.alice.person_id)
    assert alice is not None
    data = certificate(session, cw.rooms.alice, credential.id)
    assert data.startswith(b"%PDF-")
    text, attachments = _text(data)
    for label in (
        "Awarding body",
        "Country of the issuer",
        "Date of issuing",
        "Workload (ECTS)",
        "EQF level",
        "Type of assessment",
        "Form of participation",
        "Quality assurance",
        "Learning outcomes",
    ):
        assert label in text
    assert credential.document is not None
    assert credential.document["name"] in text
    assert f"Awarded to {alice.display_name}" in text
    # A long URL may wrap inside the PDF's text block; it is there unbroken once joined.
    assert CTX.credential_url(credential.id) in "".join(text.split())
    (embedded,) = attachments[ATTACHMENT]
    assert json.loads(embedded) == credential.document
    assert verify_credential(session, json.loads(embedded), CTX).valid

    # A stranger with the link gets the public facts, not the name.
    anonymous, _ = _text(certificate(session, None, credential.id))
    assert "Awarded to" not in anonymous
    partner, _ = _text(certificate(session, cw.bologna_teacher, credential.id))
    assert "Awarded to" not in partner

    teacher = session.get(Person, cw.rooms.teacher.person_id)
    assert teacher is not None
    add_registrar(session, teacher.id, teacher.institution_id)
    registrar = Actor(teacher.id, Role.TEACHER)
    assert "Awarded to" in _text(certificate(session, registrar, credential.id))[0]
    revoke_credential(session, registrar, credential.id, "Issued in error", CTX)
    assert "REVOKED" in _text(certificate(session, None, credential.id))[0]
