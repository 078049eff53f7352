"""Helpers for tests that drive the demo LMS: Tandem's end-to-end tests and the demo's own.

They live in the package (not in a conftest) so that any test directory can import them by a
stable name and mypy checks them with the rest of the demo.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt

from .platforms import DemoPlatform, DocumentTarget

_FORM_ACTION = re.compile(r'<form method="post" action="([^"]+)"')
_HIDDEN_INPUT = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)"')


def auth_params(
    platform: DemoPlatform,
    user_id: str,
    redirect_uri: str,
    *,
    target: DocumentTarget = "iframe",
    overrides: Mapping[str, str | None] | None = None,
) -> dict[str, str]:
    """A valid OIDC authentication request as pylti1p3 sends it.

    ``overrides`` replace any parameter (``redirect_uri`` included); ``None`` drops one.
    """
    params: dict[str, str | None] = {
        "scope": "openid",
        "response_type": "id_token",
        "client_id": platform.client_id,
        "redirect_uri": redirect_uri,
        "login_hint": user_id,
        "state": "state-123",
        "nonce": "nonce-456",
        "prompt": "none",
        "response_mode": "form_post",
        "lti_message_hint": f'{{"user":"{user_id}","target":"{target}"}}',
        **(overrides or {}),
    }
    return {name: value for name, value in params.items() if value is not None}


def launch_form_fields(html: str) -> dict[str, str]:
    """The auto-submitting launch form: ``action`` plus its hidden ``id_token`` and ``state``."""
    action = _FORM_ACTION.search(html)
    if action is None:
        raise ValueError("The page holds no launch form.")
    return {"action": action.group(1), **dict(_HIDDEN_INPUT.findall(html))}


def verify_with_jwks(token: str, jwks: dict[str, Any], audience: str) -> dict[str, Any]:
    """Verify ``token`` as a tool does: choose the published key by the token's ``kid``."""
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWKSet.from_dict(jwks)[kid]
    claims: dict[str, Any] = jwt.decode(token, key, algorithms=["RS256"], audience=audience)
    return claims


def query_of(url: str) -> dict[str, str]:
    """The query string of ``url`` as a flat dict (the first value of each name)."""
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
