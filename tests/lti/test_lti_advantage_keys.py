"""Tool key rotation: old and new keys both verify while a rotation overlaps."""

from __future__ import annotations

import re
import time
import uuid

import jwt
import requests

from demo.testing import launch_form_fields, verify_with_jwks
from lti.launch import LtiContext
from lti.services import JWT_BEARER
from tests.live import Launcher, LiveStack
from web.cli import cli

_JWT = re.compile(r'<input type="hidden" name="JWT" value="([^"]+)">')


def _kids(stack: LiveStack) -> list[str]:
    body = requests.get(f"{stack.tandem_url}/lti/jwks", timeout=10).json()
    return [key["kid"] for key in body["keys"]]


def _token_with(stack: LiveStack, slug: str, private_pem: str, kid: str) -> requests.Response:
    """Ask the demo LMS for an access token with an assertion signed by the given tool key."""
    platform = stack.platform(slug)
    now = int(time.time())
    assertion = jwt.encode(
        {
            "iss": platform.client_id,
            "sub": platform.client_id,
            "aud": platform.auth_token_url,
            "iat": now,
            "exp": now + 60,
            "jti": uuid.uuid4().hex,
        },
        private_pem,
        algorithm="RS256",
        headers={"kid": kid},
    )
    return requests.post(
        platform.auth_token_url,
        data={
            "grant_type": "client_credentials",
            "client_assertion_type": JWT_BEARER,
            "client_assertion": assertion,
            "scope": "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        },
        timeout=10,
    )


def test_a_rotation_never_breaks_what_is_in_flight(
    live_stack: LiveStack, launcher: Launcher
) -> None:
    context: LtiContext = live_stack.tandem.extensions["tandem.lti"]
    runner = live_stack.tandem.test_cli_runner()
    old = context.keys.current()
    assert _kids(live_stack) == [old.kid]

    prepared = runner.invoke(cli, ["keys", "rotate"])
    assert prepared.exit_code == 0, prepared.output
    nxt = context.keys.next()
    assert nxt is not None
    assert _kids(live_stack) == [old.kid, nxt.kid]
    # During the overlap an LMS accepts assertions signed by either key.
    assert _token_with(live_stack, "bologna", old.private_pem, old.kid).status_code == 200
    assert _token_with(live_stack, "bologna", nxt.private_pem, nxt.kid).status_code == 200

    # A launch and a deep-linking picker start before the switch and finish after it.
    started = launcher.login("leiden")
    teacher = live_stack.platform("bologna").teacher
    http = requests.Session()
    page = http.get(
        f"{live_stack.demo_url}/bologna/launch/{teacher.user_id}",
        params={"target": "window", "message": "deep_link"},
        timeout=10,
    )
    form = launch_form_fields(page.text)
    picker = http.post(form.pop("action"), data=form, timeout=10)
    assert "/lti/deep-link/" in picker.url

    promoted = runner.invoke(cli, ["keys", "rotate"])
    assert promoted.exit_code == 0, promoted.output
    assert context.keys.current().kid == nxt.kid
    assert _kids(live_stack) == [nxt.kid, old.kid]

    claims = launcher.claims("leiden", started)
    assert launcher.post(started, live_stack.platform("leiden").sign(claims)).status_code == 200
    answer = http.post(
        picker.url,
        data={
            "action": "create",
            "title": "Rotated",
            "starts_on": "2027-02-01",
            "ends_on": "2027-03-01",
            "languages": "en",
        },
        timeout=10,
    )
    token = _JWT.search(answer.text)
    assert token is not None
    assert jwt.get_unverified_header(token.group(1))["kid"] == nxt.kid
    jwks = requests.get(f"{live_stack.tandem_url}/lti/jwks", timeout=10).json()
    verify_with_jwks(token.group(1), jwks, audience=live_stack.platform("bologna").issuer)
    # A token signed by the old key a moment before the switch still verifies.
    assert _token_with(live_stack, "bologna", old.private_pem, old.kid).status_code == 200

    retired = runner.invoke(cli, ["keys", "rotate", "--step", "retire"])
    assert retired.exit_code == 0, retired.output
    assert _kids(live_stack) == [nxt.kid]
    assert _token_with(live_stack, "bologna", old.private_pem, old.kid).status_code == 401
    status = runner.invoke(cli, ["keys", "status"])
    assert nxt.kid in status.output
