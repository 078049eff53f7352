"""The CLR's eddsa-jcs-2022 signer reproduces the W3C vc-di-eddsa test vector exactly."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path

import pytest

from plugin.credentials import multikey
from plugin.errors import InvalidInput
from plugin.pathways import jcs_proof

HERE = Path(__file__).parent / "vectors"


def _load(name: str) -> dict[str, object]:
    data: dict[str, object] = json.loads((HERE / name).read_text("utf-8"))
    return data


def test_signing_the_published_document_gives_the_published_proof() -> None:
    signed = _load("signedJCS.json")
    keys = _load("keyPair.json")
    private = multikey.private_key_from_multikey(str(keys["privateKeyMultibase"]))
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    proof = signed["proof"]
    assert isinstance(proof, dict)
    mine = jcs_proof.sign(
        unsigned,
        private,
        proof["verificationMethod"],
        datetime.fromisoformat(proof["created"].replace("Z", "+00:00")),
    )
    assert mine == signed
    public = multikey.public_key_from_multikey(str(keys["publicKeyMultibase"]))
    jcs_proof.verify(signed, public)
    changed = copy.deepcopy(signed)
    changed["name"] = "Alumni Credentiak"
    with pytest.raises(InvalidInput):
        jcs_proof.verify(changed, public)
