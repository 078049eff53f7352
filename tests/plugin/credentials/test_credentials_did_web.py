"""did:web identifiers and key lookup: the key comes from assertionMethod, never a fragment."""

from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from plugin.credentials import did_web, multikey
from plugin.errors import InvalidInput

KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32))).public_key()
OTHER = Ed25519PrivateKey.from_private_bytes(bytes(range(1, 33))).public_key()
DID = "did:web:tandem.example:issuers:uni-a"


@pytest.mark.parametrize(
    ("host", "path", "did", "url"),
    [
        (
            "tandem.example",
            (),
            "did:web:tandem.example",
            "https://tandem.example/.well-known/did.json",
        ),
        (
            "localhost:5000",
            ("issuers", "uni-a"),
            "did:web:localhost%3A5000:issuers:uni-a",
            "https://localhost:5000/issuers/uni-a/did.json",
        ),
    ],
)
def test_did_web_and_its_document_url(host: str, path: tuple[str, ...], did: str, url: str) -> None:
    assert did_web.did_web(host, path) == did
    assert did_web.did_web_document_url(did) == url


@pytest.mark.parametrize(
    ("host", "path"), [("bad host", ()), ("h.example:port", ()), ("h.example", ("a/b",))]
)
def test_did_web_refuses_what_it_cannot_encode(host: str, path: tuple[str, ...]) -> None:
    with pytest.raises(InvalidInput):
        did_web.did_web(host, path)


def test_document_lists_every_key_for_assertion() -> None:
    document = did_web.did_document(DID, [("key-1", KEY), ("key-2", OTHER)])
    assert document["assertionMethod"] == [f"{DID}#key-1", f"{DID}#key-2"]
    assert did_web.assertion_key(document, f"{DID}#key-2") == OTHER
    with pytest.raises(InvalidInput):
        did_web.did_document(DID, [])


def test_relative_and_embedded_methods_resolve() -> None:
    embedded = {
        "id": "#key-1",
        "type": "Multikey",
        "controller": DID,
        "publicKeyMultibase": multikey.public_key_to_multikey(KEY),
    }
    document = {"id": DID, "assertionMethod": [embedded]}
    assert did_web.assertion_key(document, f"{DID}#key-1") == KEY


def _document(**changes: Any) -> dict[str, Any]:
    document = did_web.did_document(DID, [("key-1", KEY)])
    document.update(changes)
    return document


ATTACKS: dict[str, tuple[dict[str, Any], str]] = {
    # The key sits in the fragment, as the 1EdTech examples do; nobody published it.
    "key only in the fragment": (
        _document(),
        f"{DID}#{multikey.public_key_to_multikey(OTHER)}",
    ),
    "key of another controller": (_document(), "did:web:evil.example#key-1"),
    "listed for authentication only": (
        _document(assertionMethod=[], authentication=[f"{DID}#key-1"]),
        f"{DID}#key-1",
    ),
    "listed but not described": (_document(verificationMethod=[]), f"{DID}#key-1"),
    "described with a foreign controller": (
        _document(
            verificationMethod=[
                {**_document()["verificationMethod"][0], "controller": "did:web:evil.example"}
            ]
        ),
        f"{DID}#key-1",
    ),
    "not an Ed25519 key": (
        _document(
            verificationMethod=[
                {**_document()["verificationMethod"][0], "publicKeyMultibase": "zQ3sh"}
            ]
        ),
        f"{DID}#key-1",
    ),
    "no id": (_document(id=None), f"{DID}#key-1"),
    "relationship not a list": (_document(assertionMethod=f"{DID}#key-1"), f"{DID}#key-1"),
}


@pytest.mark.parametrize(("document", "method"), ATTACKS.values(), ids=ATTACKS.keys())
def test_refused(document: dict[str, Any], method: str) -> None:
    with pytest.raises(InvalidInput):
        did_web.assertion_key(document, method)


def test_multibase_round_trip_keeps_leading_zeros() -> None:
    data = b"\0\0\x01\x02"
    assert multikey.base58btc_decode(multikey.base58btc_encode(data)) == data
    with pytest.raises(InvalidInput):
        multikey.decode_multibase("uAAAA")
    with pytest.raises(InvalidInput):
        multikey.base58btc_decode("0OIl")
