"""Pure hash chain over RFC 8785 canonical JSON: what an event's hash covers, and checking it.

Each event's hash covers its own fields and the previous event's hash, so changing, removing
or reordering any event breaks every hash after it. Personal data never enters the hash
directly: an event carries opaque subject references and, for free text such as an override
reason, only the SHA-256 of the text, which lives in a table that erasure may empty.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from plugin.jcs import canonicalize

GENESIS = "0" * 64


@dataclass(frozen=True)
class ChainedEvent:
    """The hashed part of an event, exactly as stored."""

    seq: int
    kind: str
    occurred_at: str
    exchange_id: int | None
    subject: str | None
    actor: str | None
    payload: Mapping[str, Any]
    private_hash: str | None
    prev_hash: str
    hash: str


def event_hash(
    *,
    seq: int,
    kind: str,
    occurred_at: str,
    exchange_id: int | None,
    subject: str | None,
    actor: str | None,
    payload: Mapping[str, Any],
    private_hash: str | None,
    prev_hash: str,
) -> str:
    body = {
        "seq": seq,
        "kind": kind,
        "occurredAt": occurred_at,
        "exchange": exchange_id,
        "subject": subject,
        "actor": actor,
        "payload": dict(payload),
        "privateHash": private_hash,
        "prev": prev_hash,
    }
    return hashlib.sha256(canonicalize(body)).hexdigest()


def private_hash(data: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonicalize(dict(data))).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    valid: bool
    events: int
    head: str
    broken_at: int | None = None
    problem: str | None = None


def verify_events(events: Iterable[ChainedEvent]) -> ChainReport:
    """Walk the chain in order; report the first event whose link or hash is wrong."""
    prev, expected_seq, count = GENESIS, 1, 0
    for event in events:
        count += 1
        if event.seq != expected_seq:
            return ChainReport(False, count, prev, event.seq, "An event is missing.")
        if event.prev_hash != prev:
            return ChainReport(
                False, count, prev, event.seq, "The link to the previous event is wrong."
            )
        recomputed = event_hash(
            seq=event.seq,
            kind=event.kind,
            occurred_at=event.occurred_at,
            exchange_id=event.exchange_id,
            subject=event.subject,
            actor=event.actor,
            payload=event.payload,
            private_hash=event.private_hash,
            prev_hash=event.prev_hash,
        )
        if recomputed != event.hash:
            return ChainReport(
                False, count, prev, event.seq, "An event was changed after it was written."
            )
        prev, expected_seq = event.hash, expected_seq + 1
    return ChainReport(True, count, prev)
