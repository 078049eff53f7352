"""room_message (room_id, created_at): team health recounts only a room's recent lines

Revision ID: 0023h
Revises: 0020d
Create Date: 2026-12-03 14:35:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0023h"
down_revision: str | None = "0020d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_room_message_room_id_created_at",
        "room_message",
        ["room_id", "created_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_room_message_room_id_created_at", table_name="room_message")
