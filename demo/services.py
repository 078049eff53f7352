"""The platform's service endpoints: OAuth2 token, NRPS memberships, AGS line items and scores.

A tool calls these server to server, so every answer is JSON. The token endpoint runs
lti1p3platform's client-credentials grant (which fetches Tandem's JWKS from
``<tool>/lti/jwks`` and checks the assertion's signature) after checks the library omits:
the assertion type, ``iss``/``sub`` equal to the client id, and ``aud`` naming this endpoint.

NRPS and AGS are served here directly rather than through lti1p3platform's ``nrps``/``ags``
helpers, whose page 2 fails (``str + int`` in the next-page URL); each call first checks the
bearer token with the library's ``validate_token(token, allowed_scopes)``. Paging follows each
LMS's habit: Moodle quotes ``rel="next"``, Brightspace does not. Tests switch faults on through
:class:`demo.platforms.Services` (``failures``, ``down``).
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import jwt
from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue
from lti1p3platform.exceptions import (
    InvalidKeySetUrl,
    LtiException,
    MissingRequiredClaim,
    UnsupportedGrantType,
)

from .platforms import DemoPlatform, DemoUser, LineItem
from .state import platform_conf, platform_or_404

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
NRPS_MEDIA_TYPE = "application/vnd.ims.lti-nrps.v2.membershipcontainer+json"
LINEITEMS_MEDIA_TYPE = "application/vnd.ims.lis.v2.lineitemcontainer+json"
RESULTS_MEDIA_TYPE = "application/vnd.ims.lis.v2.resultcontainer+json"


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
        if platform.services.down:
            raise TokenRequestError("temporarily_unavailable", "The LMS is down.", 503)
        if platform.tool_status == "deleted":
            # Moodle (mod/lti/token.php) names no reason: {"error": "invalid_client"}, HTTP 400.
            return jsonify(error="invalid_client"), 400, {"Cache-Control": "no-store"}
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


NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
LINEITEM_SCOPES = [AGS + "lineitem"]
LINEITEM_READ_SCOPES = [AGS + "lineitem", AGS + "lineitem.readonly"]
SCORE_SCOPES = [AGS + "score"]
RESULT_SCOPES = [AGS + "result.readonly"]


class ServiceRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _fault(platform: DemoPlatform) -> None:
    """Answer as a broken LMS would when a test asked for it."""
    services = platform.services
    services.requests += 1
    if services.down:
        raise ServiceRefused(503, "The LMS is down for maintenance.")
    if services.failures:
        raise ServiceRefused(services.failures.pop(0), "Injected failure.")


def _authorise(platform: DemoPlatform, scopes: list[str]) -> None:
    _fault(platform)
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        raise ServiceRefused(401, "A bearer token is required.")
    conf = platform_conf(platform)
    conf.get_registration()
    try:
        allowed = conf.validate_token(header.removeprefix("Bearer "), scopes)
    except (LtiException, jwt.PyJWTError) as exc:
        raise ServiceRefused(401, f"Invalid token: {exc}") from exc
    if not allowed:
        raise ServiceRefused(403, "The token does not grant this service's scope.")


def _page_bounds(default_limit: int) -> tuple[int, int]:
    try:
        limit = int(request.args.get("limit", default_limit))
        page = int(request.args.get("page", 1))
    except ValueError as exc:
        raise ServiceRefused(400, "limit and page must be numbers.") from exc
    return max(1, min(limit, 1000)), max(page, 1)


def _member(platform: DemoPlatform, user: DemoUser) -> dict[str, Any]:
    member: dict[str, Any] = {
        "status": "Inactive" if user.user_id in platform.services.departed else "Active",
        "user_id": user.user_id,
        "roles": list(platform.profile.roles[user.role]),
    }
    if not platform.anonymous:
        member.update(
            name=user.name,
            given_name=user.given_name,
            family_name=user.family_name,
            email=user.email,
        )
    return member


def memberships(slug: str) -> ResponseReturnValue:
    """NRPS 2.0 context membership, paged with a Link header."""
    platform = platform_or_404(slug)
    _authorise(platform, [NRPS_SCOPE])
    limit, page = _page_bounds(platform.services.page_size)
    extra = platform.services.extra_members
    total = len(platform.users) + len(extra)
    start, end = (page - 1) * limit, page * limit
    # Only the page's members are built: a 5,000-member course is read in 50 requests.
    chunk = [_member(platform, u) for u in platform.users[start:end]] + [
        m if not platform.anonymous else {k: m[k] for k in ("status", "user_id", "roles")}
        for m in extra[max(0, start - len(platform.users)) : max(0, end - len(platform.users))]
    ]
    body = {
        "id": f"{platform.memberships_url}?{urlencode(request.args)}",
        "context": {
            "id": platform.course.context_id,
            "label": platform.course.label,
            "title": platform.course.title,
        },
        "members": chunk,
    }
    headers = {"Content-Type": NRPS_MEDIA_TYPE}
    if end < total:
        following = f"{platform.memberships_url}?{urlencode({'limit': limit, 'page': page + 1})}"
        rel = 'rel="next"' if platform.profile.quoted_rel else "rel=next"
        headers["Link"] = f"<{following}>; {rel}"
    return json.dumps(body), 200, headers


def _lineitem_or_404(platform: DemoPlatform, item_id: str) -> LineItem:
    item = platform.services.lineitems.get(item_id)
    if item is None:
        raise ServiceRefused(404, "No such line item.")
    return item


def lineitems(slug: str) -> ResponseReturnValue:
    platform = platform_or_404(slug)
    if request.method == "POST":
        _authorise(platform, LINEITEM_SCOPES)
        data = request.get_json(silent=True)
        if not isinstance(data, dict) or not data.get("label"):
            raise ServiceRefused(400, "A line item needs a label and a scoreMaximum.")
        try:
            maximum = float(data["scoreMaximum"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ServiceRefused(400, "scoreMaximum must be a number.") from exc
        item = platform.add_lineitem(
            label=str(data["label"]),
            score_maximum=maximum,
            resource_link_id=data.get("resourceLinkId"),
            resource_id=data.get("resourceId"),
            tag=data.get("tag"),
        )
        return jsonify(item.as_json(platform.lineitems_url)), 201
    _authorise(platform, LINEITEM_READ_SCOPES)
    filters = {
        "tag": request.args.get("tag"),
        "resource_id": request.args.get("resource_id"),
        "resource_link_id": request.args.get("resource_link_id"),
    }
    found = [
        item.as_json(platform.lineitems_url)
        for item in platform.services.lineitems.values()
        if all(value is None or getattr(item, name) == value for name, value in filters.items())
    ]
    return json.dumps(found), 200, {"Content-Type": LINEITEMS_MEDIA_TYPE}


def lineitem(slug: str, item_id: str) -> ResponseReturnValue:
    platform = platform_or_404(slug)
    _authorise(platform, LINEITEM_READ_SCOPES)
    return jsonify(_lineitem_or_404(platform, item_id).as_json(platform.lineitems_url))


def scores(slug: str, item_id: str) -> ResponseReturnValue:
    platform = platform_or_404(slug)
    _authorise(platform, SCORE_SCOPES)
    item = _lineitem_or_404(platform, item_id)
    data = request.get_json(silent=True)
    required = ("userId", "activityProgress", "gradingProgress", "timestamp")
    if not isinstance(data, dict) or any(not data.get(name) for name in required):
        raise ServiceRefused(400, f"A score needs {', '.join(required)}.")
    if not any(u.user_id == data["userId"] for u in platform.users) and all(
        m["user_id"] != data["userId"] for m in platform.services.extra_members
    ):
        raise ServiceRefused(422, "userId is not a member of this course.")
    item.received.append(data)
    item.scores[str(data["userId"])] = data
    return "", 204


def results(slug: str, item_id: str) -> ResponseReturnValue:
    platform = platform_or_404(slug)
    _authorise(platform, RESULT_SCOPES)
    item = _lineitem_or_404(platform, item_id)
    base = f"{platform.lineitems_url}/{item.id}"
    body = [
        {
            "id": f"{base}/results/{user_id}",
            "scoreOf": base,
            "userId": user_id,
            "resultScore": score.get("scoreGiven"),
            "resultMaximum": score.get("scoreMaximum", item.score_maximum),
            "comment": score.get("comment"),
        }
        for user_id, score in item.scores.items()
    ]
    return json.dumps(body), 200, {"Content-Type": RESULTS_MEDIA_TYPE}


def _refused(exc: ServiceRefused) -> ResponseReturnValue:
    return jsonify(error=exc.message), exc.status


def register(app: Flask) -> None:
    """Add the service endpoints to the demo app."""
    app.add_url_rule("/<slug>/token", view_func=token, methods=["POST"])
    app.add_url_rule("/<slug>/memberships", view_func=memberships)
    app.add_url_rule("/<slug>/lineitems", view_func=lineitems, methods=["GET", "POST"])
    app.add_url_rule("/<slug>/lineitems/<item_id>", view_func=lineitem)
    app.add_url_rule("/<slug>/lineitems/<item_id>/scores", view_func=scores, methods=["POST"])
    app.add_url_rule("/<slug>/lineitems/<item_id>/results", view_func=results)
    app.register_error_handler(ServiceRefused, _refused)
