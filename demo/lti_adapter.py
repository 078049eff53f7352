"""A Flask adapter for ``lti1p3platform`` (which ships only Django and FastAPI ones).

The library supplies the protocol steps (preflight URL, preflight-response checks, signing a
launch, the OAuth2 client-credentials grant); this module plugs the demo's platforms into it.
Where the library falls short, the gap is closed here and named:

* it never checks ``redirect_uri`` against the registered launch URL (see
  :func:`check_auth_request`, which the auth view runs first so errors name their reason);
* its ``Registration`` knows one key pair and publishes one key; the demo rotates keys, so
  :class:`DemoRegistration` delegates keys, JWKS and signing to the platform's key ring;
* its templates module imports ``pkg_resources``; the demo renders its own templates and
  never imports ``lti1p3platform.framework``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from flask import Request as FlaskHttpRequest
from flask import redirect, render_template
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request
from werkzeug.wrappers import Response

from .platforms import DemoPlatform, DemoUser, DocumentTarget, deep_linking_claims

DOCUMENT_TARGETS: tuple[DocumentTarget, ...] = ("iframe", "window")


@dataclass(frozen=True)
class ToolEndpoints:
    """Where Tandem listens, derived from its base URL."""

    base_url: str

    @property
    def login_url(self) -> str:
        return f"{self.base_url}/lti/login"

    @property
    def launch_url(self) -> str:
        return f"{self.base_url}/lti/launch"

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/lti/jwks"


class FlaskRequest(Request):  # type: ignore[misc]
    """The library's neutral request view of a Flask request."""

    def build_metadata(self, request: FlaskHttpRequest) -> dict[str, Any]:
        return {
            "method": request.method,
            "form_data": request.form.to_dict(),
            "get_data": request.args.to_dict(),
            "headers": request.headers,
            "content_type": request.content_type,
            "path": request.path,
            "json": request.get_json(silent=True),
        }


class DemoRegistration(Registration):  # type: ignore[misc]
    """The library's registration, with keys delegated to the platform's rotating key ring."""

    def __init__(self, platform: DemoPlatform, tool: ToolEndpoints) -> None:
        self.platform = platform
        key = platform.keys.current
        (
            self.set_iss(platform.issuer)
            .set_client_id(platform.client_id)
            .set_deployment_id(platform.deployment_id)
            .set_oidc_login_url(tool.login_url)
            .set_launch_url(tool.launch_url)
            .set_tool_key_set_url(tool.jwks_url)
            .set_platform_private_key(key.private_pem())
            .set_platform_public_key(key.public_pem())
        )

    def get_kid(self) -> str:
        return self.platform.kid

    def get_jwks(self) -> list[dict[str, str]]:
        return self.platform.jwks()["keys"]

    def platform_encode_and_sign(
        self, payload: dict[str, Any], expiration: int | None = None
    ) -> str:
        """Sign with the platform's current key; ``launch_claims`` already set iat/exp."""
        del expiration
        return self.platform.sign(payload)


class DemoPlatformConf(LTI1P3PlatformConfAbstract):  # type: ignore[misc]
    """The library's per-request platform configuration: one demo platform, one tool."""

    platform: DemoPlatform
    tool: ToolEndpoints

    def init_platform_config(self, **kwargs: Any) -> None:
        self.platform = kwargs["platform"]
        self.tool = kwargs["tool"]

    def get_registration_by_params(self, **kwargs: Any) -> DemoRegistration:
        return DemoRegistration(self.platform, self.tool)


MESSAGES = ("resource", "deep_link")


def encode_message_hint(
    user: DemoUser, target: DocumentTarget, link: str | None = None, message: str = "resource"
) -> str:
    """The opaque ``lti_message_hint``: who launches which link, and where the tool will show."""
    hint = {"user": user.user_id, "target": target}
    if link is not None:
        hint["link"] = link
    if message != "resource":
        hint["message"] = message
    return json.dumps(hint, separators=(",", ":"))


STORAGE_TARGET = "_parent"  # Brightspace: the page embedding the tool answers


class DemoOIDCLogin(OIDCLoginAbstract):  # type: ignore[misc]
    """Third-party initiated login: redirect the browser to the tool's login URL.

    A platform with postMessage storage names its storage frame (``lti_storage_target``) when
    the tool will show in its iframe, as Brightspace does; Moodle never sends it.
    """

    storage_target: str | None = None

    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self._lti_message_hint = encode_message_hint(
            kwargs["user"], kwargs["target"], kwargs.get("link"), kwargs.get("message", "resource")
        )
        platform: DemoPlatform = kwargs["platform"]
        if kwargs["target"] == "iframe" and platform.profile.platform_storage:
            self.storage_target = STORAGE_TARGET

    def prepare_preflight_url(self, user_id: str) -> str:
        url: str = super().prepare_preflight_url(user_id)
        if self.storage_target is None:
            return url
        return f"{url}&{urlencode({'lti_storage_target': self.storage_target})}"

    def get_redirect(self, url: str) -> Response:
        return redirect(url, code=302)


class AuthRequestError(ValueError):
    """The tool's authentication request is unacceptable; the message says why."""


@dataclass(frozen=True)
class AuthRequest:
    """A checked OIDC authentication request (the tool's answer to login initiation)."""

    user: DemoUser
    nonce: str
    state: str
    redirect_uri: str
    document_target: DocumentTarget
    link_id: str | None = None
    message: str = "resource"


def _decode_message_hint(raw: str, login_hint: str) -> dict[str, Any]:
    try:
        hint = json.loads(raw)
    except ValueError as exc:
        raise AuthRequestError("lti_message_hint is not one this platform issued.") from exc
    if not isinstance(hint, dict) or hint.get("target") not in DOCUMENT_TARGETS:
        raise AuthRequestError("lti_message_hint is not one this platform issued.")
    if hint.get("user") != login_hint:
        raise AuthRequestError("lti_message_hint belongs to another user than login_hint.")
    if hint.get("message", "resource") not in MESSAGES:
        raise AuthRequestError("lti_message_hint names an unknown message.")
    return hint


def check_auth_request(
    params: dict[str, str], platform: DemoPlatform, tool: ToolEndpoints
) -> AuthRequest:
    """Validate the OIDC authentication request as a strict LMS does (Moodle's rules).

    lti1p3platform checks only presence of nonce/state/redirect_uri and the client id; an
    exact ``redirect_uri`` match is what stops a token being posted to an attacker's URL.
    """
    expected = {"scope": "openid", "response_type": "id_token"}
    for name, value in expected.items():
        if params.get(name) != value:
            raise AuthRequestError(f"{name} must be {value!r}.")
    if params.get("client_id") != platform.client_id:
        raise AuthRequestError("Unknown client_id for this platform.")
    redirect_uri = params.get("redirect_uri", "")
    if redirect_uri != tool.launch_url:
        raise AuthRequestError(
            f"redirect_uri {redirect_uri!r} is not the registered launch URL {tool.launch_url!r}."
        )
    for name in ("nonce", "state"):
        if not params.get(name):
            raise AuthRequestError(f"{name} is missing.")
    login_hint = params.get("login_hint", "")
    user = platform.user(login_hint)
    if user is None:
        raise AuthRequestError("login_hint is not a user of this platform.")
    raw_hint = params.get("lti_message_hint")
    if not raw_hint:
        raise AuthRequestError("lti_message_hint is missing.")
    hint = _decode_message_hint(raw_hint, login_hint)
    link = hint.get("link")
    if link is not None and link not in platform.links:
        raise AuthRequestError("lti_message_hint names a link this course does not have.")
    return AuthRequest(
        user=user,
        nonce=params["nonce"],
        state=params["state"],
        redirect_uri=redirect_uri,
        document_target=cast(DocumentTarget, hint["target"]),
        link_id=link,
        message=str(hint.get("message", "resource")),
    )


class DemoMessageLaunch(LTIAdvantageMessageLaunchAbstract):  # type: ignore[misc]
    """Build, sign and post the id_token for a checked :class:`AuthRequest`.

    The claims come from :meth:`DemoPlatform.launch_claims` (one source for the app and for
    tests that craft tokens); the library adds whatever LTI Advantage claims were set on this
    object (``set_nrps``/``set_ags``) and does the signing through :class:`DemoRegistration`.
    """

    def __init__(
        self, request: FlaskRequest, platform_config: DemoPlatformConf, auth: AuthRequest
    ) -> None:
        super().__init__(request, platform_config)
        self.auth = auth
        self.platform = platform_config.platform

    def get_preflight_response(self) -> dict[str, str]:
        """The auth request may arrive by GET or POST; the library reads only one of them."""
        return {
            "nonce": self.auth.nonce,
            "state": self.auth.state,
            "redirect_uri": self.auth.redirect_uri,
            "client_id": self.platform.client_id,
        }

    def get_launch_data(self) -> tuple[dict[str, Any], str]:
        claims = self.platform.launch_claims(
            self.auth.user,
            nonce=self.auth.nonce,
            target_link_uri=self.get_launch_url(),
            document_target=self.auth.document_target,
            link=self.platform.links.get(self.auth.link_id or ""),
        )
        if self.auth.message == "deep_link":
            claims = deep_linking_claims(self.platform, claims)
        claims.update(self.extra_claims)
        return claims, self.auth.state

    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> str:
        return render_template("demo/launch_form.html", platform=self.platform, **launch_data)
