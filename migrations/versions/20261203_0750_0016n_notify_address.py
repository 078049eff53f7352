"""notify address: the email a person chose for notifications, confirmed by a link

Revision ID: 0016n
Revises: 0015r
Create Date: 2026-12-03 07:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import plugin.db

revision: str = "0016n"
down_revision: str | None = "0015r"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "notify_address",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=320), nullable=True),
        sa.Column("pending", sa.String(length=320), nullable=True),
        sa.Column("pending_at", plugin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("email_state", sa.String(length=10), nullable=False),
        sa.Column("window_start", plugin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sends_in_window", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_notify_address_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_address")),
        sa.UniqueConstraint("person_id", name=op.f("uq_notify_address_person_id")),
    )
    with op.batch_alter_table("notify_address", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notify_address_email_state"), ["email_state"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("notify_address", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notify_address_email_state"))
    op.drop_table("notify_address")
