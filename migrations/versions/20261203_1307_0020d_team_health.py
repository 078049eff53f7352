"""team health: activity per member and week, per team and week, team status, thresholds,
the teachers' intervention log

Revision ID: 0020d
Revises: 0019p
Create Date: 2026-12-03 13:07:52.571525
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import plugin.db

revision: str = "0020d"
down_revision: str | None = "0019p"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "health_settings",
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("meeting_gap_days", sa.Integer(), nullable=False),
        sa.Column("silent_days", sa.Integer(), nullable=False),
        sa.Column("checkin_drop", sa.Double(), nullable=False),
        sa.Column("checkin_low", sa.Double(), nullable=False),
        sa.Column("updated_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange.id"],
            name=op.f("fk_health_settings_exchange_id_exchange"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("exchange_id", name=op.f("pk_health_settings")),
    )
    op.create_table(
        "health_intervention",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("client_id", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["person.id"],
            name=op.f("fk_health_intervention_author_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange.id"],
            name=op.f("fk_health_intervention_exchange_id_exchange"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_health_intervention_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_intervention")),
        sa.UniqueConstraint(
            "author_id", "client_id", name=op.f("uq_health_intervention_author_id_client_id")
        ),
    )
    with op.batch_alter_table("health_intervention", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_health_intervention_team_id"), ["team_id"], unique=False
        )

    op.create_table(
        "health_member_week",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("note_edits", sa.Integer(), nullable=False),
        sa.Column("tasks_done", sa.Integer(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("last_active_at", plugin.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange.id"],
            name=op.f("fk_health_member_week_exchange_id_exchange"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_health_member_week_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_health_member_week_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_member_week")),
        sa.UniqueConstraint(
            "team_id",
            "person_id",
            "week",
            name=op.f("uq_health_member_week_team_id_person_id_week"),
        ),
    )
    with op.batch_alter_table("health_member_week", schema=None) as batch_op:
        batch_op.create_index("ix_health_member_week_exchange", ["exchange_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_health_member_week_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "health_team",
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("last_meeting_on", sa.Date(), nullable=True),
        sa.Column("activity_total", sa.Integer(), nullable=False),
        sa.Column("risk_episode", sa.Integer(), nullable=False),
        sa.Column("computed_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange.id"],
            name=op.f("fk_health_team_exchange_id_exchange"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_health_team_team_id_team"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("team_id", name=op.f("pk_health_team")),
    )
    with op.batch_alter_table("health_team", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_health_team_exchange_id"), ["exchange_id"], unique=False
        )
        batch_op.create_index("ix_health_team_exchange_rank", ["exchange_id", "rank"], unique=False)

    op.create_table(
        "health_team_week",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.Integer(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("note_edits", sa.Integer(), nullable=False),
        sa.Column("tasks_done", sa.Integer(), nullable=False),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("active_members", sa.Integer(), nullable=False),
        sa.Column("checkin_average", sa.Double(), nullable=True),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange.id"],
            name=op.f("fk_health_team_week_exchange_id_exchange"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_health_team_week_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_health_team_week")),
        sa.UniqueConstraint("team_id", "week", name=op.f("uq_health_team_week_team_id_week")),
    )
    with op.batch_alter_table("health_team_week", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_health_team_week_exchange_id"), ["exchange_id"], unique=False
        )



def downgrade() -> None:
    with op.batch_alter_table("health_team_week", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_health_team_week_exchange_id"))

    op.drop_table("health_team_week")
    with op.batch_alter_table("health_team", schema=None) as batch_op:
        batch_op.drop_index("ix_health_team_exchange_rank")
        batch_op.drop_index(batch_op.f("ix_health_team_exchange_id"))

    op.drop_table("health_team")
    with op.batch_alter_table("health_member_week", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_health_member_week_person_id"))
        batch_op.drop_index("ix_health_member_week_exchange")

    op.drop_table("health_member_week")
    with op.batch_alter_table("health_intervention", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_health_intervention_team_id"))

    op.drop_table("health_intervention")
    op.drop_table("health_settings")
