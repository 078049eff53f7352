"""lti_grade_outbox.leased_until: a sender's explicit lease, which a teacher's retry respects

Revision ID: 0024g
Revises: 0023h
Create Date: 2026-12-03 15:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import plugin.db

revision: str = "0024g"
down_revision: str | None = "0023h"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Rows an old sender claimed keep their moved next attempt: they wait as before, unleased.
    with op.batch_alter_table("lti_grade_outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("leased_until", plugin.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("lti_grade_outbox", schema=None) as batch_op:
        batch_op.drop_column("leased_until")
