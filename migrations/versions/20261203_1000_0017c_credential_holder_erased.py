"""credential holder erased: erasure deletes Tandem's copy of the signed credential

Revision ID: 0017c
Revises: 0016n
Create Date: 2026-12-03 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import plugin.db

revision: str = "0017c"
down_revision: str | None = "0016n"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("credential", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("holder_erased_at", plugin.db.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.alter_column("document", existing_type=sa.JSON(), nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("credential", schema=None) as batch_op:
        batch_op.alter_column("document", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("holder_erased_at")
