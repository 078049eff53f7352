"""LTI Dynamic Registration 1.0: an LMS admin pastes one URL and the platform registers Tandem.

The platform opens ``/lti/register?openid_configuration=...&registration_token=...``. Tandem
fetches the platform's configuration, checks that its issuer lives on the configuration URL's
host (so a link cannot make Tandem trust an issuer someone else controls), posts its own tool
configuration with the one-time registration token, and stores what the platform answered.

A registration is active at once when the URL carried a Tandem admin's invite
(:mod:`lti.admin_access`), whatever the platform (Moodle keeps the tool pending on its own side
until its admin activates it there; that is Moodle's step, not Tandem's), and pending otherwise:
``/lti/register`` is open to anyone, and an uninvited website must not become a trusted LMS by
itself. The institution behind a dynamic registration is named after the platform's host
("Moodle (moodle.example.edu)"); an administrator completes its details (country) later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from flask_babel import LazyString, lazy_gettext
from sqlalchemy.orm import Session

from lti.admin_access import invite_is_valid, use_up_invite
from lti.claims import (
    AGS_LINEITEM_SCOPE,
    AGS_RESULT_READ_SCOPE,
    AGS_SCORE_SCOPE,
    DEEP_LINKING_REQUEST,
    NRPS_SCOPE,
    RESOURCE_LINK_REQUEST,
)
from lti.models import Registration
from lti.platforms import (
    ACTIVE,
    PENDING,
    PlatformSpec,
    find_registration,
    new_platform,
    refresh_platform,
)
from plugin.errors import Conflict, InvalidInput

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
TOOL_SCOPES = (NRPS_SCOPE, AGS_LINEITEM_SCOPE, AGS_RESULT_READ_SCOPE, AGS_SCORE_SCOPE)
TOOL_CLAIMS = ("iss", "sub", "name", "given_name", "family_name", "email", "locale")
# Product family codes and the names people know them by.
PRODUCT_NAMES = {"moodle": "Moodle", "desire2learn": "Brightspace", "canvas": "Canvas"}
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
HTTP_TIMEOUT_SECONDS = 10.0


class RegistrationError(Exception):
    """Dynamic registration failed; ``reason`` is for the admin, ``detail`` for the log."""

    def __init__(self, reason: LazyString, status: int, detail: str | None = None) -> None:
        super().__init__(f"{reason}: {detail}" if detail else str(reason))
        self.reason = reason
        self.status = status
        self.detail = detail


MISSING_PARAMETERS = lazy_gettext(
    "The registration link is missing openid_configuration or registration_token."
)
NOT_HTTPS = lazy_gettext("The platform's configuration must be served over https.")
UNREACHABLE = lazy_gettext("Tandem could not fetch the platform's configuration.")
NOT_CONFIGURATION = lazy_gettext("The platform's configuration is not a valid OpenID document.")
ISSUER_MISMATCH = lazy_gettext(
    "The platform's issuer does not match the host of its configuration URL, so Tandem "
    "refused to register it."
)
REFUSED = lazy_gettext(
    "The platform refused Tandem's registration. The registration link may have expired: "
    "start the registration again from your LMS."
)
NO_CLIENT_ID = lazy_gettext("The platform accepted the registration but sent no client id.")
DUPLICATE = lazy_gettext("This platform and client id are already registered with Tandem.")


@dataclass(frozen=True)
class ToolUrls:
    """Where Tandem answers, derived from its base URL."""

    base_url: str

    @property
    def login(self) -> str:
        return f"{self.base_url}/lti/login"

    @property
    def launch(self) -> str:
        return f"{self.base_url}/lti/launch"

    @property
    def jwks(self) -> str:
        return f"{self.base_url}/lti/jwks"

    @property
    def logo(self) -> str:
        return f"{self.base_url}/static/tandem-logo.svg"

    @property
    def domain(self) -> str:
        return urlsplit(self.base_url).netloc


def tool_configuration(urls: ToolUrls) -> dict[str, Any]:
    """The client registration request Tandem posts (Dynamic Registration §3.3)."""
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": urls.login,
        "redirect_uris": [urls.launch],
        "client_name": "Tandem",
        "jwks_uri": urls.jwks,
        "logo_uri": urls.logo,
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(TOOL_SCOPES),
        TOOL_CONFIGURATION: {
            "domain": urls.domain,
            "description": "Virtual exchange: international student teams across universities.",
            "target_link_uri": urls.launch,
            "custom_parameters": {"tandem_context": "$Context.id"},
            "claims": list(TOOL_CLAIMS),
            "messages": [
                {"type": RESOURCE_LINK_REQUEST, "target_link_uri": urls.launch},
                {
                    "type": DEEP_LINKING_REQUEST,
                    "target_link_uri": urls.launch,
                    "label": "Tandem exchange",
                    "placements": ["ContentArea"],
                    "supported_types": ["ltiResourceLink"],
                },
            ],
        },
    }


def _may_use_http(url: str, allow_http: bool) -> bool:
    return allow_http and (urlsplit(url).hostname or "") in LOOPBACK_HOSTS


def _check_scheme(url: str, allow_http: bool) -> None:
    scheme = urlsplit(url).scheme
    if scheme == "https" or (scheme == "http" and _may_use_http(url, allow_http)):
        return
    raise RegistrationError(NOT_HTTPS, 400, url)


def _json(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def fetch_platform_configuration(
    http: requests.Session, url: str, *, allow_http: bool
) -> dict[str, Any]:
    """The platform's OpenID configuration, checked: https, issuer on the URL's host."""
    _check_scheme(url, allow_http)
    try:
        response = http.get(url, timeout=HTTP_TIMEOUT_SECONDS)
    except requests.RequestException as error:
        raise RegistrationError(UNREACHABLE, 502, str(error)) from error
    if response.status_code != 200:
        raise RegistrationError(UNREACHABLE, 502, f"HTTP {response.status_code} from {url}")
    config = _json(response)
    required = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")
    if not isinstance(config, dict) or any(
        not isinstance(config.get(name), str) for name in (*required, "registration_endpoint")
    ):
        raise RegistrationError(NOT_CONFIGURATION, 502, url)
    issuer = urlsplit(config["issuer"])
    if (
        issuer.netloc.lower() != urlsplit(url).netloc.lower()
        or issuer.scheme != urlsplit(url).scheme
    ):
        raise RegistrationError(ISSUER_MISMATCH, 400, f"{config['issuer']} vs {url}")
    for name in (*required, "registration_endpoint"):
        _check_scheme(config[name], allow_http)
    return config


def _post_registration(
    http: requests.Session, endpoint: str, token: str, body: dict[str, Any]
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    try:
        response = http.post(endpoint, json=body, headers=headers, timeout=HTTP_TIMEOUT_SECONDS)
    except requests.RequestException as error:
        raise RegistrationError(UNREACHABLE, 502, str(error)) from error
    answer = _json(response)
    if response.status_code not in (200, 201) or not isinstance(answer, dict):
        raise RegistrationError(REFUSED, 400, f"HTTP {response.status_code}: {response.text[:300]}")
    if not isinstance(answer.get("client_id"), str) or not answer["client_id"]:
        raise RegistrationError(NO_CLIENT_ID, 502)
    return answer


def platform_name(config: dict[str, Any]) -> str:
    """A name an admin recognises: the product and the issuer's host, e.g. "Moodle
    (moodle.example.edu)"; never the bare product family code ("moodle")."""
    platform = config.get(PLATFORM_CONFIGURATION)
    family = platform.get("product_family_code") if isinstance(platform, dict) else None
    host = urlsplit(str(config["issuer"])).netloc
    if not isinstance(family, str) or not family.strip():
        return host
    product: str = PRODUCT_NAMES.get(family.lower(), family.strip()[:60])
    return f"{product} ({host})"


def register_dynamically(
    session: Session,
    http: requests.Session,
    urls: ToolUrls,
    params: dict[str, str],
    *,
    allow_http: bool,
) -> Registration:
    """Run the whole registration; ``allow_http`` admits loopback http (demo and tests only)."""
    config_url, token = params.get("openid_configuration"), params.get("registration_token")
    if not config_url or not token:
        raise RegistrationError(MISSING_PARAMETERS, 400)
    invite = params.get("invite", "")
    invited = invite_is_valid(session, invite)
    config = fetch_platform_configuration(http, config_url, allow_http=allow_http)
    answer = _post_registration(
        http, config["registration_endpoint"], token, tool_configuration(urls)
    )
    echoed = answer.get(TOOL_CONFIGURATION)
    deployment = echoed.get("deployment_id") if isinstance(echoed, dict) else None
    audience = config.get("authorization_server")
    name = platform_name(config)
    spec = PlatformSpec(
        issuer=config["issuer"],
        client_id=answer["client_id"],
        name=name,
        institution_name=name,
        auth_login_url=config["authorization_endpoint"],
        auth_token_url=config["token_endpoint"],
        key_set_url=config["jwks_uri"],
        deployment_ids=(str(deployment),) if deployment else (),
        token_audience=audience if isinstance(audience, str) and audience else None,
        source="dynamic",
        status=ACTIVE if invited else PENDING,
        platform_config={"openid_configuration": config, "registration_response": answer},
    )
    try:
        existing = find_registration(session, spec.issuer, spec.client_id)
        if existing is not None:  # Moodle's "update an already installed tool"
            registration = refresh_platform(session, existing, spec, allow_http=allow_http)
        else:
            registration = new_platform(session, spec, allow_http=allow_http)
    except Conflict as error:
        raise RegistrationError(DUPLICATE, 409, f"{spec.issuer} {spec.client_id}") from error
    except InvalidInput as error:
        raise RegistrationError(NOT_CONFIGURATION, 502, error.message) from error
    if invited:
        use_up_invite(session, invite)
    session.commit()
    return registration
