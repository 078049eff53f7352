"""Fixtures for the credential tests: bundled vectors and their published keys."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from plugin.credentials import multikey

VECTORS = Path(__file__).parent / "vectors"
#: The key pair printed in the Open Badges 3.0 specification's Data Integrity example.
OB3_SPEC_SEED = "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4"
OB3_SPEC_PUBLIC = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"

Loader = Callable[[str], Any]
ControllerFactory = Callable[[str, str, Ed25519PublicKey], dict[str, Any]]


@pytest.fixture
def vector() -> Loader:
    """Read a vector file: JSON is parsed, anything else is returned as text."""

    def load(relative: str) -> Any:
        text = (VECTORS / relative).read_text("utf-8")
        return json.loads(text) if relative.endswith(".json") else text

    return load


@pytest.fixture
def w3c_key(vector: Loader) -> Ed25519PrivateKey:
    return multikey.private_key_from_multikey(vector("w3c/keyPair.json")["privateKeyMultibase"])


@pytest.fixture
def ob3_public_multikey() -> str:
    return OB3_SPEC_PUBLIC


@pytest.fixture
def ob3_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(OB3_SPEC_SEED))


@pytest.fixture
def controller_document() -> ControllerFactory:
    """Stand in for the DID document the issuer publishes: it lists the key as assertionMethod."""

    def build(controller: str, method_id: str, key: Ed25519PublicKey) -> dict[str, Any]:
        return {
            "id": controller,
            "verificationMethod": [
                {
                    "id": method_id,
                    "type": "Multikey",
                    "controller": controller,
                    "publicKeyMultibase": multikey.public_key_to_multikey(key),
                }
            ],
            "assertionMethod": [method_id],
        }

    return build
