"""The OIDC login and the launch: pylti1p3 does the protocol, we close its gaps.

Gaps closed here (design.md): single-use nonces, a short-TTL JWKS cache re-fetched once on an
unknown ``kid``, required ``exp``/``iat``, and a precise reason for every rejection.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import jwt
from flask import Response, make_response, redirect, render_template, url_for
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.exception import LtiException, OIDCException
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response as BaseResponse

from lti.claims import LaunchClaims, parse
from lti.failures import LaunchError, Reason
from lti.keys import ToolKey, ToolKeyStore
from lti.lms_links import activity_url
from lti.platform_keys import PlatformKeyCache
from lti.platform_storage import remember_login, usable_target
from lti.platforms import (
    PENDING,
    RETIRED,
    DatabaseToolConf,
    KnownRegistration,
    RegistrationCache,
    issuer_is_known,
)
from lti.roles import map_roles
from lti.roster import RosterChecks
from lti.services import ServiceClient, TokenCache
from lti.state_storage import (
    LOGIN_STATE_SECONDS,
    DatabaseLaunchStorage,
    PurgeSchedule,
    delete_expired,
    use_nonce,
)
from plugin.actors import Actor
from plugin.courses.service import CourseEntry, CourseRef
from plugin.people.identity import AccountRef, PersonFacts

# pylti1p3 reports failures only as messages; these fragments are stable for the pinned 2.0.2.
_LIBRARY_MESSAGES: tuple[tuple[str, Reason], ...] = (
    ("Missing state param", Reason.STATE_MISMATCH),
    ("State not found", Reason.STATE_MISMATCH),
    ("JWT must contain 3 parts", Reason.MALFORMED_TOKEN),
    ("can't be decoded", Reason.MALFORMED_TOKEN),
    ('"nonce" field is empty', Reason.MISSING_CLAIM),
    ("Invalid Nonce", Reason.UNKNOWN_NONCE),
    ("Registration not found", Reason.UNKNOWN_CLIENT),
    ("Client id not registered", Reason.UNKNOWN_CLIENT),
    ("JWT KID not found", Reason.UNKNOWN_KEY),
    ("Unable to find public key", Reason.UNKNOWN_KEY),
    ("Signature has expired", Reason.EXPIRED),
    ("not yet valid", Reason.NOT_YET_VALID),
    ("Token is missing the", Reason.MISSING_CLAIM),
    ("Signature verification failed", Reason.BAD_SIGNATURE),
    ("Invalid audience", Reason.WRONG_AUDIENCE),
    ("Can't decode id_token", Reason.BAD_SIGNATURE),
    ("is not recognised", Reason.UNKNOWN_DEPLOYMENT),
    ("Must have a user", Reason.MISSING_CLAIM),
    ("Incorrect version", Reason.WRONG_VERSION),
    ("Missing Roles Claim", Reason.MISSING_CLAIM),
    ("Missing Resource Link Id", Reason.MISSING_CLAIM),
    ("message type", Reason.UNSUPPORTED_MESSAGE),
)

NONCE_TTL_SECONDS = 24 * 3600  # longer than any id_token may live


@dataclass(frozen=True)
class LtiContext:
    """What the LTI adapter needs from the app: its keys, its URLs and its caches."""

    keys: ToolKeyStore
    base_url: str
    key_cache: PlatformKeyCache
    tokens: TokenCache = field(default_factory=TokenCache)
    # Asks the app's task queue to read a course's roster (web/tasks.py); lti/ stays unaware
    # of how background work runs.
    schedule_roster: Callable[[int], object] = field(default=lambda _course_id: None)
    # The courses whose roster this process looked at lately (no flood of roster tasks).
    roster_checks: RosterChecks = field(default_factory=RosterChecks)
    # When this process's logins next purge expired login state (once a minute, not per login).
    state_purges: PurgeSchedule = field(default_factory=PurgeSchedule)
    # Registrations by (issuer, client_id), for seconds: every login and launch reads one.
    registrations: RegistrationCache = field(default_factory=RegistrationCache)
    # What a launch answers once the web session has started: the app's landing page, in the
    # launch's own response (web.pages.home.launch_landing), not a redirect to it.
    land: Callable[[Actor], BaseResponse] = field(default=lambda _actor: _to_home())

    @property
    def tool_key(self) -> ToolKey:
        """The key that signs now; the store re-reads it after a rotation."""
        return self.keys.current()

    @property
    def launch_url(self) -> str:
        return f"{self.base_url}/lti/launch"

    def client(self) -> ServiceClient:
        return ServiceClient(self.keys, self.tokens)


@dataclass(frozen=True)
class ValidLaunch:
    claims: LaunchClaims
    institution_id: int
    launch_id: str
    registration_id: int


def _to_home() -> BaseResponse:
    return redirect(url_for("pages.home"), code=303)


def _reason_for(error: Exception) -> LaunchError:
    if isinstance(error, LaunchError):
        return error
    text = str(error)
    for fragment, reason in _LIBRARY_MESSAGES:
        if fragment in text:
            return LaunchError(reason, detail=text)
    return LaunchError(Reason.BAD_SIGNATURE, detail=text)


class _Launch(FlaskMessageLaunch):  # type: ignore[misc]
    """pylti1p3's launch with our key cache in place of its fetch-every-time key lookup."""

    def __init__(
        self,
        tool_conf: DatabaseToolConf,
        key_cache: PlatformKeyCache,
        *,
        state_verified: bool = False,
        **kw: Any,
    ) -> None:
        super().__init__(FlaskRequest(), tool_conf, **kw)
        self._key_cache = key_cache
        self._state_verified = state_verified

    def validate_state(self) -> _Launch:
        """The state cookie, or a platform-storage read-back the route already confirmed.

        pylti1p3 accepts a state its storage marked valid or one matching the state cookie;
        the cookie is asked first here, as it answers almost every launch without a read.
        """
        if self._state_verified:
            return self
        state = self._get_request_param("state")
        if state and self._cookie_service.get_cookie(state) == state:
            return self
        super().validate_state()
        return self

    def get_public_key(self) -> tuple[Any, str]:
        """The platform's key as a parsed key object, cached per process with its key set.

        PyJWT verifies with a key object as with the PEM text pylti1p3 would build from the
        JWK on every launch; the checks are pylti1p3's: the token names a kid and an alg, and
        the platform's key set has a key with that kid for that alg.
        """
        header = self._jwt.get("header", {})
        kid, alg = header.get("kid"), header.get("alg")
        if not isinstance(kid, str) or not kid:
            raise LaunchError(Reason.UNKNOWN_KEY, detail="the token names no key (kid)")
        if not isinstance(alg, str) or not alg:
            raise LaunchError(Reason.UNKNOWN_KEY, detail="the token names no algorithm (alg)")
        url = self._registration.get_key_set_url()
        return self._key_cache.public_key(url, kid, alg), alg

    def save_launch_data(self) -> _Launch:
        """Keep the launch server-side only where a later request resumes it (deep linking).

        A resource-link launch ends in the web session; storing its claims and marking its
        state valid would cost two writes per launch for a re-POST we reject as a replay.
        """
        if self.is_deep_link_launch():
            super().save_launch_data()
        return self


def _refuse_pending(registration: KnownRegistration) -> None:
    if registration.status == PENDING:
        raise LaunchError(Reason.REGISTRATION_PENDING, detail=registration.issuer)
    if registration.status == RETIRED:
        raise LaunchError(Reason.REGISTRATION_RETIRED, detail=registration.client_id)


def login(
    session: Session, lti: LtiContext, params: dict[str, str], *, in_iframe: bool
) -> Response:
    """Answer a third-party initiated login by sending the browser to the platform's OIDC URL."""
    issuer = params.get("iss")
    if not issuer or not params.get("login_hint"):
        raise LaunchError(Reason.MISSING_PARAMETER, detail="iss and login_hint are required")
    registration = lti.registrations.find(session, issuer, params.get("client_id"))
    if registration is None:
        if not issuer_is_known(session, issuer):
            raise LaunchError(Reason.UNKNOWN_ISSUER, detail=issuer)
        raise LaunchError(Reason.UNKNOWN_CLIENT, detail=params.get("client_id") or "(none sent)")
    _refuse_pending(registration)
    oidc = FlaskOIDCLogin(
        FlaskRequest(request_data=params),
        DatabaseToolConf(session, lti.tool_key, known=registration),
        launch_data_storage=DatabaseLaunchStorage(session),
    )
    # An anonymous caller's rows stay short (pylti1p3's default is a day); the storage must be
    # attached first, or pylti1p3 checks its default (cookie) storage and refuses.
    oidc.set_launch_data_storage(DatabaseLaunchStorage(session))
    oidc.set_launch_data_lifetime(LOGIN_STATE_SECONDS)
    storage_target = usable_target(params)
    if in_iframe and storage_target is None:
        oidc.enable_check_cookies()
    try:
        if storage_target is not None:
            response = _login_through_platform_storage(session, oidc, lti, storage_target)
        else:
            response = oidc.redirect(lti.launch_url)
    except OIDCException as error:
        raise LaunchError(Reason.MISSING_PARAMETER, detail=str(error)) from error
    if lti.state_purges.due():  # so anonymous logins cannot pile rows up between purges
        delete_expired(session)
    session.commit()  # the nonce the platform will echo back (and the storage proof)
    return response


def _login_through_platform_storage(
    session: Session, oidc: FlaskOIDCLogin, lti: LtiContext, target: str
) -> Response:
    """A page that puts the login's proof in the platform's storage frame, then goes on.

    The state cookie is still set: where the browser keeps it, the launch needs no read-back.
    """
    redirect = oidc.get_redirect_object(lti.launch_url)
    auth_url: str = redirect.get_redirect_url()
    stored = remember_login(session, auth_url, target, auth_url)
    page = make_response(
        render_template("lti/storage_login.html", stored=stored, next_url=auth_url)
    )
    oidc._cookie_service.update_response(page)
    return page


def validate(
    session: Session, lti: LtiContext, form: dict[str, str], *, state_verified: bool = False
) -> ValidLaunch:
    """Check a launch completely, or raise LaunchError with the first reason that applies.

    ``state_verified``: the state was proven by a platform-storage read-back instead of the
    state cookie (see lti.platform_storage); every other check still runs.

    The used nonce (and a deep link's launch data) are written in the session's transaction,
    uncommitted: the use case the launch calls next (``enter_course``) commits them with its
    own writes, one transaction for the launch instead of two.
    """
    id_token, state = form.get("id_token"), form.get("state")
    if not id_token or not state:
        raise LaunchError(Reason.MISSING_PARAMETER, detail="id_token and state are required")
    try:
        body = jwt.decode(id_token, options={"verify_signature": False})
    except jwt.DecodeError as error:
        raise LaunchError(Reason.MALFORMED_TOKEN, detail=str(error)) from error
    claims = parse(body)
    registration = lti.registrations.find(session, claims.issuer, claims.client_id)
    if registration is None:
        if not issuer_is_known(session, claims.issuer):
            raise LaunchError(Reason.UNKNOWN_ISSUER, detail=claims.issuer)
        raise LaunchError(Reason.WRONG_AUDIENCE, detail=claims.client_id)
    _refuse_pending(registration)
    if claims.deployment_id not in registration.deployment_ids:
        raise LaunchError(Reason.UNKNOWN_DEPLOYMENT, detail=claims.deployment_id)
    launch = _Launch(
        DatabaseToolConf(session, lti.tool_key, known=registration),
        lti.key_cache,
        state_verified=state_verified,
        launch_data_storage=DatabaseLaunchStorage(session),
    )
    launch.set_jwt_verify_options({"verify_aud": False, "require": ["exp", "iat"]})
    try:
        launch.validate()
    except (LtiException, LaunchError) as error:
        raise _reason_for(error) from error
    if not use_nonce(session, claims.issuer, str(body["nonce"]), NONCE_TTL_SECONDS):
        raise LaunchError(Reason.REPLAY)
    return ValidLaunch(
        claims, registration.institution_id, str(launch.get_launch_id()), registration.id
    )


def to_entry(launch: ValidLaunch) -> CourseEntry:
    """The protocol-neutral arrival the domain understands."""
    claims = launch.claims
    course = None
    if claims.context is not None:
        course = CourseRef(
            namespace=f"lti:{claims.issuer}|{claims.client_id}|{claims.deployment_id}",
            external_id=claims.context.id,
            title=claims.context.title,
            label=claims.context.label,
            lms_url=activity_url(claims),
        )
    return CourseEntry(
        account=AccountRef(namespace=f"lti:{claims.issuer}", subject=claims.subject),
        institution_id=launch.institution_id,
        person=PersonFacts(
            name=claims.name,
            given_name=claims.given_name,
            family_name=claims.family_name,
            email=claims.email,
            locale=claims.locale,
        ),
        role=map_roles(claims.roles),
        course=course,
    )
