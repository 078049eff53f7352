"""The open verifier: each proof format verifies its published vector (or an independent
signer's output) and fails on a changed byte; status, dates, schema and trust each say why."""

import copy
import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from plugin.credentials import multikey, signing, status_list
from plugin.credentials.canonical import canonicalize
from plugin.credentials.fetch import CannotCheck
from plugin.credentials.open_verify import OPEN_CONTEXTS, check_signature, verify_any
from plugin.credentials.resolve import DidResolver, multikey_public_key
from plugin.credentials.sample import issue_sample
from plugin.errors import InvalidInput
from tests.open_signers import (
    ed25519_did_key,
    key_url,
    p256_did_key,
    rsa_did_document,
    sign_ecdsa_rdfc,
    sign_eddsa_jcs,
    sign_jwt,
)

VECTORS = Path(__file__).parent / "vectors"
NOW = datetime(2026, 6, 1, tzinfo=UTC)
OB3_SPEC_PUBLIC = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"


def _load(relative: str) -> Any:
    return json.loads((VECTORS / relative).read_text("utf-8"))


def _outcomes(report: Any) -> dict[str, str]:
    return {check.name: check.outcome for check in report.checks}


def _changed_byte(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    "relative",
    ["w3c/eddsa-rdfc-2022/signedDataInt.json", "w3c/eddsa-jcs-2022/signedJCS.json"],
)
def test_w3c_vectors_verify_and_a_changed_byte_fails(relative: str) -> None:
    text = (VECTORS / relative).read_text("utf-8")
    report = verify_any(text, resolver=DidResolver(), now=NOW)
    assert _outcomes(report)["proof"] == "passed"
    # The vectors' issuer is an https URL that does not hold the did:key: named, not hidden.
    assert _outcomes(report)["issuer"] == "failed"
    tampered = _changed_byte(text, "The School of Examples", "The School of Examplez")
    report = verify_any(tampered, resolver=DidResolver(), now=NOW)
    assert _outcomes(report)["proof"] == "failed"
    assert report.exit_code == 1


def test_ob3_spec_example_verifies_with_the_issuer_document_given() -> None:
    document = _load("ob3-spec/signed-ob3.json")
    method = document["proof"]["verificationMethod"]
    controller = method.split("#")[0]
    did_doc = {
        "id": controller,
        "verificationMethod": [
            {
                "id": method,
                "type": "Multikey",
                "controller": controller,
                "publicKeyMultibase": OB3_SPEC_PUBLIC,
            }
        ],
        "assertionMethod": [method],
    }
    resolver = DidResolver(documents={controller: did_doc})
    report = verify_any(document, resolver=resolver, now=NOW)
    assert _outcomes(report)["proof"] == "passed"
    assert _outcomes(report)["schema"] == "passed"
    tampered = copy.deepcopy(document)
    tampered["name"] += "!"
    assert _outcomes(verify_any(tampered, resolver=resolver, now=NOW))["proof"] == "failed"
    # Without the document the key cannot be found: "could not check", never "valid".
    assert verify_any(document, resolver=DidResolver(), now=NOW).exit_code == 2


def _ob_credential(issuer: str) -> dict[str, Any]:
    sample = issue_sample("partner.example", NOW)
    document = {k: v for k, v in sample.credential.items() if k not in ("proof",)}
    document.pop("credentialStatus", None)
    document["issuer"] = {**document["issuer"], "id": issuer}
    return document


def test_ecdsa_rdfc_2019_with_a_p256_did_key() -> None:
    key = ec.generate_private_key(ec.SECP256R1())
    did = p256_did_key(key)
    signed = sign_ecdsa_rdfc(_ob_credential(did), key, key_url(did))
    report = verify_any(signed, resolver=DidResolver(), now=NOW)
    assert report.verdict == "valid_unknown_issuer", report.checks
    assert report.proof_format == "ecdsa-rdfc-2019"
    trusted = verify_any(signed, resolver=DidResolver(), now=NOW, trusted={did}.__contains__)
    assert trusted.verdict == "valid"
    tampered_doc = copy.deepcopy(signed)
    tampered_doc["validFrom"] = "2025-01-02T00:00:00Z"
    assert _outcomes(verify_any(tampered_doc, resolver=DidResolver(), now=NOW))["proof"] == "failed"


@pytest.mark.parametrize("alg", ["EdDSA", "ES256", "RS256"])
def test_vc_jwt_each_algorithm(alg: str) -> None:
    documents: dict[str, Any] = {}
    key: Any
    if alg == "EdDSA":
        key = Ed25519PrivateKey.generate()
        did = ed25519_did_key(key)
    elif alg == "ES256":
        key = ec.generate_private_key(ec.SECP256R1())
        did = p256_did_key(key)
    else:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        did = "did:web:rsa.partner.example"
        documents[did] = rsa_did_document(did, key)
    token = sign_jwt(_ob_credential(did), key, alg, key_url(did))
    resolver = DidResolver(documents=documents)
    report = verify_any(token, resolver=resolver, now=NOW)
    assert report.verdict == "valid_unknown_issuer", report.checks
    assert report.proof_format == f"VC-JWT {alg}"
    head, payload, signature = token.split(".")
    flipped = signature[:10] + ("A" if signature[10] != "A" else "B") + signature[11:]
    bad = verify_any(f"{head}.{payload}.{flipped}", resolver=resolver, now=NOW)
    assert _outcomes(bad)["proof"] == "failed"


def test_a_jwt_with_an_unlisted_algorithm_is_refused() -> None:
    key = Ed25519PrivateKey.generate()
    did = ed25519_did_key(key)
    secret = b"secret-secret-secret-secret-32b!"  # HMAC: anyone holding it could sign
    token = jwt.encode(
        _ob_credential(did), secret, algorithm="HS256", headers={"kid": key_url(did)}
    )
    report = verify_any(token, resolver=DidResolver(), now=NOW)
    assert _outcomes(report)["proof"] == "failed"
    assert "HS256" in report.checks[0].message


def _served(mapping: dict[str, Any]) -> Callable[[str], bytes]:
    def fetch(url: str) -> bytes:
        if url not in mapping:
            raise CannotCheck(f"{url} not served")
        return json.dumps(mapping[url]).encode()

    return fetch


def test_tandem_credential_status_list_revoked_and_unreachable() -> None:
    sample = issue_sample("uni.example", NOW)
    did = sample.did_document["id"]
    list_url = status_list.status_list_url(sample.credential)
    assert list_url is not None
    fetch = _served({list_url: sample.status_list})
    resolver = DidResolver(documents={did: sample.did_document}, fetch=fetch)
    report = verify_any(sample.credential, resolver=resolver, now=NOW, trusted={did}.__contains__)
    assert report.verdict == "valid", report.checks
    assert report.exit_code == 0

    offline = DidResolver(documents={did: sample.did_document})
    report = verify_any(sample.credential, resolver=offline, now=NOW)
    assert _outcomes(report)["status"] == "unchecked"
    assert report.exit_code == 2

    # Revoke: the same issuer signs a list with the credential's bit set.
    index = int(sample.credential["credentialStatus"]["statusListIndex"])
    bits = status_list.new_list()
    status_list.set_status(bits, index)
    key = Ed25519PrivateKey.generate()
    method = sample.did_document["assertionMethod"][0] + "x"
    did_doc = copy.deepcopy(sample.did_document)
    did_doc["verificationMethod"].append(
        {
            "id": method,
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": multikey.public_key_to_multikey(key.public_key()),
        }
    )
    did_doc["assertionMethod"].append(method)
    revoked_list = signing.sign(
        status_list.status_list_credential(list_url, did, bits, NOW), key, method, NOW
    )
    resolver = DidResolver(documents={did: did_doc}, fetch=_served({list_url: revoked_list}))
    report = verify_any(sample.credential, resolver=resolver, now=NOW)
    assert _outcomes(report)["status"] == "failed"
    assert report.exit_code == 1


def test_dates_and_trust_lines() -> None:
    sample = issue_sample("uni.example", NOW)
    did = sample.did_document["id"]
    list_url = status_list.status_list_url(sample.credential) or ""
    resolver = DidResolver(
        documents={did: sample.did_document}, fetch=_served({list_url: sample.status_list})
    )
    early = verify_any(sample.credential, resolver=resolver, now=datetime(2020, 1, 1, tzinfo=UTC))
    assert _outcomes(early)["validity_period"] == "failed"
    unknown = verify_any(sample.credential, resolver=resolver, now=NOW)
    assert unknown.verdict == "valid_unknown_issuer"
    assert unknown.trust is not None
    assert "unknown issuer" in unknown.trust.message


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "[[[[[[[[[[" * 2000,
        "a.b.c",
        "not json",
        "{}",
        '{"proof": 5}',
        '{"@context": ["https://evil.example/ctx"], "proof": {"type": "DataIntegrityProof", '
        '"cryptosuite": "eddsa-rdfc-2022", "verificationMethod": "did:key:z6Mk#x", '
        '"proofPurpose": "assertionMethod", "proofValue": "z1"}}',
        "x" * 600_000,
        '{"a": ' * 100 + "1" + "}" * 100,
    ],
)
def test_bad_input_never_raises(bad: str) -> None:
    report = verify_any(bad, resolver=DidResolver(), now=NOW)
    assert report.exit_code in (1, 2)
    assert not report.valid


def test_an_unknown_context_is_named() -> None:
    key = Ed25519PrivateKey.generate()
    did = ed25519_did_key(key)
    document = _ob_credential(did)
    document["@context"] = [*document["@context"], "https://evil.example/ctx"]
    token = sign_jwt(document, key, "EdDSA", key_url(did))
    report = verify_any(token, resolver=DidResolver(), now=NOW)
    assert _outcomes(report)["proof"] == "failed"
    assert "https://evil.example/ctx" in report.checks[0].message


@pytest.mark.parametrize("value", [[[[[]]]], 5, None, {"proof": [1, None]}])
def test_values_that_are_not_credentials_are_reported(value: object) -> None:
    report = verify_any(value, resolver=DidResolver(), now=NOW)
    assert report.exit_code == 1


def test_eddsa_jcs_from_an_independent_signer() -> None:
    key = Ed25519PrivateKey.generate()
    did = ed25519_did_key(key)
    signed = sign_eddsa_jcs(_ob_credential(did), key, key_url(did))
    report = verify_any(signed, resolver=DidResolver(), now=NOW)
    assert report.verdict == "valid_unknown_issuer", report.checks
    signed["credentialSubject"]["achievement"]["name"] += "."
    assert _outcomes(verify_any(signed, resolver=DidResolver(), now=NOW))["proof"] == "failed"


def test_1edtech_revocation_list() -> None:
    key = Ed25519PrivateKey.generate()
    did = ed25519_did_key(key)
    document = _ob_credential(did)
    document["credentialStatus"] = {
        "id": "https://partner.example/revocations",
        "type": "1EdTechRevocationList",
    }
    signed = sign_jwt(document, key, "EdDSA", key_url(did))  # a JWT: the list type has no term
    clean = _served({"https://partner.example/revocations": {"revokedCredentials": []}})
    report = verify_any(signed, resolver=DidResolver(fetch=clean), now=NOW)
    assert _outcomes(report)["status"] == "passed"
    revoked = _served(
        {"https://partner.example/revocations": {"revokedCredentials": [{"id": document["id"]}]}}
    )
    report = verify_any(signed, resolver=DidResolver(fetch=revoked), now=NOW)
    assert _outcomes(report)["status"] == "failed"
    assert _outcomes(verify_any(signed, resolver=DidResolver(), now=NOW))["status"] == "unchecked"


def test_w3c_ecdsa_rdfc_2019_vector_signature_and_key() -> None:
    """The published P-256 vector predates the typed ``cryptosuite`` term (SOURCE.md): its
    signature covers the published proof canon plus our canonical document, with our key
    decoding and r||s handling; a changed byte in the document fails."""
    folder = VECTORS / "w3c/ecdsa-rdfc-2019-p256"
    document = json.loads((folder / "signedECDSAP256.json").read_text("utf-8"))
    proof = document.pop("proof")
    key = multikey_public_key(proof["verificationMethod"].split("#")[1])
    signature = multikey.decode_multibase(proof["proofValue"])
    proof_hash = hashlib.sha256((folder / "proofCanonECDSAP256.txt").read_bytes()).digest()

    def document_hash(value: dict[str, Any]) -> bytes:
        nquads = canonicalize(value, allowed_contexts=OPEN_CONTEXTS)
        return hashlib.sha256(nquads.encode()).digest()

    check_signature("ecdsa-rdfc-2019", key, signature, proof_hash + document_hash(document))
    document["credentialSubject"]["alumniOf"] = "The School of Examplez"
    with pytest.raises(InvalidInput, match="signature does not match"):
        check_signature("ecdsa-rdfc-2019", key, signature, proof_hash + document_hash(document))
