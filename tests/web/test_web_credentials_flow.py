"""Pages and CLI: sign-off issues a credential, the public page and POST /verify check it,
the registrar revokes and exports it, and the CLI verifies files offline."""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.credentials.models import Credential
from plugin.credentials.multikey import public_key_from_multikey
from plugin.people.models import Person
from plugin.reports.export import read_csv, verify_manifest
from tests.plugin.completion.completion_world import (
    CompletionWorld,
    build_completion_world,
    make_ready,
)


@pytest.fixture
def cw(session: Session) -> CompletionWorld:
    return build_completion_world(session)


def _sign_in(client: FlaskClient, actor: Actor) -> None:
    with client.session_transaction() as s:
        s.clear()
        s["person_id"] = actor.person_id
        s["role"] = actor.role.value
        s["course_id"] = actor.course_id


@dataclass(frozen=True)
class Issued:
    """What the test needs of the credential (the app closes the shared session per request)."""

    id: str
    institution_id: int
    status_list_id: int
    document: dict[str, Any]


def _issue_through_pages(client: FlaskClient, session: Session, cw: CompletionWorld) -> Issued:
    alice = cw.rooms.alice
    make_ready(session, cw, alice)
    _sign_in(client, alice)
    page = client.get(f"/exchanges/{cw.exchange_id}/completion")
    assert page.status_code == 200
    assert 'data-requirement="sign_off" data-done="no"' in page.text
    assert client.post(f"/exchanges/{cw.exchange_id}/completion/request").status_code == 303
    _sign_in(client, cw.bologna_teacher)
    listing = client.get(f"/exchanges/{cw.exchange_id}/completion/students")
    assert f'data-student="{alice.person_id}"' not in listing.text  # not their student
    refused = client.post(
        f"/exchanges/{cw.exchange_id}/completion/approve", data={"person_id": alice.person_id}
    )
    assert refused.status_code == 403
    _sign_in(client, cw.rooms.teacher)
    listing = client.get(f"/exchanges/{cw.exchange_id}/completion/students")
    assert f'data-student="{alice.person_id}"' in listing.text
    done = client.post(
        f"/exchanges/{cw.exchange_id}/completion/approve",
        data={"person_id": alice.person_id},
        follow_redirects=True,
    )
    assert done.status_code == 200
    assert "micro-credential has been issued" in done.text
    credential = session.scalars(
        select(Credential).where(Credential.person_id == alice.person_id)
    ).one()
    assert credential.document is not None
    return Issued(
        credential.id, credential.institution_id, credential.status_list_id, credential.document
    )


def test_sign_off_issues_a_credential_that_verifies_publicly(
    client: FlaskClient, session: Session, cw: CompletionWorld
) -> None:
    credential = _issue_through_pages(client, session, cw)
    _sign_in(client, cw.rooms.dora)  # anyone at all may look
    as_json = client.get(f"/credentials/{credential.id}", headers={"Accept": "application/ld+json"})
    assert as_json.mimetype == "application/ld+json"
    assert as_json.json == credential.document
    page = client.get(f"/credentials/{credential.id}", headers={"Accept": "text/html"})
    assert 'data-check="proof" data-passed="yes"' in page.text
    assert "This credential is valid." in page.text
    # Valid reads differently from invalid (mark, class, words); dates are human; the learner
    # is explained in words, the sealed hash only behind a disclosure.
    assert 'class="verdict ok"' in page.text
    assert "\u2713" in page.text
    issued = page.text.split('data-testid="issued">')[1].split("</dd>")[0]
    shown = issued.split(">", 1)[1].split("<")[0]
    assert not re.search(r"\d{4}-\d\d-\d\dT", shown)  # not the raw ISO timestamp
    learner = page.text.split('data-testid="learner">')[1].split("<details>")[0]
    assert "sha256" not in learner
    assert "email address" in learner
    did = client.get(f"/issuers/{credential.institution_id}/did.json")
    assert did.headers["Access-Control-Allow-Origin"] == "*"
    assert did.get_json()["id"] == credential.document["issuer"]["id"]
    listed = client.get(f"/status/{credential.status_list_id}")
    assert listed.get_json()["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    verdict = client.post("/verify", json=credential.document)
    assert verdict.get_json()["valid"] is True
    forged = json.loads(json.dumps(credential.document))
    forged["name"] = "Something else"
    verdict = client.post("/verify", json=forged)
    assert {c["name"]: c["passed"] for c in verdict.get_json()["checks"]}["proof"] is False
    bad_page = client.post("/verify", data={"credential": json.dumps(forged)})
    assert 'class="verdict bad"' in bad_page.text
    assert "\u2717" in bad_page.text
    form = client.post("/verify", data={"credential": "{not json"})
    assert form.status_code == 400
    assert "not valid JSON" in form.text
    assert (
        client.get("/credentials/nope", headers={"Accept": "application/json"}).status_code == 404
    )


def test_registrar_revokes_exports_and_the_page_shows_revoked(
    app: Flask, client: FlaskClient, session: Session, cw: CompletionWorld
) -> None:
    credential = _issue_through_pages(client, session, cw)
    teacher = session.get(Person, cw.rooms.teacher.person_id)
    assert teacher is not None
    runner = app.test_cli_runner()
    added = runner.invoke(
        args=[
            "tandem",
            "registrar",
            "add",
            "--person-id",
            str(teacher.id),
            "--institution-id",
            str(teacher.institution_id),
        ]
    )
    assert added.exit_code == 0, added.output
    _sign_in(client, cw.bologna_teacher)
    assert client.get("/registrar").status_code == 403
    _sign_in(client, cw.rooms.teacher)
    console = client.get("/registrar")
    assert f'data-credential="{credential.id}"' in console.text
    revoked = client.post(
        f"/registrar/credentials/{credential.id}/revoke", data={"reason": "Issued in error"}
    )
    assert revoked.status_code == 303
    assert f'data-credential="{credential.id}"' in client.get("/registrar?status=revoked").text
    page = client.get(f"/credentials/{credential.id}", headers={"Accept": "text/html"})
    assert 'data-testid="revoked"' in page.text
    assert 'data-check="status" data-passed="no"' in page.text
    export = client.post("/registrar/export", data={"since": "2000-01-01"})
    assert export.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(export.data))
    csv_bytes = archive.read("credentials.csv")
    manifest = json.loads(archive.read("manifest.json"))
    rows = read_csv(csv_bytes)
    assert [r["credential_id"] for r in rows] == [credential.id]
    assert rows[0]["status"] == "revoked"
    assert rows[0]["issuer_country"] == "NL"
    assert rows[0]["ects"]
    assert rows[0]["eqf_level"] == "6"
    assert manifest["rows"] == 1
    did = client.get(f"/issuers/{credential.institution_id}/did.json").get_json()
    key = public_key_from_multikey(did["verificationMethod"][0]["publicKeyMultibase"])
    files = {name: archive.read(name) for name in archive.namelist() if name != "manifest.json"}
    # The only credential is revoked: it stays in the CSV and leaves the ELMO transcripts.
    assert list(files) == ["credentials.csv"]
    verify_manifest(manifest, files, key)


def test_cli_issues_a_sample_and_verifies_it_offline(app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    made = runner.invoke(args=["tandem", "credentials", "issue-sample", "--out", str(tmp_path)])
    assert made.exit_code == 0, made.output
    ok = runner.invoke(args=["tandem", "credentials", "verify", str(tmp_path / "credential.json")])
    assert ok.exit_code == 0, ok.output
    assert "ok   proof" in ok.output
    credential = json.loads((tmp_path / "credential.json").read_text())
    credential["credentialSubject"]["creditsEarned"] = 60
    (tmp_path / "credential.json").write_text(json.dumps(credential))
    bad = runner.invoke(args=["tandem", "credentials", "verify", str(tmp_path / "credential.json")])
    assert bad.exit_code == 1
    assert "FAIL proof" in bad.output
