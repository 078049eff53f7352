"""/admin/issuers: only admins; add, import (twice is harmless), remove; and /verify then
says "valid" instead of "valid, unknown issuer" for that issuer's credential."""

import json

from cryptography.hazmat.primitives.asymmetric import ec
from flask.testing import FlaskClient

from plugin.credentials.sample import issue_sample
from plugin.db import utcnow
from tests.open_signers import key_url, p256_did_key, sign_ecdsa_rdfc
from web.pages.admin import ADMIN_SESSION_KEY


def _as_admin(client: FlaskClient) -> None:
    with client.session_transaction() as state:
        state[ADMIN_SESSION_KEY] = True


def test_strangers_cannot_open_or_change_the_registry(client: FlaskClient) -> None:
    assert client.get("/admin/issuers").status_code in (401, 403)
    posted = client.post("/admin/issuers", data={"issuer_id": "did:web:x.example", "name": "X"})
    assert posted.status_code in (401, 403)


def test_admin_adds_imports_and_removes_issuers(client: FlaskClient) -> None:
    _as_admin(client)
    assert "No trusted issuers yet." in client.get("/admin/issuers").text
    added = client.post(
        "/admin/issuers", data={"issuer_id": "did:web:uni.example", "name": "Uni Example"}
    )
    assert added.status_code == 303
    again = client.post(
        "/admin/issuers", data={"issuer_id": "did:web:uni.example", "name": "Uni Example"}
    )
    assert again.status_code == 303
    page = client.get("/admin/issuers").text
    assert page.count("did:web:uni.example") == 1
    assert "was already on the list" in page

    bad = client.post("/admin/issuers", data={"issuer_id": "javascript:alert(1)", "name": "X"})
    assert bad.status_code == 400
    assert "must be a DID or an https address" in bad.text
    assert 'aria-invalid="true"' in bad.text  # beside the id field, not only on top

    listing = json.dumps(
        [
            {"id": "did:web:uni.example", "name": "Uni Renamed"},
            {"id": "https://b.example", "name": "B"},
        ]
    )
    imported = client.post(
        "/admin/issuers/import", data={"issuers": listing}, follow_redirects=True
    )
    assert "1 added, 1 renamed, 0 already listed." in imported.text
    broken = client.post("/admin/issuers/import", data={"issuers": "[" * 5000})
    assert broken.status_code == 400

    row = imported.text.split('data-issuer="')[1].split('"')[0]
    removed = client.post(f"/admin/issuers/{row}/remove", follow_redirects=True)
    assert "is no longer a trusted issuer" in removed.text
    twice = client.post(f"/admin/issuers/{row}/remove")
    assert twice.status_code == 303


def test_verify_says_valid_once_the_issuer_is_trusted(client: FlaskClient) -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    did = p256_did_key(key)
    sample = issue_sample("partner.example", utcnow())
    document = {
        k: v for k, v in sample.credential.items() if k not in ("proof", "credentialStatus")
    }
    document["issuer"] = {**document["issuer"], "id": did}
    signed = sign_ecdsa_rdfc(document, key, key_url(did))
    unknown = client.post("/verify", json=signed).get_json()
    assert unknown["verdict"] == "valid_unknown_issuer", unknown
    assert unknown["valid"] is True
    assert unknown["trusted"] is False
    page = client.post("/verify", data={"credential": json.dumps(signed)})
    assert 'data-verdict="valid_unknown_issuer"' in page.text
    assert 'data-trusted="no"' in page.text

    _as_admin(client)
    client.post("/admin/issuers", data={"issuer_id": did, "name": "Partner P-256"})
    trusted = client.post("/verify", json=signed).get_json()
    assert trusted["verdict"] == "valid"
    assert trusted["trusted"] is True


def test_a_partner_did_web_is_never_fetched_from_a_private_address(client: FlaskClient) -> None:
    sample = issue_sample("127.0.0.1:9", utcnow())
    verdict = client.post("/verify", json=sample.credential).get_json()
    assert verdict["verdict"] == "unchecked"
    proof = next(c for c in verdict["checks"] if c["name"] == "proof")
    assert "private, loopback or link-local" in proof["message"]
