"""teammate requests and codes

Students' one-directional teammate requests (matching honours the mutual ones) and each
student's personal teammate code per exchange (see plugin/teammates). New tables only: no
existing row changes, so there is nothing to backfill.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 19:28:43.013625
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import plugin.db

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "teammate_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("created_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange.id"],
            name=op.f("fk_teammate_code_exchange_id_exchange"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_teammate_code_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teammate_code")),
        sa.UniqueConstraint("code", name=op.f("uq_teammate_code_code")),
        sa.UniqueConstraint(
            "exchange_id", "person_id", name=op.f("uq_teammate_code_exchange_id_person_id")
        ),
    )
    with op.batch_alter_table("teammate_code", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_teammate_code_person_id"), ["person_id"], unique=False)

    op.create_table(
        "teammate_request",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("requested_id", sa.Integer(), nullable=False),
        sa.Column("created_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "requester_id <> requested_id", name=op.f("ck_teammate_request_not_self")
        ),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange.id"],
            name=op.f("fk_teammate_request_exchange_id_exchange"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_id"],
            ["person.id"],
            name=op.f("fk_teammate_request_requested_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requester_id"],
            ["person.id"],
            name=op.f("fk_teammate_request_requester_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teammate_request")),
        sa.UniqueConstraint(
            "exchange_id",
            "requester_id",
            "requested_id",
            name=op.f("uq_teammate_request_exchange_id_requester_id_requested_id"),
        ),
    )
    with op.batch_alter_table("teammate_request", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_teammate_request_requested_id"), ["requested_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_teammate_request_requester_id"), ["requester_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("teammate_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teammate_request_requester_id"))
        batch_op.drop_index(batch_op.f("ix_teammate_request_requested_id"))

    op.drop_table("teammate_request")
    with op.batch_alter_table("teammate_code", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_teammate_code_person_id"))

    op.drop_table("teammate_code")
