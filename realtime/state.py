"""Per-app realtime state (several apps may share one process in tests and benchmarks)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy.orm import Session

from plugin.rooms.service import NewLine, Posted
from realtime.group_commit import GroupCommit
from realtime.presence import Presence
from realtime.ratelimit import RateLimiter
from realtime.tokens import TOKEN_SECONDS, ConnectClaims

EXTENSION = "tandem.rooms"


@dataclass
class RoomsState:
    secret: str
    presence: Presence
    limiter: RateLimiter
    jitsi_url: str
    token_seconds: int = TOKEN_SECONDS
    # This process's live connections: sid -> who and which room (sticky sessions keep a
    # connection on one process).
    connections: dict[str, ConnectClaims] = field(default_factory=dict)
    # Chat sends in hand at the same moment share one transaction (realtime.group_commit).
    sends: GroupCommit[NewLine, Posted] = field(default_factory=GroupCommit)


def rooms_state() -> RoomsState:
    state: RoomsState = current_app.extensions[EXTENSION]
    return state


_SQLITE_WRITER = threading.Lock()


@contextmanager
def one_writer_at_a_time(db: Session) -> Iterator[None]:
    """On SQLite, let this process's room events take the database one at a time.

    SQLite has one write lock, and every transaction here begins IMMEDIATE (plugin.db). Waiters
    poll for it with sleeps of up to 100 ms, so under a burst a send could wait seconds behind
    luckier ones (bench/rooms.py: p95 ack 2 s). Queueing on a Python lock first hands the
    database over the moment it is free. PostgreSQL needs no such thing: rows lock, not files.
    """
    if db.get_bind().dialect.name != "sqlite":
        yield
        return
    with _SQLITE_WRITER:
        yield
