"""Fixtures shared by the whole suite: settings, databases, the app, and live servers.

Databases: SQLite always; PostgreSQL too when TANDEM_TEST_DATABASE_URL is set (CI sets it).
Each PostgreSQL run gets a database of its own, created here and dropped afterwards, so
parallel runs and leftovers never meet.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

import lti.models  # noqa: F401  (registers LTI tables)
import plugin.models  # noqa: F401
from migrations.runner import upgrade
from plugin.db import Base, make_engine
from tests.live import Launcher, LiveStack, running_stack
from web.app import create_app
from web.config import Settings

POSTGRES_ENV = "TANDEM_TEST_DATABASE_URL"
REDIS_ENV = "TANDEM_TEST_REDIS_URL"


class MakeDatabase(Protocol):
    def __call__(self, kind: str, *, migrated: bool = False) -> str: ...


def _copy_sqlite(source_url: str, target_url: str) -> None:
    """Copy a SQLite database through its backup API (whatever its journal holds)."""
    source = sqlite3.connect(make_url(source_url).database or "")
    target = sqlite3.connect(make_url(target_url).database or "")
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (e.g. postgresql+psycopg://...)")
    return url


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get(REDIS_ENV)
    if not url:
        pytest.skip(f"Redis tests need {REDIS_ENV} (e.g. redis://127.0.0.1:6379/0)")
    return url


@pytest.fixture(scope="session")
def make_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MakeDatabase]:
    """Make an empty database of a kind ("sqlite" or "postgresql") and return its URL.

    ``migrated=True`` gives it the schema of the real migrations: they run once per process
    into a template that each such database copies (CREATE DATABASE ... TEMPLATE, SQLite's
    backup), which is much quicker than running every revision again for each live stack.
    """
    created: list[tuple[Engine, str]] = []
    templates: dict[str, str] = {}

    def _empty(kind: str, template: str | None = None) -> str:
        if kind == "sqlite":
            folder = tmp_path_factory.mktemp("db")
            url = f"sqlite:///{folder / 'tandem.sqlite3'}"
            if template is not None:
                _copy_sqlite(template, url)
            return url
        admin_url = make_url(postgres_admin_url())
        name = f"tandem_test_{secrets.token_hex(6)}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        copy = f' TEMPLATE "{make_url(template).database}"' if template is not None else ""
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
        created.append((admin, name))
        return admin_url.set(database=name).render_as_string(hide_password=False)

    def _make(kind: str, *, migrated: bool = False) -> str:
        if not migrated:
            return _empty(kind)
        if kind not in templates:
            template = _empty(kind)
            upgrade(template)  # leaves no connection open: a template must have none
            templates[kind] = template
        return _empty(kind, templates[kind])

    yield _make
    for admin, name in created:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, make_database: MakeDatabase) -> str:
    """The suite's shared database (tables made by create_all); one per backend."""
    return make_database(request.param)


@pytest.fixture(params=BACKENDS)
def empty_database_url(request: pytest.FixtureRequest, make_database: MakeDatabase) -> str:
    """A database of its own with nothing in it, for tests that build the schema themselves."""
    return make_database(request.param)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    Base.metadata.create_all(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose commits only release savepoints: nothing survives the test."""
    with engine.connect() as connection, connection.begin() as outer:
        with Session(bind=connection, join_transaction_mode="create_savepoint") as s:
            yield s
        outer.rollback()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(env="test", instance_path=tmp_path / "instance", secret_key="x" * 40)


@pytest.fixture
def app(settings: Settings, session: Session) -> Flask:
    return create_app(settings, session_factory=lambda: session)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="module", params=BACKENDS)
def live_stack(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    make_database: MakeDatabase,
) -> Iterator[LiveStack]:
    """Tandem (migrated database of each backend) and the demo LMS, both on 127.0.0.1."""
    database = make_database(request.param, migrated=True)
    with running_stack(database, tmp_path_factory.mktemp("stack")) as stack:
        yield stack


@pytest.fixture
def launcher(live_stack: LiveStack) -> Launcher:
    return Launcher(live_stack)
