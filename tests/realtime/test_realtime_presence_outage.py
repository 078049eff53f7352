"""A disconnect while Redis is down leaves presence as it was, without an error."""

from __future__ import annotations

import logging

import pytest

from realtime.presence import RedisPresence
from tests.live import free_port


def test_leaving_while_redis_is_down_logs_one_line(caplog: pytest.LogCaptureFixture) -> None:
    presence = RedisPresence(f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    with caplog.at_level(logging.WARNING, logger="realtime.presence"):
        presence.leave(7, "sid-1")
    assert [r.getMessage()[:40] for r in caplog.records] == [
        "Presence not updated on leaving room 7: "
    ]
