"""A complete sample credential from a throwaway issuer: an installation's end-to-end check.

Nothing is stored: the key lives only in memory, so the sample proves the pipeline (document,
contexts, canonicalisation, signature, status list) and not any institution's identity.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from plugin.credentials import signing, status_list
from plugin.credentials.did_web import did_document, did_web
from plugin.credentials.document import Concept, CredentialFacts, Organisation, build_credential
from plugin.credentials.multikey import public_key_to_multikey
from plugin.credentials.service import DEFAULT_OUTCOMES


@dataclass(frozen=True)
class Sample:
    credential: dict[str, Any]
    did_document: dict[str, Any]
    status_list: dict[str, Any]


def issue_sample(host: str, now: datetime) -> Sample:
    key = Ed25519PrivateKey.generate()
    did = did_web(host, ["issuers", "sample"])
    kid = public_key_to_multikey(key.public_key())[:24]
    method = f"{did}#{kid}"
    base = f"https://{host}"
    list_url = f"{base}/status/sample"
    facts = CredentialFacts(
        credential_id=f"{base}/credentials/sample",
        achievement_id=f"{base}/exchanges/sample/achievement",
        title="Virtual exchange: sample",
        description="A sample micro-credential from a throwaway issuer.",
        awarding_body=Organisation(did, "Sample University", "NL"),
        issued_at=now,
        learner_email="learner@example.org",
        learner_salt="sample-salt-0123456789",
        learning_outcomes=DEFAULT_OUTCOMES,
        ects=3,
        eqf_level=6,
        assessment=Concept("Documented participation", f"{base}/vocab/assessment/sample"),
        quality_assurance=Concept("Internal quality assurance", f"{base}/vocab/qa/sample"),
        status=status_list.status_entry(list_url, 4242),
    )
    credential = signing.sign(build_credential(facts), key, method, now)
    bits = status_list.new_list()
    unsigned_list = status_list.status_list_credential(list_url, did, bits, now)
    return Sample(
        credential=credential,
        did_document=did_document(did, [(kid, key.public_key())]),
        status_list=signing.sign(unsigned_list, key, method, now),
    )
