"""pylti1p3's launch data storage, backed by Tandem's database instead of the Flask session."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from functools import lru_cache
from typing import Any, cast

from pylti1p3.launch_data_storage.base import LaunchDataStorage
from sqlalchemy import CursorResult, Insert, Table, bindparam, delete, insert, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti.models import LaunchState, UsedNonce
from plugin.db import utcnow

DEFAULT_TTL_SECONDS = 3600
# What an anonymous /lti/login may leave behind lives this long (a platform answers within
# seconds); logins delete expired rows (at most once a minute per process), so no cron is
# needed to bound the table.
LOGIN_STATE_SECONDS = 600
# How often one process's logins purge expired rows: a purge is two DELETEs scanning an
# index, which on every login cost more than the login's own write (py-spy, bench/launch.py).
# Rows live LOGIN_STATE_SECONDS, so a purge a minute bounds the table just as well.
PURGE_EVERY_SECONDS = 60.0


class PurgeSchedule:
    """Says when this process's next login should purge expired state (thread-safe)."""

    def __init__(self, every_seconds: float = PURGE_EVERY_SECONDS) -> None:
        self._every = every_seconds
        self._lock = threading.Lock()
        self._last: float | None = None

    def due(self) -> bool:
        """True at most once per ``every_seconds``; the caller then purges."""
        now = time.monotonic()
        with self._lock:
            if self._last is not None and now - self._last < self._every:
                return False
            self._last = now
            return True

    def reset(self) -> None:
        """Let the next login purge (tests use it to see a purge happen)."""
        with self._lock:
            self._last = None


class DatabaseLaunchStorage(LaunchDataStorage[Any]):  # type: ignore[misc]
    """Keys are random (state-<uuid>, nonce-<random>), so they need no per-browser prefix.

    Values are written with the caller's session and committed by the caller (the login or
    the launch), once, rather than once per value: a launch writes three of them.
    """

    def __init__(self, session: Session) -> None:
        super().__init__()
        self._session = session

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_session_cookie_name(self) -> str | None:
        return None

    def get_value(self, key: str) -> Any:
        row = self._session.connection().execute(_READ, {"key": self._prepare_key(key)}).first()
        if row is None or row.expires_at <= utcnow():
            return None
        return row.value

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        ttl = exp if exp is not None else DEFAULT_TTL_SECONDS
        row = {
            "key": self._prepare_key(key),
            "value": value,
            "expires_at": utcnow() + timedelta(seconds=ttl),
        }
        self._session.connection().execute(_upsert(self._session.get_bind().dialect.name), row)

    def check_value(self, key: str) -> bool:
        return self.get_value(key) is not None


# The statements of every login and launch, built once with bound parameters and run on the
# session's connection as Core: building them (an upsert's ``excluded`` alias, a cache key) per
# request, and the ORM's bulk-insert path, cost more CPU than running them (py-spy).
_STATE_TABLE = cast("Table", LaunchState.__table__)
_NONCE_TABLE = cast("Table", UsedNonce.__table__)
_STATE = _STATE_TABLE.c
_READ = select(_STATE.value, _STATE.expires_at).where(_STATE.key == bindparam("key"))
_USE_NONCE = insert(_NONCE_TABLE).values(
    issuer=bindparam("issuer", type_=_NONCE_TABLE.c.issuer.type),
    nonce=bindparam("nonce", type_=_NONCE_TABLE.c.nonce.type),
    expires_at=bindparam("expires_at", type_=_NONCE_TABLE.c.expires_at.type),
)


@lru_cache(maxsize=4)
def _upsert(dialect: str) -> Insert:
    """One INSERT ... ON CONFLICT statement: no read first, and no race between two writers."""
    dialect_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = dialect_insert(_STATE_TABLE).values(
        key=bindparam("key", type_=_STATE.key.type),
        value=bindparam("value", type_=_STATE.value.type),
        expires_at=bindparam("expires_at", type_=_STATE.expires_at.type),
    )
    return statement.on_conflict_do_update(
        index_elements=[_STATE.key],
        set_={"value": statement.excluded.value, "expires_at": statement.excluded.expires_at},
    )


def use_nonce(session: Session, issuer: str, nonce: str, ttl_seconds: int) -> bool:
    """Mark a nonce used in the session's transaction; False (rolled back) when it was used.

    A unique constraint decides, so two concurrent replays cannot both win. It does not
    commit: the launch's one commit (entering the course) carries it, so a launch costs one
    transaction fewer; a launch that fails before that commit leaves its nonce unused, and
    its token can only fail again or do what it would have done.
    """
    expires_at = utcnow() + timedelta(seconds=ttl_seconds)
    try:
        session.connection().execute(
            _USE_NONCE, {"issuer": issuer, "nonce": nonce, "expires_at": expires_at}
        )
    except IntegrityError:
        session.rollback()
        return False
    return True


def delete_expired(session: Session) -> int:
    """Delete expired state and nonces without committing (the login's commit carries it)."""
    now = utcnow()
    gone = 0
    for statement in (
        delete(LaunchState).where(LaunchState.expires_at <= now),
        delete(UsedNonce).where(UsedNonce.expires_at <= now),
    ):
        result = cast("CursorResult[Any]", session.execute(statement))
        gone += result.rowcount or 0
    return gone


def purge_expired(session: Session) -> int:
    """Delete expired state and nonces; returns how many rows went (the CLI and the worker)."""
    gone = delete_expired(session)
    session.commit()
    return gone
