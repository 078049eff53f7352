"""LTI Client Side postMessage storage: a launch inside an iframe without third-party cookies.

When login initiation names an ``lti_storage_target`` (Brightspace does; Moodle does not),
the login page puts a one-time proof into the platform's storage frame with ``lti.put_data``
before it goes on to the platform, and Tandem remembers (server-side, by state) that it did.
At the launch, if the state cookie did not survive, a page on Tandem's origin reads the proof
back with ``lti.get_data`` and re-posts the launch with it; the proof must match, once.

Only the browser that ran the login holds the proof in its platform frame, and only Tandem's
origin can read it there (the platform checks the message's origin). As the spec intends,
the read-back runs in the browser: it replaces the cookie, not the id_token's signature and
nonce checks, which still run on the server.
"""

from __future__ import annotations

import hmac
import re
import secrets
from dataclasses import asdict, dataclass
from urllib.parse import parse_qs, urlsplit

from flask import render_template
from sqlalchemy.orm import Session

from lti.claims import LaunchClaims
from lti.failures import LaunchError, Reason
from lti.models import LaunchState
from lti.state_storage import DatabaseLaunchStorage
from plugin.actors import Actor

STORAGE_TARGET_PARAM = "lti_storage_target"
READ_BACK_FIELD = "lti_storage_value"
STATE_COOKIE_PREFIX = "lti1p3-"  # pylti1p3's state cookie: lti1p3-<state>
TTL_SECONDS = 600
_PREFIX = "platform-storage-"
_TARGET = re.compile(r"^[\w.-]{1,64}$")


@dataclass(frozen=True)
class StoredLogin:
    """A login whose proof sits in the platform's storage frame, waiting for its launch."""

    state: str
    target: str
    origin: str  # where the platform's storage frame lives (its OIDC endpoint's origin)
    proof: str

    @property
    def key(self) -> str:
        return f"tandem_state_{self.state}"


def usable_target(params: dict[str, str]) -> str | None:
    """The storage frame's name, when the platform offered one that is a plain frame name."""
    target = params.get(STORAGE_TARGET_PARAM, "")
    return target if _TARGET.match(target) else None


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def remember_login(session: Session, auth_url: str, target: str, platform_url: str) -> StoredLogin:
    """Record the login started with ``auth_url``; the caller (the login) commits."""
    state = parse_qs(urlsplit(auth_url).query).get("state", [""])[0]
    stored = StoredLogin(
        state=state, target=target, origin=origin_of(platform_url), proof=secrets.token_urlsafe(24)
    )
    DatabaseLaunchStorage(session).set_value(_PREFIX + state, asdict(stored), TTL_SECONDS)
    return stored


def waiting_login(session: Session, state: str | None) -> StoredLogin | None:
    if not state:
        return None
    value = DatabaseLaunchStorage(session).get_value(_PREFIX + state)
    return StoredLogin(**value) if isinstance(value, dict) else None


def has_state_cookie(cookies: dict[str, str], state: str | None) -> bool:
    return bool(state) and cookies.get(STATE_COOKIE_PREFIX + str(state)) == state


def confirm_read_back(session: Session, stored: StoredLogin, value: str) -> None:
    """Accept the proof read back from the platform once; raise STATE_MISMATCH otherwise."""
    storage = DatabaseLaunchStorage(session)
    row = session.get(LaunchState, storage._prepare_key(_PREFIX + stored.state))
    if row is not None:
        session.delete(row)
        session.flush()  # committed with the launch's nonce
    if row is None or not hmac.compare_digest(stored.proof.encode(), value.encode()):
        raise LaunchError(
            Reason.STATE_MISMATCH, detail="the platform's storage did not hold this login's proof"
        )


_HANDOFF_PREFIX = "handoff-"
HANDOFF_TTL_SECONDS = 300


@dataclass(frozen=True)
class Handoff:
    """A launch verified without cookies, carried to a new window by a one-time link.

    Inside the iframe the browser keeps no cookie, so the web session cannot start there; a
    top-level window is first-party and can. The link is single-use and short-lived.
    """

    person_id: int
    role: str
    course_id: int | None
    locale: str | None
    exchange_hint: str | None


def save_handoff(session: Session, handoff: Handoff) -> str:
    token = secrets.token_urlsafe(24)
    DatabaseLaunchStorage(session).set_value(
        _HANDOFF_PREFIX + token, asdict(handoff), HANDOFF_TTL_SECONDS
    )
    session.commit()
    return token


def take_handoff(session: Session, token: str) -> Handoff:
    storage = DatabaseLaunchStorage(session)
    row = session.get(LaunchState, storage._prepare_key(_HANDOFF_PREFIX + token))
    value = storage.get_value(_HANDOFF_PREFIX + token)
    if row is not None:
        session.delete(row)
        session.commit()
    if not isinstance(value, dict):
        raise LaunchError(Reason.STATE_MISMATCH, detail="this link was used or has expired")
    return Handoff(**value)


@dataclass(frozen=True)
class StateCheck:
    """What the launch does about its state: show the read-back page first, or go on."""

    page: str | None = None
    verified: bool = False  # proven by the platform's storage instead of the cookie


def check_state(session: Session, cookies: dict[str, str], form: dict[str, str]) -> StateCheck:
    """Without the state cookie, a login that stored a proof is checked by reading it back.

    Removes the read-back field from ``form``, so the rest of the launch sees the platform's
    form only.
    """
    state = form.get("state")
    stored = None if has_state_cookie(cookies, state) else waiting_login(session, state)
    if stored is None:
        return StateCheck()  # the cookie (or its absence) decides, in pylti1p3
    if READ_BACK_FIELD not in form:
        return StateCheck(page=render_template("lti/storage_launch.html", stored=stored, form=form))
    confirm_read_back(session, stored, form.pop(READ_BACK_FIELD))
    return StateCheck(verified=True)


def handoff_page(session: Session, actor: Actor, claims: LaunchClaims) -> str:
    """The landing page of a cookie-less launch, with its one-time new-window link."""
    handoff = Handoff(
        actor.person_id, actor.role.value, actor.course_id, claims.locale, claims.exchange_hint
    )
    return render_template("lti/launched.html", claims=claims, token=save_handoff(session, handoff))
