"""Two Tandem processes sharing one database and one Redis: a member connected to process A
chats with a member connected to process B, and killing a process loses no acknowledged line."""

from __future__ import annotations

import queue
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import socketio as socketio_client

from migrations.runner import upgrade
from plugin.actors import Actor
from plugin.db import make_engine, make_session_factory
from realtime import tokens
from tests.live import free_port, wait_for_port
from tests.plugin.rooms.rooms_world import World, build_world

pytestmark = [pytest.mark.redis, pytest.mark.slow]
SECRET = "p" * 40
SERVE = """
import sys
from pathlib import Path
from werkzeug.serving import make_server
from web.app import create_app
from web.config import Settings
port, db, redis, instance, secret = sys.argv[1:6]
app = create_app(Settings(env="test", instance_path=Path(instance), secret_key=secret,
                          database_url=db, redis_url=redis))
make_server("127.0.0.1", int(port), app, threaded=True).serve_forever()
"""


@pytest.fixture
def cluster(
    redis_url: str, tmp_path: Path
) -> Iterator[tuple[World, dict[str, int], dict[str, subprocess.Popen[bytes]]]]:
    database_url = f"sqlite:///{tmp_path / 'tandem.sqlite3'}"
    upgrade(database_url)
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        world = build_world(session)
    engine.dispose()
    ports = {"a": free_port(), "b": free_port()}
    logs = {name: tmp_path / f"{name}.log" for name in ports}
    processes = {}
    for name, port in ports.items():
        with logs[name].open("wb") as log:
            processes[name] = subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    SERVE,
                    str(port),
                    database_url,
                    redis_url,
                    str(tmp_path / name),
                    SECRET,
                ],
                stderr=log,
            )
    try:
        for name, port in ports.items():
            wait_for_port(port, processes[name], logs[name])
        yield world, ports, processes
    finally:
        for process in processes.values():
            process.kill()
            process.wait(timeout=10)


class Member:
    def __init__(self, actor: Actor, room_id: int, port: int) -> None:
        self.client = socketio_client.Client(reconnection=False)
        self.chat: queue.Queue[dict[str, Any]] = queue.Queue()
        self.client.on("chat", self.chat.put, namespace="/rooms")
        self.token = tokens.issue(SECRET, actor, room_id)
        self.connect(port)

    def connect(self, port: int) -> None:
        self.client.connect(
            f"http://127.0.0.1:{port}",
            namespaces=["/rooms"],
            auth={"token": self.token},
            transports=["polling"],
            wait_timeout=10,
        )

    def call(self, event: str, data: Any = None) -> dict[str, Any]:
        ack: dict[str, Any] = self.client.call(event, data or {}, namespace="/rooms", timeout=10)
        return ack


def test_members_on_different_processes_chat_through_redis(
    cluster: tuple[World, dict[str, int], dict[str, subprocess.Popen[bytes]]],
) -> None:
    world, ports, _ = cluster
    alice = Member(world.alice, world.room_id, ports["a"])
    bruno = Member(world.bruno, world.room_id, ports["b"])
    try:
        synced = bruno.call("sync")
        assert world.alice.person_id in synced["online"]  # presence is shared through Redis
        sent = alice.call("send", {"client_id": "x-1", "body": "from A"})
        assert sent["ok"]
        received = bruno.chat.get(timeout=10)
        assert (received["id"], received["body"]) == (sent["message"]["id"], "from A")
        reply = bruno.call("send", {"client_id": "x-2", "body": "from B"})
        assert alice.chat.get(timeout=10)["id"] == reply["message"]["id"]
    finally:
        alice.client.disconnect()
        bruno.client.disconnect()


def test_killing_a_process_loses_no_acknowledged_message(
    cluster: tuple[World, dict[str, int], dict[str, subprocess.Popen[bytes]]],
) -> None:
    world, ports, processes = cluster
    alice = Member(world.alice, world.room_id, ports["a"])
    bruno = Member(world.bruno, world.room_id, ports["b"])
    try:
        cursor = bruno.call("sync")["cursor"]
        acked = [alice.call("send", {"client_id": f"k{i}", "body": f"line {i}"}) for i in range(5)]
        assert all(a["ok"] for a in acked)
        processes["a"].kill()
        processes["a"].wait(timeout=10)
        alice.client.disconnect()
        alice = Member(world.alice, world.room_id, ports["b"])  # the other process takes over
        more = alice.call("send", {"client_id": "k5", "body": "line 5"})
        caught = alice.call("sync", {"after": cursor})
        expected = [a["message"]["id"] for a in acked] + [more["message"]["id"]]
        assert [m["id"] for m in caught["messages"]] == expected
    finally:
        alice.client.disconnect()
        bruno.client.disconnect()
