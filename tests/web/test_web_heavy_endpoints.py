"""Heavy anonymous endpoints: the certificate PDF is built once per content and revalidated
with an ETag; PDF, POST /verify, /lti/login and status lists are rate limited (429)."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from plugin.credentials import certificate
from plugin.credentials import service as credential_service
from tests.plugin.completion.completion_world import CompletionWorld, build_completion_world
from tests.web.test_web_credentials_flow import Issued, _issue_through_pages, _sign_in
from web.ratelimit import LIMITS, MemoryCounter, RedisCounter


@pytest.fixture
def issued(client: FlaskClient, session: Session) -> tuple[CompletionWorld, Issued]:
    cw = build_completion_world(session)
    return cw, _issue_through_pages(client, session, cw)


def test_certificate_is_built_once_per_content_and_revalidated_with_an_etag(
    client: FlaskClient, issued: tuple[CompletionWorld, Issued]
) -> None:
    cw, credential = issued
    url = f"/credentials/{credential.id}/certificate.pdf"
    with client.session_transaction() as state:
        state.clear()
    with mock.patch.object(
        credential_service, "certificate_pdf", wraps=certificate.certificate_pdf
    ) as render:
        first = client.get(url)
        second = client.get(url)
        assert render.call_count == 1  # before: rebuilt on every request (~125 ms)
    assert first.status_code == second.status_code == 200
    assert first.data == second.data
    assert first.data.startswith(b"%PDF")
    etag = first.headers["ETag"]
    assert "no-store" not in first.headers["Cache-Control"]
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    _sign_in(client, cw.rooms.alice)  # the learner's copy carries her name: another ETag
    own = client.get(url, headers={"If-None-Match": etag})
    assert own.status_code == 200
    assert own.headers["ETag"] != etag


def _hammer(client: FlaskClient, method: str, path: str, **kwargs: Any) -> list[int]:
    limit, _window = LIMITS["heavy"]
    return [client.open(path, method=method, **kwargs).status_code for _ in range(limit + 2)]


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("POST", "/verify", {"json": {"a": 1}}),
        ("GET", "/lti/login?iss=https://nowhere.example&login_hint=x", {}),
        ("GET", "/status/1", {}),
        ("GET", "/credentials/nope/certificate.pdf", {}),
    ],
)
def test_heavy_anonymous_endpoints_are_rate_limited(
    client: FlaskClient, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    statuses = _hammer(client, method, path, **kwargs)
    assert 429 not in statuses[: LIMITS["heavy"][0]]
    assert statuses[-1] == 429
    answer = client.open(path, method=method, headers={"Accept": "application/json"}, **kwargs)
    assert answer.status_code == 429
    assert 1 <= int(answer.headers["Retry-After"]) <= 61
    assert answer.json is not None
    assert "Too many requests" in answer.json["error"]["message"]
    dutch = client.open(path, method=method, headers={"Accept-Language": "nl"}, **kwargs)
    assert "Te veel verzoeken" in dutch.text


def test_the_verify_page_itself_is_not_limited(client: FlaskClient) -> None:
    assert 429 not in _hammer(client, "GET", "/verify")


def test_rate_limits_can_be_switched_off_for_tests(app: Flask, client: FlaskClient) -> None:
    app.config["TANDEM_RATE_LIMITS"] = False
    assert 429 not in _hammer(client, "GET", "/status/1")


def test_memory_counter_starts_a_new_window() -> None:
    now = [1000.0]
    counter = MemoryCounter(clock=lambda: now[0])
    assert counter.hit("k", 60) == (1, 20.0)
    assert counter.hit("k", 60)[0] == 2
    now[0] = 1020.0
    assert counter.hit("k", 60)[0] == 1


def test_redis_counter_is_shared(redis_url: str) -> None:
    key = f"test-{id(object())}"
    first, second = RedisCounter(redis_url), RedisCounter(redis_url)
    assert first.hit(key, 60)[0] == 1
    assert second.hit(key, 60)[0] == 2
