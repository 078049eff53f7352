"""State-changing requests from other sites are refused; LMS launch posts are not."""

from __future__ import annotations

from pathlib import Path

from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from lti.platforms import PlatformSpec, add_platform
from web.app import create_app
from web.config import Settings


def test_a_cross_site_form_post_is_refused(client: FlaskClient) -> None:
    response = client.post(
        "/language", data={"lang": "nl"}, headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 403
    with client.session_transaction() as state:
        assert "locale" not in state  # nothing changed


def test_a_post_with_a_foreign_origin_is_refused(client: FlaskClient) -> None:
    response = client.post(
        "/language", data={"lang": "nl"}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403


def test_a_post_from_our_own_page_is_accepted(client: FlaskClient) -> None:
    same = client.post(
        "/language", data={"lang": "nl", "next": "/"}, headers={"Sec-Fetch-Site": "same-origin"}
    )
    assert same.status_code == 303
    own = client.post(
        "/language", data={"lang": "en", "next": "/"}, headers={"Origin": "http://localhost"}
    )
    assert own.status_code == 303


def test_the_lms_may_post_a_launch_cross_site(client: FlaskClient) -> None:
    """Refused for its content (no token), not for coming from another site."""
    response = client.post(
        "/lti/launch",
        data={"state": "x"},
        headers={"Sec-Fetch-Site": "cross-site", "Accept": "application/json"},
    )
    assert response.status_code == 400
    assert response.get_json()["error"] == "missing_parameter"


def test_every_response_carries_the_security_headers(client: FlaskClient) -> None:
    headers = client.get("/").headers
    assert "nonce-" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"


def test_over_https_cookies_survive_an_lms_iframe(tmp_path: Path, session: Session) -> None:
    """SameSite=None; Secure; Partitioned on both the session and pylti1p3's state cookie."""
    settings = Settings(
        env="test",
        instance_path=tmp_path,
        secret_key="h" * 40,
        base_url="https://tandem.example.org",
    )
    app = create_app(settings, session_factory=lambda: session)
    add_platform(
        session,
        PlatformSpec(
            issuer="https://lms.example.org",
            client_id="c1",
            name="Example LMS",
            auth_login_url="https://lms.example.org/auth",
            auth_token_url="https://lms.example.org/token",
            key_set_url="https://lms.example.org/jwks",
            deployment_ids=("d1",),
        ),
    )
    client = app.test_client()
    https = "https://tandem.example.org"
    chosen = client.post("/language", data={"lang": "nl", "next": "/"}, base_url=https)
    login = client.get(
        "/lti/login",
        query_string={"iss": "https://lms.example.org", "login_hint": "u1", "client_id": "c1"},
        base_url=https,
    )
    assert login.status_code == 302
    cookies = chosen.headers.getlist("Set-Cookie") + login.headers.getlist("Set-Cookie")
    assert any(c.startswith("tandem_session=") for c in cookies)
    assert any(c.startswith("lti1p3-state-") for c in cookies)
    for cookie in cookies:
        assert "Secure" in cookie
        assert "SameSite=None" in cookie
        assert "Partitioned" in cookie
