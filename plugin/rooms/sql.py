"""The room queries of the chat write path, in the database driver's own SQL.

Every chat line passes through the senders' membership and the rooms' cursors
(plugin.chat.sql adds the lines' INSERT). Through SQLAlchemy's execution machinery
(statement-cache look-ups, execution contexts, parameter processing, result objects) they
cost several times the driver's own work: py-spy on bench/rooms.py put the machinery at about
a third of the server's CPU at 5,000 deliveries/s. Here they run on the session's own DBAPI
connection, so they stay inside the session's transaction (its BEGIN, its commit or
rollback). The SQL is the same on SQLite and PostgreSQL but for the placeholder.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import NamedTuple

from sqlalchemy.engine import Dialect
from sqlalchemy.engine.interfaces import DBAPICursor
from sqlalchemy.orm import Session


class MemberRow(NamedTuple):
    room_id: int
    team_id: int
    exchange_id: int
    person_id: int
    chosen_name: str | None
    lms_name: str | None


@lru_cache(maxsize=8)
def placeholder(dialect: Dialect) -> str:
    """The driver's placeholder."""
    return "?" if dialect.paramstyle == "qmark" else "%s"


def marks(mark: str, count: int) -> str:
    return ", ".join([mark] * count)


class RoomCursor:
    """A DBAPI cursor on the session's connection, with this dialect's SQL."""

    def __init__(self, session: Session) -> None:
        connection = session.connection()  # begins the session's transaction if need be
        self._dialect = connection.dialect
        self._mark = placeholder(self._dialect)
        self._cursor: DBAPICursor = connection.connection.cursor()

    def __enter__(self) -> RoomCursor:
        return self

    def __exit__(self, *_exc: object) -> None:
        self._cursor.close()

    def members(self, room_ids: Sequence[int], person_ids: Sequence[int]) -> list[MemberRow]:
        """Which of these people are members of which of these rooms' teams, with names."""
        mark = self._mark
        self._cursor.execute(
            "SELECT room.id, team.id, team.exchange_id, m.person_id, p.chosen_name, p.lms_name"  # noqa: S608 - placeholders only
            " FROM room JOIN team ON team.id = room.team_id"
            " JOIN team_membership m ON m.team_id = team.id"
            " JOIN person p ON p.id = m.person_id"
            f" WHERE room.id IN ({marks(mark, len(room_ids))})"
            f" AND m.person_id IN ({marks(mark, len(person_ids))})",
            (*room_ids, *person_ids),
        )
        return [MemberRow(*row) for row in self._cursor.fetchall()]

    def take_cursors(self, room_id: int, count: int = 1) -> int:
        """Move the room's cursor on by ``count`` and return its new value; the UPDATE holds
        the row's lock until commit, which orders concurrent writers without gaps."""
        mark = self._mark
        self._cursor.execute(
            f"UPDATE room SET last_seq = last_seq + {mark} WHERE id = {mark} RETURNING last_seq",  # noqa: S608 - placeholders only
            (count, room_id),
        )
        row = self._cursor.fetchone()
        if row is None:
            raise LookupError(f"room {room_id} is gone")
        return int(row[0])
