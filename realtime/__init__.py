"""Socket.IO adapter for team rooms: tokens, presence, rate limits and the ``/rooms`` events.

``register(socketio, app)`` is called once per app by ``web.app.create_app``.
"""

from __future__ import annotations

from flask import Flask
from flask_socketio import SocketIO

from plugin.calls.jitsi import DEFAULT_JITSI_URL
from realtime import tokens
from realtime.calls import CallEvents
from realtime.namespace import RoomNamespace, register_events
from realtime.notes import NoteEvents
from realtime.presence import make_presence
from realtime.ratelimit import RateLimiter
from realtime.state import EXTENSION, NAMESPACE, RoomsState, rooms_state


class Rooms(CallEvents, NoteEvents, RoomNamespace):
    """The ``/rooms`` namespace: chat, presence and tasks, plus shared-note and call events."""


def register(
    socketio: SocketIO,
    app: Flask,
    *,
    redis_url: str | None = None,
    limiter: RateLimiter | None = None,
    jitsi_url: str = DEFAULT_JITSI_URL,
    token_seconds: int = tokens.TOKEN_SECONDS,
) -> RoomsState:
    """Give ``app`` its rooms state and make sure the namespace is on ``socketio``.

    The namespace object is stateless (state lives in ``app.extensions``), so one registration
    serves every app bound to the shared ``socketio``; ``init_app`` re-attaches it.
    """
    state = RoomsState(
        secret=str(app.config["SECRET_KEY"]),
        presence=make_presence(redis_url),
        limiter=limiter or RateLimiter(),
        jitsi_url=jitsi_url,
        token_seconds=token_seconds,
    )
    app.extensions[EXTENSION] = state
    register_events(socketio, Rooms(NAMESPACE))
    return state


def disconnect_person(socketio: SocketIO, room_id: int, person_id: int, reason: str) -> int:
    """Cut a removed member's live connections at once, on whichever process holds them
    (through the message queue); returns how many were found."""
    sids = rooms_state().presence.sids(room_id, person_id)
    for sid in sids:
        socketio.emit("removed", {"reason": reason}, to=sid, namespace=NAMESPACE)
        socketio.server.disconnect(sid, namespace=NAMESPACE)
    return len(sids)


__all__ = ["disconnect_person", "register"]
