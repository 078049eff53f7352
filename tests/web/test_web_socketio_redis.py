"""With TANDEM_REDIS_URL, Socket.IO messages travel through Redis, so an emit from another
process (a second worker, a CLI) reaches browsers connected to this one."""

from __future__ import annotations

import queue
import time
from pathlib import Path
from typing import Any

import pytest
import socketio as socketio_client
from flask_socketio import SocketIO

from tests.live import ServerThread, free_port
from web.app import create_app
from web.config import Settings

pytestmark = pytest.mark.redis


def test_an_emit_from_another_process_reaches_a_connected_client(
    redis_url: str, tmp_path: Path
) -> None:
    settings = Settings(
        env="test", instance_path=tmp_path, secret_key="r" * 40, redis_url=redis_url
    )
    port = free_port()
    server = ServerThread(create_app(settings), port)
    client = socketio_client.Client(reconnection=False)
    received: queue.Queue[dict[str, Any]] = queue.Queue()
    client.on("announcement", received.put)
    try:
        client.connect(f"http://127.0.0.1:{port}", transports=["polling"], wait_timeout=5)
        other_process = SocketIO(message_queue=redis_url)  # write-only, as a worker would be
        token = f"hello-{time.monotonic_ns()}"
        # The server subscribes to Redis in a background thread; an emit published before
        # that subscription exists is (correctly) dropped, so publish until one arrives.
        deadline = time.monotonic() + 15
        got: dict[str, Any] | None = None
        while got is None and time.monotonic() < deadline:
            other_process.emit("announcement", {"text": token})
            try:
                got = received.get(timeout=1)
            except queue.Empty:
                continue
        assert got == {"text": token}
    finally:
        client.disconnect()
        server.stop()
