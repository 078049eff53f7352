"""A database whose pool has no connection free (every one held past the pool's timeout, as in
a reconnect storm after a process died) is an overload to shed, not a bug: pages answer a clear
503 with Retry-After, and a room's connection is refused with the code ``busy`` that room.js
answers by connecting again later with the same token (never a 500, never "stop")."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import socketio
from flask import Flask
from sqlalchemy import Engine

from migrations.runner import upgrade
from plugin.actors import Actor, Role
from plugin.db import make_engine, make_session_factory
from realtime import tokens
from tests.live import ServerThread, free_port
from web.app import create_app
from web.config import Settings

SECRET = "y" * 40


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('busy') / 'tandem.sqlite3'}"
    upgrade(url)
    return url


@pytest.fixture
def starved(database_url: str, tmp_path: Path) -> Iterator[tuple[Flask, Engine]]:
    """Tandem on a pool of one connection, which the test holds."""
    engine = make_engine(database_url, pool_size=1, max_overflow=0, pool_timeout=0.2)
    settings = Settings(env="test", instance_path=tmp_path / "instance", secret_key=SECRET,
                        database_url=database_url, async_mode="threading")  # fmt: skip
    app = create_app(settings, session_factory=make_session_factory(engine))
    with engine.connect():  # the pool's only connection, held for the whole test
        yield app, engine
    engine.dispose()


@pytest.mark.parametrize(("language", "words"), [("en", "very busy"), ("nl", "erg druk")])
def test_a_page_answers_503_with_retry_after(
    starved: tuple[Flask, Engine], language: str, words: str
) -> None:
    app, _engine = starved
    answer = app.test_client().get("/credentials/1", headers={"Accept-Language": language})
    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "5"
    page = answer.get_data(as_text=True)
    assert words in page
    assert "Traceback" not in page
    assert "TimeoutError" not in page


def test_a_room_connection_is_refused_as_busy(
    starved: tuple[Flask, Engine],
) -> None:
    app, engine = starved
    port = free_port()
    server = ServerThread(app, port)
    refusals: list[object] = []
    client = socketio.Client(reconnection=False)
    client.on("connect_error", refusals.append, namespace="/rooms")
    token = tokens.issue(SECRET, Actor(person_id=1, role=Role.STUDENT), room_id=1)
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(
                f"http://127.0.0.1:{port}?lang=nl",
                namespaces=["/rooms"],
                auth={"token": token},
                transports=["websocket"],
                wait_timeout=10,
            )
    finally:
        client.disconnect()
        server.stop()
    assert [r["data"] for r in refusals if isinstance(r, dict)] == [  # err.data in the browser
        {"code": "busy",
         "message": "Tandem heeft het even erg druk; de ruimte maakt vanzelf opnieuw verbinding."},
    ]  # fmt: skip
    assert engine.pool.checkedout() == 1  # type: ignore[attr-defined]  # only the test's own: the refused connect gave its back
