"""The platform side of Deep Linking 2.0: verify the tool's response, place its content items.

A returned ``ltiResourceLink`` becomes a new link in the course with its custom parameters;
its ``lineItem`` becomes a grade column bound to that link, as Moodle and Brightspace do.
"""

from __future__ import annotations

import uuid
from typing import Any

import jwt
import requests

from .lti_adapter import ToolEndpoints
from .platforms import DemoLink, DemoPlatform

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
CONTENT_ITEMS = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items"
DL_DATA = "https://purl.imsglobal.org/spec/lti-dl/claim/data"


class DeepLinkError(ValueError):
    """The response cannot be accepted; the message says why."""


def _verify(platform: DemoPlatform, tool: ToolEndpoints, token: str) -> dict[str, Any]:
    if not token:
        raise DeepLinkError("The JWT form field is missing.")
    try:
        kid = jwt.get_unverified_header(token).get("kid")
        keys = requests.get(tool.jwks_url, timeout=10).json()
        key = jwt.PyJWKSet.from_dict(keys)[str(kid)]
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=["RS256"],
            audience=platform.issuer,
            issuer=platform.client_id,
            options={"require": ["exp", "iat", "nonce"]},
        )
    except (jwt.PyJWTError, KeyError, ValueError, requests.RequestException) as exc:
        raise DeepLinkError(f"The response JWT does not verify: {exc}") from exc
    if claims.get(f"{LTI}message_type") != "LtiDeepLinkingResponse":
        raise DeepLinkError("The JWT is not an LtiDeepLinkingResponse.")
    if claims.get(f"{LTI}deployment_id") != platform.deployment_id:
        raise DeepLinkError("The response names another deployment.")
    if claims.get(DL_DATA) != f"picker-{platform.slug}":
        raise DeepLinkError("The response does not echo the request's data.")
    return claims


def receive_deep_link(platform: DemoPlatform, tool: ToolEndpoints, token: str) -> list[DemoLink]:
    claims = _verify(platform, tool, token)
    platform.services.deep_link_responses.append(claims)
    placed: list[DemoLink] = []
    for item in claims.get(CONTENT_ITEMS, []):
        if not isinstance(item, dict) or item.get("type") != "ltiResourceLink":
            raise DeepLinkError("Only ltiResourceLink content items are accepted here.")
        link = DemoLink(
            resource_link_id=str(uuid.uuid4()),
            title=str(item.get("title") or "Tandem"),
            custom={str(k): str(v) for k, v in (item.get("custom") or {}).items()},
        )
        line_item = item.get("lineItem")
        if isinstance(line_item, dict):
            link.lineitem_id = platform.add_lineitem(
                label=str(line_item.get("label") or link.title),
                score_maximum=float(line_item.get("scoreMaximum", 100)),
                resource_link_id=link.resource_link_id,
                resource_id=line_item.get("resourceId"),
                tag=line_item.get("tag"),
            ).id
        platform.links[link.resource_link_id] = link
        placed.append(link)
    return placed
