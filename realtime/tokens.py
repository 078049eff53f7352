"""Short-lived signed tokens for the Socket.IO connect ``auth`` payload.

Cookies are not trusted for sockets: inside an LMS iframe the browser may drop them. The room
page (a cookie-authenticated request) mints a token naming the person and the room; the
socket presents it on connect, and the server hands out fresh ones while the connection is
allowed, so reconnects after the first token's lifetime still work.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from plugin.actors import Actor, Role
from plugin.i18n import N_

SALT = "tandem.rooms.connect"
TOKEN_SECONDS = 15 * 60


class TokenRefused(Exception):
    """The token cannot be used; ``code`` is a stable word the client can act on."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class ConnectClaims:
    actor: Actor
    room_id: int


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def issue(secret: str, actor: Actor, room_id: int) -> str:
    return _serializer(secret).dumps(
        {"p": actor.person_id, "r": actor.role.value, "c": actor.course_id, "room": room_id}
    )


def verify(secret: str, token: object, max_age: int = TOKEN_SECONDS) -> ConnectClaims:
    if not isinstance(token, str) or not token:
        raise TokenRefused("no_token", N_("Open the room from Tandem to connect."))
    try:
        data = _serializer(secret).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise TokenRefused("expired", N_("Your room link has expired; reload the page.")) from error
    except BadSignature as error:
        raise TokenRefused("invalid", N_("This room link is not valid.")) from error
    try:
        course = data["c"]
        actor = Actor(int(data["p"]), Role(data["r"]), int(course) if course is not None else None)
        return ConnectClaims(actor, int(data["room"]))
    except (KeyError, TypeError, ValueError) as error:
        raise TokenRefused("invalid", N_("This room link is not valid.")) from error
