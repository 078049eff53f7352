"""The published vectors, reproduced byte for byte from their keys."""

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from plugin.credentials import contexts, multikey, signing
from plugin.credentials.canonical import canonicalize
from plugin.errors import InvalidInput

W3C = contexts.bundled_urls()  # the W3C vectors use the examples and citizenship contexts
Loader = Callable[[str], Any]
ControllerFactory = Callable[[str, str, Ed25519PublicKey], dict[str, Any]]
RDFC = ["w3c/eddsa-rdfc-2022/", "w3c/eddsa-rdfc-2022/employ/"]


def _split(signed: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(unsecured document, proof options with the document's @context)."""
    document = {key: value for key, value in signed.items() if key != "proof"}
    options = {key: value for key, value in signed["proof"].items() if key != "proofValue"}
    return document, {**options, "@context": signed["@context"]}


def _created(signed: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(signed["proof"]["created"])


def test_key_pair_round_trips_through_multikey(vector: Loader, w3c_key: Ed25519PrivateKey) -> None:
    pair = vector("w3c/keyPair.json")
    assert multikey.public_key_to_multikey(w3c_key.public_key()) == pair["publicKeyMultibase"]
    assert multikey.private_key_to_multikey(w3c_key) == pair["privateKeyMultibase"]


@pytest.mark.parametrize("folder", RDFC)
def test_w3c_intermediate_values(folder: str, vector: Loader, w3c_key: Ed25519PrivateKey) -> None:
    document, options = _split(vector(folder + "signedDataInt.json"))
    assert options == {**vector(folder + "proofConfigDataInt.json")}
    canonical_document = canonicalize(document, allowed_contexts=W3C)
    canonical_options = canonicalize(options, allowed_contexts=W3C)
    assert canonical_document == vector(folder + "canonDocDataInt.txt")
    assert canonical_options == vector(folder + "proofCanonDataInt.txt")
    document_hash = hashlib.sha256(canonical_document.encode()).digest()
    options_hash = hashlib.sha256(canonical_options.encode()).digest()
    assert document_hash.hex() == vector(folder + "docHashDataInt.txt").strip()
    assert options_hash.hex() == vector(folder + "proofHashDataInt.txt").strip()
    combined = options_hash + document_hash
    assert combined.hex() == vector(folder + "combinedHashDataInt.txt").strip()
    signature = w3c_key.sign(combined)
    assert signature.hex() == vector(folder + "sigHexDataInt.txt").strip()
    assert multikey.encode_multibase(signature) == vector(folder + "sigBTC58DataInt.txt").strip()


@pytest.mark.parametrize("folder", RDFC)
def test_w3c_signed_document_reproduced(
    folder: str, vector: Loader, w3c_key: Ed25519PrivateKey
) -> None:
    signed = vector(folder + "signedDataInt.json")
    document, _ = _split(signed)
    method = signed["proof"]["verificationMethod"]
    result = signing.sign(document, w3c_key, method, _created(signed), allowed_contexts=W3C)
    assert result == signed


def test_w3c_vector_is_refused_because_its_key_is_not_the_issuers(
    vector: Loader, w3c_key: Ed25519PrivateKey, controller_document: ControllerFactory
) -> None:
    """The vector's key is a did:key nobody tied to the issuer https://vc.example/issuers/5678."""
    signed = vector(RDFC[0] + "signedDataInt.json")
    method = signed["proof"]["verificationMethod"]
    did = method.split("#")[0]
    did_key_document = controller_document(did, method, w3c_key.public_key())
    with pytest.raises(InvalidInput, match="not the issuer's"):
        signing.verify(signed, did_key_document, allowed_contexts=W3C)


def test_ob3_spec_example_reproduced_and_verified(
    vector: Loader,
    ob3_key: Ed25519PrivateKey,
    ob3_public_multikey: str,
    controller_document: ControllerFactory,
) -> None:
    signed = vector("ob3-spec/signed-ob3.json")
    document, options = _split(signed)
    assert canonicalize(document) == vector("ob3-spec/document-canon.txt")
    assert canonicalize(options) == vector("ob3-spec/proof-canon.txt")
    method = signed["proof"]["verificationMethod"]
    assert multikey.public_key_to_multikey(ob3_key.public_key()) == ob3_public_multikey
    result = signing.sign(document, ob3_key, method, _created(signed))
    assert result["proof"] == {**signed["proof"]}
    issuer = controller_document(signed["issuer"]["id"], method, ob3_key.public_key())
    verified = signing.verify(signed, issuer)
    assert verified.verification_method == method
