"""Privacy in transport and logs: no caching of personal pages, HSTS over https, framing only
by registered LMSs in production, websockets only to our own host, and LMS user ids kept out
of access logs (the development server's and gunicorn's)."""

from __future__ import annotations

import logging
import runpy
import threading
import urllib.request
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from gunicorn.glogging import Logger  # type: ignore[import-untyped]
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from lti.platforms import PlatformSpec, add_platform
from web.app import create_app
from web.config import Settings

ROOT = Path(__file__).resolve().parents[2]


def _production_app(tmp_path: Path, session: Session) -> Flask:
    settings = Settings(
        env="production",
        instance_path=tmp_path,
        secret_key="p" * 40,
        base_url="https://tandem.example.org",
        database_url="sqlite://",
    )
    return create_app(settings, session_factory=lambda: session)


def test_production_is_framed_by_registered_lms_only_and_sends_hsts(
    tmp_path: Path, session: Session
) -> None:
    add_platform(
        session,
        PlatformSpec(
            issuer="https://lms.example.org",
            client_id="c1",
            name="Example LMS",
            auth_login_url="https://login.lms.example.org/auth",
            auth_token_url="https://lms.example.org/token",
            key_set_url="https://lms.example.org/jwks",
            deployment_ids=("d1",),
        ),
    )
    client = _production_app(tmp_path, session).test_client()
    headers = client.get("/privacy", base_url="https://tandem.example.org").headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://lms.example.org https://login.lms.example.org;" in csp
    assert "connect-src 'self' wss://tandem.example.org;" in csp
    assert " ws: " not in csp
    assert " wss: " not in csp
    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_plain_http_has_no_hsts_and_development_may_be_framed_anywhere(
    client: FlaskClient,
) -> None:
    headers = client.get("/privacy").headers
    assert "Strict-Transport-Security" not in headers
    assert "frame-ancestors *" in headers["Content-Security-Policy"]
    assert "connect-src 'self' ws://127.0.0.1:5050;" in headers["Content-Security-Policy"]


def test_public_pages_may_be_cached_personal_pages_not(client: FlaskClient) -> None:
    assert "Cache-Control" not in client.get("/privacy").headers
    with client.session_transaction() as web_session:
        web_session["person_id"] = 1
        web_session["role"] = "student"
    assert client.get("/privacy").headers["Cache-Control"] == "no-store"


def test_the_development_server_logs_no_query_strings(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    server = make_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/privacy?login_hint=lms-user-4711"
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            urllib.request.urlopen(url).read()
    finally:
        server.shutdown()
        thread.join()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("/privacy" in line for line in lines), lines
    assert not any("4711" in line or "login_hint" in line for line in lines), lines


def test_gunicorn_access_log_leaves_out_the_query_string() -> None:
    config = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    fmt = config["access_log_format"]

    class Request:
        method = "GET"
        path = "/lti/login"
        query = "login_hint=lms-user-4711&lti_message_hint=abc"
        uri = f"{path}?{query}"
        version = (1, 1)
        headers: tuple[tuple[str, str], ...] = ()

    class Response:
        status = "302 FOUND"
        response_length = 0
        sent = 0
        headers: tuple[tuple[str, str], ...] = ()

    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": Request.uri,
        "PATH_INFO": Request.path,
        "QUERY_STRING": Request.query,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_REFERER": "https://lms.example.org/course?user=4711",
    }

    atoms = Logger.atoms(
        Logger.__new__(Logger), Response(), Request(), environ, timedelta(seconds=0.01)
    )
    line = fmt % atoms
    assert "/lti/login" in line
    assert "4711" not in line
    assert "login_hint" not in line
