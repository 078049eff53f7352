"""post_messages: lines that arrive together share one transaction, each with its own outcome."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.chat import service as chat_service
from plugin.chat.lines import NewLine, PostResult
from plugin.chat.models import Message
from plugin.db import Base, make_engine, make_session_factory
from plugin.errors import InvalidInput, NotAllowed, NotFound
from tests.plugin.rooms.rooms_world import World, build_world


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def _stored(session: Session) -> list[tuple[int, int, str]]:
    rows = session.execute(select(Message.room_id, Message.seq, Message.client_id)).all()
    return sorted((r, s, c) for r, s, c in rows)


def test_a_batch_stores_each_good_line_and_refuses_each_bad_one_alone(
    session: Session, world: World
) -> None:
    w = world
    lines = [
        NewLine(w.alice, w.room_id, "a-1", "Hallo!"),
        NewLine(w.dora, w.other_room_id, "d-1", "Hi from the other team"),
        NewLine(w.dora, w.room_id, "d-2", "not my room"),
        NewLine(w.teacher, w.room_id, "t-1", "teachers observe"),
        NewLine(w.bruno, w.room_id, "b-1", "   "),
        NewLine(w.bruno, w.room_id, "b-2", "Ciao!"),
        NewLine(w.alice, w.room_id, "a-1", "Hallo!"),  # the same send again in the batch
    ]
    out = chat_service.post_messages(session, lines)
    assert [type(o) for o in out] == [
        PostResult,
        PostResult,
        NotFound,
        NotAllowed,
        InvalidInput,
        PostResult,
        PostResult,
    ]
    first, other, *_, bruno, again = out
    assert isinstance(first, PostResult)
    assert isinstance(bruno, PostResult)
    assert isinstance(other, PostResult)
    assert isinstance(again, PostResult)
    assert (first.message.seq, bruno.message.seq, other.message.seq) == (1, 2, 1)
    assert (first.duplicate, again.duplicate, again.message.id) == (False, True, first.message.id)
    assert bruno.message.author_name == "Bruno"
    assert _stored(session) == sorted(
        [(w.room_id, 1, "a-1"), (w.room_id, 2, "b-2"), (w.other_room_id, 1, "d-1")]
    )


def test_a_batch_holding_an_already_stored_line_still_stores_the_rest_without_gaps(
    session: Session, world: World
) -> None:
    w = world
    stored = chat_service.post_message(session, w.alice, w.room_id, "old", "sent before")
    out = chat_service.post_messages(
        session,
        [
            NewLine(w.bruno, w.room_id, "new-1", "one"),
            NewLine(w.alice, w.room_id, "old", "sent before"),  # a retry after a reconnect
            NewLine(w.chen, w.room_id, "new-2", "two"),
        ],
    )
    assert all(isinstance(o, PostResult) for o in out)
    results = [o for o in out if isinstance(o, PostResult)]
    assert [r.duplicate for r in results] == [False, True, False]
    assert results[1].message.id == stored.message.id
    assert [r.message.seq for r in results] == [2, 1, 3]
    assert [s for _, s, _ in _stored(session)] == [1, 2, 3]


def test_a_batch_checks_its_members_access_in_one_query(session: Session, world: World) -> None:
    """Counted at the driver, which sees the statements SQLAlchemy never runs (plugin.chat.sql)."""
    w = world
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("counts statements with sqlite3's trace callback; psycopg has no such hook")
    session.commit()  # as an event's fresh session: no transaction begun yet
    statements: list[str] = []
    driver = session.connection().connection.driver_connection
    assert driver is not None
    driver.set_trace_callback(statements.append)
    try:
        chat_service.post_messages(
            session,
            [
                NewLine(w.alice, w.room_id, "x-1", "one"),
                NewLine(w.bruno, w.room_id, "x-2", "two"),
                NewLine(w.chen, w.room_id, "x-3", "three"),
            ],
        )
    finally:
        driver.set_trace_callback(None)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, statements
    assert any(s.startswith("INSERT INTO room_message") for s in statements), statements


def test_a_batch_that_stores_nothing_still_ends_its_transaction(
    session: Session, world: World
) -> None:
    """On SQLite an open transaction holds the write lock the next batch needs."""
    w = world
    out = chat_service.post_messages(
        session,
        [NewLine(w.dora, w.room_id, "d-1", "not my room"), NewLine(w.alice, w.room_id, "", "x")],
    )
    assert [type(o) for o in out] == [NotFound, InvalidInput]
    assert not session.in_transaction()


def test_batches_sharing_rooms_in_opposite_orders_neither_deadlock_nor_leave_gaps(
    empty_database_url: str,
) -> None:
    """Real connections (a database of its own): two writers' batches lock the same two rooms'
    rows, arriving in opposite orders; rows are locked in id order, so both go through."""
    engine = make_engine(empty_database_url)
    Base.metadata.create_all(engine)
    factory = make_session_factory(engine)
    with factory() as setup:
        w = build_world(setup)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def write(tag: str, reverse: bool) -> None:
        try:
            start.wait()
            for i in range(15):
                lines = [
                    NewLine(w.alice, w.room_id, f"{tag}-a-{i}", "x"),
                    NewLine(w.dora, w.other_room_id, f"{tag}-d-{i}", "y"),
                ]
                with factory() as s:
                    out = chat_service.post_messages(s, lines[::-1] if reverse else lines)
                assert all(isinstance(o, PostResult) for o in out)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=write, args=(t, t == "b")) for t in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with factory() as s:
        seqs = {
            room: list(
                s.scalars(select(Message.seq).where(Message.room_id == room).order_by(Message.seq))
            )
            for room in (w.room_id, w.other_room_id)
        }
    engine.dispose()
    assert errors == []
    assert seqs == {w.room_id: list(range(1, 31)), w.other_room_id: list(range(1, 31))}
