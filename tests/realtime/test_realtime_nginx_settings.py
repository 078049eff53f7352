"""The production shape in settings: the async mode is explicit, and the Redis message queue
gets a pool big enough for bursts of emits."""

from __future__ import annotations

from dataclasses import replace

import pytest
import socketio as socketio_server
from sqlalchemy.orm import Session

from realtime import manager as rooms_manager
from web.app import client_manager, create_app
from web.config import ConfigError, Settings
from web.extensions import socketio

PRODUCTION = {
    "TANDEM_ENV": "production",
    "TANDEM_SECRET_KEY": "k" * 40,
    "TANDEM_BASE_URL": "https://tandem.example",
    "TANDEM_DATABASE_URL": "postgresql+psycopg://u@db/t",
}


def test_threading_for_the_embedded_server_gevent_in_production() -> None:
    assert Settings.from_env({}).socketio_async_mode == "threading"
    assert Settings.from_env(PRODUCTION).socketio_async_mode == "gevent"
    chosen = Settings.from_env({**PRODUCTION, "TANDEM_ASYNC_MODE": "threading"})
    assert chosen.socketio_async_mode == "threading"
    with pytest.raises(ConfigError, match="TANDEM_ASYNC_MODE must be one of threading, gevent"):
        Settings.from_env({"TANDEM_ASYNC_MODE": "eventlet"}).check()


def test_the_redis_queue_has_a_pool_of_1000_and_no_redis_means_this_process() -> None:
    manager = client_manager("redis://127.0.0.1:6379/0")
    assert type(manager) is rooms_manager.RedisManager
    assert isinstance(manager, socketio_server.RedisManager)
    assert manager.redis_options == {"max_connections": 1000}
    local = client_manager(None)
    assert type(local) is rooms_manager.Manager


def test_the_app_sets_the_mode_and_manager_explicitly(settings: Settings, session: Session) -> None:
    create_app(
        replace(settings, redis_url="redis://127.0.0.1:6379/0"), session_factory=lambda: session
    )
    assert socketio.server.async_mode == "threading"
    assert type(socketio.server.manager) is rooms_manager.RedisManager
    create_app(settings, session_factory=lambda: session)  # a later app without Redis
    assert type(socketio.server.manager) is rooms_manager.Manager
