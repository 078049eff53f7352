"""Socket.IO events never see the cookie session; pages still do."""

from __future__ import annotations

from flask import Flask, session


def _signed_cookie(app: Flask) -> str:
    with app.test_request_context("/"):
        session["marker"] = "from-a-page"
        serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
        assert serializer is not None
        return str(serializer.dumps(dict(session)))


def test_socketio_requests_get_an_empty_session_and_pages_the_cookie(app: Flask) -> None:
    cookie = _signed_cookie(app)
    headers = {"Cookie": f"{app.config['SESSION_COOKIE_NAME']}={cookie}"}
    with app.test_request_context("/socket.io/", headers=headers):
        assert "marker" not in session
    with app.test_request_context("/", headers=headers):
        assert session.get("marker") == "from-a-page"
