"""Hostile input gets a 4xx with a message, never a 500: deep JSON, huge ids, NUL bytes."""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from plugin.errors import InvalidInput
from plugin.exchanges.models import Exchange
from tests.plugin.completion.completion_world import CompletionWorld, build_completion_world
from web.inputs import MAX_ID, json_depth, load_untrusted_json, parse_id

HUGE = str(2**64)


def _sign_in(client: FlaskClient, person_id: int, role: str, course_id: int | None) -> None:
    with client.session_transaction() as state:
        state.clear()
        state.update(person_id=person_id, role=role, course_id=course_id)


def _no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_deeply_nested_json_to_verify_is_invalid_not_500(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    deep = "[" * 3000 + "]" * 3000
    api = client.post("/verify", data=deep, content_type="application/json")
    assert api.status_code == 400
    assert api.json == {
        "valid": False,
        "checks": [{"name": "format", "passed": False, "message": "This is not valid JSON."}],
    }
    page = client.post("/verify", data={"credential": "{" * 3000})
    assert page.status_code == 400
    assert "This is not valid JSON." in page.text
    _no_traceback(caplog)


def test_json_depth_ignores_brackets_inside_strings() -> None:
    assert json_depth('{"a": "[[[[[[", "b": [1, [2]]}') == 3
    assert load_untrusted_json('["[[[["]', "bad", max_depth=1) == ["[[[["]
    with pytest.raises(InvalidInput, match="bad"):
        load_untrusted_json("[[1]]", "bad", max_depth=1)


@pytest.mark.parametrize(
    "path",
    [
        f"/status/{HUGE}",
        f"/issuers/{HUGE}/did.json",
        f"/exchanges/{HUGE}",
        f"/teams/{HUGE}/room",
        f"/status/{MAX_ID + 1}",
        f"/status/{2**63}",
        "/status/0",
        "/status/-1",
        "/status/%C2%B2",
    ],
)
def test_ids_out_of_range_in_paths_are_404(
    client: FlaskClient, path: str, caplog: pytest.LogCaptureFixture
) -> None:
    assert client.get(path).status_code == 404
    _no_traceback(caplog)


def test_largest_id_is_a_plain_404(client: FlaskClient) -> None:
    assert client.get(f"/status/{MAX_ID}").status_code == 404
    assert client.get(
        f"/exchanges/{MAX_ID}/teams/{MAX_ID}/members/{MAX_ID}/remove"
    ).status_code in (401, 404)  # the confirm page asks an anonymous caller to sign in


@pytest.mark.parametrize("person_id", [HUGE, "-1", "²", "1e3", "", "x" * 5000])
def test_huge_or_odd_person_id_in_a_form_is_400(
    client: FlaskClient, session: Session, person_id: str, caplog: pytest.LogCaptureFixture
) -> None:
    cw: CompletionWorld = build_completion_world(session)
    teacher = cw.rooms.teacher
    _sign_in(client, teacher.person_id, teacher.role.value, teacher.course_id)
    for endpoint in ("approve", "override"):
        answer = client.post(
            f"/exchanges/{cw.exchange_id}/completion/{endpoint}", data={"person_id": person_id}
        )
        assert answer.status_code == 400, (endpoint, answer.status_code)
        assert "Choose a student." in answer.text
    _no_traceback(caplog)


def test_parse_id_bounds() -> None:
    assert parse_id(" 42 ", "m") == 42
    assert parse_id(str(MAX_ID), "m") == MAX_ID
    for bad in (str(MAX_ID + 1), "0", "\u0661", "\u00b2", None):
        with pytest.raises(InvalidInput, match=r"^m$"):
            parse_id(bad, "m")


def test_a_database_overflow_is_400_not_500(
    app: Flask, client: FlaskClient, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    @app.get("/_test/overflow")
    def overflow() -> str:
        session.get(Exchange, 2**70)
        return "unreachable"

    answer = client.get("/_test/overflow", headers={"Accept": "application/json"})
    assert answer.status_code == 400
    assert answer.json is not None
    assert answer.json["error"]["message"] == "A value is out of range."
    _no_traceback(caplog)


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("GET", "/verify?x=a%00b", None),
        ("GET", "/credentials/abc%00def", None),
        ("POST", "/verify", {"credential": '{"a": "\x00"}'}),
        ("POST", "/timezone", {"zone": "Europe/Amsterdam\x00"}),
    ],
)
def test_nul_bytes_are_400(
    client: FlaskClient,
    method: str,
    path: str,
    data: dict[str, str] | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    answer = client.open(path, method=method, data=data)
    assert answer.status_code == 400
    _no_traceback(caplog)
