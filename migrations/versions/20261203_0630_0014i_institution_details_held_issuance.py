"""institution details (legal name, URL) and held credential issuances

Revision ID: 0014i
Revises: 0013n
Create Date: 2026-12-03 06:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import plugin.db

revision: str = "0014i"
down_revision: str | None = "0013n"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("institution") as batch:
        batch.add_column(sa.Column("legal_name", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("url", sa.String(length=500), nullable=True))
    op.create_table(
        "held_issuance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("completion_id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("created_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempted_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["completion_id"], ["completion.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["institution_id"], ["institution.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["requested_by_id"], ["person.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("completion_id"),
    )
    op.create_index(
        op.f("ix_held_issuance_institution_id"), "held_issuance", ["institution_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_held_issuance_institution_id"), table_name="held_issuance")
    op.drop_table("held_issuance")
    with op.batch_alter_table("institution") as batch:
        batch.drop_column("url")
        batch.drop_column("legal_name")
