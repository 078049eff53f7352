"""A database that drops its connections (restart, failover, a terminated backend) costs the
requests in flight a clear 503 page with Retry-After, never a 500 or a traceback, and the
next request works without a restart: the pool replaces the dead connection.

PostgreSQL only: SQLite has no server whose backends can be terminated.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from migrations.runner import upgrade
from plugin.db import make_engine, make_session_factory
from web.app import create_app
from web.config import Settings

pytestmark = pytest.mark.postgres


def _terminate_backends(database_url: str) -> int:
    url = make_url(database_url)
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT",
                          poolclass=NullPool)  # fmt: skip
    with admin.connect() as connection:
        killed = connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": url.database},
        ).all()
    admin.dispose()
    return len(killed)


@pytest.mark.parametrize(("language", "words"), [("en", "Briefly unavailable"),
                                              ("nl", "Even niet bereikbaar")])  # fmt: skip
def test_lost_connections_give_503_then_recover(
    make_database: Callable[[str], str], tmp_path: Path, language: str, words: str
) -> None:
    database_url = make_database("postgresql")
    upgrade(database_url)
    settings = Settings(
        env="test", instance_path=tmp_path / "instance",
        secret_key="x" * 40, database_url=database_url,
    )  # fmt: skip
    engine = make_engine(database_url)  # the app's own pool, as create_app would make it
    client = create_app(settings, session_factory=make_session_factory(engine)).test_client()
    headers = {"Accept-Language": language}

    assert client.get("/credentials/1", headers=headers).status_code == 404  # pool holds one
    assert _terminate_backends(database_url) >= 1

    outage = client.get("/credentials/1", headers=headers)
    assert outage.status_code == 503
    assert outage.headers["Retry-After"] == "5"
    page = outage.get_data(as_text=True)
    assert words in page
    assert "Traceback" not in page
    assert "OperationalError" not in page

    assert client.get("/credentials/1", headers=headers).status_code == 404  # recovered
    engine.dispose()
