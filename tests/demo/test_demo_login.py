"""Third-party initiated login: the demo LMS sends the browser to Tandem's login URL."""

from __future__ import annotations

import json

import pytest
from flask.testing import FlaskClient

from demo.lti_adapter import ToolEndpoints
from demo.platforms import DemoPlatform
from demo.testing import query_of


@pytest.mark.parametrize(("slug", "target"), [("leiden", "iframe"), ("bologna", "window")])
def test_launch_redirects_to_tool_login_with_oidc_parameters(
    demo_client: FlaskClient,
    platforms: dict[str, DemoPlatform],
    tool: ToolEndpoints,
    slug: str,
    target: str,
) -> None:
    platform = platforms[slug]
    user = platform.students[0]
    response = demo_client.get(f"/{slug}/launch/{user.user_id}?target={target}")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(f"{tool.login_url}?")
    params = query_of(location)
    expected = {
        "iss": platform.issuer,
        "login_hint": user.user_id,
        "target_link_uri": tool.launch_url,
        "lti_message_hint": params["lti_message_hint"],
        "client_id": platform.client_id,
        "lti_deployment_id": platform.deployment_id,
    }
    # Brightspace offers postMessage storage to a tool shown in its page; Moodle never does.
    if platform.profile.platform_storage and target == "iframe":
        expected["lti_storage_target"] = "_parent"
    assert params == expected
    assert json.loads(params["lti_message_hint"]) == {"user": user.user_id, "target": target}


def test_launch_rejects_an_unknown_target(demo_client: FlaskClient) -> None:
    assert demo_client.get("/bologna/launch/17?target=popup").status_code == 400
