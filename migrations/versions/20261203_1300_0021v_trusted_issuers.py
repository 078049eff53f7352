"""trusted issuers: the alliance's registry of known credential issuers

Revision ID: 0021v
Revises: 0018n
Create Date: 2026-12-03 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import plugin.db

revision: str = "0021v"
down_revision: str | None = "0018n"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trusted_issuer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer_id", sa.String(length=500), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("added_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trusted_issuer")),
        sa.UniqueConstraint("issuer_id", name=op.f("uq_trusted_issuer_issuer_id")),
    )


def downgrade() -> None:
    op.drop_table("trusted_issuer")
