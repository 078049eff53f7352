"""ELMO 1.7.0 exports: every file validates against the bundled XSD, carries the credential,
leaves revoked credentials out, and is covered by the signed manifest."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.completion.service import approve_completion
from plugin.credentials.models import Credential
from plugin.credentials.multikey import public_key_from_multikey
from plugin.credentials.service import (
    IssuerContext,
    issue_credential,
    issuer_document,
    revoke_credential,
    verify_credential,
)
from plugin.db import utcnow
from plugin.errors import InvalidInput
from plugin.people.models import Person
from plugin.reports import elmo
from plugin.reports.access import add_registrar
from plugin.reports.export import read_csv, verify_manifest
from plugin.reports.service import export_batch
from tests.plugin.completion.completion_world import (
    CompletionWorld,
    build_completion_world,
    make_ready,
)

CTX = IssuerContext("https://tandem.example", "s" * 40)
EXAMPLE = Path(__file__).parent / "elmo-example.xml"
NS = {"e": elmo.NAMESPACE}
SINCE = datetime(2000, 1, 1, tzinfo=UTC)


@pytest.fixture
def cw(session: Session) -> CompletionWorld:
    return build_completion_world(session)


def _registrar(session: Session, cw: CompletionWorld) -> Actor:
    teacher = session.get(Person, cw.rooms.teacher.person_id)
    assert teacher is not None
    add_registrar(session, teacher.id, teacher.institution_id)
    return Actor(teacher.id, Role.TEACHER)


def _issue(session: Session, cw: CompletionWorld, student: Actor) -> Credential:
    make_ready(session, cw, student)
    decision = approve_completion(session, cw.rooms.teacher, cw.exchange_id, student.person_id)
    return issue_credential(session, cw.rooms.teacher, decision.completion.id, CTX)


def test_the_published_example_validates_and_a_broken_one_does_not() -> None:
    """The bundled schema (with its local imports) is the real one: EMREX's own example passes."""
    assert elmo.problems(EXAMPLE.read_bytes()) == []
    broken = EXAMPLE.read_text("utf-8").replace("<country>PL</country>", "<country>XX</country>")
    assert elmo.problems(broken.encode("utf-8"))
    assert elmo.problems(b"<elmo") != []
    with pytest.raises(InvalidInput):
        elmo.validate(b"<elmo xmlns='https://github.com/emrex-eu/elmo-schemas/tree/v1'/>")


def test_export_has_a_valid_elmo_file_per_learner_in_the_signed_manifest(
    session: Session, cw: CompletionWorld
) -> None:
    alice = _issue(session, cw, cw.rooms.alice)
    registrar = _registrar(session, cw)
    institution_id = alice.institution_id
    batch = export_batch(session, registrar, institution_id, SINCE, utcnow(), CTX)
    elmo_files = {n: d for n, d in batch.files.items() if n.startswith("elmo/")}
    assert list(elmo_files) == [f"elmo/learner-{alice.person_id}.xml"]
    for data in elmo_files.values():
        assert elmo.problems(data) == []
    root = etree.fromstring(next(iter(elmo_files.values())))
    assert root.findtext("e:learner/e:givenNames", namespaces=NS) == "Alice"
    assert root.findtext("e:report/e:issuer/e:country", namespaces=NS) == "NL"
    los = root.find("e:report/e:learningOpportunitySpecification", NS)
    assert los.findtext("e:url", namespaces=NS) == CTX.credential_url(alice.id)
    instance = los.find("e:specifies/e:learningOpportunityInstance", NS)
    assert alice.document is not None
    assert instance.findtext("e:credit/e:value", namespaces=NS) == format(
        float(alice.document["credentialSubject"]["achievement"]["creditsAvailable"]), "g"
    )
    assert instance.findtext("e:level/e:value", namespaces=NS) == "6"
    description = los.findtext("e:description", namespaces=NS)
    assert "Type of assessment: " in description
    assert "Quality assurance: " in description
    # The attached credential is the signed document itself and still verifies.
    content = root.findtext("e:report/e:attachment/e:content", namespaces=NS)
    attached = json.loads(base64.b64decode(content.split(",", 1)[1]))
    assert attached == alice.document
    assert verify_credential(session, attached, CTX).valid
    did = issuer_document(session, institution_id, CTX)
    key = public_key_from_multikey(did["verificationMethod"][-1]["publicKeyMultibase"])
    verify_manifest(batch.manifest, batch.files, key)
    tampered = dict(batch.files)
    tampered[next(iter(elmo_files))] = b"<elmo/>"
    with pytest.raises(InvalidInput):
        verify_manifest(batch.manifest, tampered, key)
    assert [r["credential_id"] for r in read_csv(batch.files["credentials.csv"])] == [alice.id]


def test_revoked_credentials_stay_in_the_csv_but_leave_the_transcript(
    session: Session, cw: CompletionWorld
) -> None:
    alice = _issue(session, cw, cw.rooms.alice)
    registrar = _registrar(session, cw)
    revoke_credential(session, registrar, alice.id, "Issued in error", CTX)
    batch = export_batch(session, registrar, alice.institution_id, SINCE, utcnow(), CTX)
    assert [n for n in batch.files if n.startswith("elmo/")] == []
    assert read_csv(batch.files["credentials.csv"])[0]["status"] == "revoked"


def test_awkward_names_and_grades_still_validate(session: Session, cw: CompletionWorld) -> None:
    """Markup, ampersands, non-Latin names and an erased learner's empty names stay valid XML."""
    alice = _issue(session, cw, cw.rooms.alice)
    person = session.get(Person, alice.person_id)
    assert person is not None
    person.given_name, person.family_name = "Zoë <b>&amp;", "Łukasiewicz-日本"
    session.flush()
    registrar = _registrar(session, cw)
    batch = export_batch(session, registrar, alice.institution_id, SINCE, utcnow(), CTX)
    (data,) = [d for n, d in batch.files.items() if n.startswith("elmo/")]
    assert elmo.problems(data) == []
    given = etree.fromstring(data).findtext("e:learner/e:givenNames", namespaces=NS)
    assert given == "Zoë <b>&amp;"
    person.given_name = person.family_name = person.chosen_name = person.lms_name = None
    session.flush()
    again = export_batch(session, registrar, alice.institution_id, SINCE, utcnow(), CTX)
    assert all(elmo.problems(d) == [] for n, d in again.files.items() if n.startswith("elmo/"))
