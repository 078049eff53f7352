"""The collaborative note at the service layer: pycrdt documents standing in for browsers sync
through the stored document and converge; changes persist, compact, survive a restart, and
only members change them. Real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from pycrdt import Doc, Text
from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.db import Base, make_engine, make_session_factory
from plugin.errors import InvalidInput, NotAllowed, NotFound
from plugin.notes import service as note_service
from plugin.notes import service as notes
from plugin.notes.models import Note, NoteUpdate
from plugin.teams.service import remove_member
from tests.plugin.rooms.rooms_world import World, build_world


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


class Editor:
    """A client's copy of the note, synced the way notes.js syncs (state vectors both ways)."""

    def __init__(self, session: Session, actor: Actor, room_id: int) -> None:
        self.session, self.actor, self.room_id = session, actor, room_id
        self.doc: Doc[Text] = Doc()
        self.text = self.doc.get(notes.ROOT, type=Text)

    def sync(self) -> None:
        reply = notes.sync_note(self.session, self.actor, self.room_id, self.doc.get_state())
        self.doc.apply_update(reply.update)
        self.send(self.doc.get_update(reply.state))

    def edit(self, index: int, value: str) -> bytes:
        """Type offline: the change stays local until sent."""
        before = self.doc.get_state()
        self.text.insert(index, value)
        return self.doc.get_update(before)

    def send(self, update: bytes) -> notes.NoteChange:
        return notes.apply_note_update(self.session, self.actor, self.room_id, update)


def test_two_editors_typing_at_once_converge_through_the_server(
    session: Session, world: World
) -> None:
    alice = Editor(session, world.alice, world.room_id)
    bruno = Editor(session, world.bruno, world.room_id)
    alice.send(alice.edit(0, "Plan\n"))
    bruno.sync()
    assert str(bruno.text) == "Plan\n"
    # Both type at the end at the same moment; neither has seen the other's change.
    mine = alice.edit(5, "- Alice: survey\n")
    theirs = bruno.edit(5, "- Bruno: interviews\n")
    broadcast_a, broadcast_b = alice.send(mine), bruno.send(theirs)
    assert broadcast_a.changed
    assert broadcast_b.changed
    # The room relays each change to the other client.
    bruno.doc.apply_update(broadcast_a.update)
    alice.doc.apply_update(broadcast_b.update)
    assert str(alice.text) == str(bruno.text)
    assert "- Alice: survey\n" in str(alice.text)
    assert "- Bruno: interviews\n" in str(alice.text)
    # The server's copy agrees, and so does the plain text everyone else reads.
    late = Editor(session, world.chen, world.room_id)
    late.sync()
    assert str(late.text) == str(alice.text)
    note = note_service.get_note(session, world.chen, world.room_id)
    assert (note.text, note.version, note.updated_by) == (str(alice.text), 3, "Bruno")


def test_changes_made_offline_reach_the_server_on_the_next_sync(
    session: Session, world: World
) -> None:
    alice = Editor(session, world.alice, world.room_id)
    alice.sync()
    alice.edit(0, "written on the train")  # never sent: the connection was down
    alice.sync()  # reconnect: the server asks for what it lacks
    assert note_service.get_note(session, world.bruno, world.room_id).text == "written on the train"


def test_a_repeated_change_is_acknowledged_but_not_stored_again(
    session: Session, world: World
) -> None:
    alice = Editor(session, world.alice, world.room_id)
    update = alice.edit(0, "once")
    assert alice.send(update).changed
    again = alice.send(update)
    assert not again.changed
    assert again.version == 1
    assert len(notes.stored_updates(session, world.room_id)) == 1
    # A deletion moves no state vector, yet it is a change.
    before = alice.doc.get_state()
    del alice.text[0:2]
    assert alice.send(alice.doc.get_update(before)).changed
    assert note_service.get_note(session, world.bruno, world.room_id).text == "ce"


def test_updates_are_compacted_and_the_document_stays_whole(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(notes, "COMPACT_AFTER", 10)
    alice = Editor(session, world.alice, world.room_id)
    for i in range(9):
        alice.send(alice.edit(len(alice.text), f"{i}"))
    assert [m for _, m in notes.stored_updates(session, world.room_id)] == [1] * 9
    change = alice.send(alice.edit(len(alice.text), "9"))
    assert change.compacted
    assert [m for _, m in notes.stored_updates(session, world.room_id)] == [10]
    for i in range(9):
        alice.send(alice.edit(len(alice.text), chr(ord("a") + i)))
    stored = notes.stored_updates(session, world.room_id)
    assert [m for _, m in stored] == [19]
    late = Editor(session, world.bruno, world.room_id)
    late.sync()
    assert str(late.text) == "0123456789abcdefghi"


def test_a_server_restart_loses_nothing(empty_database_url: str) -> None:
    """Real commits on a database of its own; a second engine is the restarted server."""
    engine = make_engine(empty_database_url)
    Base.metadata.create_all(engine)
    with make_session_factory(engine)() as setup:
        world = build_world(setup)
    with make_session_factory(engine)() as first:
        editor = Editor(first, world.alice, world.room_id)
        editor.send(editor.edit(0, "Before the restart"))
    engine.dispose()
    restarted = make_engine(empty_database_url)
    try:
        with make_session_factory(restarted)() as after:
            late = Editor(after, world.bruno, world.room_id)
            late.sync()
            assert str(late.text) == "Before the restart"
            late.send(late.edit(len(late.text), ", and after"))
            assert note_service.get_note(after, world.alice, world.room_id).text == (
                "Before the restart, and after"
            )
    finally:
        restarted.dispose()


def test_concurrent_writers_on_separate_connections_lose_no_keystroke(
    empty_database_url: str,
) -> None:
    """Three members append at once on their own connections; compaction happens meanwhile."""
    engine = make_engine(empty_database_url)
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    with factory() as setup:
        world = build_world(setup)
    errors: list[BaseException] = []

    def type_letters(actor: Actor, letter: str) -> None:
        try:
            with factory() as s:
                editor = Editor(s, actor, world.room_id)
                for _ in range(40):
                    editor.send(editor.edit(0, letter))
        except BaseException as error:
            errors.append(error)

    threads = [
        threading.Thread(target=type_letters, args=(actor, letter))
        for actor, letter in ((world.alice, "a"), (world.bruno, "b"), (world.chen, "c"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        with factory() as s:
            text = note_service.get_note(s, world.alice, world.room_id).text
            assert sorted(text) == ["a"] * 40 + ["b"] * 40 + ["c"] * 40
            assert sum(m for _, m in notes.stored_updates(s, world.room_id)) == 120
            assert len(notes.stored_updates(s, world.room_id)) < notes.COMPACT_AFTER
    finally:
        engine.dispose()


def test_only_members_change_the_note_and_teachers_read_it(session: Session, world: World) -> None:
    alice = Editor(session, world.alice, world.room_id)
    alice.send(alice.edit(0, "ours"))
    teacher = Editor(session, world.teacher, world.room_id)
    with pytest.raises(NotAllowed):
        teacher.send(teacher.edit(0, "teacher edit"))
    teacher.doc = Doc()
    teacher.text = teacher.doc.get(notes.ROOT, type=Text)
    reply = notes.sync_note(session, world.teacher, world.room_id, teacher.doc.get_state())
    teacher.doc.apply_update(reply.update)
    assert str(teacher.text) == "ours"
    for outsider in (world.dora, world.stranger):
        with pytest.raises(NotFound):
            notes.sync_note(session, outsider, world.room_id, b"\x00")
        with pytest.raises(NotFound):
            notes.apply_note_update(session, outsider, world.room_id, alice.doc.get_update())
    # A member removed from the team is refused on the very next change.
    remove_member(session, world.partner_teacher, world.team_id, world.bruno.person_id)
    with pytest.raises(NotFound):
        Editor(session, world.bruno, world.room_id).sync()


def test_malformed_and_oversized_changes_are_refused_and_nothing_is_stored(
    session: Session, world: World
) -> None:
    alice = Editor(session, world.alice, world.room_id)
    alice.send(alice.edit(0, "kept"))
    for bad in (b"", b"\x01\x02garbage", b"\xff" * (notes.MAX_UPDATE_BYTES + 1)):
        with pytest.raises(InvalidInput):
            alice.send(bad)
    with pytest.raises(InvalidInput):
        notes.sync_note(session, world.alice, world.room_id, b"\x05\x01")
    too_long = alice.edit(4, "x" * note_service.MAX_NOTE_CHARS)
    with pytest.raises(InvalidInput):
        alice.send(too_long)
    assert note_service.get_note(session, world.bruno, world.room_id).text == "kept"
    assert len(notes.stored_updates(session, world.room_id)) == 1


def test_whole_text_saves_are_versioned_say_what_they_overwrote_and_reach_live_editors(
    session: Session, world: World
) -> None:
    assert note_service.get_note(session, world.alice, world.room_id).version == 0
    first = notes.save_note(session, world.alice, world.room_id, 0, "Plan: A")
    assert (first.conflict, first.note.version, first.note.updated_by) == (False, 1, "Alice")
    # Bruno still edits the version-0 text and saves: his save wins, and he is told.
    stale = notes.save_note(session, world.bruno, world.room_id, 0, "Plan: B 😀")
    assert stale.conflict
    assert stale.overwritten_text == "Plan: A"
    assert note_service.get_note(session, world.chen, world.room_id).text == "Plan: B 😀"
    # A live editor applying the broadcast changes has the same text.
    live = Editor(session, world.chen, world.room_id)
    live.doc.apply_update(first.update)
    live.doc.apply_update(stale.update)
    assert str(live.text) == "Plan: B 😀"
    with pytest.raises(NotAllowed):
        notes.save_note(session, world.teacher, world.room_id, 2, "teacher edit")
    with pytest.raises(InvalidInput):
        notes.save_note(session, world.alice, world.room_id, 2, "x" * 100_001)


def test_a_note_saved_as_plain_text_before_becomes_the_start_of_the_document(
    session: Session, world: World
) -> None:
    session.add(Note(room_id=world.room_id, text="Old plan", version=4))
    session.commit()
    alice = Editor(session, world.alice, world.room_id)
    bruno = Editor(session, world.bruno, world.room_id)
    alice.sync()
    bruno.sync()
    assert str(alice.text) == str(bruno.text) == "Old plan"
    change = alice.send(alice.edit(8, " and more"))
    bruno.doc.apply_update(change.update)
    assert str(bruno.text) == "Old plan and more"  # one copy of the old text, not two
    rows = session.scalars(select(NoteUpdate.author_id).order_by(NoteUpdate.id)).all()
    assert rows == [None, world.alice.person_id]  # the seed, then Alice's change
