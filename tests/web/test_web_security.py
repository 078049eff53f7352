"""State-changing requests from other sites are refused; LMS launch posts are not."""

from __future__ import annotations

from flask.testing import FlaskClient


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
