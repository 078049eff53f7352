"""The platform side of LTI Dynamic Registration, as Moodle and Brightspace do it.

* ``GET /<slug>/.well-known/openid-configuration``: the platform's OpenID configuration with
  the LTI platform-configuration claim;
* ``POST /<slug>/register-tool``: receives the tool's configuration with a bearer
  registration token (one-time), answers with the client id and the deployment id;
* ``GET /<slug>/admin``: the LMS admin page; "Register Tandem (dynamic)" opens Tandem's
  ``/lti/register`` in an iframe, "Activate Tandem" ends Moodle's pending state, and "Delete
  Tandem" deletes the tool: its token endpoint answers ``invalid_client`` and registering
  again hands out a new client id (registering while the tool exists keeps it: Moodle's
  "update an already installed tool").

The OpenID configuration carries no ``title``, as Moodle's does not.

A Moodle-style platform keeps the tool pending (its launches refused) until the admin
activates it; a Brightspace-style one lets it launch at once.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit

from flask import Flask, abort, jsonify, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from .platforms import DemoPlatform
from .services import AGS, NRPS_SCOPE
from .state import demo_state, platform_or_404

TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
REQUIRED_FIELDS = ("initiate_login_uri", "redirect_uris", "jwks_uri", "client_name", "scope")


def openid_configuration_url(platform: DemoPlatform) -> str:
    return f"{platform.issuer}/.well-known/openid-configuration"


def registration_endpoint(platform: DemoPlatform) -> str:
    return f"{platform.issuer}/register-tool"


def openid_configuration(slug: str) -> ResponseReturnValue:
    platform = platform_or_404(slug)
    if platform.services.down:
        return jsonify(error="The LMS is down for maintenance."), 503
    profile = platform.profile
    return jsonify(
        {
            "issuer": platform.services.announced_issuer or platform.issuer,
            "authorization_endpoint": platform.auth_login_url,
            "registration_endpoint": registration_endpoint(platform),
            "jwks_uri": platform.key_set_url,
            "token_endpoint": platform.auth_token_url,
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "scopes_supported": [
                "openid",
                NRPS_SCOPE,
                AGS + "lineitem",
                AGS + "result.readonly",
                AGS + "score",
            ],
            "response_types_supported": ["id_token"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "subject_types_supported": ["public", "pairwise"],
            "claims_supported": ["iss", "sub", "name", "given_name", "family_name", "email"],
            PLATFORM_CONFIGURATION: {
                "product_family_code": profile.product_family_code,
                "version": profile.product_version,
                "messages_supported": [
                    {"type": "LtiResourceLinkRequest"},
                    {"type": "LtiDeepLinkingRequest", "placements": ["ContentArea"]},
                ],
            },
        }
    )


def _refusal(status: int, message: str) -> ResponseReturnValue:
    return jsonify(error="invalid_client_metadata", error_description=message), status


def register_tool(slug: str) -> ResponseReturnValue:
    """Accept a tool's registration once per token; the tool learns its client id here."""
    platform = platform_or_404(slug)
    if platform.services.down:
        return _refusal(503, "The LMS is down for maintenance.")
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if token not in platform.registration_tokens:
        return _refusal(401, "The registration token is not valid (or was used already).")
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or any(not body.get(name) for name in REQUIRED_FIELDS):
        return _refusal(400, f"A registration needs {', '.join(REQUIRED_FIELDS)}.")
    tool_config = body.get(TOOL_CONFIGURATION)
    if not isinstance(tool_config, dict) or not tool_config.get("target_link_uri"):
        return _refusal(400, f"A registration needs the {TOOL_CONFIGURATION} claim.")
    platform.registration_tokens.discard(token)
    if platform.tool_status == "deleted":  # added again: a new tool, so a new client id
        platform.new_tool_identity()
    platform.services.tool_registrations.append(body)
    platform.tool_status = "pending" if platform.profile.registration_pending else "active"
    answer: dict[str, Any] = {
        **body,
        "client_id": platform.client_id,
        TOOL_CONFIGURATION: {**tool_config, "deployment_id": platform.deployment_id},
    }
    return jsonify(answer), 200


def new_registration_token(platform: DemoPlatform) -> str:
    token = secrets.token_urlsafe(24)
    platform.registration_tokens.add(token)
    return token


def default_tool_url() -> str:
    return f"{demo_state().tool.base_url}/lti/register"


def tool_registration_url(platform: DemoPlatform, tool_url: str, token: str) -> str:
    """The URL the admin pasted, plus the two parameters the spec adds."""
    query = urlencode(
        {"openid_configuration": openid_configuration_url(platform), "registration_token": token}
    )
    return f"{tool_url}{'&' if '?' in tool_url else '?'}{query}"


def admin_page(slug: str) -> ResponseReturnValue:
    platform = platform_or_404(slug)
    return render_template("demo/admin.html", platform=platform, tool_url=default_tool_url())


def admin_register(slug: str) -> ResponseReturnValue:
    """Open the pasted tool URL (Tandem's, by default) to register, as Moodle does."""
    platform = platform_or_404(slug)
    tool_url = request.form.get("tool_url", "").strip() or default_tool_url()
    if urlsplit(tool_url).scheme not in ("http", "https"):
        abort(400, description="The tool URL must be an http or https address.")
    url = tool_registration_url(platform, tool_url, new_registration_token(platform))
    return render_template("demo/admin_register.html", platform=platform, register_url=url)


def admin_activate(slug: str) -> ResponseReturnValue:
    platform = platform_or_404(slug)
    platform.tool_status = "active"
    return redirect(url_for("admin_page", slug=slug), code=303)


def admin_delete(slug: str) -> ResponseReturnValue:
    """Delete the tool, as an LMS admin does: the LMS forgets Tandem's client id."""
    platform = platform_or_404(slug)
    platform.tool_status = "deleted"
    return redirect(url_for("admin_page", slug=slug), code=303)


def register(app: Flask) -> None:
    """Add the registration endpoints and admin pages to the demo app."""
    app.add_url_rule("/<slug>/.well-known/openid-configuration", view_func=openid_configuration)
    app.add_url_rule("/<slug>/register-tool", view_func=register_tool, methods=["POST"])
    app.add_url_rule("/<slug>/admin", view_func=admin_page)
    app.add_url_rule("/<slug>/admin/register", view_func=admin_register, methods=["POST"])
    app.add_url_rule("/<slug>/admin/activate", view_func=admin_activate, methods=["POST"])
    app.add_url_rule("/<slug>/admin/delete", view_func=admin_delete, methods=["POST"])
