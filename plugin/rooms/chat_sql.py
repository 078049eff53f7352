"""The chat write path in the database driver's own SQL.

Every chat line passes through these three statements (plugin.chat.service.post_messages):
the senders' membership, the rooms' cursors, the lines. Through SQLAlchemy's execution
machinery (statement-cache look-ups, execution contexts, parameter processing, result
objects) they cost several times the driver's own work: py-spy on bench/rooms.py put the
machinery at about a third of the server's CPU at 5,000 deliveries/s. Here they run on the
session's own DBAPI connection, so they stay inside the session's transaction (its BEGIN, its
commit or rollback). The SQL is the same on SQLite and PostgreSQL but for the placeholder, and
``created_at`` goes through the column's own bind processor, so a row is exactly what the ORM
would write and reads back the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple, cast

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.orm import Session

from plugin.rooms.models import Message

_MESSAGE = cast(Table, Message.__table__)
_COLUMNS = ("room_id", "seq", "changed_seq", "client_id", "author_id", "body", "created_at")
MAX_ROWS_PER_INSERT = 500  # SQLite allows 32,766 parameters a statement; 7 a row


class MemberRow(NamedTuple):
    room_id: int
    team_id: int
    exchange_id: int
    person_id: int
    chosen_name: str | None
    lms_name: str | None


class LineRow(NamedTuple):
    room_id: int
    seq: int
    client_id: str
    author_id: int
    body: str
    created_at: datetime


class ClientIdTaken(Exception):
    """A line broke a unique rule: its client id was stored before (a retry)."""


@dataclass(frozen=True)
class _Dialect:
    mark: str  # the driver's placeholder
    created_at: Callable[[Any], Any] | None  # the column's bind processor, if any
    integrity_error: type[Exception]

    def marks(self, count: int) -> str:
        return ", ".join([self.mark] * count)


@lru_cache(maxsize=8)
def _for(dialect: Dialect) -> _Dialect:
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    processor = _MESSAGE.c.created_at.type.bind_processor(dialect)
    return _Dialect(mark, processor, dialect.loaded_dbapi.IntegrityError)


class ChatCursor:
    """A DBAPI cursor on the session's connection, with this dialect's SQL."""

    def __init__(self, session: Session) -> None:
        connection = session.connection()  # begins the session's transaction if need be
        self._sql = _for(connection.dialect)
        self._cursor: DBAPICursor = connection.connection.cursor()

    def __enter__(self) -> ChatCursor:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._cursor.close()

    def members(self, room_ids: Sequence[int], person_ids: Sequence[int]) -> list[MemberRow]:
        """Which of these people are members of which of these rooms' teams, with names."""
        sql = self._sql
        self._cursor.execute(
            "SELECT room.id, team.id, team.exchange_id, m.person_id, p.chosen_name, p.lms_name"  # noqa: S608 - placeholders only
            " FROM room JOIN team ON team.id = room.team_id"
            " JOIN team_membership m ON m.team_id = team.id"
            " JOIN person p ON p.id = m.person_id"
            f" WHERE room.id IN ({sql.marks(len(room_ids))})"
            f" AND m.person_id IN ({sql.marks(len(person_ids))})",
            (*room_ids, *person_ids),
        )
        return [MemberRow(*row) for row in self._cursor.fetchall()]

    def take_cursors(self, room_id: int, count: int = 1) -> int:
        """Move the room's cursor on by ``count`` and return its new value; the UPDATE holds
        the row's lock until commit, which orders concurrent writers without gaps."""
        mark = self._sql.mark
        self._cursor.execute(
            f"UPDATE room SET last_seq = last_seq + {mark} WHERE id = {mark} RETURNING last_seq",  # noqa: S608 - placeholders only
            (count, room_id),
        )
        row = self._cursor.fetchone()
        if row is None:
            raise LookupError(f"room {room_id} is gone")
        return int(row[0])

    def insert_lines(self, lines: Sequence[LineRow]) -> list[int]:
        """Insert the lines; their ids, in the order given."""
        ids: dict[tuple[int, int], int] = {}
        for start in range(0, len(lines), MAX_ROWS_PER_INSERT):
            ids.update(self._insert(lines[start : start + MAX_ROWS_PER_INSERT]))
        return [ids[(line.room_id, line.seq)] for line in lines]

    def _insert(self, lines: Sequence[LineRow]) -> Iterable[tuple[tuple[int, int], int]]:
        sql = self._sql
        row_marks = f"({sql.marks(len(_COLUMNS))})"
        stamp = sql.created_at or (lambda value: value)
        params: list[object] = []
        for line in lines:
            params += (line.room_id, line.seq, line.seq, line.client_id, line.author_id)
            params += (line.body, stamp(line.created_at))
        try:
            self._cursor.execute(
                f"INSERT INTO room_message ({', '.join(_COLUMNS)})"  # noqa: S608 - placeholders only
                f" VALUES {', '.join([row_marks] * len(lines))} RETURNING id, room_id, seq",
                params,
            )
        except sql.integrity_error as error:
            raise ClientIdTaken from error
        # RETURNING's order is the database's; (room, seq) is unique, so match on it.
        rows = self._cursor.fetchall()
        return (((room_id, seq), message_id) for message_id, room_id, seq in rows)
