"""privacy: person.erased_at (erasure marker), profile.video_name (name shown in calls)

Revision ID: 0014p
Revises: 0014i
Create Date: 2026-12-03 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import plugin.db

revision: str = "0014p"
down_revision: str | None = "0014i"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("erased_at", plugin.db.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("profile", schema=None) as batch_op:
        batch_op.add_column(sa.Column("video_name", sa.String(length=80), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("profile", schema=None) as batch_op:
        batch_op.drop_column("video_name")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_column("erased_at")
