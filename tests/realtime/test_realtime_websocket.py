"""Rooms over the websocket transport, as browsers use them: a live Tandem process accepts a
python-socketio client that speaks websocket only (no long-polling first) and the client that
starts on polling and upgrades (the room page's default), in the embedded threading mode under
werkzeug and in production's gevent mode under gunicorn."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from migrations.runner import upgrade
from plugin.db import make_engine, make_session_factory
from tests.live import free_port, wait_for_http
from tests.plugin.rooms.rooms_world import World, build_world
from tests.realtime.test_realtime_redis_processes import SECRET, Member

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
# The embedded server: werkzeug's threaded server hands engine.io the raw socket it upgrades.
WERKZEUG = """
import sys
from pathlib import Path
from werkzeug.serving import make_server
from web.app import create_app
from web.config import Settings
port, db, instance, secret = sys.argv[1:5]
app = create_app(Settings(env="test", instance_path=Path(instance), secret_key=secret,
                          database_url=db, async_mode="threading"))
make_server("127.0.0.1", int(port), app, threaded=True).serve_forever()
"""


def _command(server: str, port: int, database_url: str, instance: Path) -> list[str]:
    if server == "werkzeug-threading":
        return [sys.executable, "-c", WERKZEUG, str(port), database_url, str(instance), SECRET]
    return [
        *(sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1"),
        *("-b", f"127.0.0.1:{port}", "wsgi:app"),
    ]


@pytest.fixture(params=["werkzeug-threading", "gunicorn-gevent"])
def tandem(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[World, int]]:
    database_url = f"sqlite:///{tmp_path / 'tandem.sqlite3'}"
    upgrade(database_url)
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        world = build_world(session)
    engine.dispose()
    port, log = free_port(), tmp_path / "server.log"
    env = {
        **os.environ,
        "TANDEM_ENV": "test",
        "TANDEM_ASYNC_MODE": "gevent",  # read by gunicorn's wsgi:app only
        "TANDEM_DATABASE_URL": database_url,
        "TANDEM_SECRET_KEY": SECRET,
        "TANDEM_INSTANCE_PATH": str(tmp_path / "instance"),
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            _command(request.param, port, database_url, tmp_path / "instance"),
            env=env,
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_http(port, process, log)  # gunicorn listens before its worker has the app
        yield world, port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


class OverWebsocket(Member):
    """A member whose client never long-polls (``transports`` is the only difference)."""

    transports: tuple[str, ...] = ("websocket",)

    def connect(self, port: int) -> None:
        self.client.connect(
            f"http://127.0.0.1:{port}",
            namespaces=["/rooms"],
            auth={"token": self.token},
            transports=list(self.transports),
            wait_timeout=10,
        )


class Upgrading(OverWebsocket):
    """Starts on long-polling and upgrades, as the room page's socket.io client does."""

    transports = ("polling", "websocket")


def test_room_chat_over_websocket(tandem: tuple[World, int]) -> None:
    world, port = tandem
    alice = OverWebsocket(world.alice, world.room_id, port)
    bruno = Upgrading(world.bruno, world.room_id, port)
    try:
        assert alice.client.transport() == "websocket"
        assert bruno.call("sync")["ok"]
        sent = alice.call("send", {"client_id": "ws-1", "body": "over a websocket"})
        assert sent["ok"]
        received = bruno.chat.get(timeout=10)
        assert (received["id"], received["body"]) == (sent["message"]["id"], "over a websocket")
        reply = bruno.call("send", {"client_id": "ws-2", "body": "and back"})
        assert alice.chat.get(timeout=10)["id"] == reply["message"]["id"]
        # By now the engine.io client has probed and switched: the page's path ends on websocket.
        assert bruno.client.transport() == "websocket"
    finally:
        alice.client.disconnect()
        bruno.client.disconnect()
