"""Writing chat lines: cursors taken per room and one INSERT for a whole group of sends.

The machinery behind ``plugin.chat.service.post_messages`` (the group commit) and the
edit/delete/hide use cases; it never commits."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from plugin.chat.lines import MessageView, NewLine
from plugin.chat.sql import ChatCursor, LineRow
from plugin.rooms.text import segments


def take_cursor(session: Session, room_id: int) -> int:
    """The room's next cursor value, for a line's change (plugin.rooms.sql)."""
    with ChatCursor(session) as cursor:
        return cursor.take_cursors(room_id)


@dataclass(frozen=True)
class Accepted:
    """A line that passed every check and is about to be stored."""

    index: int
    line: NewLine
    author_name: str
    text: str
    created_at: datetime

    def row(self, seq: int) -> LineRow:
        line = self.line
        return LineRow(
            line.room_id, seq, line.client_id, line.actor.person_id, self.text, self.created_at
        )

    def view(self, message_id: int, seq: int) -> MessageView:
        """The view built from what was written, instead of loading the row back."""
        return MessageView(
            id=message_id,
            seq=seq,
            cursor=seq,
            client_id=self.line.client_id,
            author_id=self.line.actor.person_id,
            author_name=self.author_name,
            body=self.text,
            parts=segments(self.text),
            created_at=self.created_at.isoformat(),
            edited=False,
            deleted=False,
            hidden=False,
            hidden_reason=None,
        )


def store_lines(session: Session, new: list[Accepted]) -> list[tuple[int, int]]:
    """Insert the lines, cursors taken per room in arrival order; (id, seq) of each.

    The rooms' rows are locked in id order: two processes' batches that share rooms then wait
    for each other instead of deadlocking on PostgreSQL.
    """
    counts = Counter(accepted.line.room_id for accepted in new)
    with ChatCursor(session) as cursor:
        next_seq = {
            room: cursor.take_cursors(room, n) - n + 1 for room, n in sorted(counts.items())
        }
        seqs = []
        for accepted in new:
            seqs.append(next_seq[accepted.line.room_id])
            next_seq[accepted.line.room_id] += 1
        ids = cursor.insert_lines(
            [accepted.row(seq) for accepted, seq in zip(new, seqs, strict=True)]
        )
    return list(zip(ids, seqs, strict=True))
