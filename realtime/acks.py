"""The replies room events give: ``{"ok": true, ...}`` or ``{"ok": false, "error": {...}}``.

Each refusal is worded in the viewer's language, so these run in a request context (Flask-
SocketIO's, or realtime.send's for a refused chat line).
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext, ngettext
from flask_socketio import disconnect, emit

from plugin.db import briefly_unavailable
from plugin.errors import Conflict, InvalidInput, NotAllowed, NotFound, TandemError
from plugin.i18n import translate
from realtime import tokens

Ack = dict[str, Any]
ERROR_CODES: tuple[tuple[type[TandemError], str], ...] = (
    (NotFound, "not_found"),
    (NotAllowed, "not_allowed"),
    (Conflict, "conflict"),
    (InvalidInput, "invalid"),
)


def refusal(code: str, message: str, **extra: Any) -> Ack:
    return {"ok": False, "error": {"code": code, "message": message, **extra}}


def not_connected() -> Ack:
    return refusal("not_connected", gettext("Reconnect to the room first."))


def too_fast(wait: float) -> Ack:
    """A room event over its person's rate limit (realtime.ratelimit): nothing was stored."""
    return refusal(
        "rate_limited",
        gettext("You are doing that too often; wait a moment and try again."),
        retry_after=round(wait, 1),
    )


def server_error(what: str, failure: BaseException | None = None) -> Ack:
    """Logged with its traceback (``failure``'s, else the one being handled); the client hears
    only that it may try again. A lost or busy database is an outage, not a bug: a warning,
    and the client's outbox sends again."""
    if failure is not None and briefly_unavailable(failure):
        current_app.logger.warning("rooms: %s failed: database lost or busy", what)
    else:
        current_app.logger.error("rooms: %s failed", what, exc_info=failure or True)
    return refusal("server_error", gettext("Something went wrong; please try again."))


def domain_error(refused: TandemError) -> Ack:
    """The refusal, with the payload key it is about (`field`) so a form shows it there."""
    code = next((c for kind, c in ERROR_CODES if isinstance(refused, kind)), "invalid")
    extra = {"field": refused.field} if refused.field else {}
    return refusal(code, translate(refused.message, gettext, ngettext), **extra)


def lost_access(claims: tokens.ConnectClaims) -> Ack:
    current_app.logger.warning(
        "rooms: person %s lost access to room %s; disconnecting",
        claims.actor.person_id,
        claims.room_id,
    )
    emit("removed", {"reason": gettext("You are no longer a member of this team.")})
    disconnect()
    return refusal("not_member", gettext("You are no longer a member of this team."))
