"""one live seat per course

A course (an LMS placement) belongs to at most one live exchange. Before the partial unique
index can exist, courses that ended up in several (double-submitted create forms, a second
exchange made from a course already in one) keep one seat: the one with the most active
participants, an approved one before a pending one, then the oldest (the one people were
told about first). The others become ``left`` and their active participants leave with them,
exactly as if the course had left that exchange; nothing is deleted.

Revision ID: 0014x
Revises: 0014p
Create Date: 2026-12-03 06:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014x'
down_revision: str | None = '0014p'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = sa.text("status IN ('pending', 'approved')")


def _resolve_duplicates() -> None:
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT s.id, s.course_id, s.status,"
            " (SELECT COUNT(*) FROM exchange_participant p"
            "   WHERE p.seat_id = s.id AND p.status = 'active') AS active"
            " FROM exchange_seat s WHERE s.status IN ('pending', 'approved')"
        )
    ).all()
    by_course: dict[int, list[tuple[int, str, int]]] = {}
    for seat_id, course_id, status, active in rows:
        by_course.setdefault(course_id, []).append((seat_id, status, active))
    for seats in by_course.values():
        if len(seats) < 2:
            continue
        seats.sort(key=lambda s: (-s[2], s[1] != 'approved', s[0]))
        for seat_id, _status, _active in seats[1:]:
            bind.execute(
                sa.text("UPDATE exchange_seat SET status = 'left' WHERE id = :id"), {'id': seat_id}
            )
            bind.execute(
                sa.text(
                    "UPDATE exchange_participant SET status = 'left'"
                    " WHERE seat_id = :id AND status = 'active'"
                ),
                {'id': seat_id},
            )


def upgrade() -> None:
    _resolve_duplicates()
    op.create_index(
        'uq_exchange_seat_live_course',
        'exchange_seat',
        ['course_id'],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )


def downgrade() -> None:
    op.drop_index('uq_exchange_seat_live_course', table_name='exchange_seat')
