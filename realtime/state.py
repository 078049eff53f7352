"""Per-app realtime state (several apps may share one process in tests and benchmarks)."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app

from plugin.chat.lines import NewLine
from plugin.chat.service import Posted
from realtime.group_commit import GroupCommit
from realtime.presence import Presence
from realtime.ratelimit import EventLimits, RateLimiter
from realtime.tokens import TOKEN_SECONDS, ConnectClaims

EXTENSION = "tandem.rooms"
NAMESPACE = "/rooms"


def room_key(room_id: int) -> str:
    """The Socket.IO room a team room's connections join."""
    return f"room:{room_id}"


@dataclass
class RoomsState:
    secret: str
    presence: Presence
    limiter: RateLimiter
    jitsi_url: str
    token_seconds: int = TOKEN_SECONDS
    # Typing, task and note events: a bucket per kind and person (chat sends use ``limiter``).
    event_limits: EventLimits = field(default_factory=EventLimits)
    # This process's live connections: sid -> who and which room (sticky sessions keep a
    # connection on one process).
    connections: dict[str, ConnectClaims] = field(default_factory=dict)
    # Chat sends in hand at the same moment share one transaction (realtime.group_commit).
    sends: GroupCommit[NewLine, Posted] = field(default_factory=GroupCommit)


def rooms_state() -> RoomsState:
    state: RoomsState = current_app.extensions[EXTENSION]
    return state
