"""LTI claim URIs and the launch claims Tandem reads, parsed once into a typed value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lti.failures import LaunchError, Reason

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MESSAGE_TYPE = LTI + "message_type"
VERSION = LTI + "version"
DEPLOYMENT_ID = LTI + "deployment_id"
TARGET_LINK_URI = LTI + "target_link_uri"
RESOURCE_LINK = LTI + "resource_link"
ROLES = LTI + "roles"
CONTEXT = LTI + "context"
TOOL_PLATFORM = LTI + "tool_platform"
LAUNCH_PRESENTATION = LTI + "launch_presentation"
CUSTOM = LTI + "custom"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
AGS = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
DEEP_LINKING_SETTINGS = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/"
AGS_LINEITEM_SCOPE = AGS_SCOPE + "lineitem"
AGS_LINEITEM_READ_SCOPE = AGS_SCOPE + "lineitem.readonly"
AGS_RESULT_READ_SCOPE = AGS_SCOPE + "result.readonly"
AGS_SCORE_SCOPE = AGS_SCOPE + "score"
# The custom parameter Tandem's deep-linking response puts on a placement: which exchange.
EXCHANGE_PARAMETER = "tandem_exchange"

RESOURCE_LINK_REQUEST = "LtiResourceLinkRequest"
DEEP_LINKING_REQUEST = "LtiDeepLinkingRequest"
SUPPORTED_MESSAGE_TYPES = frozenset({RESOURCE_LINK_REQUEST, DEEP_LINKING_REQUEST})


@dataclass(frozen=True)
class ContextClaim:
    id: str
    title: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class ServiceClaims:
    """Where this context's roster (NRPS) and gradebook (AGS) live, as the launch said."""

    memberships_url: str | None = None
    lineitems_url: str | None = None
    lineitem_url: str | None = None
    ags_scopes: tuple[str, ...] = ()

    @property
    def any(self) -> bool:
        return bool(self.memberships_url or self.lineitems_url or self.lineitem_url)


@dataclass(frozen=True)
class DeepLinkingSettings:
    return_url: str
    accept_types: tuple[str, ...] = ()
    data: str | None = None
    accept_lineitem: bool = True


@dataclass(frozen=True)
class LaunchClaims:
    issuer: str
    client_id: str
    deployment_id: str
    subject: str
    message_type: str
    roles: tuple[str, ...]
    resource_link_id: str | None
    context: ContextClaim | None
    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    locale: str | None = None
    document_target: str | None = None
    return_url: str | None = None
    platform_name: str | None = None
    platform_family: str | None = None
    custom: Mapping[str, str] = field(default_factory=dict)
    services: ServiceClaims = field(default_factory=ServiceClaims)
    deep_linking: DeepLinkingSettings | None = None

    @property
    def exchange_hint(self) -> str | None:
        return self.custom.get(EXCHANGE_PARAMETER) or None


def _text(body: Mapping[str, Any], key: str) -> str | None:
    value = body.get(key)
    return value if isinstance(value, str) and value.strip() else None


def _object(body: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = body.get(key)
    return value if isinstance(value, Mapping) else {}


def _require(body: Mapping[str, Any], key: str, label: str) -> str:
    value = _text(body, key)
    if value is None:
        raise LaunchError(Reason.MISSING_CLAIM, detail=label)
    return value


def client_id_of(body: Mapping[str, Any]) -> str | None:
    """The audience names the client; with several audiences, ``azp`` says which one is meant."""
    aud = body.get("aud")
    if isinstance(aud, str):
        return aud
    if isinstance(aud, list):
        azp = body.get("azp")
        if isinstance(azp, str) and azp in aud:
            return azp
        if len(aud) == 1 and isinstance(aud[0], str):
            return aud[0]
    return None


def parse(body: Mapping[str, Any]) -> LaunchClaims:
    """Read the claims Tandem needs; reject the certification suite's malformed launches.

    Runs on the *unverified* body before signature checks too, so that a launch that is missing
    a claim gets that reason rather than a vaguer one; it never trusts what it reads for access.
    """
    if body.get(VERSION) != "1.3.0":
        raise LaunchError(Reason.WRONG_VERSION)
    message_type = _require(body, MESSAGE_TYPE, "message_type")
    if message_type not in SUPPORTED_MESSAGE_TYPES:
        raise LaunchError(Reason.UNSUPPORTED_MESSAGE, detail=message_type)
    issuer = _require(body, "iss", "iss")
    client_id = client_id_of(body)
    if client_id is None:
        raise LaunchError(Reason.MISSING_CLAIM, detail="aud")
    deployment_id = _require(body, DEPLOYMENT_ID, "deployment_id")
    subject = _require(body, "sub", "sub")
    roles = body.get(ROLES)
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise LaunchError(Reason.MISSING_CLAIM, detail="roles")
    resource_link_id = _text(_object(body, RESOURCE_LINK), "id")
    if message_type == RESOURCE_LINK_REQUEST and resource_link_id is None:
        raise LaunchError(Reason.MISSING_CLAIM, detail="resource_link.id")
    context_body = _object(body, CONTEXT)
    context_id = _text(context_body, "id")
    context = (
        ContextClaim(context_id, _text(context_body, "title"), _text(context_body, "label"))
        if context_id
        else None
    )
    deep_linking = _deep_linking(body)
    if message_type == DEEP_LINKING_REQUEST and deep_linking is None:
        raise LaunchError(Reason.MISSING_CLAIM, detail="deep_linking_settings.deep_link_return_url")
    presentation = _object(body, LAUNCH_PRESENTATION)
    custom = {str(k): str(v) for k, v in _object(body, CUSTOM).items()}
    return LaunchClaims(
        issuer=issuer,
        client_id=client_id,
        deployment_id=deployment_id,
        subject=subject,
        message_type=message_type,
        roles=tuple(roles),
        resource_link_id=resource_link_id,
        context=context,
        name=_text(body, "name"),
        given_name=_text(body, "given_name"),
        family_name=_text(body, "family_name"),
        email=_text(body, "email"),
        locale=_text(presentation, "locale"),
        document_target=_text(presentation, "document_target"),
        return_url=_text(presentation, "return_url"),
        platform_name=_text(_object(body, TOOL_PLATFORM), "name"),
        platform_family=_text(_object(body, TOOL_PLATFORM), "product_family_code"),
        custom=custom,
        services=_services(body),
        deep_linking=deep_linking,
    )


def _services(body: Mapping[str, Any]) -> ServiceClaims:
    nrps, ags = _object(body, NRPS), _object(body, AGS)
    scopes = ags.get("scope")
    return ServiceClaims(
        memberships_url=_text(nrps, "context_memberships_url"),
        lineitems_url=_text(ags, "lineitems"),
        lineitem_url=_text(ags, "lineitem"),
        ags_scopes=tuple(s for s in scopes if isinstance(s, str))
        if isinstance(scopes, list)
        else (),
    )


def _deep_linking(body: Mapping[str, Any]) -> DeepLinkingSettings | None:
    settings = _object(body, DEEP_LINKING_SETTINGS)
    return_url = _text(settings, "deep_link_return_url")
    if return_url is None:
        return None
    types = settings.get("accept_types")
    return DeepLinkingSettings(
        return_url=return_url,
        accept_types=tuple(t for t in types if isinstance(t, str))
        if isinstance(types, list)
        else (),
        data=_text(settings, "data"),
        accept_lineitem=settings.get("accept_lineitem") is not False,
    )
