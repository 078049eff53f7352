"""The OAuth2 token endpoint (client credentials with a signed JWT assertion)."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from demo.keys import KeyRing
from demo.lti_adapter import DemoPlatformConf
from demo.platforms import DemoPlatform

JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
NRPS_SCOPE = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


@pytest.fixture
def tool_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KeyRing:
    """Tandem's key pair, served to the platform in place of an HTTP fetch of its JWKS."""
    keys = KeyRing(tmp_path, "tool")

    def fetch(self: DemoPlatformConf, url: str) -> dict[str, Any]:
        assert url == "http://tandem.test/lti/jwks"
        return keys.jwks()

    monkeypatch.setattr(DemoPlatformConf, "fetch_public_key", fetch)
    return keys


def _request(platform: DemoPlatform, assertion: str, **overrides: str) -> dict[str, str]:
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": JWT_BEARER,
        "client_assertion": assertion,
        "scope": NRPS_SCOPE,
        **overrides,
    }


def _assertion(platform: DemoPlatform, keys: KeyRing, **overrides: Any) -> str:
    now = int(time.time())
    claims = {
        "iss": platform.client_id,
        "sub": platform.client_id,
        "aud": platform.auth_token_url,
        "iat": now,
        "exp": now + 60,
        "jti": uuid.uuid4().hex,
        **overrides,
    }
    return keys.sign(claims)


def test_a_valid_assertion_gets_an_access_token(
    demo_client: FlaskClient, platforms: dict[str, DemoPlatform], tool_keys: KeyRing
) -> None:
    platform = platforms["bologna"]
    response = demo_client.post(
        "/bologna/token", data=_request(platform, _assertion(platform, tool_keys))
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["token_type"] == "bearer"
    assert body["scope"] == NRPS_SCOPE
    assert body["access_token"]


@pytest.mark.parametrize(
    "form",
    [
        {},
        {"grant_type": "password"},
        {"grant_type": "client_credentials", "client_assertion": "garbage", "scope": "x"},
        {
            "grant_type": "client_credentials",
            "client_assertion_type": JWT_BEARER,
            "client_assertion": "not.a.jwt",
            "scope": NRPS_SCOPE,
        },
    ],
)
def test_garbage_is_a_400_json_error(demo_client: FlaskClient, form: dict[str, str]) -> None:
    response = demo_client.post("/leiden/token", data=form)
    assert response.status_code == 400
    assert response.get_json()["error"] in {"invalid_request", "unsupported_grant_type"}


@pytest.mark.parametrize(
    "overrides", [{"aud": "http://elsewhere.test/token"}, {"iss": "x", "sub": "x"}]
)
def test_an_assertion_for_someone_else_is_refused(
    demo_client: FlaskClient,
    platforms: dict[str, DemoPlatform],
    tool_keys: KeyRing,
    overrides: dict[str, str],
) -> None:
    platform = platforms["leiden"]
    assertion = _assertion(platform, tool_keys, **overrides)
    response = demo_client.post("/leiden/token", data=_request(platform, assertion))
    assert response.status_code == 401
    assert response.get_json()["error"] == "invalid_client"


def test_an_assertion_signed_by_an_unknown_key_is_refused(
    demo_client: FlaskClient,
    platforms: dict[str, DemoPlatform],
    tool_keys: KeyRing,
    tmp_path: Path,
) -> None:
    platform = platforms["leiden"]
    forged = _assertion(platform, KeyRing(tmp_path, "intruder"))
    response = demo_client.post("/leiden/token", data=_request(platform, forged))
    assert response.status_code == 401
    assert "Unable to find public key" in response.get_json()["error_description"]
