"""The database foundation every feature's models share.

One ``MetaData`` with a naming convention so that Alembic can name (and later drop) every
constraint the same way on SQLite and PostgreSQL, and one UTC datetime type so that no naive
datetime ever reaches or leaves the database.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, TypeVar

from sqlalchemy import DateTime, Engine, MetaData, Select, bindparam, create_engine, event, select
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from plugin.sqlite_turns import take_turns

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; SQLite has no time zones, so they come back aware too."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Naive datetimes are ambiguous; pass an aware datetime.")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 (SQLAlchemy reads it)


def _configure_sqlite(engine: Engine) -> None:
    """Make SQLite behave under a threaded or gevent server and nested transactions.

    pysqlite's own transaction handling breaks SAVEPOINT, so we emit BEGIN ourselves (the
    SQLAlchemy docs' recipe). We begin IMMEDIATE: with deferred transactions two threads that
    read and then write both hold shared locks and one fails at once with "database is
    locked"; immediate ones queue for the write lock instead, a process's own transactions on
    a Python lock first (plugin.sqlite_turns), other processes in busy_timeout. WAL lets
    readers outside transactions carry on meanwhile.

    synchronous=NORMAL is SQLite's own advice for WAL: a commit is still atomic and survives
    the process being killed (the room tests kill a worker mid-conversation), and only an
    operating-system crash or power cut may lose the last commits before a checkpoint. With
    FULL every commit waited for an fsync, and under gevent that wait stops the whole worker
    (py-spy on bench/rooms.py: a fifth of a chat send). Production runs on PostgreSQL, whose
    commits stay fully durable.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    database = engine.url.database
    if database and database != ":memory:":
        take_turns(engine, os.path.abspath(database))  # begins IMMEDIATE, on its turn
        return

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:  # in memory: one connection, one thread at a time
        connection.connection.driver_connection.execute("BEGIN IMMEDIATE")


def make_engine(url: str, connections: int = 20, **kwargs: Any) -> Engine:
    """Create an engine that behaves the same on SQLite (demo, tests) and PostgreSQL.

    ``connections`` caps a PostgreSQL pool (half kept open, the rest opened on demand).
    """
    if url.startswith("sqlite"):
        if url in ("sqlite://", "sqlite:///:memory:"):
            kwargs.setdefault("poolclass", StaticPool)
        kwargs.setdefault("connect_args", {"check_same_thread": False})
        engine = create_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    # Recycle rather than pre-ping: a ping is one more round trip on every request.
    kwargs.setdefault("pool_recycle", 300)
    # A gevent process runs thousands of greenlets on one pool. Twenty connections per process
    # (the default) leave room for four app processes and their workers under PostgreSQL's
    # default of 100; a rooms process needs fewer (TANDEM_DATABASE_CONNECTIONS). Waiting ten
    # seconds, not thirty, for one sheds an overload (a reconnect storm after a process died)
    # as a brief refusal the clients retry with jitter, instead of a queue of greenlets that
    # each hold a socket until they time out.
    kwargs.setdefault("pool_size", (connections + 1) // 2)
    kwargs.setdefault("max_overflow", connections // 2)
    kwargs.setdefault("pool_timeout", 10)
    return create_engine(url, **kwargs)


def database_unreachable(error: BaseException) -> bool:
    """The connection was lost (database restarted, failover, backend terminated): a moment's
    outage the pool recovers from by itself (it drops the dead connections), not a bug."""
    return isinstance(error, DBAPIError) and error.connection_invalidated


def database_busy(error: BaseException) -> bool:
    """Every pooled connection stayed in use for the pool's timeout: an overload to shed (ask
    again shortly), not a bug."""
    return isinstance(error, PoolTimeout)


def briefly_unavailable(error: BaseException) -> bool:
    """The database cannot answer this moment (lost or busy): a 503 and a retry, never a 500."""
    return database_unreachable(error) or database_busy(error)


def make_session_factory(engine: Engine) -> Callable[[], Session]:
    return sessionmaker(bind=engine, expire_on_commit=False)


M = TypeVar("M", bound=Base)


def get_or_create(
    session: Session, model: type[M], lookup: Mapping[str, Any], create: Callable[[], M]
) -> tuple[M, bool]:
    """Find the row matching ``lookup`` or insert ``create()``; safe when requests race.

    Two students of one course launching at the same moment both miss the course and both
    insert it; the unique constraint lets one win, and the loser's savepoint rolls back and
    finds the winner's row, so neither request fails. Returns (row, created).
    """
    query = _lookup_statement(model, tuple(sorted(lookup)))
    found = session.scalar(query, dict(lookup))
    if found is not None:
        return found, False
    try:
        with session.begin_nested():
            row = create()
            session.add(row)
        return row, True
    except IntegrityError:
        found = session.scalar(query, dict(lookup))
        if found is None:
            raise
        return found, False


@lru_cache(maxsize=256)
def _lookup_statement(model: type[M], columns: tuple[str, ...]) -> Select[M]:
    """One statement object per (model, columns), with bound parameters.

    Launches run these lookups several times each; building ``select(...).where(...)`` and its
    cache key anew every time cost more CPU than the query itself (py-spy on bench/launch.py).
    """
    return select(model).where(*(getattr(model, c) == bindparam(c) for c in columns))
