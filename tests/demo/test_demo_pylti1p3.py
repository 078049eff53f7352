"""The demo's launches are accepted by pylti1p3, the tool library Tandem builds on.

A minimal tool written the way pylti1p3's own Flask example does it runs the whole OIDC flow
against the demo LMS through Flask test clients, so a claim or header the library rejects
shows up here, next to the demo, rather than deep inside Tandem's launch tests.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask, jsonify, request
from flask.testing import FlaskClient
from flask.typing import ResponseReturnValue
from pylti1p3.contrib.flask import FlaskMessageLaunch, FlaskOIDCLogin, FlaskRequest
from pylti1p3.tool_config import ToolConfDict

from demo.platforms import DemoPlatform
from demo.testing import launch_form_fields

ROLES = "https://purl.imsglobal.org/spec/lti/claim/roles"


def _minimal_tool(platforms: dict[str, DemoPlatform]) -> Flask:
    """pylti1p3's example tool, with the platform keys given inline instead of fetched."""
    config = ToolConfDict(
        {
            platform.issuer: [
                {
                    "default": True,
                    "client_id": platform.client_id,
                    "auth_login_url": platform.auth_login_url,
                    "auth_token_url": platform.auth_token_url,
                    "key_set": platform.jwks(),
                    "deployment_ids": [platform.deployment_id],
                }
            ]
            for platform in platforms.values()
        }
    )
    tool = Flask("minimal_tool")
    tool.secret_key = "test-only"

    @tool.route("/lti/login", methods=["GET", "POST"])
    def login() -> ResponseReturnValue:
        oidc = FlaskOIDCLogin(FlaskRequest(), config)
        response: ResponseReturnValue = oidc.redirect(request.values["target_link_uri"])
        return response

    @tool.route("/lti/launch", methods=["POST"])
    def launch() -> ResponseReturnValue:
        data: dict[str, Any] = FlaskMessageLaunch(FlaskRequest(), config).get_launch_data()
        return jsonify(sub=data["sub"], name=data.get("name"), roles=data[ROLES])

    return tool


def _path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


@pytest.mark.parametrize(("slug", "role"), [("leiden", "student"), ("bologna", "teacher")])
def test_pylti1p3_accepts_the_full_oidc_flow(
    demo_client: FlaskClient, platforms: dict[str, DemoPlatform], slug: str, role: str
) -> None:
    platform = platforms[slug]
    user = platform.teacher if role == "teacher" else platform.students[0]
    tool = _minimal_tool(platforms).test_client()

    initiation = demo_client.get(f"/{slug}/launch/{user.user_id}?target=iframe")
    to_auth = tool.get(_path_and_query(initiation.headers["Location"]))
    assert to_auth.status_code == 302
    form_page = demo_client.get(_path_and_query(to_auth.headers["Location"]))
    fields = launch_form_fields(form_page.get_data(as_text=True))
    landed = tool.post(
        "/lti/launch", data={"id_token": fields["id_token"], "state": fields["state"]}
    )

    assert landed.status_code == 200, landed.get_data(as_text=True)
    assert landed.get_json() == {
        "sub": user.user_id,
        "name": user.name,
        "roles": platform.launch_claims(
            user, nonce="", target_link_uri="", document_target="iframe"
        )[ROLES],
    }
