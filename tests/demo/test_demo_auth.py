"""The OIDC authentication endpoint: what it refuses, and the id_token it posts to Tandem."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask.testing import FlaskClient

from demo.lti_adapter import ToolEndpoints
from demo.platforms import DemoPlatform, Role
from demo.testing import auth_params, launch_form_fields, verify_with_jwks

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"

EXPECTED_ROLES: dict[tuple[str, Role], list[str]] = {
    ("leiden", "teacher"): [f"{MEMBERSHIP}Instructor", f"{INSTITUTION}Instructor"],
    ("leiden", "student"): [f"{MEMBERSHIP}Learner", f"{INSTITUTION}Student"],
    ("bologna", "teacher"): [f"{MEMBERSHIP}Instructor"],
    ("bologna", "student"): [f"{MEMBERSHIP}Learner"],
}
EXPECTED_CONTEXT_TYPE = {
    "leiden": "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering",
    "bologna": "CourseSection",
}


def _launch(
    client: FlaskClient, platform: DemoPlatform, tool: ToolEndpoints, user_id: str
) -> dict[str, Any]:
    """Run /auth for ``user_id`` and return the verified id_token claims."""
    response = client.post(
        f"/{platform.slug}/auth", data=auth_params(platform, user_id, tool.launch_url)
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    fields = launch_form_fields(response.get_data(as_text=True))
    assert fields["action"] == tool.launch_url
    assert fields["state"] == "state-123"
    jwks = client.get(f"/{platform.slug}/jwks").get_json()
    return verify_with_jwks(fields["id_token"], jwks, audience=platform.client_id)


@pytest.mark.parametrize(("slug", "role"), list(EXPECTED_ROLES))
def test_id_token_verifies_against_jwks_and_carries_the_launch(
    demo_client: FlaskClient,
    platforms: dict[str, DemoPlatform],
    tool: ToolEndpoints,
    slug: str,
    role: Role,
) -> None:
    platform = platforms[slug]
    user = platform.teacher if role == "teacher" else platform.students[1]
    claims = _launch(demo_client, platform, tool, user.user_id)

    assert claims["iss"] == platform.issuer
    assert claims["sub"] == user.user_id
    assert claims["azp"] == platform.client_id
    assert claims["nonce"] == "nonce-456"
    assert claims["iat"] <= time.time() < claims["exp"]
    assert claims[f"{LTI}message_type"] == "LtiResourceLinkRequest"
    assert claims[f"{LTI}version"] == "1.3.0"
    assert claims[f"{LTI}deployment_id"] == platform.deployment_id
    assert claims[f"{LTI}target_link_uri"] == tool.launch_url
    assert claims[f"{LTI}resource_link"]["id"] == platform.course.resource_link_id
    assert claims[f"{LTI}context"] == {
        "id": platform.course.context_id,
        "label": platform.course.label,
        "title": platform.course.title,
        "type": [EXPECTED_CONTEXT_TYPE[slug]],
    }
    assert claims[f"{LTI}roles"] == EXPECTED_ROLES[(slug, role)]
    assert (claims["name"], claims["given_name"], claims["family_name"], claims["email"]) == (
        user.name,
        user.given_name,
        user.family_name,
        user.email,
    )
    assert claims[f"{LTI}launch_presentation"] == {
        "document_target": "iframe",
        "locale": platform.locale,
        "return_url": f"{platform.issuer}/",
    }
    assert claims[f"{LTI}tool_platform"]["name"] == platform.name
    assert claims[f"{LTI}custom"] == {}


def test_moodle_sub_is_numeric_and_brightspace_sub_is_opaque(
    platforms: dict[str, DemoPlatform],
) -> None:
    assert all(user.user_id.isdigit() for user in platforms["bologna"].users)
    assert not any(user.user_id.isdigit() for user in platforms["leiden"].users)
    assert platforms["leiden"].locale == "nl-NL"
    assert platforms["bologna"].locale == "it-IT"


def test_anonymous_mode_sends_no_name_or_email(
    demo_client: FlaskClient, platforms: dict[str, DemoPlatform], tool: ToolEndpoints
) -> None:
    platform = platforms["leiden"]
    platform.anonymous = True
    claims = _launch(demo_client, platform, tool, platform.students[0].user_id)
    assert not {"name", "given_name", "family_name", "email"} & claims.keys()
    assert "username" not in claims["http://www.brightspace.com"]
    assert claims["sub"] == platform.students[0].user_id


def test_auth_accepts_get_and_keeps_the_window_target(
    demo_client: FlaskClient, platforms: dict[str, DemoPlatform], tool: ToolEndpoints
) -> None:
    platform = platforms["bologna"]
    params = auth_params(platform, "17", tool.launch_url, target="window")
    response = demo_client.get("/bologna/auth", query_string=params)
    token = launch_form_fields(response.get_data(as_text=True))["id_token"]
    payload = verify_with_jwks(token, platform.jwks(), platform.client_id)
    assert payload[f"{LTI}launch_presentation"]["document_target"] == "window"


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"redirect_uri": "http://tandem.test/lti/launch/"}, "redirect_uri"),
        ({"redirect_uri": "http://evil.test/lti/launch"}, "redirect_uri"),
        ({"client_id": "someone-else"}, "client_id"),
        ({"nonce": None}, "nonce is missing"),
        ({"state": ""}, "state is missing"),
        ({"login_hint": "999"}, "login_hint"),
        ({"scope": "profile"}, "scope"),
        ({"response_type": "code"}, "response_type"),
        ({"lti_message_hint": None}, "lti_message_hint is missing"),
        ({"lti_message_hint": "not json"}, "lti_message_hint"),
        ({"lti_message_hint": '{"user":"18","target":"iframe"}'}, "another user"),
    ],
)
def test_auth_refuses_a_bad_request_with_the_reason(
    demo_client: FlaskClient,
    platforms: dict[str, DemoPlatform],
    tool: ToolEndpoints,
    overrides: dict[str, str | None],
    reason: str,
) -> None:
    params = auth_params(platforms["bologna"], "17", tool.launch_url, overrides=overrides)
    response = demo_client.post("/bologna/auth", data=params)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert reason in html
    assert 'name="id_token"' not in html
