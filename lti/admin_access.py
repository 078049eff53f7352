"""One-time tokens that stand in for an admin: a sign-in link and a registration invite.

``tandem admin token`` prints a sign-in link to the admin pages, for an LMS admin who has no
launch yet. A registration invite is the ``invite`` parameter of the URL an LMS admin pastes
into their LMS for Dynamic Registration: a registration that carries a valid invite may be
active at once (Brightspace), one without stays pending until a Tandem admin activates it, so
that nobody can make their own website a trusted LMS by visiting ``/lti/register``.

Tokens are stored hashed in the launch-state table with a TTL and deleted when used.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy.orm import Session

from lti.models import LaunchState
from lti.state_storage import DatabaseLaunchStorage
from plugin.db import utcnow

ADMIN_SIGN_IN = "admin-token-"
REGISTRATION_INVITE = "registration-invite-"
INVITE_TTL_SECONDS = 7 * 24 * 3600


def _row(session: Session, kind: str, token: str) -> LaunchState | None:
    if not token:
        return None
    key = kind + hashlib.sha256(token.encode()).hexdigest()
    return session.get(LaunchState, DatabaseLaunchStorage(session)._prepare_key(key))


def _issue(session: Session, kind: str, ttl_seconds: int) -> str:
    token = secrets.token_urlsafe(32)
    key = kind + hashlib.sha256(token.encode()).hexdigest()
    DatabaseLaunchStorage(session).set_value(key, {"kind": kind}, ttl_seconds)
    session.commit()
    return token


def _redeem(session: Session, kind: str, token: str) -> bool:
    """True once per issued, unexpired token; a found row is deleted either way."""
    valid = _spend(session, kind, token)
    session.commit()
    return valid


def _spend(session: Session, kind: str, token: str) -> bool:
    """_redeem without the commit, for a caller that commits it with its own work."""
    row = _row(session, kind, token)
    if row is None:
        return False
    valid = row.expires_at > utcnow()
    session.delete(row)
    return valid


def issue_admin_token(session: Session, ttl_seconds: int) -> str:
    return _issue(session, ADMIN_SIGN_IN, ttl_seconds)


def redeem_admin_token(session: Session, token: str) -> bool:
    return _redeem(session, ADMIN_SIGN_IN, token)


def issue_registration_invite(session: Session, ttl_seconds: int = INVITE_TTL_SECONDS) -> str:
    return _issue(session, REGISTRATION_INVITE, ttl_seconds)


def invite_is_valid(session: Session, token: str) -> bool:
    """Look without using it up: a registration that then fails keeps its invite."""
    row = _row(session, REGISTRATION_INVITE, token)
    return row is not None and row.expires_at > utcnow()


def use_up_invite(session: Session, token: str) -> None:
    """Spend a registration invite in the registration's own transaction (a helper: the
    registration commits both)."""
    _spend(session, REGISTRATION_INVITE, token)
