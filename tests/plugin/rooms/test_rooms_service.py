"""Room rules at the service layer, on a real database (SQLite and PostgreSQL)."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plugin.chat import service as chat_service
from plugin.chat.models import Message
from plugin.db import Base, make_engine, make_session_factory
from plugin.errors import InvalidInput, NotAllowed, NotFound
from plugin.rooms import access as room_access
from plugin.rooms import service
from plugin.tasks import service as task_service
from plugin.teams.service import create_team, remove_member
from plugin.workspace import service as workspace
from tests.plugin.rooms.rooms_world import World, build_world


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def test_messages_get_increasing_sequence_numbers_and_are_stored(
    session: Session, world: World
) -> None:
    first = chat_service.post_message(session, world.alice, world.room_id, "c-1", "Hallo!")
    second = chat_service.post_message(session, world.bruno, world.room_id, "c-2", "Ciao!")
    assert (first.duplicate, second.duplicate) == (False, False)
    assert second.message.seq == first.message.seq + 1
    assert second.message.author_name == "Bruno"
    stored = session.scalars(select(Message.body).order_by(Message.seq)).all()
    assert stored == ["Hallo!", "Ciao!"]


def test_a_retried_send_returns_the_stored_line_and_stores_nothing_new(
    session: Session, world: World
) -> None:
    first = chat_service.post_message(session, world.alice, world.room_id, "retry-me", "once")
    again = chat_service.post_message(session, world.alice, world.room_id, "retry-me", "once")
    assert again.duplicate
    assert again.message.id == first.message.id
    assert session.scalar(select(func.count(Message.id))) == 1
    # The refused insert gave its cursor back: the next line follows the first without a gap.
    after = chat_service.post_message(session, world.bruno, world.room_id, "next", "twice")
    assert after.message.seq == first.message.seq + 1


def test_client_ids_are_per_room(session: Session, world: World) -> None:
    chat_service.post_message(session, world.alice, world.room_id, "same", "a")
    other = chat_service.post_message(session, world.dora, world.other_room_id, "same", "b")
    assert not other.duplicate


@pytest.mark.parametrize(
    ("body", "client_id"), [("   ", "c"), ("x" * 4001, "c"), ("ok", ""), ("ok", "c" * 65)]
)
def test_bad_messages_are_refused_clearly(
    session: Session, world: World, body: str, client_id: str
) -> None:
    with pytest.raises(InvalidInput):
        chat_service.post_message(session, world.alice, world.room_id, client_id, body)
    assert session.scalar(select(func.count(Message.id))) == 0


def test_outsiders_cannot_read_or_write_and_learn_nothing(session: Session, world: World) -> None:
    chat_service.post_message(session, world.alice, world.room_id, "c", "secret plan")
    for actor in (world.dora, world.stranger):
        with pytest.raises(NotFound) as refused:
            chat_service.messages_after(session, actor, world.room_id, 0)
        assert "secret" not in refused.value.message
        with pytest.raises(NotFound):
            chat_service.post_message(session, actor, world.room_id, "x", "hi")
    with pytest.raises(NotFound):
        room_access.check_access(session, world.alice, 999_999)


def test_teachers_observe_read_only_and_moderate(session: Session, world: World) -> None:
    posted = chat_service.post_message(session, world.alice, world.room_id, "c", "rude words")
    access = room_access.check_access(session, world.teacher, world.room_id)
    assert (access.can_write, access.can_moderate) == (False, True)
    assert [
        m.body for m in chat_service.messages_after(session, world.teacher, world.room_id, 0)
    ] == ["rude words"]
    with pytest.raises(NotAllowed):
        chat_service.post_message(session, world.teacher, world.room_id, "t", "hello")
    with pytest.raises(NotAllowed):
        chat_service.hide_message(session, world.bruno, world.room_id, posted.message.id, "no")
    with pytest.raises(InvalidInput):
        chat_service.hide_message(session, world.teacher, world.room_id, posted.message.id, " ")
    hidden = chat_service.hide_message(
        session, world.teacher, world.room_id, posted.message.id, "Be kind"
    )
    assert (hidden.hidden, hidden.body, hidden.hidden_reason) == (True, "", "Be kind")
    assert hidden.cursor > posted.message.seq


def test_catch_up_returns_new_and_changed_lines_after_a_cursor(
    session: Session, world: World
) -> None:
    lines = [
        chat_service.post_message(session, world.alice, world.room_id, f"c{i}", f"line {i}").message
        for i in range(5)
    ]
    cursor = lines[2].cursor
    edited = chat_service.edit_message(session, world.alice, world.room_id, lines[0].id, "line 0!")
    deleted = chat_service.delete_message(session, world.alice, world.room_id, lines[1].id)
    after = chat_service.messages_after(session, world.bruno, world.room_id, cursor)
    assert [(m.id, m.body) for m in after] == [
        (lines[3].id, "line 3"),
        (lines[4].id, "line 4"),
        (edited.id, "line 0!"),
        (deleted.id, ""),
    ]
    assert after[2].edited
    assert after[3].deleted
    assert chat_service.messages_after(session, world.bruno, world.room_id, after[-1].cursor) == []


def test_history_pages_backwards(session: Session, world: World) -> None:
    for i in range(120):
        chat_service.post_message(session, world.alice, world.room_id, f"c{i}", f"m{i}")
    newest = chat_service.history_before(session, world.chen, world.room_id, None)
    assert [m.body for m in newest] == [f"m{i}" for i in range(70, 120)]
    older = chat_service.history_before(session, world.chen, world.room_id, newest[0].seq)
    assert [m.body for m in older] == [f"m{i}" for i in range(20, 70)]
    oldest = chat_service.history_before(session, world.chen, world.room_id, older[0].seq)
    assert [m.body for m in oldest] == [f"m{i}" for i in range(20)]


def test_only_the_author_edits_or_deletes_and_removed_lines_stay_removed(
    session: Session, world: World
) -> None:
    posted = chat_service.post_message(session, world.alice, world.room_id, "c", "mine").message
    with pytest.raises(NotAllowed):
        chat_service.edit_message(session, world.bruno, world.room_id, posted.id, "yours now")
    with pytest.raises(NotAllowed):
        chat_service.delete_message(session, world.bruno, world.room_id, posted.id)
    with pytest.raises(NotFound):
        chat_service.edit_message(session, world.dora, world.room_id, posted.id, "x")
    chat_service.delete_message(session, world.alice, world.room_id, posted.id)
    with pytest.raises(InvalidInput):
        chat_service.edit_message(session, world.alice, world.room_id, posted.id, "back")
    assert session.get_one(Message, posted.id).body == ""


def test_a_removed_member_is_refused_on_the_next_call(session: Session, world: World) -> None:
    chat_service.post_message(session, world.chen, world.room_id, "c1", "before")
    with pytest.raises(NotAllowed):
        remove_member(session, world.alice, world.team_id, world.chen.person_id)
    # A partner university's teacher may not take the owner university's student out.
    with pytest.raises(NotAllowed, match="own university"):
        remove_member(session, world.partner_teacher, world.team_id, world.chen.person_id)
    with pytest.raises(NotAllowed, match="own university"):
        remove_member(session, world.teacher, world.team_id, world.bruno.person_id)
    remove_member(session, world.teacher, world.team_id, world.chen.person_id)
    with pytest.raises(NotFound):
        chat_service.post_message(session, world.chen, world.room_id, "c2", "after")
    with pytest.raises(NotFound):
        chat_service.messages_after(session, world.chen, world.room_id, 0)


def test_a_person_is_in_one_team_per_exchange(session: Session, world: World) -> None:
    with pytest.raises(InvalidInput):
        create_team(session, world.teacher, world.exchange_id, "Dup", [world.alice.person_id])
    with pytest.raises(NotAllowed):
        create_team(session, world.stranger, world.exchange_id, "Mine", [])


def test_members_show_name_institution_and_local_time_never_email(
    session: Session, world: World
) -> None:
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    members = service.room_members(session, world.alice, world.room_id, now)
    assert [(m.display_name, m.institution, m.local_time) for m in members] == [
        ("Alice", "Universiteit Leiden", "13:00"),
        ("Bruno", "Università di Bologna", None),  # a partner; he did not share his time zone
        ("Chen", "Universiteit Leiden", None),
    ]
    own = service.room_members(session, world.bruno, world.room_id, now)
    assert [m.local_time for m in own] == [None, "13:00", None]
    assert "@" not in repr(members)
    assert service.local_time("Not/AZone", now) is None


def test_tasks_follow_the_exchange_phases_and_record_who_finished(
    session: Session, world: World
) -> None:
    task = task_service.add_task(
        session, world.alice, world.room_id, "icebreaker", "Intro video", world.bruno.person_id
    )
    assert (task.state, task.assignee_id) == ("open", world.bruno.person_id)
    with pytest.raises(InvalidInput):
        task_service.add_task(session, world.alice, world.room_id, "no-such-phase", "x")
    with pytest.raises(InvalidInput):
        task_service.add_task(
            session, world.alice, world.room_id, "project", "x", world.dora.person_id
        )
    done = task_service.update_task(session, world.bruno, world.room_id, task.id, "done")
    assert (done.state, done.done_by) == ("done", "Bruno")
    assert done.done_at
    reopened = task_service.update_task(session, world.bruno, world.room_id, task.id, "doing")
    assert (reopened.done_by, reopened.done_at) == (None, None)
    with pytest.raises(InvalidInput):
        task_service.update_task(session, world.bruno, world.room_id, task.id, "finished")
    with pytest.raises(NotFound):
        task_service.update_task(session, world.dora, world.room_id, task.id, "done")


def test_snapshot_has_everything_a_joining_client_needs(session: Session, world: World) -> None:
    chat_service.post_message(session, world.alice, world.room_id, "c", "hi https://x.org.")
    snap = workspace.room_snapshot(session, world.chen, world.room_id, datetime.now(UTC))
    assert snap.team_name == "Team 1"
    assert snap.last_seq == 1
    assert [p["key"] for p in snap.phases] == ["icebreaker", "project"]
    assert snap.messages[0].parts[1] == {
        "kind": "link",
        "text": "https://x.org",
        "href": "https://x.org",
    }
    assert service.rooms_of(session, world.chen) == [(world.team_id, "Team 1")]


def test_a_catching_up_snapshot_leaves_the_chat_page_out_and_keeps_the_rest(
    session: Session, world: World
) -> None:
    chat_service.post_message(session, world.alice, world.room_id, "c", "while you were away")
    now = datetime.now(UTC)
    full = workspace.room_snapshot(session, world.chen, world.room_id, now)
    catching_up = workspace.room_snapshot(session, world.chen, world.room_id, now, False)
    assert [m.body for m in full.messages] == ["while you were away"]
    assert catching_up.messages == []
    # An empty note is dated when it is read; the rest is the same snapshot.
    assert replace(catching_up, messages=full.messages, note=full.note) == full
    assert (catching_up.note.text, catching_up.note.version) == (full.note.text, full.note.version)


def test_concurrent_senders_get_distinct_gapless_sequence_numbers(empty_database_url: str) -> None:
    """Real connections and commits (a database of its own): the row lock orders them."""
    engine = make_engine(empty_database_url)
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    with factory() as setup:
        world = build_world(setup)
    errors: list[BaseException] = []

    def send(actor_index: int) -> None:
        actor = (world.alice, world.bruno, world.chen)[actor_index]
        try:
            for i in range(10):
                with factory() as s:
                    chat_service.post_message(s, actor, world.room_id, f"{actor_index}-{i}", "x")
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with factory() as s:
        seqs = s.scalars(
            select(Message.seq).where(Message.room_id == world.room_id).order_by(Message.seq)
        ).all()
    engine.dispose()
    assert list(seqs) == list(range(1, 31))
