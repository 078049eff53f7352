"""Nano-degrees through the service: two Tandem credentials and a partner's make a pathway;
a revoked component unmakes it; the award and its CLR verify."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sqlalchemy.orm import Session

from plugin.credentials.did_web import assertion_key
from plugin.credentials.models import Credential
from plugin.credentials.service import (
    issuer_document,
    publish_status_lists,
    revoke_credential,
    verify_credential,
)
from plugin.errors import Conflict, InvalidInput, NotAllowed
from plugin.pathways import jcs_proof, rules
from plugin.pathways.service import (
    PartnerVerifier,
    add_component,
    add_partner_credential,
    add_tandem_credential,
    claim_nano_degree,
    create_pathway,
    holders,
    learner_record,
    open_partner_verifier,
    student_view,
)
from tests.plugin.pathways.pathway_world import (
    CTX,
    PARTNER_ACHIEVEMENT,
    PathwayWorld,
    build_pathway_world,
    new_partner,
    trust,
)


@pytest.fixture
def pw(session: Session) -> PathwayWorld:
    return build_pathway_world(session)


def _pathway(session: Session, pw: PathwayWorld) -> int:
    pathway = create_pathway(
        session,
        pw.registrar,
        pw.institution_id,
        name="Global collaboration",
        description="Three micro-credentials across the alliance.",
        ects=9,
        eqf_level=6,
        outcomes=["Work in international teams.", "Reason about data ethics."],
        electives_needed=1,
    )
    add_component(session, pw.registrar, pathway.id, required=True, exchange_id=pw.exchanges[0])
    add_component(session, pw.registrar, pathway.id, required=False, exchange_id=pw.exchanges[1])
    add_component(
        session,
        pw.registrar,
        pathway.id,
        required=True,
        issuer_id=pw.partner.did,
        achievement_id=PARTNER_ACHIEVEMENT,
    )
    return pathway.id


def _verifier(session: Session) -> PartnerVerifier:
    """The open verifier, offline: did:key issuers resolve without the network."""
    return open_partner_verifier(session, CTX, None)


def _fill(session: Session, pw: PathwayWorld, pathway_id: int) -> None:
    for credential in pw.credentials:
        add_tandem_credential(session, pw.student, pathway_id, credential)
    add_partner_credential(
        session, pw.student, pathway_id, pw.partner.issue(pw.email), verifier=_verifier(session)
    )


def test_rules_need_every_required_and_enough_electives() -> None:
    slots = [rules.Slot(1, True), rules.Slot(2, False), rules.Slot(3, False)]
    assert not rules.evaluate(slots, {2, 3}, 1).satisfied
    assert not rules.evaluate(slots, {1}, 1).satisfied
    done = rules.evaluate(slots, {1, 3, 2}, 1)
    assert done.satisfied
    assert done.counted == (1, 2)


def test_two_tandem_and_one_partner_credential_make_a_verifying_nano_degree(
    session: Session, pw: PathwayWorld
) -> None:
    pathway_id = _pathway(session, pw)
    with pytest.raises(Conflict):
        claim_nano_degree(session, pw.student, pathway_id, CTX, verifier=_verifier(session))
    _fill(session, pw, pathway_id)
    assert student_view(session, pw.student, pathway_id).progress.satisfied
    award = claim_nano_degree(session, pw.student, pathway_id, CTX, verifier=_verifier(session))
    assert (
        claim_nano_degree(session, pw.student, pathway_id, CTX, verifier=_verifier(session)).id
        == award.id
    )  # twice: one
    view = student_view(session, pw.student, pathway_id)
    assert view.award is not None
    assert view.award.id == award.id
    nano = session.get(Credential, award.credential_id)
    assert nano is not None
    assert nano.document is not None
    doc = nano.document
    assert doc["credentialSubject"]["achievement"]["achievementType"] == "ext:NanoDegree"
    linked = {e["id"] for e in doc["evidence"]}
    assert {CTX.credential_url(c) for c in pw.credentials} <= linked
    assert len(linked) == 3
    report = verify_credential(session, json.loads(json.dumps(doc)), CTX)
    assert report.valid, report.checks
    assert [h.person_id for h in holders(session, pw.registrar, pathway_id)] == [
        pw.student.person_id
    ]

    record = learner_record(session, pw.student, award.id, CTX)
    assert record["type"] == ["VerifiableCredential", "ClrCredential"]
    bundled = record["credentialSubject"]["verifiableCredential"]
    assert len(bundled) == 4
    assert bundled[0]["id"] == doc["id"]
    assert {a["associationType"] for a in record["credentialSubject"]["association"]} == {
        "isPartOf"
    }
    controller = issuer_document(session, pw.institution_id, CTX)
    key = assertion_key(controller, record["proof"]["verificationMethod"])
    jcs_proof.verify(json.loads(json.dumps(record)), key)
    tampered = copy.deepcopy(record)
    tampered["credentialSubject"]["verifiableCredential"][3]["name"] = "Something else"
    with pytest.raises(InvalidInput):
        jcs_proof.verify(tampered, key)
    # every bundled Tandem credential is exactly what was signed and still verifies alone
    for bundled_doc in bundled[:3]:
        assert verify_credential(session, bundled_doc, CTX).valid


def test_a_revoked_component_unmakes_the_pathway(session: Session, pw: PathwayWorld) -> None:
    pathway_id = _pathway(session, pw)
    _fill(session, pw, pathway_id)
    revoke_credential(session, pw.registrar, pw.credentials[0], "Issued in error", CTX)
    publish_status_lists(session, CTX)
    view = student_view(session, pw.student, pathway_id)
    assert not view.progress.satisfied
    assert view.progress.required_missing == (view.pathway.components[0].id,)
    with pytest.raises(Conflict):
        claim_nano_degree(session, pw.student, pathway_id, CTX, verifier=_verifier(session))
    with pytest.raises(Conflict):
        add_tandem_credential(session, pw.student, pathway_id, pw.credentials[0])


def test_partner_credentials_are_checked(session: Session, pw: PathwayWorld) -> None:
    pathway_id = _pathway(session, pw)
    good = pw.partner.issue(pw.email)
    changed: dict[str, Any] = copy.deepcopy(good)
    changed["credentialSubject"]["creditsEarned"] = 30
    verifier = _verifier(session)
    with pytest.raises(InvalidInput, match="did not verify"):
        add_partner_credential(session, pw.student, pathway_id, changed, verifier=verifier)
    stranger = new_partner()  # a valid signature from an issuer not on the trusted list
    with pytest.raises(InvalidInput, match="trusted issuers"):
        add_partner_credential(
            session, pw.student, pathway_id, stranger.issue(pw.email), verifier=verifier
        )
    trust(session, stranger)  # trusted now, but the pathway does not name it
    with pytest.raises(InvalidInput, match="not part of"):
        add_partner_credential(
            session, pw.student, pathway_id, stranger.issue(pw.email), verifier=verifier
        )
    with pytest.raises(NotAllowed):  # someone else's credential
        add_partner_credential(
            session,
            pw.student,
            pathway_id,
            pw.partner.issue("someone@example.org"),
            verifier=verifier,
        )
    with pytest.raises(InvalidInput):
        add_partner_credential(
            session, pw.student, pathway_id, ["not", "an", "object"], verifier=verifier
        )
    entry = add_partner_credential(session, pw.student, pathway_id, good, verifier=verifier)
    assert entry.document == good


def test_only_registrars_define_and_double_submits_make_one(
    session: Session, pw: PathwayWorld
) -> None:
    with pytest.raises(NotAllowed):
        create_pathway(
            session,
            pw.student,
            pw.institution_id,
            name="Mine",
            description="",
            ects=5,
            eqf_level=6,
            outcomes=["x"],
            electives_needed=0,
        )
    first = _pathway(session, pw)
    assert _pathway(session, pw) == first
    with pytest.raises(InvalidInput):
        create_pathway(
            session,
            pw.registrar,
            pw.institution_id,
            name="Too big",
            description="",
            ects=90,
            eqf_level=6,
            outcomes=["x"],
            electives_needed=0,
        )
