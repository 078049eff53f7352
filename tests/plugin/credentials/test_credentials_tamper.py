"""A signed credential survives no change: any signed field, the proof, or the key."""

import copy
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from plugin.credentials import signing
from plugin.errors import InvalidInput

Loader = Callable[[str], Any]
ControllerFactory = Callable[[str, str, Ed25519PublicKey], dict[str, Any]]
Path = tuple[str | int, ...]


def _leaves(value: Any, path: Path = ()) -> Iterator[Path]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaves(item, (*path, index))
    else:
        yield path


def _altered(document: dict[str, Any], path: Path) -> dict[str, Any]:
    changed = copy.deepcopy(document)
    parent: Any = changed
    for step in path[:-1]:
        parent = parent[step]
    old = parent[path[-1]]
    parent[path[-1]] = (
        not old
        if isinstance(old, bool)
        else old + 1
        if isinstance(old, int)
        else (old[:-1] + ("2" if old[-1:] != "2" else "3"))
    )
    return changed


@pytest.fixture
def signed(vector: Loader, ob3_key: Ed25519PrivateKey) -> dict[str, Any]:
    """The OB 3.0 example re-signed now, so the test does not depend on the file's proof."""
    document: dict[str, Any] = vector("ob3-spec/signed-ob3.json")
    del document["proof"]
    method = document["issuer"]["id"] + "#key-1"
    return signing.sign(document, ob3_key, method, datetime(2024, 5, 1, tzinfo=UTC))


@pytest.fixture
def issuer(
    signed: dict[str, Any], ob3_key: Ed25519PrivateKey, controller_document: ControllerFactory
) -> dict[str, Any]:
    return controller_document(
        signed["issuer"]["id"], signed["proof"]["verificationMethod"], ob3_key.public_key()
    )


def test_untouched_credential_verifies(signed: dict[str, Any], issuer: dict[str, Any]) -> None:
    assert signing.verify(signed, issuer).created == "2024-05-01T00:00:00Z"


def test_every_field_is_covered(signed: dict[str, Any], issuer: dict[str, Any]) -> None:
    """Change each leaf in turn (document fields and proof fields alike): each is refused."""
    paths = list(_leaves(signed))
    assert len(paths) > 20
    for path in paths:
        with pytest.raises(InvalidInput):
            signing.verify(_altered(signed, path), issuer)


def test_another_key_is_refused(
    signed: dict[str, Any], controller_document: ControllerFactory
) -> None:
    impostor = controller_document(
        signed["issuer"]["id"],
        signed["proof"]["verificationMethod"],
        Ed25519PrivateKey.generate().public_key(),
    )
    with pytest.raises(InvalidInput, match="does not match"):
        signing.verify(signed, impostor)


def test_missing_or_foreign_proofs_are_refused(
    signed: dict[str, Any], issuer: dict[str, Any]
) -> None:
    unsigned = {key: value for key, value in signed.items() if key != "proof"}
    with pytest.raises(InvalidInput, match="no eddsa-rdfc-2022 proof"):
        signing.verify(unsigned, issuer)
    other_suite = {**signed, "proof": {**signed["proof"], "cryptosuite": "eddsa-2022"}}
    with pytest.raises(InvalidInput, match="no eddsa-rdfc-2022 proof"):
        signing.verify(other_suite, issuer)


def test_a_second_bad_proof_of_the_suite_is_not_ignored(
    signed: dict[str, Any], issuer: dict[str, Any]
) -> None:
    bad = {**signed["proof"], "created": "2024-05-02T00:00:00Z"}
    with pytest.raises(InvalidInput, match="does not match"):
        signing.verify({**signed, "proof": [signed["proof"], bad]}, issuer)


def test_signing_twice_is_refused(signed: dict[str, Any], ob3_key: Ed25519PrivateKey) -> None:
    with pytest.raises(InvalidInput, match="already signed"):
        signing.sign(signed, ob3_key, "https://example.edu/k#1", datetime.now(UTC))


def test_naive_proof_time_is_refused(signed: dict[str, Any], ob3_key: Ed25519PrivateKey) -> None:
    unsigned = {key: value for key, value in signed.items() if key != "proof"}
    with pytest.raises(InvalidInput, match="time zone"):
        signing.sign(unsigned, ob3_key, "https://example.edu/k#1", datetime(2024, 5, 1))
