"""Bitstring Status List: bit order, encoding, bounds, random allocation, and revocation."""

import base64
import gzip
import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from plugin.credentials import did_web, signing, status_list, verification
from plugin.credentials.document import (
    Concept,
    CredentialFacts,
    LearningOutcome,
    Organisation,
    build_credential,
)
from plugin.errors import Conflict, InvalidInput

Loader = Callable[[str], Any]
DID = did_web.did_web("tandem.example", ("issuers", "uni-a"))
LIST_URL = "https://tandem.example/status/1"
KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
NOW = datetime(2024, 6, 1, tzinfo=UTC)


def test_matches_the_1edtech_test_list(vector: Loader) -> None:
    """Their list sets index 23 only, which fixes the bit order (first bit = MSB of byte 0)."""
    listed = vector("ob30/bit-string-list/testlist")
    bits = status_list.decode_list(json.loads(listed)["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == status_list.MIN_ENTRIES
    assert [i for i in range(len(bits) * 8) if status_list.get_status(bits, i)] == [23]
    ours = status_list.new_list()
    status_list.set_status(ours, 23)
    assert bytes(ours) == bits


@settings(max_examples=30, deadline=None)
@given(st.sets(st.integers(0, status_list.MIN_ENTRIES - 1), max_size=40))
def test_encode_decode_round_trip(indexes: set[int]) -> None:
    bits = status_list.new_list()
    for index in indexes:
        status_list.set_status(bits, index)
    decoded = status_list.decode_list(status_list.encode_list(bits))
    assert decoded == bits
    for index in indexes:
        status_list.set_status(bits, index, False)
    assert not any(bits)


def test_sizes_are_bounded() -> None:
    with pytest.raises(InvalidInput):
        status_list.new_list(1024)
    small = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(16))).decode()
    with pytest.raises(InvalidInput, match="at least"):
        status_list.decode_list(small)
    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(10_000_000))).decode()
    with pytest.raises(InvalidInput, match="larger"):
        status_list.decode_list(bomb)
    with pytest.raises(InvalidInput):
        status_list.decode_list("zabc")
    with pytest.raises(InvalidInput):
        status_list.get_status(status_list.new_list(), status_list.MIN_ENTRIES)


def test_allocation_is_random_and_never_reuses() -> None:
    rng = random.Random(7)
    taken: set[int] = set()
    for _ in range(500):
        index = status_list.allocate_index(taken, rng)
        assert index not in taken
        taken.add(index)
    # Sequential allocation would have stayed below 500.
    assert max(taken) > 100_000


def test_allocation_finds_the_last_free_entries_and_then_refuses() -> None:
    entries = status_list.MIN_ENTRIES
    taken = set(range(entries)) - {5, 99_999}
    rng = random.Random(1)
    assert status_list.allocate_index(taken, rng) in {5, 99_999}
    with pytest.raises(Conflict):
        status_list.allocate_index(set(range(entries)), rng)


def _signed_credential(index: int) -> dict[str, Any]:
    facts = CredentialFacts(
        credential_id="urn:uuid:8f0c6b2a-8a55-4b43-9a1c-1c9a0f6b7e21",
        achievement_id="https://tandem.example/exchanges/7/achievement",
        title="Virtual exchange",
        description="Teamwork across borders.",
        awarding_body=Organisation(DID, "Universität A", "DE"),
        issued_at=NOW - timedelta(days=1),
        learner_email="ana@uni-a.example",
        learner_salt="0123456789abcdef",
        learning_outcomes=(LearningOutcome("Work in an international team"),),
        ects=1,
        eqf_level=5,
        assessment=Concept("Portfolio", "https://tandem.example/vocab/assessment/portfolio"),
        quality_assurance=Concept("Internal QA", "https://uni-a.example/qa"),
        status=status_list.status_entry(LIST_URL, index),
    )
    credential = build_credential(facts)
    return signing.sign(credential, KEY, f"{DID}#key-1", facts.issued_at)


def _signed_list(bits: bytearray) -> dict[str, Any]:
    unsigned = status_list.status_list_credential(LIST_URL, DID, bits, NOW)
    return signing.sign(unsigned, KEY, f"{DID}#key-1", NOW)


def test_revocation_end_to_end() -> None:
    index = status_list.allocate_index(set(), random.Random(3))
    credential = _signed_credential(index)
    issuer = did_web.did_document(DID, [("key-1", KEY.public_key())])
    bits = status_list.new_list()
    assert status_list.status_list_url(credential) == LIST_URL

    report = verification.verify_credential(
        credential, issuer, NOW, status_list_credential=_signed_list(bits)
    )
    assert report.valid, report.checks

    status_list.set_status(bits, index)
    report = verification.verify_credential(
        credential, issuer, NOW, status_list_credential=_signed_list(bits)
    )
    assert [check.name for check in report.checks if not check.passed] == ["status"]


def test_a_forged_status_list_is_not_believed() -> None:
    credential = _signed_credential(42)
    issuer = did_web.did_document(DID, [("key-1", KEY.public_key())])
    forged = status_list.status_list_credential(LIST_URL, DID, status_list.new_list(), NOW)
    forged = signing.sign(forged, Ed25519PrivateKey.generate(), f"{DID}#key-1", NOW)
    report = verification.verify_credential(credential, issuer, NOW, status_list_credential=forged)
    assert not report.valid


def test_expired_and_future_credentials() -> None:
    credential = _signed_credential(1)
    issuer = did_web.did_document(DID, [("key-1", KEY.public_key())])
    early = NOW - timedelta(days=30)
    assert not verification.verify_credential(credential, issuer, early).valid
    with pytest.raises(InvalidInput, match="not valid before"):
        verification.check_validity_period(credential, early)
    with pytest.raises(InvalidInput, match="expired"):
        verification.check_validity_period({"validUntil": "2024-01-01T00:00:00Z"}, NOW)
    with pytest.raises(InvalidInput, match="time zone"):
        verification.check_validity_period({"validFrom": "2024-01-01T00:00:00"}, NOW)
