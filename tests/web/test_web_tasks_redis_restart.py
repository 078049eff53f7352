"""Queued work survives a Redis restart when Redis keeps an append-only file, as the README's
production section asks: a task enqueued (acknowledged to the caller) before the restart is
still there after it, and a consumer then runs it."""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import redis

from tests.live import free_port
from web.config import Settings
from web.tasks import make_huey

REDIS_SERVER = shutil.which("redis-server")


class RedisProcess:
    """A private redis-server on a free port, so restarting it disturbs no other test."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                *("--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.folder)),
                *("--appendonly", "yes", "--appendfsync", "always", "--save", ""),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise AssertionError("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis_process(tmp_path: Path) -> Iterator[RedisProcess]:
    if REDIS_SERVER is None:
        pytest.skip("redis-server is not installed")
    server = RedisProcess(tmp_path)
    server.start()
    yield server
    server.stop()


def test_a_task_queued_before_a_redis_restart_runs_after_it(
    redis_process: RedisProcess, settings: Settings
) -> None:
    queued = replace(settings, env="development", redis_url=redis_process.url)
    ran: list[int] = []
    before = make_huey(queued)

    @before.task()  # type: ignore[untyped-decorator]
    def deliver(score: int) -> None:
        ran.append(score)

    deliver(75)  # enqueued: the caller was told it is queued
    assert before.pending_count() == 1

    redis_process.stop()
    redis_process.start()

    after = make_huey(queued)  # a worker started after the restart
    after.task(name=deliver.task_class.__name__)(lambda score: ran.append(score))
    assert after.pending_count() == 1
    message = after.dequeue()
    assert message is not None
    after.execute(message)
    assert ran == [75]
