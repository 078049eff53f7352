"""While Redis is down (restarting) a room works without presence and a page without its rate
count: each call logs one line and carries on, quickly, instead of failing the connect, the
sync or the page, or holding what its greenlet holds through redis-py's default retries."""

from __future__ import annotations

import logging
import time

import pytest

from realtime.presence import RedisPresence
from tests.live import free_port
from web.ratelimit import RedisCounter


def test_presence_carries_on_without_redis(caplog: pytest.LogCaptureFixture) -> None:
    presence = RedisPresence(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    began = time.perf_counter()
    with caplog.at_level(logging.WARNING, logger="realtime.presence"):
        presence.join(7, "sid-1", 42)
        assert presence.online(7) == set()
        presence.leave(7, "sid-1")
    assert time.perf_counter() - began < 3  # no backing off for seconds per call
    assert [r.getMessage()[:40] for r in caplog.records] == [
        "Presence not updated on joining room 7: ",
        "Presence of room 7 unknown for now: Erro",
        "Presence not updated on leaving room 7: ",
    ]


def test_a_rate_limit_that_cannot_be_counted_lets_the_request_through(
    caplog: pytest.LogCaptureFixture,
) -> None:
    counter = RedisCounter(f"redis://127.0.0.1:{free_port()}/0")
    with caplog.at_level(logging.WARNING, logger="web.ratelimit"):
        assert counter.hit("heavy:lti.register:127.0.0.1", 60) == (0, 0.0)
    assert [r.getMessage()[:30] for r in caplog.records] == ["Rate limit not counted for now"]


def test_the_clients_pool_is_sized_for_a_gevent_process() -> None:
    presence = RedisPresence("redis://127.0.0.1:6379/0")
    assert presence._redis.connection_pool.max_connections == 1000
