"""Response headers and cross-site request checks for pages that live inside LMS iframes.

Tandem's cookies must be ``SameSite=None`` to survive an iframe, so the browser no longer
refuses cross-site form posts for us. Instead every state-changing request must come from one
of our own pages: the browser's ``Sec-Fetch-Site`` (or, from older browsers, ``Origin``) says
where it came from. The LTI endpoints that platforms post to by design are exempt.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlsplit

from flask import Flask, abort, g, request
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from web.config import Settings

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


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    nonce: str = g.csp_nonce
    return nonce


def init_app(app: Flask, settings: Settings) -> None:
    own_origin = _origin(settings.base_url)
    app.jinja_env.globals["csp_nonce"] = csp_nonce

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
            "style-src 'self'; img-src 'self' data:; connect-src 'self' ws: wss:; "
            f"frame-ancestors {settings.frame_ancestors}; base-uri 'none'; "
            f"form-action 'self'{_form_action_sources()}; object-src 'none'"
            f"{_frame_sources()}"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        return response
