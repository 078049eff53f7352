"""The chat lines' INSERT in the database driver's own SQL.

Every chat line passes through three statements (plugin.chat.service.post_messages): the
senders' membership and the rooms' cursors (plugin.rooms.sql, which says why these bypass
SQLAlchemy's execution machinery), then the lines, here. The SQL is the same on SQLite and
PostgreSQL but for the placeholder, and ``created_at`` goes through the column's own bind
processor, so a row is exactly what the ORM would write and reads back the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, NamedTuple, cast

from sqlalchemy import Table
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

from plugin.chat.models import Message
from plugin.rooms.sql import RoomCursor, marks

_MESSAGE = cast(Table, Message.__table__)
_COLUMNS = ("room_id", "seq", "changed_seq", "client_id", "author_id", "body", "created_at")
MAX_ROWS_PER_INSERT = 500  # SQLite allows 32,766 parameters a statement; 7 a row


class LineRow(NamedTuple):
    room_id: int
    seq: int
    client_id: str
    author_id: int
    body: str
    created_at: datetime


class ClientIdTaken(Exception):
    """A line broke a unique rule: its client id was stored before (a retry)."""


@lru_cache(maxsize=8)
def _for(dialect: Dialect) -> tuple[Callable[[Any], Any] | None, type[Exception]]:
    """The created_at column's bind processor, if any, and the driver's IntegrityError."""
    processor = _MESSAGE.c.created_at.type.bind_processor(dialect)
    return processor, dialect.loaded_dbapi.IntegrityError


class ChatCursor(RoomCursor):
    """The room cursor, and the lines' INSERT."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._created_at, self._integrity_error = _for(self._dialect)

    def __enter__(self) -> ChatCursor:
        return self

    def insert_lines(self, lines: Sequence[LineRow]) -> list[int]:
        """Insert the lines; their ids, in the order given."""
        ids: dict[tuple[int, int], int] = {}
        for start in range(0, len(lines), MAX_ROWS_PER_INSERT):
            ids.update(self._insert(lines[start : start + MAX_ROWS_PER_INSERT]))
        return [ids[(line.room_id, line.seq)] for line in lines]

    def _insert(self, lines: Sequence[LineRow]) -> Iterable[tuple[tuple[int, int], int]]:
        row_marks = f"({marks(self._mark, len(_COLUMNS))})"
        stamp = self._created_at or (lambda value: value)
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
        except self._integrity_error as error:
            raise ClientIdTaken from error
        # RETURNING's order is the database's; (room, seq) is unique, so match on it.
        rows = self._cursor.fetchall()
        return (((room_id, seq), message_id) for message_id, room_id, seq in rows)
