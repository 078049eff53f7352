"""Requests that write rows without a session are limited per address: a flood from one
address stops creating rows at the limit, while another address carries on unaffected."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lti.models import LaunchState
from lti.platforms import PlatformSpec, add_platform
from web.ratelimit import LIMITS

ISSUER = "https://lms.flood.example"


def _login(client: FlaskClient, address: str) -> int:
    answer = client.get(
        "/lti/login",
        query_string={
            "iss": ISSUER,
            "login_hint": "someone",
            "target_link_uri": "http://localhost/lti/launch",
            "client_id": "flood-client",
        },
        environ_base={"REMOTE_ADDR": address},
    )
    return answer.status_code


def _state_rows(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(LaunchState)) or 0


def test_a_login_flood_stops_writing_state_rows_and_spares_other_addresses(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    add_platform(
        session,
        PlatformSpec(
            issuer=ISSUER,
            client_id="flood-client",
            name="Flood LMS",
            auth_login_url=f"{ISSUER}/auth",
            auth_token_url=f"{ISSUER}/token",
            key_set_url=f"{ISSUER}/jwks",
            deployment_ids=("d1",),
        ),
    )
    limit, _window = LIMITS["heavy"]
    before = _state_rows(session)
    statuses = [_login(client, "203.0.113.7") for _ in range(limit + 20)]
    assert set(statuses[:limit]) == {302}, statuses[:limit]
    assert set(statuses[limit:]) == {429}
    flooded = _state_rows(session) - before
    assert 0 < flooded <= limit  # the 20 refused logins wrote nothing
    assert _login(client, "198.51.100.9") == 302  # another client: unaffected
    assert _state_rows(session) - before == flooded + 1


def test_dynamic_registration_and_admin_sign_in_are_limited(client: FlaskClient) -> None:
    limit, _window = LIMITS["heavy"]
    for path, method in (("/lti/register", "GET"), ("/admin/sign-in", "POST")):
        statuses = [
            client.open(path, method=method, data={"token": "guess"}).status_code
            for _ in range(limit + 1)
        ]
        assert 429 not in statuses[:limit], path
        assert statuses[-1] == 429, path
