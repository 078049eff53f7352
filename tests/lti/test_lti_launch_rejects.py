"""The certification-style matrix: every malformed or untrusted launch gets its 4xx and reason;
every unusual but valid launch lands. Tokens are signed by the demo platform's real keys (or by
a stranger's), posted over HTTP after a real OIDC login at Tandem."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.live import Launcher, LiveStack

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"

Mutate = Callable[[dict[str, Any]], None]


def _drop(name: str) -> Mutate:
    return lambda claims: claims.pop(name, None)


def _set(name: str, value: Any) -> Mutate:
    def mutate(claims: dict[str, Any]) -> None:
        claims[name] = value

    return mutate


def _drop_resource_link(claims: dict[str, Any]) -> None:
    claims[f"{LTI}resource_link"] = {"title": "no id"}


CLAIM_CASES: list[tuple[str, Mutate, int, str]] = [
    ("wrong LTI version", _set(f"{LTI}version", "1.2.0"), 400, "wrong_version"),
    ("missing LTI version", _drop(f"{LTI}version"), 400, "wrong_version"),
    ("missing message type", _drop(f"{LTI}message_type"), 400, "missing_claim"),
    (
        "unknown message type",
        _set(f"{LTI}message_type", "LtiFooRequest"),
        400,
        "unsupported_message",
    ),
    ("missing deployment id", _drop(f"{LTI}deployment_id"), 400, "missing_claim"),
    ("unknown deployment id", _set(f"{LTI}deployment_id", "nope"), 403, "unknown_deployment"),
    ("missing sub", _drop("sub"), 400, "missing_claim"),
    ("empty sub", _set("sub", ""), 400, "missing_claim"),
    ("missing roles claim", _drop(f"{LTI}roles"), 400, "missing_claim"),
    ("roles not a list", _set(f"{LTI}roles", "Learner"), 400, "missing_claim"),
    ("missing resource link id", _drop_resource_link, 400, "missing_claim"),
    ("unknown issuer", _set("iss", "https://unknown.example.org"), 401, "unknown_issuer"),
    ("token for another tool", _set("aud", "some-other-tool"), 401, "wrong_audience"),
    ("missing audience", _drop("aud"), 400, "missing_claim"),
    ("expired", _set("exp", int(time.time()) - 60), 401, "expired"),
    ("issued in the future", _set("iat", int(time.time()) + 3600), 401, "not_yet_valid"),
    ("missing exp", _drop("exp"), 400, "missing_claim"),
    ("missing iat", _drop("iat"), 400, "missing_claim"),
    ("missing nonce", _drop("nonce"), 400, "missing_claim"),
    ("nonce Tandem never issued", _set("nonce", "made-up-nonce"), 401, "unknown_nonce"),
]


def _reason(response: requests.Response) -> str:
    body = response.json()
    assert isinstance(body, dict)
    return str(body["error"])


@pytest.mark.parametrize(
    ("mutate", "status", "reason"),
    [pytest.param(m, s, r, id=name) for name, m, s, r in CLAIM_CASES],
)
def test_a_bad_claim_is_rejected_with_its_reason(
    launcher: Launcher, live_stack: LiveStack, mutate: Mutate, status: int, reason: str
) -> None:
    started = launcher.login("leiden")
    claims = launcher.claims("leiden", started)
    mutate(claims)
    response = launcher.post(started, live_stack.platform("leiden").sign(claims))
    assert (response.status_code, _reason(response)) == (status, reason), response.text


def test_missing_id_token_is_a_bad_request(launcher: Launcher) -> None:
    response = launcher.post(launcher.login("leiden"), None)
    assert (response.status_code, _reason(response)) == (400, "missing_parameter")


def test_missing_state_is_a_bad_request(launcher: Launcher, live_stack: LiveStack) -> None:
    started = launcher.login("leiden")
    token = live_stack.platform("leiden").sign(launcher.claims("leiden", started))
    response = launcher.post(started, token, state="")
    assert (response.status_code, _reason(response)) == (400, "missing_parameter")


def test_garbage_token_is_malformed(launcher: Launcher) -> None:
    response = launcher.post(launcher.login("leiden"), "not.a-jwt")
    assert (response.status_code, _reason(response)) == (400, "malformed_token")


def test_state_that_is_not_this_browsers_is_a_state_mismatch(
    launcher: Launcher, live_stack: LiveStack
) -> None:
    started = launcher.login("leiden")
    token = live_stack.platform("leiden").sign(launcher.claims("leiden", started))
    response = launcher.post(started, token, state="state-of-someone-else")
    assert (response.status_code, _reason(response)) == (401, "state_mismatch")


def test_token_without_kid_is_rejected(launcher: Launcher, live_stack: LiveStack) -> None:
    started = launcher.login("leiden")
    claims = launcher.claims("leiden", started)
    token = live_stack.platform("leiden").sign(claims, headers={"kid": None})
    response = launcher.post(started, token)
    assert (response.status_code, _reason(response)) == (401, "unknown_key")


def test_token_signed_by_an_unknown_key_is_rejected(
    launcher: Launcher, live_stack: LiveStack
) -> None:
    started = launcher.login("leiden")
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(
        launcher.claims("leiden", started), stranger, algorithm="RS256", headers={"kid": "forged"}
    )
    response = launcher.post(started, token)
    assert (response.status_code, _reason(response)) == (401, "unknown_key")


def test_forged_token_using_the_platforms_kid_fails_the_signature(
    launcher: Launcher, live_stack: LiveStack
) -> None:
    platform = live_stack.platform("leiden")
    started = launcher.login("leiden")
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = jwt.encode(
        launcher.claims("leiden", started),
        stranger,
        algorithm="RS256",
        headers={"kid": platform.kid},
    )
    response = launcher.post(started, token)
    assert (response.status_code, _reason(response)) == (401, "bad_signature")


def test_a_replayed_id_token_is_rejected(launcher: Launcher, live_stack: LiveStack) -> None:
    started = launcher.login("bologna")
    token = live_stack.platform("bologna").sign(launcher.claims("bologna", started))
    first = launcher.post(started, token)
    assert first.status_code == 200
    # The launch expired its state cookie; an attacker replaying a captured launch brings
    # the cookie along, so only the single-use nonce stands in the way.
    started.http.cookies.set(f"lti1p3-{started.state}", started.state)
    replay = launcher.post(started, token)
    assert (replay.status_code, _reason(replay)) == (401, "replay")


def test_key_rotation_is_accepted_after_one_refetch(
    launcher: Launcher, live_stack: LiveStack
) -> None:
    platform = live_stack.platform("bologna")
    warm = launcher.login("bologna")
    assert launcher.post(warm, platform.sign(launcher.claims("bologna", warm))).status_code == 200
    fetches_before = live_stack.key_cache.fetches

    new_kid = platform.rotate_key()
    started = launcher.login("bologna")
    token = platform.sign(launcher.claims("bologna", started))
    assert jwt.get_unverified_header(token)["kid"] == new_kid

    response = launcher.post(started, token)
    assert response.status_code == 200, response.text
    assert live_stack.key_cache.fetches == fetches_before + 1
    again = launcher.login("bologna")
    assert launcher.post(again, platform.sign(launcher.claims("bologna", again))).status_code == 200
    assert live_stack.key_cache.fetches == fetches_before + 1  # the cache now knows the new key


@pytest.mark.parametrize(
    ("params", "status", "reason"),
    [
        pytest.param({"iss": None}, 400, "missing_parameter", id="no issuer"),
        pytest.param({"login_hint": None}, 400, "missing_parameter", id="no login hint"),
        pytest.param({"iss": "https://nobody.example"}, 401, "unknown_issuer", id="unknown issuer"),
        pytest.param({"client_id": "who"}, 401, "unknown_client", id="unknown client"),
    ],
)
def test_a_bad_login_initiation_is_rejected(
    live_stack: LiveStack, params: dict[str, str | None], status: int, reason: str
) -> None:
    platform = live_stack.platform("leiden")
    query: dict[str, str | None] = {
        "iss": platform.issuer,
        "login_hint": "someone",
        "target_link_uri": f"{live_stack.tandem_url}/lti/launch",
        "client_id": platform.client_id,
        **params,
    }
    response = requests.get(
        f"{live_stack.tandem_url}/lti/login",
        params={k: v for k, v in query.items() if v is not None},
        headers={"Accept": "application/json"},
        allow_redirects=False,
        timeout=10,
    )
    assert (response.status_code, _reason(response)) == (status, reason)


def test_a_rejection_shown_to_a_browser_is_a_page_naming_the_reason(
    launcher: Launcher, live_stack: LiveStack
) -> None:
    started = launcher.login("leiden")
    claims = launcher.claims("leiden", started)
    claims[f"{LTI}deployment_id"] = "unknown-deployment"
    response = started.http.post(
        f"{live_stack.tandem_url}/lti/launch",
        data={"id_token": live_stack.platform("leiden").sign(claims), "state": started.state},
        headers={"Accept": "text/html"},
        timeout=10,
    )
    assert response.status_code == 403
    assert "text/html" in response.headers["Content-Type"]
    assert 'data-reason="unknown_deployment"' in response.text
    assert "Traceback" not in response.text


def _blank_personal_data(claims: dict[str, Any]) -> None:
    for name in ("name", "given_name", "family_name", "email"):
        claims.pop(name, None)


def _no_context(claims: dict[str, Any]) -> None:
    claims.pop(f"{LTI}context", None)


ACCEPT_CASES: list[tuple[str, Mutate, str]] = [
    ("no personal data (anonymous mode)", _blank_personal_data, "Student"),
    ("no roles", _set(f"{LTI}roles", []), "Guest"),
    ("unknown roles", _set(f"{LTI}roles", ["http://example.org/roles#Wizard"]), "Guest"),
    (
        "several roles",
        _set(f"{LTI}roles", [f"{MEMBERSHIP}Learner", f"{MEMBERSHIP}Instructor"]),
        "Teacher",
    ),
    ("short-form role", _set(f"{LTI}roles", ["Instructor"]), "Teacher"),
    (
        "teaching assistant sub-role",
        _set(f"{LTI}roles", [f"{MEMBERSHIP[:-1]}/Instructor#TeachingAssistant"]),
        "Teacher",
    ),
    (
        "system administrator only",
        _set(f"{LTI}roles", ["http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator"]),
        "Administrator",
    ),
    ("no context", _no_context, "outside a course"),
]


@pytest.mark.parametrize(
    ("mutate", "expected"), [pytest.param(m, e, id=name) for name, m, e in ACCEPT_CASES]
)
def test_an_unusual_but_valid_launch_lands(
    launcher: Launcher, live_stack: LiveStack, mutate: Mutate, expected: str
) -> None:
    started = launcher.login("bologna")
    claims = launcher.claims("bologna", started)
    mutate(claims)
    response = started.http.post(
        f"{live_stack.tandem_url}/lti/launch",
        data={"id_token": live_stack.platform("bologna").sign(claims), "state": started.state},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    assert response.url == f"{live_stack.tandem_url}/lti/launch"
    assert expected in response.text


def test_an_audience_list_names_the_client_by_azp(
    launcher: Launcher, live_stack: LiveStack
) -> None:
    platform = live_stack.platform("leiden")
    started = launcher.login("leiden")
    claims = launcher.claims("leiden", started)
    claims["aud"] = [platform.client_id, "https://another.example"]
    claims["azp"] = platform.client_id
    assert launcher.post(started, platform.sign(claims)).status_code == 200
