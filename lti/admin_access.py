"""One-time sign-in tokens for Tandem's admin pages, for an LMS admin who has no launch yet.

``tandem admin token`` prints a link; the token is stored hashed in the launch-state table
with a short TTL and deleted when used, so a link in a terminal's scrollback is worthless.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy.orm import Session

from lti.models import LaunchState
from lti.state_storage import DatabaseLaunchStorage
from plugin.db import utcnow

_PREFIX = "admin-token-"


def _key(token: str) -> str:
    return _PREFIX + hashlib.sha256(token.encode()).hexdigest()


def issue_admin_token(session: Session, ttl_seconds: int) -> str:
    token = secrets.token_urlsafe(32)
    DatabaseLaunchStorage(session).set_value(_key(token), {"admin": True}, ttl_seconds)
    session.commit()
    return token


def redeem_admin_token(session: Session, token: str) -> bool:
    """True once per issued, unexpired token; the row is deleted either way it is found."""
    if not token:
        return False
    storage = DatabaseLaunchStorage(session)
    row = session.get(LaunchState, storage._prepare_key(_key(token)))
    if row is None:
        return False
    valid = row.expires_at > utcnow()
    session.delete(row)
    session.commit()
    return valid
