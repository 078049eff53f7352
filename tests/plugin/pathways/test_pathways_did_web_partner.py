"""A partner with its own did:web host and status list on a local HTTPS server: its
credential completes a nano-degree while it stands, and no longer once the partner revokes it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy.orm import Session

from plugin.credentials import multikey, signing, status_list
from plugin.credentials.fetch import CachingFetcher
from plugin.errors import Conflict
from plugin.pathways.service import (
    add_component,
    add_partner_credential,
    add_tandem_credential,
    claim_nano_degree,
    create_pathway,
    open_partner_verifier,
)
from tests.plugin.credentials.test_open_verify_did_web import _policy, _Site, https_site
from tests.plugin.pathways.pathway_world import (
    CTX,
    PARTNER_ACHIEVEMENT,
    PartnerIssuer,
    PathwayWorld,
    build_pathway_world,
    trust,
)

__all__ = ["https_site"]  # the module-scoped local HTTPS server, shared with its own tests
INDEX = 7
LIST_PATH = "/alliance/status/1"


@pytest.fixture
def pw(session: Session) -> PathwayWorld:
    return build_pathway_world(session)


def _publish_list(site: _Site, partner: PartnerIssuer, url: str, revoked: bool) -> None:
    bits = status_list.new_list()
    if revoked:
        status_list.set_status(bits, INDEX)
    unsigned = status_list.status_list_credential(url, partner.did, bytes(bits), datetime.now(UTC))
    signed = signing.sign(unsigned, partner.key, partner.method, datetime.now(UTC))
    site.routes[LIST_PATH] = (200, {}, json.dumps(signed).encode())


def _did_web_partner(site: _Site, port: int) -> tuple[PartnerIssuer, str]:
    key = Ed25519PrivateKey.generate()
    did = f"did:web:localhost%3A{port}:alliance"
    method = f"{did}#k1"
    site.routes["/alliance/did.json"] = (
        200,
        {},
        json.dumps(
            {
                "@context": ["https://www.w3.org/ns/did/v1"],
                "id": did,
                "verificationMethod": [
                    {
                        "id": method,
                        "type": "Multikey",
                        "controller": did,
                        "publicKeyMultibase": multikey.public_key_to_multikey(key.public_key()),
                    }
                ],
                "assertionMethod": [method],
            }
        ).encode(),
    )
    return PartnerIssuer(key, did, method), f"https://localhost:{port}{LIST_PATH}"


def _pathway(session: Session, pw: PathwayWorld, partner: PartnerIssuer, name: str) -> int:
    pathway = create_pathway(
        session,
        pw.registrar,
        pw.institution_id,
        name=name,
        description="",
        ects=9,
        eqf_level=6,
        outcomes=["Work across the alliance."],
        electives_needed=1,
    )
    add_component(session, pw.registrar, pathway.id, required=True, exchange_id=pw.exchanges[0])
    add_component(session, pw.registrar, pathway.id, required=False, exchange_id=pw.exchanges[1])
    add_component(
        session,
        pw.registrar,
        pathway.id,
        required=True,
        issuer_id=partner.did,
        achievement_id=PARTNER_ACHIEVEMENT,
    )
    return pathway.id


def test_a_did_web_partner_credential_counts_until_its_issuer_revokes_it(
    session: Session, pw: PathwayWorld, https_site: tuple[_Site, int, Path]
) -> None:
    site, port, cert = https_site
    partner, list_url = _did_web_partner(site, port)
    _publish_list(site, partner, list_url, revoked=False)
    trust(session, partner)
    credential = partner.issue(pw.email, status=status_list.status_entry(list_url, INDEX))
    verifier = open_partner_verifier(session, CTX, CachingFetcher(_policy(cert)))
    first = _pathway(session, pw, partner, "Alliance A")
    second = _pathway(session, pw, partner, "Alliance B")
    for pathway_id in (first, second):
        for tandem in pw.credentials:
            add_tandem_credential(session, pw.student, pathway_id, tandem)
        add_partner_credential(session, pw.student, pathway_id, credential, verifier=verifier)
    assert "/alliance/did.json" in site.hits
    assert claim_nano_degree(session, pw.student, first, CTX, verifier=verifier).id

    _publish_list(site, partner, list_url, revoked=True)  # the partner revokes it
    fresh = open_partner_verifier(session, CTX, CachingFetcher(_policy(cert)))  # no cache
    assert not fresh(credential, datetime.now(UTC)).valid
    with pytest.raises(Conflict):
        claim_nano_degree(session, pw.student, second, CTX, verifier=fresh)
