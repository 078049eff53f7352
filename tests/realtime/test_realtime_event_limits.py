"""Rate limits on typing, task and note events (realtime.ratelimit.EVENT_LIMITS): a flood is
refused before anything is stored, a normal pace never is, and one person's flood leaves the
others alone. A hand-driven clock makes the counts exact on a loaded machine."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from pycrdt import Doc, Text
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plugin.notes import service as notes
from plugin.tasks.models import Task
from realtime import tokens
from realtime.notes import encode
from realtime.ratelimit import EVENT_LIMITS, EventLimits
from realtime.state import rooms_state
from tests.plugin.rooms.rooms_world import World, build_world
from tests.realtime.test_realtime_rooms import NS, call, connect, events
from web.extensions import socketio

TASK_BURST = int(EVENT_LIMITS["tasks"][0])


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


@pytest.fixture
def clock(app: Flask) -> Clock:
    clock = Clock()
    with app.app_context():
        rooms_state().event_limits = EventLimits(clock=clock)
    return clock


def task(n: int) -> dict[str, Any]:
    return {"phase_key": "project", "title": f"Task {n}"}


def tasks_stored(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count(Task.id))) or 0


def test_a_task_flood_stores_the_burst_and_refuses_the_rest(
    app: Flask, world: World, session: Session, clock: Clock
) -> None:
    alice = connect(app, world.alice, world.room_id)
    acks = [call(alice, "task_add", task(i)) for i in range(200)]
    assert sum(a["ok"] for a in acks) == TASK_BURST
    refused = [a for a in acks if not a["ok"]]
    assert len(refused) == 200 - TASK_BURST
    assert refused[0]["error"]["code"] == "rate_limited"
    assert refused[0]["error"]["message"] == (
        "You are doing that too often; wait a moment and try again."
    )
    assert refused[0]["error"]["retry_after"] > 0
    assert tasks_stored(session) == TASK_BURST
    # task updates spend the same bucket: nothing changes while it is empty
    first = acks[0]["task"]["id"]
    assert not call(alice, "task_update", {"task_id": first, "state": "done"})["ok"]
    clock.now += 1.0
    assert call(alice, "task_update", {"task_id": first, "state": "done"})["ok"]


def test_the_refusal_is_in_the_viewers_language(app: Flask, world: World, clock: Clock) -> None:
    token = tokens.issue(app.config["SECRET_KEY"], world.alice, world.room_id)
    alice = socketio.test_client(app, namespace=NS, auth={"token": token}, query_string="lang=nl")
    acks = [call(alice, "task_add", task(i)) for i in range(TASK_BURST + 1)]
    assert acks[-1]["error"]["message"] == "Je doet dat te vaak; wacht even en probeer het opnieuw."


def test_a_normal_pace_is_never_refused(
    app: Flask, world: World, session: Session, clock: Clock
) -> None:
    alice = connect(app, world.alice, world.room_id)
    doc: Doc[Text] = Doc()
    text = doc.get(notes.ROOT, type=Text)
    for i in range(300):  # fast typing: a note change every 150 ms (notes.js), 45 s of it
        before = doc.get_state()
        text.insert(len(str(text)), "x")
        ack = call(alice, "note_update", {"update": encode(doc.get_update(before))})
        assert ack["ok"], (i, ack)
        clock.now += 0.15
    for i in range(40):  # a task every few seconds, typing hints every 2 s
        assert call(alice, "task_add", task(i))["ok"], i
        assert call(alice, "typing", {"typing": True}) == {"ok": True}
        clock.now += 2.0
    assert tasks_stored(session) == 40


def test_one_persons_flood_does_not_refuse_another(
    app: Flask, world: World, session: Session, clock: Clock
) -> None:
    alice = connect(app, world.alice, world.room_id)
    bruno = connect(app, world.bruno, world.room_id)
    for i in range(200):
        call(alice, "task_add", task(i))
    assert call(bruno, "task_add", task(999))["ok"]
    assert call(bruno, "note", {"base_version": 0, "text": "Agenda"})["ok"]
    assert tasks_stored(session) == TASK_BURST + 1


def test_note_floods_are_refused_and_not_stored(app: Flask, world: World, clock: Clock) -> None:
    alice = connect(app, world.alice, world.room_id)
    doc: Doc[Text] = Doc()
    text = doc.get(notes.ROOT, type=Text)
    acks = []
    for _ in range(200):
        before = doc.get_state()
        text.insert(len(str(text)), "y")
        acks.append(call(alice, "note_update", {"update": encode(doc.get_update(before))}))
    burst = int(EVENT_LIMITS["notes"][0])
    assert sum(a["ok"] for a in acks) == burst
    assert {a["error"]["code"] for a in acks if not a["ok"]} == {"rate_limited"}
    clock.now += 1.0
    bruno = connect(app, world.bruno, world.room_id)
    synced = call(bruno, "sync")
    assert synced["note"]["text"] == "y" * burst


def test_typing_over_the_limit_is_dropped_silently(app: Flask, world: World, clock: Clock) -> None:
    alice = connect(app, world.alice, world.room_id)
    bruno = connect(app, world.bruno, world.room_id)
    bruno.get_received(NS)
    acks = [call(alice, "typing", {"typing": True}) for _ in range(200)]
    assert all(a["ok"] for a in acks)
    assert len(events(bruno, "typing")) == int(EVENT_LIMITS["typing"][0])
