"""Through the pages: a registrar defines a nano-degree, a student stacks two Tandem
credentials and a partner's into it and claims it, downloads the CLR, and a wallet client
takes the nano-degree over OpenID4VCI (offer, token, credential) and the copy verifies."""

from __future__ import annotations

import html
import io
import json
import re
import time
import zipfile
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from flask import Flask
from flask.testing import FlaskClient
from lxml import etree
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.credentials.did_web import assertion_key
from plugin.credentials.multikey import public_key_to_multikey
from plugin.credentials.service import IssuerContext, revoke_credential
from plugin.pathways import jcs_proof
from tests.plugin.pathways.pathway_world import (
    PARTNER_ACHIEVEMENT,
    PathwayWorld,
    build_pathway_world,
)


def _ctx(app: Flask) -> IssuerContext:
    settings = app.config["TANDEM_SETTINGS"]
    return IssuerContext(settings.base_url, settings.secret_key)


@pytest.fixture
def pw(session: Session, app: Flask) -> PathwayWorld:
    return build_pathway_world(session, _ctx(app))


def _sign_in(client: FlaskClient, actor: Actor) -> None:
    with client.session_transaction() as s:
        s.clear()
        s["person_id"] = actor.person_id
        s["role"] = actor.role.value
        s["course_id"] = actor.course_id


def _define(client: FlaskClient, pw: PathwayWorld) -> int:
    _sign_in(client, pw.registrar)
    form = {
        "name": "Global collaboration",
        "description": "Three micro-credentials across the alliance.",
        "ects": "9",
        "eqf_level": "6",
        "outcomes": "Work in international teams.\nReason about data ethics.",
        "electives_needed": "1",
    }
    created = client.post("/registrar/pathways", data=form)
    assert created.status_code == 302
    again = client.post("/registrar/pathways", data=form)  # a double submit: the same one
    assert again.headers["Location"] == created.headers["Location"]
    pathway_id = int(created.headers["Location"].rsplit("/", 1)[1])
    for data in (
        {"required": "yes", "exchange_id": str(pw.exchanges[0])},
        {"required": "no", "exchange_id": str(pw.exchanges[1])},
        {"required": "yes", "issuer_id": pw.partner.did, "achievement_id": PARTNER_ACHIEVEMENT},
    ):
        assert (
            client.post(f"/registrar/pathways/{pathway_id}/components", data=data).status_code
            == 302
        )
    bad = client.post("/registrar/pathways", data={**form, "ects": "lots"})
    assert bad.status_code == 400
    return pathway_id


def _stack_and_claim(client: FlaskClient, pw: PathwayWorld, pathway_id: int) -> str:
    _sign_in(client, pw.student)
    for credential in pw.credentials:
        added = client.post(f"/pathways/{pathway_id}/tandem", data={"credential_id": credential})
        assert added.status_code == 302
    page = client.get(f"/pathways/{pathway_id}")
    assert 'data-testid="claim"' not in page.text  # the partner's credential is missing
    upload = json.dumps(pw.partner.issue(pw.email)).encode()
    added = client.post(
        f"/pathways/{pathway_id}/partner",
        data={"file": (io.BytesIO(upload), "partner.json")},
        content_type="multipart/form-data",
    )
    assert added.status_code == 302
    junk = client.post(f"/pathways/{pathway_id}/partner", data={"credential": "[[[["})
    assert junk.status_code == 400
    page = client.get(f"/pathways/{pathway_id}")
    assert 'data-testid="claim"' in page.text
    claimed = client.post(f"/pathways/{pathway_id}/claim", follow_redirects=True)
    assert "Your nano-degree has been issued." in claimed.text
    again = client.post(f"/pathways/{pathway_id}/claim", follow_redirects=True)  # twice: one
    award = re.search(r'href="/credentials/([0-9a-f-]+)" data-testid="award-link"', again.text)
    assert award is not None
    return award.group(1)


def test_nano_degree_clr_and_wallet_over_http(
    client: FlaskClient, app: Flask, session: Session, pw: PathwayWorld
) -> None:
    pathway_id = _define(client, pw)
    nano_id = _stack_and_claim(client, pw, pathway_id)
    page = client.get(f"/credentials/{nano_id}")
    assert page.status_code == 200
    for component in pw.credentials:  # the nano-degree links its Tandem components
        assert f"/credentials/{component}" in page.text
    assert "Data ethics in practice" in page.text
    clr_href = re.search(r'href="(/pathways/awards/\d+/clr\.json)"', page.text)
    assert clr_href is not None
    record = client.get(clr_href.group(1)).get_json(force=True)
    did = client.get(f"/issuers/{pw.institution_id}/did.json").get_json(force=True)
    jcs_proof.verify(record, assertion_key(did, record["proof"]["verificationMethod"]))
    assert len(record["credentialSubject"]["verifiableCredential"]) == 4

    # registrar: holders and progress
    _sign_in(client, pw.registrar)
    holders = client.get(f"/registrar/pathways/{pathway_id}")
    assert nano_id in holders.text
    export = client.post("/registrar/export", data={"since": "2000-01-01"})
    archive = zipfile.ZipFile(io.BytesIO(export.data))
    (elmo_name,) = [n for n in archive.namelist() if n.startswith("elmo/")]
    tree = etree.fromstring(archive.read(elmo_name))
    ns = {"e": "https://github.com/emrex-eu/elmo-schemas/tree/v1"}
    (module,) = tree.xpath("//e:learningOpportunitySpecification[e:type='Module']", namespaces=ns)
    parts = module.xpath(
        "e:hasPart/e:learningOpportunitySpecification/e:title/text()", namespaces=ns
    )
    assert len(parts) == 3
    assert "Data ethics in practice" in parts

    # the wallet: offer (page with QR and link), metadata, token, credential
    _sign_in(client, pw.student)
    offered = client.post(f"/credentials/{nano_id}/wallet")
    assert offered.status_code == 302
    assert (
        client.post(f"/credentials/{nano_id}/wallet").headers["Location"]
        == offered.headers["Location"]
    )  # asking twice shows the same offer
    offer_page = client.get(offered.headers["Location"])
    assert "<svg" in offer_page.text
    link = re.search(r'href="(openid-credential-offer://[^"]+)"', offer_page.text)
    assert link is not None
    offer = json.loads(
        parse_qs(urlsplit(html.unescape(link.group(1))).query)["credential_offer"][0]
    )
    wallet = client.application.test_client()  # no session: a wallet is not signed in
    meta = wallet.get("/.well-known/openid-credential-issuer").get_json()
    assert meta["credential_issuer"] == offer["credential_issuer"]
    code = offer["grants"]["urn:ietf:params:oauth:grant-type:pre-authorized_code"][
        "pre-authorized_code"
    ]
    token_path = urlsplit(meta["token_endpoint"]).path
    grant = {"grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code"}
    token = wallet.post(token_path, data={**grant, "pre-authorized_code": code})
    assert token.status_code == 200, token.text
    again = wallet.post(token_path, data={**grant, "pre-authorized_code": code})
    assert again.status_code == 400
    assert again.get_json()["error"] == "invalid_grant"
    answer = token.get_json()
    junk_grant = wallet.post(token_path, data={"grant_type": "password", "code": "x"})
    assert junk_grant.get_json()["error"] == "unsupported_grant_type"
    assert wallet.post(urlsplit(meta["credential_endpoint"]).path, json={}).status_code == 401
    not_json = wallet.post(
        urlsplit(meta["credential_endpoint"]).path,
        data="[[[[",
        headers={"Authorization": f"Bearer {answer['access_token']}"},
    )
    assert not_json.get_json()["error"] == "invalid_credential_request"

    key = Ed25519PrivateKey.generate()
    holder = "did:key:" + public_key_to_multikey(key.public_key())

    def proof(nonce: str, audience: str) -> dict[str, Any]:
        claims = {"aud": audience, "iat": int(time.time()), "nonce": nonce}
        header = {"typ": "openid4vci-proof+jwt", "kid": f"{holder}#{holder[8:]}"}
        return {"proof_type": "jwt", "jwt": jwt.encode(claims, key, "EdDSA", headers=header)}

    credential_path = urlsplit(meta["credential_endpoint"]).path
    bearer = {"Authorization": f"Bearer {answer['access_token']}"}
    request = {"credential_configuration_id": "OpenBadgeCredential_ldp_vc"}
    wrong_nonce = wallet.post(
        credential_path,
        json={**request, "proof": proof("guess", meta["credential_issuer"])},
        headers=bearer,
    )
    assert wrong_nonce.status_code == 400
    assert wrong_nonce.get_json()["error"] == "invalid_nonce"
    issued = wallet.post(
        credential_path,
        json={**request, "proof": proof(answer["c_nonce"], meta["credential_issuer"])},
        headers=bearer,
    )
    assert issued.status_code == 200, issued.text
    received = issued.get_json()["credential"]
    assert received["credentialSubject"]["id"] == holder
    assert received["id"].endswith(nano_id)
    verdict = wallet.post("/verify", json=received).get_json()
    assert verdict["valid"], verdict
    replay = wallet.post(
        credential_path,
        json={**request, "proof": proof(answer["c_nonce"], meta["credential_issuer"])},
        headers=bearer,
    )
    assert replay.status_code == 401

    # a revoked component: the pathway is no longer met for a new claim
    revoke_credential(session, pw.registrar, pw.credentials[0], "Issued in error", _ctx(app))
    _sign_in(client, pw.student)
    page = client.get(f"/pathways/{pathway_id}")
    assert "no longer valid" in page.text
