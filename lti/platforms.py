"""Which LMS platforms may launch Tandem: DB-backed pylti1p3 tool configuration.

A registration is (issuer, client_id), because cloud LMSs share one issuer among many
customers; each registration has many deployments. The institution behind a registration is
recorded when an administrator registers it, so a launch's institution is verified, not typed.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from pylti1p3.deployment import Deployment as LibDeployment
from pylti1p3.registration import Registration as LibRegistration
from pylti1p3.tool_config.abstract import ToolConfAbstract
from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction, joinedload

from lti.keys import ToolKey
from lti.models import Deployment, Registration
from plugin.errors import Conflict, FieldErrors, InvalidInput, NotFound
from plugin.i18n import N_
from plugin.people.institutions import InstitutionDetails, apply_details
from plugin.people.service import add_institution

ACTIVE = "active"
PENDING = "pending"
# Replaced by a newer registration of the same LMS (lti.replacement); its launches are refused.
RETIRED = "retired"
STATUSES = (ACTIVE, PENDING)


@dataclass(frozen=True)
class PlatformSpec:
    issuer: str
    client_id: str
    name: str
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    deployment_ids: tuple[str, ...] = ()
    token_audience: str | None = None
    institution_name: str | None = None
    country: str | None = None
    source: str = "manual"
    status: str = ACTIVE
    platform_config: dict[str, Any] | None = None


def _check_url(url: str, *, allow_http: bool, field: str | None = None) -> None:
    parts = urlsplit(url)
    schemes = ("https", "http") if allow_http else ("https",)
    if parts.scheme not in schemes or not parts.netloc:
        if allow_http:
            raise InvalidInput(
                N_("Every platform URL must be an absolute http or https address."), field
            )
        raise InvalidInput(N_("Every platform URL must be an absolute https address."), field)


# Built once: every login and launch looks a registration up, and building the statement
# (and its cache key) per call cost more CPU than running it (py-spy on bench/launch.py).
_BY_ISSUER = (
    select(Registration)
    .where(Registration.issuer == bindparam("issuer"))
    .options(joinedload(Registration.deployments))
)
_BY_ISSUER_AND_CLIENT = _BY_ISSUER.where(Registration.client_id == bindparam("client_id"))


def find_registration(session: Session, issuer: str, client_id: str | None) -> Registration | None:
    """By (issuer, client_id); without a client_id only when the issuer has exactly one."""
    if client_id is not None:
        params = {"issuer": issuer, "client_id": client_id}
        return session.scalars(_BY_ISSUER_AND_CLIENT, params).unique().first()
    found = session.scalars(_BY_ISSUER, {"issuer": issuer}).unique().all()
    current = [r for r in found if r.status != RETIRED]
    return current[0] if len(current) == 1 else None


@dataclass(frozen=True)
class KnownRegistration:
    """What a login and a launch read of a registration: a plain snapshot, safe to share
    between requests and threads (an ORM row belongs to one session)."""

    id: int
    issuer: str
    client_id: str
    status: str
    institution_id: int
    auth_login_url: str
    auth_token_url: str
    key_set_url: str
    token_audience: str | None
    deployment_ids: frozenset[str]

    @classmethod
    def of(cls, row: Registration) -> KnownRegistration:
        return cls(
            id=row.id,
            issuer=row.issuer,
            client_id=row.client_id,
            status=row.status,
            institution_id=row.institution_id,
            auth_login_url=row.auth_login_url,
            auth_token_url=row.auth_token_url,
            key_set_url=row.key_set_url,
            token_audience=row.token_audience,
            deployment_ids=frozenset(d.deployment_id for d in row.deployments),
        )


# Any write to a registration or deployment in this process empties every RegistrationCache
# at once (a generation counter); other processes see it when their entries expire.
_generation = 0
_generation_lock = threading.Lock()


def _bump_generation() -> None:
    global _generation
    with _generation_lock:
        _generation += 1


def _touches_registrations(session: Session) -> bool:
    changed = (*session.new, *session.dirty, *session.deleted)
    return any(isinstance(row, Registration | Deployment) for row in changed)


@event.listens_for(Session, "after_flush")
def _registrations_flushed(session: Session, _flush: UOWTransaction) -> None:
    if _touches_registrations(session):
        _bump_generation()
        session.info["tandem.registrations_changed"] = True


@event.listens_for(Session, "after_commit")
def _registrations_committed(session: Session) -> None:
    # Again at commit: a request that filled a cache between the flush and the commit read
    # the old row.
    if session.info.pop("tandem.registrations_changed", False):
        _bump_generation()


@event.listens_for(Session, "do_orm_execute")
def _registrations_bulk_written(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and any(
        mapper.class_ in (Registration, Deployment) for mapper in state.all_mappers
    ):
        _bump_generation()
        state.session.info["tandem.registrations_changed"] = True


REGISTRATION_CACHE_SECONDS = 10.0


class RegistrationCache:
    """(issuer, client_id) -> the registration, for a few seconds, per process.

    Every login and launch looks its registration up, with its deployments; the rows change
    only when an admin or an LMS edits a platform. A write in this process clears the cache
    at once (see ``_bump_generation``); a write in another process is seen after at most
    ``ttl_seconds``. Misses are not cached, so a new registration works at once and
    unknown issuers cannot fill the memory.
    """

    def __init__(self, ttl_seconds: float = REGISTRATION_CACHE_SECONDS) -> None:
        self._ttl = ttl_seconds
        self._lock = threading.Lock()
        self._entries: dict[tuple[str, str | None], tuple[float, int, KnownRegistration]] = {}

    def find(
        self, session: Session, issuer: str, client_id: str | None
    ) -> KnownRegistration | None:
        key = (issuer, client_id)
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and now - entry[0] < self._ttl and entry[1] == _generation:
            return entry[2]
        generation = _generation  # before reading: a write meanwhile makes this entry stale
        row = find_registration(session, issuer, client_id)
        if row is None:
            return None
        known = KnownRegistration.of(row)
        with self._lock:
            if len(self._entries) > 1000:
                self._entries.clear()
            self._entries[key] = (now, generation, known)
        return known

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def issuer_is_known(session: Session, issuer: str) -> bool:
    return session.scalar(select(Registration.id).where(Registration.issuer == issuer)) is not None


def add_platform(session: Session, spec: PlatformSpec, *, allow_http: bool = False) -> Registration:
    """Register a platform (and its institution); http URLs only for local demos and tests."""
    registration = new_platform(session, spec, allow_http=allow_http)
    session.commit()
    return registration


def new_platform(session: Session, spec: PlatformSpec, *, allow_http: bool = False) -> Registration:
    """add_platform inside a caller's transaction (a helper: no commit)."""
    errors = FieldErrors()  # named after the admin form's inputs, all shown at once
    urls = {
        "issuer": spec.issuer,
        "auth_login_url": spec.auth_login_url,
        "auth_token_url": spec.auth_token_url,
        "key_set_url": spec.key_set_url,
    }
    for field, url in urls.items():
        with errors.field(field):
            _check_url(url, allow_http=allow_http, field=field)
    if spec.status not in STATUSES:
        errors.add(None, N_("A registration is either active or pending."))
    if not spec.client_id.strip():
        errors.add("client_id", N_("A client id is required."))
    errors.raise_if_any()
    if find_registration(session, spec.issuer, spec.client_id) is not None:
        raise Conflict(N_("This platform and client id are already registered."))
    institution = add_institution(session, spec.institution_name or spec.name, spec.country)
    registration = Registration(
        issuer=spec.issuer,
        client_id=spec.client_id,
        name=spec.name,
        institution_id=institution.id,
        auth_login_url=spec.auth_login_url,
        auth_token_url=spec.auth_token_url,
        key_set_url=spec.key_set_url,
        token_audience=spec.token_audience,
        source=spec.source,
        status=spec.status,
        platform_config=spec.platform_config,
        deployments=[Deployment(deployment_id=d) for d in dict.fromkeys(spec.deployment_ids)],
    )
    session.add(registration)
    return registration


def update_platform(
    session: Session, registration: Registration, spec: PlatformSpec, *, allow_http: bool = False
) -> Registration:
    """The same client id registered again (Moodle: "update an already installed tool"): take
    the platform's new URLs, configuration and deployments; keep the name, institution and
    status an admin gave it. The LMS just proved the client id exists, so a broken state
    (lti.health: its token refused) is cleared and waiting grades and rosters go out again."""
    refresh_platform(session, registration, spec, allow_http=allow_http)
    session.commit()
    return registration


def refresh_platform(
    session: Session, registration: Registration, spec: PlatformSpec, *, allow_http: bool = False
) -> Registration:
    """update_platform inside a caller's transaction (a helper: no commit)."""
    for url in (spec.issuer, spec.auth_login_url, spec.auth_token_url, spec.key_set_url):
        _check_url(url, allow_http=allow_http)
    registration.auth_login_url = spec.auth_login_url
    registration.auth_token_url = spec.auth_token_url
    registration.key_set_url = spec.key_set_url
    registration.token_audience = spec.token_audience
    registration.platform_config = spec.platform_config
    known = {d.deployment_id for d in registration.deployments}
    for deployment_id in dict.fromkeys(spec.deployment_ids):
        if deployment_id not in known:
            registration.deployments.append(Deployment(deployment_id=deployment_id))
    registration.token_refusals = 0
    registration.broken_at = None
    registration.last_token_error = None
    return registration


def add_deployment(session: Session, issuer: str, client_id: str, deployment_id: str) -> None:
    registration = _get(session, issuer, client_id)
    if any(d.deployment_id == deployment_id for d in registration.deployments):
        raise Conflict(
            N_("Deployment %(deployment_id)s is already registered.", deployment_id=deployment_id)
        )
    registration.deployments.append(Deployment(deployment_id=deployment_id))
    session.commit()


def remove_platform(session: Session, issuer: str, client_id: str) -> None:
    session.delete(_get(session, issuer, client_id))
    session.commit()


def activate_platform(
    session: Session,
    issuer: str,
    client_id: str,
    *,
    institution_name: str | None = None,
    country: str | None = None,
) -> Registration:
    """Let a pending registration (Moodle-style dynamic registration) launch Tandem, and
    complete its institution's details on the way (a dynamic registration knows only a host)."""
    registration = _get(session, issuer, client_id)
    apply_details(
        registration.institution, InstitutionDetails(name=institution_name, country=country)
    )
    registration.status = ACTIVE
    session.commit()
    return registration


def update_institution(session: Session, spec: PlatformSpec) -> Registration:
    """A known platform's institution takes the name and country ``spec`` gives (what
    ``tandem platform import`` does for platforms it already knows)."""
    registration = _get(session, spec.issuer, spec.client_id)
    apply_details(
        registration.institution,
        InstitutionDetails(name=spec.institution_name, country=spec.country),
    )
    session.commit()
    return registration


def get_registration(session: Session, registration_id: int) -> Registration:
    query = (
        select(Registration)
        .where(Registration.id == registration_id)
        .options(joinedload(Registration.deployments), joinedload(Registration.institution))
    )
    registration = session.scalars(query).unique().first()
    if registration is None:
        raise NotFound(N_("This registration does not exist."))
    return registration


def list_platforms(session: Session) -> list[Registration]:
    query = select(Registration).options(
        joinedload(Registration.deployments), joinedload(Registration.institution)
    )
    ordered = query.order_by(Registration.issuer, Registration.client_id)
    return list(session.scalars(ordered).unique())


def _get(session: Session, issuer: str, client_id: str) -> Registration:
    registration = find_registration(session, issuer, client_id)
    if registration is None:
        raise NotFound(
            N_(
                "No platform %(issuer)s with client id %(client_id)s is registered.",
                issuer=issuer,
                client_id=client_id,
            )
        )
    return registration


class DatabaseToolConf(ToolConfAbstract):  # type: ignore[misc]
    """pylti1p3's view of our registrations. Every issuer may have many client ids.

    pylti1p3 asks for the same registration several times per launch; one instance lives for
    one request and remembers the rows it found (or is handed the one we already looked up).
    """

    def __init__(
        self, session: Session, tool_key: ToolKey, known: KnownRegistration | None = None
    ) -> None:
        super().__init__()
        self._session = session
        self._tool_key = tool_key
        self._rows: dict[tuple[str, str | None], KnownRegistration | None] = {}
        if known is not None:
            self._rows[(known.issuer, known.client_id)] = known

    def _row(self, iss: str, client_id: str | None) -> KnownRegistration | None:
        key = (iss, client_id)
        if key not in self._rows:
            row = find_registration(self._session, iss, client_id)
            self._rows[key] = None if row is None else KnownRegistration.of(row)
        return self._rows[key]

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    def find_registration_by_issuer(self, iss: str, *args: Any, **kwargs: Any) -> Any:
        return self.find_registration_by_params(iss, None)

    def find_registration_by_params(
        self, iss: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> LibRegistration | None:
        row = self._row(iss, client_id)
        if row is None:
            return None
        registration = LibRegistration()
        registration.set_issuer(row.issuer).set_client_id(row.client_id).set_auth_login_url(
            row.auth_login_url
        ).set_auth_token_url(row.auth_token_url).set_key_set_url(
            row.key_set_url
        ).set_tool_private_key(self._tool_key.private_pem).set_tool_public_key(
            self._tool_key.public_pem
        )
        if row.token_audience:
            registration.set_auth_audience(row.token_audience)
        return registration

    def find_deployment(self, iss: str, deployment_id: str) -> LibDeployment | None:
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(
        self, iss: str, deployment_id: str, client_id: str | None, *args: Any, **kwargs: Any
    ) -> LibDeployment | None:
        row = self._row(iss, client_id)
        if row is None or deployment_id not in row.deployment_ids:
            return None
        return LibDeployment().set_deployment_id(deployment_id)
