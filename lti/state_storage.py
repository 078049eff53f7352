"""pylti1p3's launch data storage, backed by Tandem's database instead of the Flask session."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

from pylti1p3.launch_data_storage.base import LaunchDataStorage
from sqlalchemy import CursorResult, delete
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lti.models import LaunchState, UsedNonce
from plugin.db import utcnow

DEFAULT_TTL_SECONDS = 3600


class DatabaseLaunchStorage(LaunchDataStorage[Any]):  # type: ignore[misc]
    """Keys are random (state-<uuid>, nonce-<random>), so they need no per-browser prefix."""

    def __init__(self, session: Session) -> None:
        super().__init__()
        self._session = session

    def can_set_keys_expiration(self) -> bool:
        return True

    def get_session_cookie_name(self) -> str | None:
        return None

    def get_value(self, key: str) -> Any:
        row = self._session.get(LaunchState, self._prepare_key(key))
        if row is None or row.expires_at <= utcnow():
            return None
        return row.value

    def set_value(self, key: str, value: Any, exp: int | None = None) -> None:
        ttl = exp if exp is not None else DEFAULT_TTL_SECONDS
        self._session.merge(
            LaunchState(
                key=self._prepare_key(key),
                value=value,
                expires_at=utcnow() + timedelta(seconds=ttl),
            )
        )
        self._session.commit()

    def check_value(self, key: str) -> bool:
        return self.get_value(key) is not None


def consume_nonce(session: Session, issuer: str, nonce: str, ttl_seconds: int) -> bool:
    """Mark a nonce used; False when it already was (a replayed id_token).

    A unique constraint decides, so two concurrent replays cannot both win.
    """
    session.add(
        UsedNonce(issuer=issuer, nonce=nonce, expires_at=utcnow() + timedelta(seconds=ttl_seconds))
    )
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def purge_expired(session: Session) -> int:
    """Delete expired state and nonces; returns how many rows went (run from a CLI or cron)."""
    now = utcnow()
    gone = 0
    for statement in (
        delete(LaunchState).where(LaunchState.expires_at <= now),
        delete(UsedNonce).where(UsedNonce.expires_at <= now),
    ):
        result = cast("CursorResult[Any]", session.execute(statement))
        gone += result.rowcount or 0
    session.commit()
    return gone
