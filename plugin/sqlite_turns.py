"""SQLite transactions of one process take turns on a Python lock before SQLite's own.

Every transaction here begins IMMEDIATE (plugin.db), so it holds SQLite's one write lock
from BEGIN to COMMIT or ROLLBACK, and a second one waits in SQLite's busy handler. That
handler sleeps: 1, 2, 5, 10 ... 100 ms between tries, so a waiter wakes long after the lock
came free (bench/launch.py, 8 threads: p95 420 ms, most of the worker's time in BEGIN). Under
gevent it is worse than slow: the sleep is in C and stops the whole worker, including the
greenlet that holds the lock, so the waiter sleeps out its whole busy_timeout and fails with
"database is locked" (bench/launch.py under gunicorn -k gevent: launches failed with 500).

So a process's transactions on one database file queue on a lock first (gevent's, once
gunicorn's worker has patched threading), handed over the moment the holder commits or rolls
back. Other processes (a CLI command, a second worker) still meet at SQLite's lock as before.
A transaction waits for its turn as long as SQLite would have (busy_timeout), then fails as
SQLite would: a second transaction opened by the same thread can never get the turn.

The turn ends after the COMMIT or ROLLBACK itself: the commit and rollback events run them
(the driver's own commit() then has nothing left to do), and the pool's checkin, close and
invalidate events end a turn that no transaction event ended.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from sqlalchemy import Engine, event, exc

BUSY_SECONDS = 10.0  # as PRAGMA busy_timeout


class Turn:
    """Whose turn it is on one database file: the driver connection holding it, if any."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holder: object | None = None

    def take(self, driver: object) -> None:
        if not self._lock.acquire(timeout=BUSY_SECONDS):  # as SQLite would fail, wrapped as ever
            locked = sqlite3.OperationalError("database is locked")
            raise exc.OperationalError("BEGIN IMMEDIATE", None, locked)
        self._holder = driver

    def end(self, driver: object) -> None:
        """End ``driver``'s turn; nothing if it holds none (every end event may come twice)."""
        if driver is not None and self._holder is driver:
            self._holder = None
            self._lock.release()


_TURNS: dict[str, Turn] = {}
_TURNS_GUARD = threading.Lock()


def turn_for(path: str) -> Turn:
    """The one turn for this database file in this process (engines may share a file)."""
    with _TURNS_GUARD:
        return _TURNS.setdefault(path, Turn())


def take_turns(engine: Engine, path: str) -> None:
    turn = turn_for(path)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        driver = connection.connection.driver_connection
        turn.take(driver)
        try:
            # Straight to the driver: every transaction starts here, and exec_driver_sql's
            # execution context was a twentieth of a chat send (py-spy on bench/rooms.py).
            driver.execute("BEGIN IMMEDIATE")
        except BaseException:
            turn.end(driver)
            raise

    @event.listens_for(engine, "commit")
    def _on_commit(connection: Any) -> None:
        # A failed COMMIT keeps the turn: SQLAlchemy rolls back next, and that ends it.
        driver = connection.connection.driver_connection
        driver.execute("COMMIT")
        turn.end(driver)

    @event.listens_for(engine, "rollback")
    def _on_rollback(connection: Any) -> None:
        try:
            driver = connection.connection.driver_connection
        except exc.SQLAlchemyError:
            return  # invalidated: the pool's invalidate event ended its turn
        try:
            if driver.in_transaction:
                driver.execute("ROLLBACK")
        finally:
            turn.end(driver)

    def _end_lost_turn(dbapi_connection: Any, *_args: Any) -> None:
        """A connection going back to the pool, closed or invalidated mid-transaction."""
        try:
            if dbapi_connection is not None and dbapi_connection.in_transaction:
                dbapi_connection.execute("ROLLBACK")
        except sqlite3.Error:
            pass  # a dead connection holds no SQLite lock either
        finally:
            turn.end(dbapi_connection)

    for name in ("checkin", "close", "invalidate"):
        event.listen(engine.pool, name, _end_lost_turn)
