"""The ``call`` event: the room page reports the Jitsi IFrame API's joined/left events.

Mixed into the room namespace (see ``realtime.register``), so this module only adds
attendance. The connection that reported "joined" is remembered in this process
(sticky sessions keep a connection on one process); when it goes away without a "left" (tab
closed, network gone), the stretch is closed at the disconnect.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import current_app, request

from plugin.calls.service import join_call, leave_call
from plugin.db import utcnow
from plugin.errors import InvalidInput, TandemError
from plugin.i18n import N_
from realtime.acks import Ack
from realtime.namespace import Ctx, room_event
from realtime.payloads import parse_object
from realtime.state import rooms_state
from web.db import get_session

CALL_EVENTS = ("joined", "left")


def parse_call(data: Any) -> str:
    event = parse_object(data).get("event")
    if event not in CALL_EVENTS:
        raise InvalidInput(N_("The request was not understood."))
    return str(event)


# This process's connections whose page reported "joined" (and no "left" yet).
_IN_CALL: set[str] = set()
_LOCK = threading.Lock()


class CallEvents:
    """Mixed into the room namespace, before it (its ``on_disconnect`` calls the next one)."""

    @room_event
    def on_call(self, ctx: Ctx, data: Any) -> Ack:
        event = parse_call(data)
        if event == "joined":
            change = join_call(ctx.db, ctx.actor, ctx.room_id, utcnow())
            with _LOCK:
                _IN_CALL.add(ctx.sid)
        else:
            change = leave_call(ctx.db, ctx.actor, ctx.room_id, utcnow())
            with _LOCK:
                _IN_CALL.discard(ctx.sid)
        return {"counted": change.attendance_id is not None, "meetings": change.meetings_added}

    def on_disconnect(self, reason: Any = None) -> None:
        sid: str = request.sid  # type: ignore[attr-defined]
        claims = rooms_state().connections.get(sid)
        with _LOCK:
            was_in_call = sid in _IN_CALL
            _IN_CALL.discard(sid)
        if was_in_call and claims is not None:
            db = get_session()
            try:
                leave_call(db, claims.actor, claims.room_id, utcnow())
            except TandemError:  # removed from the team meanwhile: nothing left to close
                db.rollback()
            except Exception:
                db.rollback()
                current_app.logger.exception("rooms: closing a call stretch failed")
        super().on_disconnect(reason)  # type: ignore[misc]  # the namespace, next in the MRO
