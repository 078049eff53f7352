"""Shared-note events on /rooms through Flask-SocketIO's test client: pycrdt documents play
the browsers (Yjs speaks the same update format), one process, real database."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from flask import Flask
from pycrdt import Doc, Text
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.notes import service as notes
from plugin.notes.service import get_note
from plugin.teams.service import remove_member
from realtime.notes import encode
from tests.plugin.rooms.rooms_world import World, build_world
from tests.realtime.test_realtime_rooms import NS, call, connect, events
from web.app import create_app
from web.config import Settings


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


class Browser:
    """One tab's note: a Y.Doc on a socket, syncing as notes.js does."""

    def __init__(self, app: Flask, actor: Actor, room_id: int) -> None:
        self.app, self.actor, self.room_id = app, actor, room_id
        self.doc: Doc[Text] = Doc()
        self.text = self.doc.get(notes.ROOT, type=Text)
        self.socket = connect(app, actor, room_id)

    def reconnect(self, app: Flask | None = None) -> None:
        self.socket = connect(app or self.app, self.actor, self.room_id)

    def sync(self) -> dict[str, Any]:
        reply = call(self.socket, "note_sync", {"state": encode(self.doc.get_state())})
        assert reply["ok"], reply
        self.doc.apply_update(base64.b64decode(reply["update"]))
        missing = self.doc.get_update(base64.b64decode(reply["state"]))
        return call(self.socket, "note_update", {"update": encode(missing)})

    def type(self, index: int, value: str) -> bytes:
        before = self.doc.get_state()
        self.text.insert(index, value)
        return self.doc.get_update(before)

    def send(self, update: bytes) -> dict[str, Any]:
        return call(self.socket, "note_update", {"update": encode(update)})

    def receive(self) -> int:
        """Apply the changes the room relayed; how many there were."""
        relayed = events(self.socket, "note_update")
        for change in relayed:
            self.doc.apply_update(base64.b64decode(change["update"]))
        return len(relayed)


def test_live_changes_reach_the_other_member_and_both_converge(app: Flask, world: World) -> None:
    alice = Browser(app, world.alice, world.room_id)
    bruno = Browser(app, world.bruno, world.room_id)
    alice.sync()
    bruno.sync()
    bruno.socket.get_received(NS)
    ack = alice.send(alice.type(0, "Agenda\n"))
    assert ack == {"ok": True, "changed": True, "version": 1}
    assert bruno.receive() == 1
    assert str(bruno.text) == "Agenda\n"
    # Both type at once; each change reaches the other.
    alice.send(alice.type(7, "1. Topic\n"))
    bruno.send(bruno.type(7, "2. Roles\n"))
    alice.receive()
    bruno.receive()
    assert str(alice.text) == str(bruno.text)
    assert sorted(str(alice.text).splitlines()) == ["1. Topic", "2. Roles", "Agenda"]
    assert alice.send(alice.type(0, "")) == {"ok": True, "changed": False, "version": 3}


def test_after_a_reconnect_both_sides_get_what_they_missed(app: Flask, world: World) -> None:
    alice = Browser(app, world.alice, world.room_id)
    bruno = Browser(app, world.bruno, world.room_id)
    alice.send(alice.type(0, "Shared start. "))
    bruno.sync()
    bruno.socket.disconnect(NS)
    # While Bruno is offline: Alice writes on, Bruno writes in his own copy.
    alice.send(alice.type(len(alice.text), "Alice meanwhile. "))
    bruno.type(len(bruno.text), "Bruno offline.")
    bruno.reconnect()
    assert bruno.sync()["changed"]  # his offline text reached the server
    assert alice.receive() == 1
    assert str(alice.text) == str(bruno.text)
    assert "Alice meanwhile. " in str(bruno.text)
    assert "Bruno offline." in str(alice.text)


def test_a_late_joiner_and_a_restarted_server_serve_the_whole_text(
    app: Flask, world: World, session: Session, settings: Settings
) -> None:
    alice = Browser(app, world.alice, world.room_id)
    for word in ("one ", "two ", "three"):
        alice.send(alice.type(len(alice.text), word))
    # A new app on the same database: nothing of the note was kept in process memory.
    restarted = create_app(settings, session_factory=lambda: session)
    late = Browser(restarted, world.chen, world.room_id)
    late.sync()
    assert str(late.text) == "one two three"


def test_teachers_read_the_note_but_cannot_change_it(app: Flask, world: World) -> None:
    alice = Browser(app, world.alice, world.room_id)
    alice.send(alice.type(0, "team only"))
    teacher = Browser(app, world.teacher, world.room_id)
    reply = call(teacher.socket, "note_sync", {"state": encode(teacher.doc.get_state())})
    teacher.doc.apply_update(base64.b64decode(reply["update"]))
    assert str(teacher.text) == "team only"
    refused = teacher.send(teacher.type(0, "teacher: "))
    assert refused["error"]["code"] == "not_allowed"
    assert teacher.socket.is_connected(NS)  # still observing
    chen = Browser(app, world.chen, world.room_id)
    chen.sync()
    assert str(chen.text) == "team only"  # the refused change reached nobody


def test_a_member_removed_while_connected_is_cut_off_on_the_next_change(
    app: Flask, world: World, session: Session
) -> None:
    chen = Browser(app, world.chen, world.room_id)
    remove_member(session, world.teacher, world.team_id, world.chen.person_id)
    ack = chen.send(chen.type(0, "still here?"))
    assert ack["error"]["code"] == "not_member"
    assert not chen.socket.is_connected(NS)
    assert get_note(session, world.alice, world.room_id).text == ""


@pytest.mark.parametrize(
    "payload",
    [None, "text", {"update": 5}, {"update": "not base64!"}, {"update": encode(b"\x01\x02xx")}],
)
def test_malformed_changes_get_a_clear_error_and_keep_the_connection(
    app: Flask, world: World, payload: Any
) -> None:
    alice = Browser(app, world.alice, world.room_id)
    ack = call(alice.socket, "note_update", payload)
    assert ack["error"] == {"code": "invalid", "message": "The note change was not understood."}
    assert alice.sync()["ok"]


def test_whole_text_saves_still_work_and_reach_live_editors(app: Flask, world: World) -> None:
    bruno = Browser(app, world.bruno, world.room_id)
    bruno.sync()
    legacy = connect(app, world.alice, world.room_id)
    bruno.socket.get_received(NS)
    saved = call(legacy, "note", {"base_version": 0, "text": "Agenda"})
    assert (saved["note"]["version"], saved["conflict"]) == (1, False)
    received = bruno.socket.get_received(NS)
    assert [e["args"][0]["text"] for e in received if e["name"] == "note"] == ["Agenda"]
    for e in received:
        if e["name"] == "note_update":
            bruno.doc.apply_update(base64.b64decode(e["args"][0]["update"]))
    assert str(bruno.text) == "Agenda"
    stale = call(legacy, "note", {"base_version": 0, "text": "Mine"})
    assert (stale["conflict"], stale["overwritten_text"]) == (True, "Agenda")
