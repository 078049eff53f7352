"""The /rooms namespace through Flask-SocketIO's test client (one process, real database)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from flask import Flask
from flask_socketio import SocketIOTestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.chat.models import Message
from plugin.teams.service import remove_member
from realtime import disconnect_person, tokens
from realtime.ratelimit import RateLimiter
from realtime.state import rooms_state
from tests.plugin.rooms.rooms_world import World, build_world
from web.extensions import socketio

NS = "/rooms"


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def connect(app: Flask, actor: Actor, room_id: int, token: str | None = None) -> SocketIOTestClient:
    if token is None:
        token = tokens.issue(app.config["SECRET_KEY"], actor, room_id)
    return socketio.test_client(app, namespace=NS, auth={"token": token})


def call(client: SocketIOTestClient, event: str, data: Any = None) -> dict[str, Any]:
    ack: dict[str, Any] = client.emit(event, data, namespace=NS, callback=True)
    return ack


def events(client: SocketIOTestClient, name: str) -> list[Any]:
    return [e["args"][0] for e in client.get_received(NS) if e["name"] == name]


def test_members_sync_send_and_receive(app: Flask, world: World) -> None:
    alice = connect(app, world.alice, world.room_id)
    bruno = connect(app, world.bruno, world.room_id)
    synced = call(bruno, "sync")
    assert synced["ok"]
    assert synced["can_write"]
    assert not synced["can_moderate"]
    assert [m["display_name"] for m in synced["members"]] == ["Alice", "Bruno", "Chen"]
    assert synced["online"] == sorted([world.alice.person_id, world.bruno.person_id])
    assert "email" not in repr(synced["members"])
    bruno.get_received(NS)
    ack = call(alice, "send", {"client_id": "a1", "body": "Hoi <b>Bruno</b>"})
    assert ack["ok"]
    assert ack["message"]["seq"] == 1
    [received] = events(bruno, "chat")
    assert received["id"] == ack["message"]["id"]
    assert received["parts"] == [{"kind": "text", "text": "Hoi <b>Bruno</b>", "href": ""}]


def test_a_retried_send_is_acknowledged_again_but_stored_and_broadcast_once(
    app: Flask, world: World, session: Session
) -> None:
    alice = connect(app, world.alice, world.room_id)
    bruno = connect(app, world.bruno, world.room_id)
    bruno.get_received(NS)
    first = call(alice, "send", {"client_id": "same", "body": "once"})
    again = call(alice, "send", {"client_id": "same", "body": "once"})
    assert (first["duplicate"], again["duplicate"]) == (False, True)
    assert again["message"]["id"] == first["message"]["id"]
    assert len(events(bruno, "chat")) == 1
    assert session.scalar(select(func.count(Message.id))) == 1


def test_a_reconnecting_client_catches_up_on_what_it_missed(app: Flask, world: World) -> None:
    bruno = connect(app, world.bruno, world.room_id)
    cursor = call(bruno, "sync")["cursor"]
    alice = connect(app, world.alice, world.room_id)
    call(alice, "send", {"client_id": "1", "body": "seen"})
    cursor = max(cursor, *[m["cursor"] for m in events(bruno, "chat")])
    bruno.disconnect(NS)
    sent = [call(alice, "send", {"client_id": f"m{i}", "body": f"missed {i}"}) for i in range(3)]
    call(alice, "edit", {"message_id": sent[0]["message"]["id"], "body": "missed 0 (edited)"})
    bruno = connect(app, world.bruno, world.room_id)
    caught = call(bruno, "sync", {"after": cursor})
    assert [m["body"] for m in caught["messages"]] == ["missed 1", "missed 2", "missed 0 (edited)"]
    assert caught["more"] is False
    assert caught["cursor"] == caught["messages"][-1]["cursor"]
    assert call(bruno, "sync", {"after": caught["cursor"]})["messages"] == []


def test_history_pages_backwards_over_the_socket(app: Flask, world: World) -> None:
    with app.app_context():
        rooms_state().limiter = RateLimiter(capacity=100)
    alice = connect(app, world.alice, world.room_id)
    for i in range(60):
        call(alice, "send", {"client_id": f"h{i}", "body": f"h{i}"})
    newest = call(alice, "sync")["messages"]
    assert len(newest) == 50
    older = call(alice, "history", {"before": newest[0]["seq"]})["messages"]
    assert [m["body"] for m in older] == [f"h{i}" for i in range(10)]


@pytest.mark.parametrize(
    ("token", "why"),
    [
        ("not-a-token", "invalid"),
        ("", "no token"),
    ],
)
def test_bad_tokens_are_refused(app: Flask, world: World, token: str, why: str) -> None:
    client = connect(app, world.alice, world.room_id, token=token)
    assert not client.is_connected(NS), why


def test_expired_tokens_and_other_teams_rooms_are_refused(app: Flask, world: World) -> None:
    token = tokens.issue(app.config["SECRET_KEY"], world.alice, world.room_id)
    assert connect(app, world.alice, world.room_id, token=token).is_connected(NS)
    with app.app_context():
        rooms_state().token_seconds = 0  # every token older than this second is expired
    time.sleep(1.1)
    assert not connect(app, world.alice, world.room_id, token=token).is_connected(NS)
    with app.app_context():
        rooms_state().token_seconds = tokens.TOKEN_SECONDS
    assert not connect(app, world.dora, world.room_id).is_connected(NS)
    forged = tokens.issue("another-secret-key-of-forty-characters!!", world.alice, world.room_id)
    assert not connect(app, world.alice, world.room_id, token=forged).is_connected(NS)


def test_a_removed_member_is_disconnected_at_once_and_refused_afterwards(
    app: Flask, world: World, session: Session
) -> None:
    chen = connect(app, world.chen, world.room_id)
    assert call(chen, "sync")["ok"]
    remove_member(session, world.teacher, world.team_id, world.chen.person_id)
    with app.app_context():
        assert disconnect_person(socketio, world.room_id, world.chen.person_id, "Removed") == 1
    assert not chen.is_connected(NS)
    assert not connect(app, world.chen, world.room_id).is_connected(NS)


def test_every_event_rechecks_membership(app: Flask, world: World, session: Session) -> None:
    chen = connect(app, world.chen, world.room_id)
    remove_member(session, world.teacher, world.team_id, world.chen.person_id)
    ack = call(chen, "send", {"client_id": "late", "body": "still here?"})
    assert ack == {
        "ok": False,
        "error": {"code": "not_member", "message": "You are no longer a member of this team."},
    }
    assert not chen.is_connected(NS)
    assert session.scalar(select(func.count(Message.id))) == 0


def test_flooding_is_answered_with_a_rate_limit_error(app: Flask, world: World) -> None:
    with app.app_context():
        rooms_state().limiter = RateLimiter(capacity=3, per_second=0.001)
    alice = connect(app, world.alice, world.room_id)
    acks = [call(alice, "send", {"client_id": f"f{i}", "body": "spam"}) for i in range(5)]
    assert [a["ok"] for a in acks] == [True, True, True, False, False]
    assert acks[3]["error"]["code"] == "rate_limited"
    assert acks[3]["error"]["retry_after"] > 0


def test_oversized_and_malformed_payloads_get_clear_errors(app: Flask, world: World) -> None:
    alice = connect(app, world.alice, world.room_id)
    too_long = call(alice, "send", {"client_id": "x", "body": "x" * 5000})
    assert too_long["error"] == {
        "code": "invalid",
        "message": "A message can be at most 4000 characters.",
    }
    assert call(alice, "send", "just a string")["error"]["code"] == "invalid"
    assert call(alice, "history", {"before": "abc"})["error"]["code"] == "invalid"
    assert call(alice, "sync")["ok"]  # the connection survived


def test_teachers_observe_read_only_and_hide_with_a_reason(app: Flask, world: World) -> None:
    alice = connect(app, world.alice, world.room_id)
    teacher = connect(app, world.teacher, world.room_id)
    synced = call(teacher, "sync")
    assert (synced["can_write"], synced["can_moderate"]) == (False, True)
    posted = call(alice, "send", {"client_id": "r", "body": "rude"})["message"]
    refused = call(teacher, "send", {"client_id": "t", "body": "hello"})
    assert refused["error"]["code"] == "not_allowed"
    alice.get_received(NS)
    hidden = call(teacher, "hide", {"message_id": posted["id"], "reason": "Be kind"})
    assert hidden["ok"]
    [update] = events(alice, "chat")
    assert (update["hidden"], update["body"], update["hidden_reason"]) == (True, "", "Be kind")
    assert call(alice, "hide", {"message_id": posted["id"], "reason": "x"})["ok"] is False


def test_typing_notes_and_tasks_reach_the_others(app: Flask, world: World) -> None:
    alice = connect(app, world.alice, world.room_id)
    bruno = connect(app, world.bruno, world.room_id)
    bruno.get_received(NS)
    assert call(alice, "typing", {"typing": True})["ok"]
    assert events(bruno, "typing") == [{"person_id": world.alice.person_id, "typing": True}]
    saved = call(alice, "note", {"base_version": 0, "text": "Agenda"})
    assert saved["note"]["version"] == 1
    assert not saved["conflict"]
    stale = call(bruno, "note", {"base_version": 0, "text": "Mine"})
    assert stale["conflict"]
    assert stale["overwritten_text"] == "Agenda"
    assert [n["text"] for n in events(bruno, "note")] == ["Agenda"]
    task = call(
        bruno, "task_add", {"phase_key": "project", "title": "Slides", "due_on": "2026-03-01"}
    )
    assert task["task"]["due_on"] == "2026-03-01"
    done = call(alice, "task_update", {"task_id": task["task"]["id"], "state": "done"})
    assert done["task"]["done_by"] == "Alice"
    assert [t["state"] for t in events(bruno, "task")] == ["done"]


def test_a_fresh_token_is_handed_out_while_access_holds(app: Flask, world: World) -> None:
    alice = connect(app, world.alice, world.room_id)
    fresh = call(alice, "refresh")["token"]
    claims = tokens.verify(app.config["SECRET_KEY"], fresh)
    assert (claims.actor.person_id, claims.room_id) == (world.alice.person_id, world.room_id)


def test_a_refusal_tells_the_browser_why_in_err_data() -> None:
    """socket.io-client puts a CONNECT_ERROR's ``data`` in ``err.data``: the room needs the code
    there to fetch a fresh token for an expired one (a lone dict arrived as one string)."""
    from realtime.namespace import _refused

    refused = _refused("expired", "Your room link has expired; reload the page.")
    assert refused.error_args == {
        "message": "Your room link has expired; reload the page.",
        "data": {"code": "expired", "message": "Your room link has expired; reload the page."},
    }
