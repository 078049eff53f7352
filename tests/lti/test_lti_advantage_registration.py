"""LTI Dynamic Registration against the demo LMS over HTTP: Brightspace and Moodle flows."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sqlalchemy import select

from demo.platforms import DemoPlatform
from demo.registration import new_registration_token, openid_configuration_url
from lti.models import Registration
from tests.live import Launcher, LiveStack
from web.cli import cli

NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"
AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"


@pytest.fixture(autouse=True)
def healthy_lms(open_stack: LiveStack) -> Iterator[None]:
    yield
    for platform in open_stack.platforms.values():
        platform.services.down = False
        platform.services.announced_issuer = None


def _register(
    stack: LiveStack, platform: DemoPlatform, token: str | None = None, invite: str | None = None
) -> requests.Response:
    params = {
        "openid_configuration": openid_configuration_url(platform),
        "registration_token": token or new_registration_token(platform),
    }
    if invite is not None:
        params["invite"] = invite
    return requests.get(f"{stack.tandem_url}/lti/register", params=params, timeout=10)


def _cli(stack: LiveStack, *args: str) -> str:
    result = stack.tandem.test_cli_runner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return str(result.output)


def _invite(stack: LiveStack) -> str:
    url = _cli(stack, "platform", "invite").strip()
    assert url.startswith(f"{stack.tandem_url}/lti/register?invite=")
    return url.rsplit("=", 1)[1]


def _registrations(stack: LiveStack, platform: DemoPlatform) -> list[Registration]:
    with stack.session_factory() as db:
        rows = db.scalars(select(Registration).where(Registration.issuer == platform.issuer))
        found = list(rows)
        for row in found:
            _ = [d.deployment_id for d in row.deployments]
        db.expunge_all()
        return found


def _reason(page: requests.Response) -> str:
    found = re.search(r"data-registration-error>([^<]*)<", page.text)
    assert found, page.text
    return found.group(1)


def test_brightspace_style_registration_is_active_and_launches(open_stack: LiveStack) -> None:
    platform = open_stack.platform("leiden")
    student = platform.students[0].user_id
    uninvited = _register(open_stack, platform)
    assert 'data-status="pending"' in uninvited.text  # nobody vouched for this platform
    refused = requests.get(
        f"{open_stack.demo_url}/leiden/launch/{student}?target=window", timeout=10
    )
    assert refused.status_code == 403
    assert 'data-reason="registration_pending"' in refused.text
    _cli(
        open_stack,
        "platform",
        "remove",
        "--issuer",
        platform.issuer,
        "--client-id",
        platform.client_id,
    )
    sent_before = len(platform.services.tool_registrations)
    invite = _invite(open_stack)

    page = _register(open_stack, platform, invite=invite)

    assert page.status_code == 200, page.text
    assert "org.imsglobal.lti.close" in page.text
    assert "window.opener || window.parent" in page.text
    sent = platform.services.tool_registrations[sent_before:]
    assert len(sent) == 1
    tandem = open_stack.tandem_url
    assert sent[0] == {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": f"{tandem}/lti/login",
        "redirect_uris": [f"{tandem}/lti/launch"],
        "client_name": "Tandem",
        "jwks_uri": f"{tandem}/lti/jwks",
        "logo_uri": f"{tandem}/static/tandem-logo.svg",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": f"{NRPS} {AGS}lineitem {AGS}result.readonly {AGS}score",
        TOOL_CONFIGURATION: {
            "domain": tandem.removeprefix("http://"),
            "description": "Virtual exchange: international student teams across universities.",
            "target_link_uri": f"{tandem}/lti/launch",
            "custom_parameters": {"tandem_context": "$Context.id"},
            "claims": ["iss", "sub", "name", "given_name", "family_name", "email", "locale"],
            "messages": [
                {"type": "LtiResourceLinkRequest", "target_link_uri": f"{tandem}/lti/launch"},
                {
                    "type": "LtiDeepLinkingRequest",
                    "target_link_uri": f"{tandem}/lti/launch",
                    "label": "Tandem exchange",
                    "placements": ["ContentArea"],
                    "supported_types": ["ltiResourceLink"],
                },
            ],
        },
    }
    (registration,) = _registrations(open_stack, platform)
    assert registration.client_id == platform.client_id
    assert registration.source == "dynamic"
    assert registration.status == "active"
    assert [d.deployment_id for d in registration.deployments] == [platform.deployment_id]
    assert registration.key_set_url == platform.key_set_url
    config: dict[str, Any] = registration.platform_config or {}
    assert config["openid_configuration"]["issuer"] == platform.issuer
    assert config["registration_response"]["client_id"] == platform.client_id

    landed = Launcher(open_stack).full_launch("leiden", student)
    assert landed.status_code == 200, landed.text

    # Registering the same client id again updates the registration (Moodle: "update an
    # already installed tool") instead of refusing it as a duplicate.
    again = _register(open_stack, platform, invite=_invite(open_stack))
    assert again.status_code == 200, again.text
    (updated,) = _registrations(open_stack, platform)
    assert updated.id == registration.id
    assert updated.status == "active"
    assert len(platform.services.tool_registrations) == sent_before + 2
    assert Launcher(open_stack).full_launch("leiden", student).status_code == 200


def test_moodle_style_registration_with_an_invite_waits_only_for_moodle(
    open_stack: LiveStack,
) -> None:
    """The invite promises an active registration at once; Moodle still keeps the tool
    pending on its own side until its admin activates it there."""
    platform = open_stack.platform("bologna")
    invited_url = f"{open_stack.tandem_url}/lti/register?invite={_invite(open_stack)}"
    admin_page = requests.post(
        f"{open_stack.demo_url}/bologna/admin/register",
        data={"tool_url": invited_url},
        timeout=10,
    )
    src = re.search(r'src="([^"]+/lti/register\?[^"]+)"', admin_page.text)
    assert src, admin_page.text

    page = requests.get(src.group(1).replace("&amp;", "&"), timeout=10)

    assert page.status_code == 200, page.text
    assert 'data-status="active"' in page.text
    (registration,) = _registrations(open_stack, platform)
    assert registration.status == "active"
    assert registration.name == f"Moodle ({open_stack.demo_url.removeprefix('http://')})"
    assert platform.tool_status == "pending"
    teacher = platform.teacher.user_id
    refused_by_lms = requests.get(
        f"{open_stack.demo_url}/bologna/launch/{teacher}?target=window", timeout=10
    )
    assert refused_by_lms.status_code == 403
    assert "not activated it yet" in refused_by_lms.text

    requests.post(f"{open_stack.demo_url}/bologna/admin/activate", timeout=10)
    landed = Launcher(open_stack).full_launch("bologna", teacher)
    assert landed.status_code == 200, landed.text


def test_issuer_on_another_host_is_refused(open_stack: LiveStack) -> None:
    platform = open_stack.platform("leiden")
    platform.services.announced_issuer = "https://lms.attacker.example/leiden"
    sent_before = len(platform.services.tool_registrations)

    page = _register(open_stack, platform)

    assert page.status_code == 400
    assert "does not match the host" in _reason(page)
    assert len(platform.services.tool_registrations) == sent_before
    assert not _registrations(open_stack, platform) or all(
        r.issuer == platform.issuer for r in _registrations(open_stack, platform)
    )


def test_bad_registration_token_is_refused(open_stack: LiveStack) -> None:
    platform = open_stack.platform("leiden")
    before = _registrations(open_stack, platform)

    page = _register(open_stack, platform, token="not-a-token-the-platform-issued")

    assert page.status_code == 400
    assert "refused Tandem's registration" in _reason(page)
    assert "HTTP 401" in page.text
    assert len(_registrations(open_stack, platform)) == len(before)


def test_platform_down_is_a_clear_502(open_stack: LiveStack) -> None:
    platform = open_stack.platform("leiden")
    platform.services.down = True

    page = _register(open_stack, platform)

    assert page.status_code == 502
    assert "could not fetch the platform's configuration" in _reason(page)


def test_unreachable_platform_and_missing_parameters(open_stack: LiveStack) -> None:
    gone = requests.get(
        f"{open_stack.tandem_url}/lti/register",
        params={
            "openid_configuration": "http://127.0.0.1:9/x/.well-known/openid-configuration",
            "registration_token": "t",
        },
        timeout=15,
    )
    assert gone.status_code == 502
    missing = requests.get(f"{open_stack.tandem_url}/lti/register", timeout=10)
    assert missing.status_code == 400
    assert "missing openid_configuration" in _reason(missing)


def test_plain_http_is_refused_off_loopback(open_stack: LiveStack) -> None:
    page = requests.get(
        f"{open_stack.tandem_url}/lti/register",
        params={
            "openid_configuration": "http://lms.example.org/.well-known/openid-configuration",
            "registration_token": "t",
        },
        timeout=10,
    )
    assert page.status_code == 400
    assert "over https" in _reason(page)
