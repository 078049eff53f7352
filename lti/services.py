"""Calling an LMS's LTI Advantage services (NRPS, AGS) server to server, and where they are.

Our own small client rather than pylti1p3's ServiceConnector: its paging reads only a quoted
``rel="next"`` (Brightspace and others send ``rel=next``), it raises bare exceptions for
HTTP errors, and it would have to be wired to a Flask request. A token is requested per
registration and scope set, and reused until shortly before it expires.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import jwt
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from lti.claims import ServiceClaims
from lti.keys import ToolKeyStore
from lti.models import Registration, ServiceEndpoints
from plugin.db import get_or_create, utcnow
from plugin.errors import NotFound
from plugin.i18n import N_, Text

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_MARGIN_SECONDS = 30
DEFAULT_TIMEOUT_SECONDS = 10.0
# One Link header may carry several links: <url>; rel="next", <url>; rel=prev
_LINK = re.compile(r'<([^>]+)>\s*((?:;\s*[\w-]+\s*=\s*(?:"[^"]*"|[^;,]+)\s*)*)')
_REL = re.compile(r';\s*rel\s*=\s*(?:"([^"]*)"|([^;,\s]+))')


class ServiceError(Exception):
    """An LMS service call failed; the message says how, for logs and the teacher's page.

    ``message`` is marked for translation (``N_``) with its parameters, so the teacher reads it
    in their language and the log in English; ``oauth_error`` is the OAuth error code a token
    endpoint answered (RFC 6749 §5.2), e.g. ``invalid_client`` for a tool deleted in the LMS.
    """

    def __init__(
        self, message: str, status: int | None = None, oauth_error: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message if isinstance(message, Text) else N_(message)
        self.status = status
        self.oauth_error = oauth_error

    @property
    def stored(self) -> dict[str, Any]:
        """The message as msgid and parameters, to keep in a JSON column and translate later."""
        params = {key: str(value) for key, value in self.message.params.items()}
        return {"msgid": self.message.msgid, "params": params}


def stored_message(stored: Any) -> Text | None:
    """A message kept by :attr:`ServiceError.stored`, marked again for translation."""
    if not isinstance(stored, dict) or not isinstance(stored.get("msgid"), str):
        return None
    params = stored.get("params")
    return Text(stored["msgid"], params if isinstance(params, dict) else {})


def token_refusal(status: int, body: Any) -> ServiceError:
    """What a token endpoint's refusal says: its OAuth ``error`` and ``error_description``."""
    code = body.get("error") if isinstance(body, dict) else None
    description = body.get("error_description") if isinstance(body, dict) else None
    code = code.strip()[:100] if isinstance(code, str) and code.strip() else None
    description = (
        description.strip()[:300] if isinstance(description, str) and description.strip() else None
    )
    if code and description:
        message = N_(
            "The LMS refused a token (HTTP %(status)s): %(error)s, %(description)s",
            status=status,
            error=code,
            description=description,
        )
    elif code:
        message = N_(
            "The LMS refused a token (HTTP %(status)s): %(error)s", status=status, error=code
        )
    else:
        message = N_("The LMS refused a token (HTTP %(status)s) without saying why.", status=status)
    return ServiceError(message, status, oauth_error=code)


def next_page_url(link_header: str | None) -> str | None:
    """The ``rel=next`` target of a Link header, quoted or not (RFC 8288 allows both)."""
    if not link_header:
        return None
    for match in _LINK.finditer(link_header):
        for rel in _REL.finditer(match.group(2)):
            values = (rel.group(1) or rel.group(2) or "").split()
            if "next" in values:
                return match.group(1)
    return None


@dataclass
class TokenCache:
    """Access tokens by (registration, scopes); shared by the threads of one process."""

    _tokens: dict[tuple[int, str], tuple[str, float]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, key: tuple[int, str]) -> str | None:
        with self._lock:
            found = self._tokens.get(key)
        if found is None or found[1] <= time.time():
            return None
        return found[0]

    def put(self, key: tuple[int, str], token: str, expires_in: float) -> None:
        with self._lock:
            self._tokens[key] = (token, time.time() + expires_in - TOKEN_MARGIN_SECONDS)

    def forget(self, key: tuple[int, str]) -> None:
        with self._lock:
            self._tokens.pop(key, None)


@dataclass
class ServiceClient:
    """Signed, authorised HTTP to one LMS registration's services."""

    keys: ToolKeyStore
    tokens: TokenCache
    http: requests.Session = field(default_factory=requests.Session)
    timeout: float = DEFAULT_TIMEOUT_SECONDS

    def _assertion(self, registration: Registration) -> str:
        key = self.keys.current()
        now = int(time.time())
        claims = {
            "iss": registration.client_id,
            "sub": registration.client_id,
            "aud": registration.token_audience or registration.auth_token_url,
            "iat": now,
            "exp": now + 300,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, key.private_pem, algorithm="RS256", headers={"kid": key.kid})

    def access_token(self, registration: Registration, scopes: tuple[str, ...]) -> str:
        cache_key = (registration.id, " ".join(sorted(scopes)))
        token = self.tokens.get(cache_key)
        if token is not None:
            return token
        form = {
            "grant_type": "client_credentials",
            "client_assertion_type": JWT_BEARER,
            "client_assertion": self._assertion(registration),
            "scope": " ".join(scopes),
        }
        try:
            response = self.http.post(registration.auth_token_url, data=form, timeout=self.timeout)
        except requests.RequestException as error:
            raise ServiceError(
                N_("The LMS token endpoint is unreachable: %(error)s", error=str(error))
            ) from error
        body = _json_or_none(response)
        if response.status_code != 200 or not isinstance(body, dict):
            raise token_refusal(response.status_code, body)
        token = body.get("access_token")
        if not isinstance(token, str):
            raise ServiceError(N_("The LMS token answer holds no access_token."))
        granted = set(str(body.get("scope", "")).split())
        if granted and not set(scopes) <= granted:
            missing = " ".join(sorted(set(scopes) - granted))
            raise ServiceError(
                N_("The LMS did not grant the scopes Tandem needs: %(scopes)s", scopes=missing)
            )
        self.tokens.put(cache_key, token, float(body.get("expires_in", 3600)))
        return token

    def request(
        self,
        registration: Registration,
        scopes: tuple[str, ...],
        method: str,
        url: str,
        *,
        accept: str | None = None,
        json_body: Mapping[str, Any] | None = None,
        content_type: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> requests.Response:
        """One call with a bearer token; an expired or revoked token is renewed once."""
        for attempt in range(2):
            headers = {"Authorization": f"Bearer {self.access_token(registration, scopes)}"}
            if accept:
                headers["Accept"] = accept
            if content_type:
                headers["Content-Type"] = content_type
            try:
                response = self.http.request(
                    method,
                    url,
                    headers=headers,
                    json=json_body,
                    params=params,
                    timeout=self.timeout,
                )
            except requests.RequestException as error:
                raise ServiceError(
                    N_("The LMS is unreachable: %(error)s", error=str(error))
                ) from error
            if response.status_code == 401 and attempt == 0:
                self.tokens.forget((registration.id, " ".join(sorted(scopes))))
                continue
            if response.status_code >= 400:
                raise ServiceError(
                    N_(
                        "The LMS answered HTTP %(status)s: %(body)s",
                        status=response.status_code,
                        body=response.text[:300],
                    ),
                    response.status_code,
                )
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def pages(
        self,
        registration: Registration,
        scopes: tuple[str, ...],
        url: str,
        *,
        accept: str,
        max_pages: int = 1000,
    ) -> Iterator[Any]:
        """Every page's JSON body, following ``rel=next`` links (quoted or not)."""
        next_url: str | None = url
        for _ in range(max_pages):
            if next_url is None:
                return
            response = self.request(registration, scopes, "GET", next_url, accept=accept)
            yield _json_or_fail(response)
            next_url = next_page_url(response.headers.get("Link"))
        raise ServiceError(N_("The LMS sent more than %(pages)s pages; stopped.", pages=max_pages))


def _json_or_none(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _json_or_fail(response: requests.Response) -> Any:
    body = _json_or_none(response)
    if body is None:
        raise ServiceError(N_("The LMS answered something that is not JSON."))
    return body


def remember_services(
    session: Session, course_id: int, registration_id: int, services: ServiceClaims
) -> ServiceEndpoints | None:
    """Keep the service URLs a launch named for its course; the latest launch wins.

    A line item Tandem created itself is kept when launches name none (Brightspace).
    """
    if not services.any:
        return None
    row, _created = get_or_create(
        session,
        ServiceEndpoints,
        {"course_id": course_id},
        lambda: ServiceEndpoints(course_id=course_id, registration_id=registration_id),
    )
    changed = (
        row.registration_id != registration_id
        or row.memberships_url != (services.memberships_url or row.memberships_url)
        or row.lineitems_url != (services.lineitems_url or row.lineitems_url)
        or row.lineitem_url != (services.lineitem_url or row.lineitem_url)
        or list(row.ags_scopes or []) != list(services.ags_scopes or row.ags_scopes or [])
    )
    if changed or _created:
        row.registration_id = registration_id
        row.memberships_url = services.memberships_url or row.memberships_url
        row.lineitems_url = services.lineitems_url or row.lineitems_url
        row.lineitem_url = services.lineitem_url or row.lineitem_url
        row.ags_scopes = list(services.ags_scopes or row.ags_scopes or [])
        row.updated_at = utcnow()
        session.commit()
    return row


def before_calling_the_lms(session: Session) -> None:
    """End the transaction before a request to the LMS, which may take seconds to answer: on
    SQLite a transaction holds the one write lock (and its process's turn,
    plugin.sqlite_turns), so every other request would wait for the LMS too."""
    session.commit()


def end_reads_before_calling_the_lms(session: Session, registration: Registration) -> None:
    """before_calling_the_lms for a use case that has only read so far: roll back, so that
    its one commit stays the one that writes. ``registration`` leaves the session first and
    keeps its loaded columns for the LMS call (a rollback would expire them, and reading them
    again would open a transaction while the LMS answers)."""
    session.expunge(registration)
    session.rollback()


def endpoints_for(session: Session, course_id: int) -> ServiceEndpoints:
    query = (
        select(ServiceEndpoints)
        .where(ServiceEndpoints.course_id == course_id)
        .options(joinedload(ServiceEndpoints.registration))
    )
    row = session.scalar(query)
    if row is None:
        raise NotFound(N_("This course has not been launched with LTI services yet."))
    return row
