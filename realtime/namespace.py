"""The ``/rooms`` Socket.IO namespace: one connection is one person in one team room.

Each handler parses, calls one room feature's use case (``plugin.chat``, ``plugin.tasks``,
``plugin.workspace``) and emits the result; the
``room_event`` decorator first re-checks the person's access in the database (a member
removed since connecting is told why and disconnected) and turns domain errors into error
acks ``{"ok": false, "error": {"code", "message"}}``. Chat sends, the one event that comes by
the thousand, have a handler of their own: ``register_events`` puts it on the server beside
this namespace's ``on_*`` handlers (``send`` -> realtime.send.send_line -> the group commit,
realtime.group_commit -> plugin.chat.service.post_messages -> broadcast).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import wraps
from typing import Any

from flask import current_app, request
from flask_babel import gettext, ngettext
from flask_socketio import ConnectionRefusedError, Namespace, SocketIO, emit, join_room
from sqlalchemy.orm import Session

from plugin.chat import service as chat_service
from plugin.db import briefly_unavailable, utcnow
from plugin.errors import TandemError
from plugin.i18n import translate
from plugin.rooms import access as room_access
from plugin.rooms.access import RoomAccess
from plugin.tasks import service as task_service
from plugin.workspace import service as workspace
from realtime import payloads, send, tokens
from realtime.acks import (
    Ack,
    domain_error,
    lost_access,
    not_connected,
    server_error,
    too_fast,
)
from realtime.state import NAMESPACE, RoomsState, room_key, rooms_state
from web.db import get_session


@dataclass(frozen=True)
class Ctx:
    """What a handler gets: the database session, who is asking, and where."""

    db: Session
    access: RoomAccess
    state: RoomsState
    sid: str
    # Taken when the event began: the connection may go away while the handler still runs.
    claims: tokens.ConnectClaims

    @property
    def actor(self) -> Any:
        return self.claims.actor

    @property
    def room_id(self) -> int:
        return self.access.room_id

    def broadcast(self, event: str, data: Any, *, include_self: bool = False) -> None:
        emit(
            event,
            data,
            to=room_key(self.room_id),
            namespace=NAMESPACE,
            skip_sid=None if include_self else self.sid,
        )


def _refused(code: str, message: str) -> ConnectionRefusedError:
    """A refusal the client can act on: python-socketio puts a second argument in the error's
    ``data`` (``err.data`` in the browser); a lone dict would arrive flattened into a string and
    the room could not tell an old token (fetch a fresh one) from a lost seat (stop)."""
    return ConnectionRefusedError(message, {"code": code, "message": message})


Handler = Callable[[Any, Ctx, Any], Ack]


def room_event(handler: Handler) -> Callable[..., Ack]:
    return _room_event(handler, None, silent=False)


def limited_event(kind: str, *, silent: bool = False) -> Callable[[Handler], Callable[..., Ack]]:
    """A ``room_event`` that first spends a token of the person's ``kind`` bucket
    (realtime.ratelimit.EVENT_LIMITS), before any database work: over the limit the event is
    refused with a "too often" ack and nothing is stored, or, ``silent``, acknowledged and
    dropped (a lost typing hint is harmless and needs no error)."""
    return lambda handler: _room_event(handler, kind, silent=silent)


def _room_event(handler: Handler, limit: str | None, *, silent: bool) -> Callable[..., Ack]:
    @wraps(handler)
    def wrapped(self: Any, data: Any = None) -> Ack:
        state = rooms_state()
        sid: str = request.sid  # type: ignore[attr-defined]
        claims = state.connections.get(sid)
        if claims is None:
            return not_connected()
        if limit is not None:
            wait = state.event_limits.take(limit, claims.actor.person_id)
            if wait:
                return {"ok": True, "dropped": True} if silent else too_fast(wait)
        db = get_session()
        try:
            access = room_access.check_access(db, claims.actor, claims.room_id)
        except TandemError:
            return lost_access(claims)
        try:
            return {"ok": True, **handler(self, Ctx(db, access, state, sid, claims), data)}
        except TandemError as error:
            return domain_error(error)
        except Exception as failure:
            return server_error(handler.__name__, failure)

    return wrapped


def register_events(socketio: SocketIO, handlers: RoomNamespace) -> None:
    """Put every ``/rooms`` event on ``socketio``: the namespace's ``on_<event>`` methods
    (once: the namespace object is stateless), and ``send``, which realtime.send handles on
    the python-socketio server itself (asked before the namespace; its docstring says why)."""
    if not any(h.namespace == NAMESPACE for h in socketio.namespace_handlers):
        socketio.on_namespace(handlers)
    send.register(socketio)


class RoomNamespace(Namespace):  # type: ignore[misc]  # flask_socketio is untyped
    def on_connect(self, auth: Any = None) -> None:
        state = rooms_state()
        sid: str = request.sid  # type: ignore[attr-defined]
        try:
            token = auth.get("token") if isinstance(auth, dict) else None
            claims = tokens.verify(state.secret, token, state.token_seconds)
            db = get_session()
            access = room_access.check_access(db, claims.actor, claims.room_id)
            # Give the connection back before presence and the announcement go to Redis: in a
            # reconnect storm a greenlet holding it across those waits starves the pool.
            db.rollback()
        except tokens.TokenRefused as refused:
            current_app.logger.warning("rooms: connect refused (%s) from %s", refused.code, sid)
            raise _refused(refused.code, translate(refused.message, gettext, ngettext)) from refused
        except TandemError as error:
            current_app.logger.warning(
                "rooms: connect refused (no access) person %s room %s",
                claims.actor.person_id,
                claims.room_id,
            )
            raise _refused("not_member", translate(error.message, gettext, ngettext)) from error
        except Exception as failure:
            if not briefly_unavailable(failure):
                raise
            current_app.logger.warning("rooms: connect refused for now: database lost or busy")
            busy = gettext("Tandem is very busy for a moment; the room connects again by itself.")
            raise _refused("busy", busy) from failure
        state.connections[sid] = claims
        join_room(room_key(access.room_id))
        if access.is_member:
            state.presence.join(access.room_id, sid, claims.actor.person_id)
            self._announce_presence(state, access.room_id)

    def on_disconnect(self, reason: Any = None) -> None:
        state = rooms_state()
        claims = state.connections.pop(request.sid, None)  # type: ignore[attr-defined]
        if claims is not None:
            state.presence.leave(claims.room_id, request.sid)  # type: ignore[attr-defined]
            self._announce_presence(state, claims.room_id)

    def _announce_presence(self, state: RoomsState, room_id: int) -> None:
        online = sorted(state.presence.online(room_id))
        emit("presence", {"online": online}, to=room_key(room_id), namespace=NAMESPACE)

    @room_event
    def on_sync(self, ctx: Ctx, data: Any) -> Ack:
        """(Re)join: the whole room, with either the newest page of chat or everything after
        the client's cursor (reconnect catch-up; ``more`` says to ask again)."""
        after = payloads.parse_cursor(data, "after")
        snap = workspace.room_snapshot(
            ctx.db, ctx.actor, ctx.room_id, utcnow(), newest_page=after is None
        )
        if after is None:
            messages, cursor, more = snap.messages, snap.last_seq, False
        else:
            messages = chat_service.messages_after(ctx.db, ctx.actor, ctx.room_id, after)
            more = len(messages) >= chat_service.CATCH_UP_LIMIT
            cursor = (
                messages[-1].cursor if more else max([snap.last_seq, *[m.cursor for m in messages]])
            )
        return {
            "me": ctx.access.person_id,
            "can_write": ctx.access.can_write,
            "can_moderate": ctx.access.can_moderate,
            "team_name": snap.team_name,
            "members": [m.as_dict() for m in snap.members],
            "online": sorted(ctx.state.presence.online(ctx.room_id)),
            "messages": [m.as_dict() for m in messages],
            "cursor": cursor,
            "more": more,
            "note": asdict(snap.note),
            "tasks": [t.as_dict() for t in snap.tasks],
            "phases": [
                {**p, "title": translate(p["title"], gettext, ngettext)} for p in snap.phases
            ],
            "token": tokens.issue(ctx.state.secret, ctx.actor, ctx.room_id),
        }

    @room_event
    def on_refresh(self, ctx: Ctx, data: Any) -> Ack:
        """A fresh connect token while access holds, for the next reconnect."""
        return {"token": tokens.issue(ctx.state.secret, ctx.actor, ctx.room_id)}

    @room_event
    def on_history(self, ctx: Ctx, data: Any) -> Ack:
        before = payloads.parse_cursor(data, "before")
        page = chat_service.history_before(ctx.db, ctx.actor, ctx.room_id, before)
        return {"messages": [m.as_dict() for m in page]}

    @room_event
    def on_edit(self, ctx: Ctx, data: Any) -> Ack:
        edit = payloads.parse_edit(data)
        view = chat_service.edit_message(ctx.db, ctx.actor, ctx.room_id, edit.message_id, edit.body)
        ctx.broadcast("chat", view.as_dict())
        return {"message": view.as_dict()}

    @room_event
    def on_delete(self, ctx: Ctx, data: Any) -> Ack:
        message_id = payloads.parse_message_id(data)
        view = chat_service.delete_message(ctx.db, ctx.actor, ctx.room_id, message_id)
        ctx.broadcast("chat", view.as_dict())
        return {"message": view.as_dict()}

    @room_event
    def on_hide(self, ctx: Ctx, data: Any) -> Ack:
        hide = payloads.parse_hide(data)
        view = chat_service.hide_message(
            ctx.db, ctx.actor, ctx.room_id, hide.message_id, hide.reason
        )
        ctx.broadcast("chat", view.as_dict())
        return {"message": view.as_dict()}

    @limited_event("typing", silent=True)
    def on_typing(self, ctx: Ctx, data: Any) -> Ack:
        typing = payloads.parse_typing(data)
        room_access.require_writer(ctx.db, ctx.actor, ctx.room_id)  # this event's access, cached
        ctx.broadcast("typing", {"person_id": ctx.access.person_id, "typing": typing})
        return {}

    @limited_event("tasks")
    def on_task_add(self, ctx: Ctx, data: Any) -> Ack:
        add = payloads.parse_task_add(data)
        task = task_service.add_task(
            ctx.db, ctx.actor, ctx.room_id, add.phase_key, add.title, add.assignee_id, add.due_on
        )
        ctx.broadcast("task", task.as_dict())
        return {"task": task.as_dict()}

    @limited_event("tasks")
    def on_task_update(self, ctx: Ctx, data: Any) -> Ack:
        change = payloads.parse_task_update(data)
        task = task_service.update_task(
            ctx.db, ctx.actor, ctx.room_id, change.task_id, change.state, change.assignee_id
        )
        ctx.broadcast("task", task.as_dict())
        return {"task": task.as_dict()}
