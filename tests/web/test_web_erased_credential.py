"""A student with a credential erases themselves: Tandem's copy of the signed document goes,
nothing in the database names them, the public page, the PDF and the registrar's console and
export show no one, and the copy they downloaded from the erase page still verifies (and can
still be revoked by the registrar, because its status-list entry stays taken)."""

from __future__ import annotations

import io
import json
import zipfile

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.credentials.models import Credential
from plugin.db import Base
from plugin.people.models import Person
from plugin.reports.access import add_registrar
from plugin.reports.export import read_csv
from tests.plugin.completion.completion_world import build_completion_world
from tests.web.test_web_credentials_flow import _issue_through_pages, _sign_in

GIVEN, FAMILY = "Aleida", "Zwanenburg-Oyelaran"


def _database_text(session: Session) -> str:
    """Every value of every row of every table, as text (JSON columns included)."""
    session.expire_all()
    return json.dumps(
        [
            [list(row) for row in session.execute(select(t)).all()]
            for t in Base.metadata.sorted_tables
        ],
        default=str,
        ensure_ascii=False,
    )


def _export(client: FlaskClient) -> zipfile.ZipFile:
    answer = client.post("/registrar/export", data={"since": "2000-01-01"})
    assert answer.mimetype == "application/zip"
    return zipfile.ZipFile(io.BytesIO(answer.data))


def _zip_text(archive: zipfile.ZipFile) -> str:
    return "".join(archive.read(name).decode("utf-8") for name in archive.namelist())


def test_erasure_deletes_tandems_copy_and_the_saved_copy_still_verifies(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    app.config["TANDEM_RATE_LIMITS"] = False
    cw = build_completion_world(session)
    alice = cw.rooms.alice
    person = session.get_one(Person, alice.person_id)
    person.given_name, person.family_name = GIVEN, FAMILY
    person.lms_name = f"{GIVEN} {FAMILY}"
    session.commit()
    issued = _issue_through_pages(client, session, cw)
    identity = issued.document["credentialSubject"]["identifier"][0]
    secrets = (GIVEN, FAMILY, "alice@example.org", identity["identityHash"], identity["salt"])
    teacher = session.get_one(Person, cw.rooms.teacher.person_id)
    add_registrar(session, teacher.id, teacher.institution_id)

    # Before: the registrar sees her name and the export carries her (so the checks can fail).
    _sign_in(client, cw.rooms.teacher)
    assert FAMILY in client.get("/registrar").text
    assert FAMILY in _zip_text(_export(client))
    _sign_in(client, alice)
    assert client.get(f"/credentials/{issued.id}/certificate.pdf").status_code == 200

    # The erase page offers the credential for download before the student confirms.
    page = client.get("/me/erase")
    assert 'data-testid="erase-credentials"' in page.text
    assert "does not revoke" in page.text
    link = f"/credentials/{issued.id}?download=json"
    assert link in page.text
    saved = client.get(link)
    assert "attachment" in saved.headers["Content-Disposition"]
    copy = json.loads(saved.data)
    assert copy == issued.document
    assert client.post("/me/erase").status_code == 303

    # Nothing in the database names her or carries her sealed identifier.
    text = _database_text(session)
    for secret in secrets:
        assert secret not in text, secret
    row = session.get_one(Credential, issued.id)
    assert row.document is None
    assert row.person_id is None
    assert row.holder_erased_at is not None
    assert row.revoked_at is None
    assert row.status_index is not None
    assert row.sha256

    # The public page says why, shows no one, and offers no certificate.
    public = client.get(f"/credentials/{issued.id}", headers={"Accept": "text/html"})
    assert public.status_code == 410
    assert 'data-testid="holder-erased"' in public.text
    assert "can still be verified" in public.text
    as_json = client.get(f"/credentials/{issued.id}", headers={"Accept": "application/ld+json"})
    assert as_json.status_code == 410
    assert as_json.get_json()["holderErased"] is True
    pdf = client.get(f"/credentials/{issued.id}/certificate.pdf")
    assert pdf.status_code == 404
    for answer in (public, as_json, pdf):
        for secret in secrets:
            assert secret not in answer.text, secret

    # The registrar's console and export keep the credential without anyone's name.
    _sign_in(client, cw.rooms.teacher)
    console = client.get("/registrar")
    assert f'data-credential="{issued.id}"' in console.text
    assert 'data-testid="holder-erased"' in console.text
    archive = _export(client)
    assert archive.namelist() == ["credentials.csv", "manifest.json"]  # no ELMO transcript
    [csv_row] = read_csv(archive.read("credentials.csv"))
    assert (csv_row["credential_id"], csv_row["holder_erased"]) == (issued.id, "yes")
    assert csv_row["learner_identifier"] == ""
    assert csv_row["date_of_issuing"]
    exported = _zip_text(archive)
    for secret in secrets:
        assert secret not in exported, secret

    # The copy she saved still verifies through the verifier ...
    verdict = client.post("/verify", json=copy).get_json()
    assert verdict["valid"] is True, verdict
    # ... and its revocation entry is still the registrar's to set, for a real reason.
    revoked = client.post(
        f"/registrar/credentials/{issued.id}/revoke", data={"reason": "Issued in error"}
    )
    assert revoked.status_code == 303
    verdict = client.post("/verify", json=copy).get_json()
    assert verdict["valid"] is False
    assert {c["name"]: c["passed"] for c in verdict["checks"]}["status"] is False
