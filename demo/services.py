"""The platform's service endpoints: the OAuth2 token endpoint now, NRPS and AGS later.

A tool calls these server to server, so every answer is JSON. The token endpoint runs
lti1p3platform's client-credentials grant (which fetches Tandem's JWKS from
``<tool>/lti/jwks`` and checks the assertion's signature) after checks the library omits:
the assertion type, ``iss``/``sub`` equal to the client id, and ``aud`` naming this endpoint.

Where the next services go: add ``/<slug>/memberships`` (NRPS) and ``/<slug>/lineitems``
(AGS) to :func:`register`, each first calling a bearer-token check built on the library's
``LTI1P3PlatformConfAbstract.validate_token(token, allowed_scopes)``.
"""

from __future__ import annotations

from typing import Any

import jwt
from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from lti1p3platform.exceptions import (
    InvalidKeySetUrl,
    LtiException,
    MissingRequiredClaim,
    UnsupportedGrantType,
)

from .platforms import DemoPlatform
from .state import platform_conf, platform_or_404

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


class TokenRequestError(Exception):
    """An RFC 6749 error answer: the error code, a description and the HTTP status."""

    def __init__(self, error: str, description: str, status: int = 400) -> None:
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status


def _check_assertion_claims(form: dict[str, str], platform: DemoPlatform) -> None:
    """Reject what the library lets through; the signature is verified right after."""
    if form.get("client_assertion_type") != JWT_BEARER:
        raise TokenRequestError("invalid_request", f"client_assertion_type must be {JWT_BEARER}.")
    try:
        claims: dict[str, Any] = jwt.decode(
            form.get("client_assertion", ""), options={"verify_signature": False}
        )
    except jwt.PyJWTError as exc:
        raise TokenRequestError("invalid_request", "client_assertion is not a JWT.") from exc
    if claims.get("iss") != platform.client_id or claims.get("sub") != platform.client_id:
        raise TokenRequestError("invalid_client", "iss and sub must be the client id.", 401)
    audience = claims.get("aud")
    audiences = audience if isinstance(audience, list) else [audience]
    if platform.auth_token_url not in audiences:
        raise TokenRequestError("invalid_client", "aud must name this token endpoint.", 401)


def _issue_token(platform: DemoPlatform, form: dict[str, str]) -> dict[str, Any]:
    conf = platform_conf(platform)
    conf.get_registration()
    try:
        token: dict[str, Any] = conf.get_access_token(form)
    except MissingRequiredClaim as exc:
        raise TokenRequestError("invalid_request", str(exc)) from exc
    except UnsupportedGrantType as exc:
        raise TokenRequestError("unsupported_grant_type", "Only client_credentials.") from exc
    except (LtiException, InvalidKeySetUrl, jwt.PyJWTError) as exc:
        raise TokenRequestError("invalid_client", f"client_assertion refused: {exc}", 401) from exc
    return token


def token(slug: str) -> ResponseReturnValue:
    platform = platform_or_404(slug)
    form = request.form.to_dict()
    try:
        for name in ("grant_type", "client_assertion_type", "client_assertion", "scope"):
            if not form.get(name):
                raise TokenRequestError("invalid_request", f"{name} is missing.")
        if form["grant_type"] != "client_credentials":
            raise TokenRequestError("unsupported_grant_type", "Only client_credentials.")
        _check_assertion_claims(form, platform)
        body = _issue_token(platform, form)
    except TokenRequestError as exc:
        error = jsonify(error=exc.error, error_description=exc.description)
        return error, exc.status, {"Cache-Control": "no-store"}
    return jsonify(body), 200, {"Cache-Control": "no-store"}


def register(app: Flask) -> None:
    """Add the service endpoints to the demo app."""
    app.add_url_rule("/<slug>/token", view_func=token, methods=["POST"])
