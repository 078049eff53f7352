"""Chat sends: the one room event that comes by the thousand, with a handler of its own.

A line is stored before it is acknowledged and broadcast, in a group commit with the other
lines in hand at the same moment (realtime.group_commit, plugin.chat.service.post_messages),
which checks each sender's access in the transaction that stores the line.

The handler sits on the python-socketio server itself, not on Flask-SocketIO's namespace, so
that a send gets an app context (database session, settings) and not a whole request context:
Flask-SocketIO builds one per event, with a Request, a URL adapter and a failed URL match
whose NotFound and traceback are reference cycles. py-spy and gc callbacks on bench/rooms.py
at 5,000 deliveries/s: the request context was a tenth of the server's CPU, and its cycles
brought a full garbage collection every ~3 s that stopped the worker for ~165 ms (the p99).
The replies that need a request (translated refusals: the viewer's language comes from the
connection's headers; disconnecting a removed member) get one, as Flask-SocketIO would
have built it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

import socketio
from flask import Flask, request
from flask_babel import gettext
from flask_socketio import SocketIO

from plugin.chat import lines as chat_lines
from plugin.chat import service as chat_service
from plugin.errors import NotFound, TandemError
from realtime import payloads
from realtime.acks import Ack, domain_error, lost_access, not_connected, refusal, server_error
from realtime.state import NAMESPACE, room_key, rooms_state
from web.db import get_session

Reply = Callable[[], Ack]  # an ack that needs a request context to be worded


def register(socketio_ext: SocketIO) -> None:
    """Put the handler on the current python-socketio server (``init_app`` makes a new one);
    an explicit handler is asked before the namespace's ``on_*`` methods."""
    server: socketio.Server = socketio_ext.server

    def on_send(sid: str, data: Any = None) -> Ack | None:
        return send_line(server, sid, data)

    server.on("send", on_send, namespace=NAMESPACE)


def send_line(server: socketio.Server, sid: str, data: Any = None) -> Ack | None:
    environ = server.get_environ(sid, namespace=NAMESPACE)
    if environ is None:  # gone before its event ran: nobody to answer
        return None
    app: Flask = environ["flask.app"]
    with app.app_context():
        outcome = _send(server, sid, data)
        if isinstance(outcome, dict):
            return outcome
        with _socketio_request(app, environ, sid):
            return outcome()


def _send(server: socketio.Server, sid: str, data: Any) -> Ack | Reply:
    state = rooms_state()
    claims = state.connections.get(sid)
    if claims is None:
        return not_connected
    try:
        send = payloads.parse_send(data)
    except TandemError as bad:
        return partial(domain_error, bad)
    wait = state.limiter.take(claims.actor.person_id)
    if wait:
        return partial(_too_fast, wait)
    line = chat_lines.NewLine(claims.actor, claims.room_id, send.client_id, send.body)
    try:
        outcome = state.sends.submit(line, _store_lines)
    except Exception as failure:
        return partial(server_error, "send", failure)
    if isinstance(outcome, NotFound):
        return partial(lost_access, claims)
    if isinstance(outcome, TandemError):
        return partial(domain_error, outcome)
    message = outcome.message.as_dict()
    if not outcome.duplicate:  # a retry was broadcast the first time
        server.emit("chat", message, to=room_key(claims.room_id), skip_sid=sid, namespace=NAMESPACE)
    return {"ok": True, "message": message, "duplicate": outcome.duplicate}


def _too_fast(wait: float) -> Ack:
    return refusal(
        "rate_limited",
        gettext("You are sending messages too fast; wait a moment."),
        retry_after=round(wait, 1),
    )


def _store_lines(lines: Sequence[chat_lines.NewLine]) -> list[chat_service.Posted]:
    """The group commit's write, run by whichever sender leads the batch."""
    return chat_service.post_messages(get_session(), lines)


@contextmanager
def _socketio_request(app: Flask, environ: dict[str, Any], sid: str) -> Iterator[None]:
    """The request context Flask-SocketIO gives its handlers: the connection's environ, with
    the sid and namespace that ``emit`` and ``disconnect`` read."""
    with app.request_context(environ):
        request.sid = sid  # type: ignore[attr-defined]
        request.namespace = NAMESPACE  # type: ignore[attr-defined]
        yield
