"""SQLite transactions of one process take turns on a Python lock (plugin.sqlite_turns)."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from plugin import sqlite_turns
from plugin.db import make_engine, make_session_factory

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.sqlite3'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (n INTEGER)"))
    yield engine
    engine.dispose()


def _another_transaction(engine: Engine) -> tuple[threading.Event, threading.Thread]:
    """Another thread's transaction, started now; the event says it has begun (its turn)."""
    began = threading.Event()

    def other() -> None:
        with Session(engine) as db:
            db.execute(text("SELECT 1"))
            began.set()

    thread = threading.Thread(target=other, daemon=True)
    thread.start()
    return began, thread


def _ends_by_commit(db: Session) -> None:
    db.commit()


def _ends_by_rollback(db: Session) -> None:
    db.rollback()


def _ends_by_close(db: Session) -> None:
    db.close()


def _ends_by_invalidation(db: Session) -> None:
    db.connection().invalidate()
    db.close()


@pytest.mark.parametrize(
    "end", [_ends_by_commit, _ends_by_rollback, _ends_by_close, _ends_by_invalidation]
)
def test_a_transaction_holds_the_turn_until_it_ends_however_it_ends(
    engine: Engine, end: Callable[[Session], None]
) -> None:
    db = make_session_factory(engine)()
    db.execute(text("INSERT INTO t VALUES (1)"))
    began, other = _another_transaction(engine)
    assert not began.wait(0.3)  # waits for its turn ...
    end(db)
    assert began.wait(2.0)  # ... and gets it as soon as the first one ends
    other.join(5)
    db.close()


def test_the_turn_is_handed_on_at_once_not_on_sqlites_polling_schedule(engine: Engine) -> None:
    holder = Session(engine)
    holder.execute(text("INSERT INTO t VALUES (1)"))
    waited: list[float] = []

    def waiter() -> None:
        with Session(engine) as db:
            started = time.perf_counter()
            db.execute(text("INSERT INTO t VALUES (2)"))
            waited.append(time.perf_counter() - started)
            db.commit()

    thread = threading.Thread(target=waiter)
    thread.start()
    time.sleep(0.35)  # SQLite's busy handler would now be sleeping 100 ms between tries
    released = time.perf_counter()
    holder.commit()
    thread.join(5)
    holder.close()
    assert waited, "the waiting transaction never ran"
    assert time.perf_counter() - released < 1.0
    assert waited[0] < 0.35 + 0.05  # woken within milliseconds of the commit


def test_a_second_transaction_in_the_same_thread_fails_as_sqlite_would(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sqlite_turns, "BUSY_SECONDS", 0.2)
    with Session(engine) as first, Session(engine) as second:
        first.execute(text("INSERT INTO t VALUES (1)"))
        with pytest.raises(OperationalError, match="database is locked"):
            second.execute(text("SELECT 1"))
        first.commit()
        assert second.execute(text("SELECT count(*) FROM t")).scalar_one() == 1


def test_turns_are_per_database_file(tmp_path: Path) -> None:
    a = sqlite_turns.turn_for(str(tmp_path / "a.sqlite3"))
    assert a is sqlite_turns.turn_for(str(tmp_path / "a.sqlite3"))
    assert a is not sqlite_turns.turn_for(str(tmp_path / "b.sqlite3"))


GEVENT_PROBE = """
from gevent import monkey
monkey.patch_all()
import sys, time, gevent
from sqlalchemy import text
from sqlalchemy.orm import Session
from plugin.db import make_engine

engine = make_engine(sys.argv[1])
with engine.begin() as c:
    c.execute(text("CREATE TABLE t (n INTEGER)"))

def holder():
    with Session(engine) as db:
        db.execute(text("INSERT INTO t VALUES (1)"))
        gevent.sleep(0.3)  # e.g. a JWKS fetch inside the transaction: other greenlets run
        db.commit()

def other():
    gevent.sleep(0.05)
    with Session(engine) as db:
        db.execute(text("INSERT INTO t VALUES (2)"))
        db.commit()

began = time.monotonic()
gevent.joinall([gevent.spawn(holder), gevent.spawn(other)], raise_error=True)
with Session(engine) as db:
    print(db.execute(text("SELECT count(*) FROM t")).scalar_one(), time.monotonic() - began)
"""


def test_under_gevent_a_waiting_greenlet_does_not_stop_the_one_holding_the_lock(
    tmp_path: Path,
) -> None:
    """Without turns the waiter sleeps in SQLite's C busy handler, the whole worker with it,
    and fails after busy_timeout with "database is locked"."""
    out = subprocess.run(
        [sys.executable, "-c", GEVENT_PROBE, f"sqlite:///{tmp_path / 'g.sqlite3'}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    rows, seconds = out.stdout.split()
    assert int(rows) == 2
    assert float(seconds) < 3.0
