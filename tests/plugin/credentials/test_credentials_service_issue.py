"""Issue, verify, revoke and rotate through the service, with keys and lists from the DB."""

import copy
import json

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.completion.service import approve_completion
from plugin.credentials import keys
from plugin.credentials.models import Credential, IssuerKey
from plugin.credentials.service import (
    IssuerContext,
    bulk_issue,
    document_hash,
    issue_credential,
    issuer_document,
    publish_status_lists,
    revoke_credential,
    rotate_issuer_key,
    status_list_document,
    verify_credential,
)
from plugin.credentials.status_list import MIN_ENTRIES, decode_list
from plugin.errors import Conflict, InvalidInput, NotAllowed
from plugin.ledger.service import check_chain, events_about
from plugin.people.models import Person
from plugin.registrars.service import add_registrar
from tests.plugin.completion.completion_world import (
    CompletionWorld,
    build_completion_world,
    make_ready,
)

CTX = IssuerContext("https://tandem.example", "s" * 40)


@pytest.fixture
def cw(session: Session) -> CompletionWorld:
    return build_completion_world(session)


def _approved(session: Session, cw: CompletionWorld) -> int:
    make_ready(session, cw, cw.rooms.alice)
    decision = approve_completion(
        session, cw.rooms.teacher, cw.exchange_id, cw.rooms.alice.person_id
    )
    return decision.completion.id


def _registrar(session: Session, cw: CompletionWorld) -> Actor:
    teacher = session.get(Person, cw.rooms.teacher.person_id)
    assert teacher is not None
    add_registrar(session, teacher.id, teacher.institution_id)
    return Actor(teacher.id, Role.TEACHER)


def _checks(report: object) -> dict[str, bool]:
    return {c.name: c.passed for c in report.checks}  # type: ignore[attr-defined]


def test_issued_credential_verifies_and_carries_annex_one(
    session: Session, cw: CompletionWorld
) -> None:
    credential = issue_credential(session, cw.rooms.teacher, _approved(session, cw), CTX)
    doc = credential.document
    assert doc is not None
    assert doc["issuer"]["id"] == f"did:web:tandem.example:issuers:{credential.institution_id}"
    assert doc["issuer"]["address"]["addressCountryCode"] == "NL"
    assert doc["credentialSubject"]["achievement"]["achievementType"] == "MicroCredential"
    targets = {a["targetType"] for a in doc["credentialSubject"]["achievement"]["alignment"]}
    assert {"ext:EQFLevel", "ext:CoAwardingBody", "ext:QualityAssurance"} <= targets
    assert credential.sha256 == document_hash(doc)
    report = verify_credential(session, json.loads(json.dumps(doc)), CTX)
    assert report.valid, report.checks
    assert _checks(report) == {
        "issuer": True,
        "proof": True,
        "open_badge": True,
        "validity_period": True,
        "status": True,
    }
    assert [e.kind for e in events_about(session, cw.rooms.alice.person_id)][
        -1
    ] == "credential_issued"
    with pytest.raises(Conflict):
        issue_credential(session, cw.rooms.teacher, credential.completion_id or 0, CTX)


def test_tampering_and_foreign_issuers_fail_verification(
    session: Session, cw: CompletionWorld
) -> None:
    credential = issue_credential(session, cw.rooms.teacher, _approved(session, cw), CTX)
    assert credential.document is not None
    forged = copy.deepcopy(credential.document)
    forged["credentialSubject"]["creditsEarned"] = 30
    assert _checks(verify_credential(session, forged, CTX))["proof"] is False
    foreign = copy.deepcopy(credential.document)
    foreign["issuer"]["id"] = "did:web:elsewhere.example"
    assert _checks(verify_credential(session, foreign, CTX)) == {"issuer": False}
    assert not verify_credential(session, ["not", "an", "object"], CTX).valid


def test_partner_teachers_and_students_cannot_issue(session: Session, cw: CompletionWorld) -> None:
    completion_id = _approved(session, cw)
    with pytest.raises(NotAllowed):
        issue_credential(session, cw.bologna_teacher, completion_id, CTX)
    with pytest.raises(NotAllowed):
        issue_credential(session, cw.rooms.alice, completion_id, CTX)


def test_revocation_resigns_the_list_and_verifies_as_revoked(
    session: Session, cw: CompletionWorld
) -> None:
    credential = issue_credential(session, cw.rooms.teacher, _approved(session, cw), CTX)
    registrar = _registrar(session, cw)
    with pytest.raises(NotAllowed):
        revoke_credential(session, cw.bologna_teacher, credential.id, "Issued in error", CTX)
    with pytest.raises(InvalidInput):
        revoke_credential(session, registrar, credential.id, " ", CTX)
    before = status_list_document(session, credential.status_list_id)
    revoke_credential(session, registrar, credential.id, "Plagiarised final reflection", CTX)
    # The bit is set at once; the signed list changes when the worker publishes it.
    assert status_list_document(session, credential.status_list_id) == before
    assert _checks(verify_credential(session, credential.document, CTX))["status"] is True
    assert publish_status_lists(session, CTX) == 1
    assert publish_status_lists(session, CTX) == 0
    listed = status_list_document(session, credential.status_list_id)
    assert listed != before
    bits = decode_list(listed["credentialSubject"]["encodedList"])
    assert len(bits) * 8 >= MIN_ENTRIES
    report = verify_credential(session, credential.document, CTX)
    assert _checks(report)["status"] is False
    assert _checks(report)["proof"] is True
    assert "revoked" in next(c.message for c in report.checks if c.name == "status")
    with pytest.raises(Conflict):
        revoke_credential(session, registrar, credential.id, "again", CTX)
    assert events_about(session, cw.rooms.alice.person_id)[-1].private == {
        "reason": "Plagiarised final reflection"
    }
    assert check_chain(session).valid


def test_key_rotation_keeps_old_credentials_verifying(
    session: Session, cw: CompletionWorld
) -> None:
    credential = issue_credential(session, cw.rooms.teacher, _approved(session, cw), CTX)
    registrar = _registrar(session, cw)
    new_key = rotate_issuer_key(session, registrar, credential.institution_id, CTX)
    document = issuer_document(session, credential.institution_id, CTX)
    assert len(document["assertionMethod"]) == 2
    assert document["assertionMethod"][-1].endswith(new_key.kid)
    assert verify_credential(session, credential.document, CTX).valid


def test_private_keys_are_sealed_with_the_secret(session: Session, cw: CompletionWorld) -> None:
    credential = issue_credential(session, cw.rooms.teacher, _approved(session, cw), CTX)
    key = session.scalars(
        select(IssuerKey).where(IssuerKey.institution_id == credential.institution_id)
    ).one()
    assert key.public_multikey not in key.private_sealed
    keys.unseal(key.private_sealed, key.kid, CTX.secret)
    with pytest.raises(InvalidInput):
        keys.unseal(key.private_sealed, key.kid, "another secret of enough length")


def test_bulk_issue_is_for_registrars_and_skips_holders(
    session: Session, cw: CompletionWorld
) -> None:
    _approved(session, cw)
    registrar = _registrar(session, cw)
    institution_id = session.get(Person, registrar.person_id).institution_id  # type: ignore[union-attr]
    with pytest.raises(NotAllowed):
        bulk_issue(
            session,
            cw.rooms.teacher.__class__(cw.bologna_teacher.person_id, Role.TEACHER),
            cw.exchange_id,
            institution_id,
            CTX,
        )
    first = bulk_issue(session, registrar, cw.exchange_id, institution_id, CTX)
    assert len(first) == 1
    assert bulk_issue(session, registrar, cw.exchange_id, institution_id, CTX) == []
    count = len(
        session.scalars(select(Credential).where(Credential.exchange_id == cw.exchange_id)).all()
    )
    assert count == 1
