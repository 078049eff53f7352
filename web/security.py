"""Response headers and cross-site request checks for pages that live inside LMS iframes.

Tandem's cookies must be ``SameSite=None`` to survive an iframe, so the browser no longer
refuses cross-site form posts for us. Instead every state-changing request must come from one
of our own pages: the browser's ``Sec-Fetch-Site`` (or, from older browsers, ``Origin``) says
where it came from. The LTI endpoints that platforms post to by design are exempt.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, g, request
from flask.typing import ResponseReturnValue
from sqlalchemy import select
from werkzeug.wrappers import Response

from lti.models import Registration
from web.auth import current_actor
from web.config import Settings
from web.db import get_session

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_EXEMPT_ATTRIBUTE = "_tandem_cross_site_allowed"

F = TypeVar("F", bound=Callable[..., object])


def cross_site_allowed(view: F) -> F:
    """Mark a view that other sites post to on purpose (an LMS's launch form, for one)."""
    setattr(view, _EXEMPT_ATTRIBUTE, True)
    return view


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _is_cross_site(own_origin: str) -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site not in ("same-origin", "none")
    origin = request.headers.get("Origin")
    if origin is not None and origin != "null":
        return origin != own_origin and origin != request.host_url.rstrip("/")
    # Neither header: not a browser form post (CLI, API client, old browser). Browsers that
    # can be lured into a cross-site post send at least one of the two.
    return False


def _form_action_sources() -> str:
    """A view that posts a form to an LMS (deep-linking return) names it in ``g``."""
    target = g.get("csp_form_action")
    if not isinstance(target, str):
        return ""
    parts = urlsplit(target)
    return f" {parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") else ""


def _frame_sources() -> str:
    """A page that embeds a video call names the call's origin in ``g.csp_frame_src``."""
    origin = g.get("csp_frame_src")
    return f"; frame-src 'self' {origin}" if isinstance(origin, str) else ""


def registered_lms_origins() -> list[str]:
    """The origins of every active LMS registration: the sites allowed to frame Tandem."""
    rows = get_session().execute(
        select(Registration.issuer, Registration.auth_login_url).where(
            Registration.status == "active"
        )
    )
    origins = set()
    for issuer, login_url in rows:
        for url in (issuer, login_url):
            parts = urlsplit(url)
            if parts.scheme in ("http", "https") and parts.netloc:
                origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


class _FrameAncestors:
    """``frame-ancestors``: configured, else derived from registrations (cached a minute)."""

    TTL_SECONDS = 60.0

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.value = ""
        self.expires = 0.0

    def __call__(self) -> str:
        if self.settings.frame_ancestors:
            return self.settings.frame_ancestors
        if not self.settings.is_production:
            return "*"
        now = time.monotonic()
        if now >= self.expires:
            self.value = " ".join(["'self'", *registered_lms_origins()])
            self.expires = now + self.TTL_SECONDS
        return self.value


def _own_sockets(base_url: str) -> str:
    """Websockets to our own host only (Socket.IO), never to any host."""
    parts = urlsplit(base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}"


def _is_personal(response: Response) -> bool:
    """Pages for a signed-in person (their data, profile, room) must not be cached anywhere."""
    if request.endpoint in (None, "static") or "Cache-Control" in response.headers:
        return False
    return current_actor() is not None or request.path.startswith("/me")


class QueryStringFilter(logging.Filter):
    """Drops query strings from the development server's request lines (``/lti/login`` carries
    the LMS user id in ``login_hint``); gunicorn.conf.py does the same for production."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args and isinstance(record.args[0], str):
            line = record.args[0]
            if "?" in line:
                method_path, _, rest = line.partition("?")
                version = rest.rpartition(" ")[2] if " " in rest else ""
                cleaned = f"{method_path} {version}".rstrip()
                record.args = (cleaned, *record.args[1:])
        return True


def _quiet_query_strings() -> None:
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, QueryStringFilter) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(QueryStringFilter())


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    nonce: str = g.csp_nonce
    return nonce


def init_app(app: Flask, settings: Settings) -> None:
    own_origin = _origin(settings.base_url)
    frame_ancestors = _FrameAncestors(settings)
    sockets = _own_sockets(settings.base_url)
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    _quiet_query_strings()

    @app.before_request
    def refuse_cross_site_writes() -> None:
        if request.method in SAFE_METHODS or request.endpoint is None:
            return
        view = app.view_functions.get(request.endpoint)
        if getattr(view, _EXEMPT_ATTRIBUTE, False):
            return
        if _is_cross_site(own_origin):
            abort(403)

    @app.after_request
    def headers(response: Response) -> ResponseReturnValue:
        response.headers["Content-Security-Policy"] = (
            f"default-src 'self'; script-src 'self' 'nonce-{csp_nonce()}'; "
            "style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self' {sockets}; "
            f"frame-ancestors {frame_ancestors()}; base-uri 'none'; "
            f"form-action 'self'{_form_action_sources()}; object-src 'none'"
            f"{_frame_sources()}"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        if settings.is_https:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if _is_personal(response):
            response.headers["Cache-Control"] = "no-store"
        return response
