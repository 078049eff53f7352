"""The cookie session, except for Socket.IO events, which never read it.

Flask-SocketIO pushes a request context for every event, and Flask opens the cookie session on
each push: verifying the signed cookie again for every chat line (py-spy on bench/rooms.py:
about a twentieth of a send). Room events are authenticated by the connect token alone,
because LMS iframes may drop cookies, so they get an empty session instead: cheaper, and no
handler can come to depend on a cookie by accident.
"""

from __future__ import annotations

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface


class TandemSessionInterface(SecureCookieSessionInterface):
    def __init__(self, socketio_path: str = "/socket.io") -> None:
        self.socketio_path = "/" + socketio_path.strip("/")

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if request.path.startswith(self.socketio_path):
            return self.session_class()
        return super().open_session(app, request)
