"""pulse check-ins, peer evaluation rounds, ratings and results;
a seat's settings ("share individual team data")

Revision ID: 0019p
Revises: 0021v
Create Date: 2026-12-03 13:05:23.955915
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import plugin.db

revision: str = "0019p"
down_revision: str | None = "0022n"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "checkin_schedule",
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("opened_week", sa.String(length=8), nullable=True),
        sa.Column("closed_week", sa.String(length=8), nullable=True),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange.id"],
            name=op.f("fk_checkin_schedule_exchange_id_exchange"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["person.id"],
            name=op.f("fk_checkin_schedule_updated_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("exchange_id", name=op.f("pk_checkin_schedule")),
    )
    op.create_table(
        "peer_policy",
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("adjust_grades", sa.Boolean(), nullable=False),
        sa.Column("factor_cap", sa.Double(), nullable=True),
        sa.Column("include_self", sa.Boolean(), nullable=False),
        sa.Column("required_for_completion", sa.Boolean(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange.id"],
            name=op.f("fk_peer_policy_exchange_id_exchange"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["person.id"],
            name=op.f("fk_peer_policy_updated_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("exchange_id", name=op.f("pk_peer_policy")),
    )
    op.create_table(
        "peer_round",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("opens_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("closes_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finalized_at", plugin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("opened_notified_at", plugin.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["person.id"],
            name=op.f("fk_peer_round_created_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange.id"],
            name=op.f("fk_peer_round_exchange_id_exchange"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_round")),
        sa.UniqueConstraint("exchange_id", "title", name=op.f("uq_peer_round_exchange_id_title")),
    )
    with op.batch_alter_table("peer_round", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_peer_round_exchange_id"), ["exchange_id"], unique=False
        )

    op.create_table(
        "checkin_answer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("teamwork", sa.Integer(), nullable=False),
        sa.Column("contribute", sa.Integer(), nullable=False),
        sa.Column("blockers", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("answered_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange.id"],
            name=op.f("fk_checkin_answer_exchange_id_exchange"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_checkin_answer_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_checkin_answer_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_answer")),
        sa.UniqueConstraint(
            "person_id", "team_id", "week", name=op.f("uq_checkin_answer_person_id_team_id_week")
        ),
    )
    with op.batch_alter_table("checkin_answer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_checkin_answer_exchange_id"), ["exchange_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_checkin_answer_person_id"), ["person_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_checkin_answer_team_id"), ["team_id"], unique=False)

    op.create_table(
        "exchange_seat_setting",
        sa.Column("seat_id", sa.Integer(), nullable=False),
        sa.Column("share_team_data", sa.Boolean(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.Column("updated_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["seat_id"],
            ["exchange_seat.id"],
            name=op.f("fk_exchange_seat_setting_seat_id_exchange_seat"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["person.id"],
            name=op.f("fk_exchange_seat_setting_updated_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("seat_id", name=op.f("pk_exchange_seat_setting")),
    )
    op.create_table(
        "peer_rating",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("ratee_id", sa.Integer(), nullable=False),
        sa.Column("contributing", sa.Integer(), nullable=False),
        sa.Column("interacting", sa.Integer(), nullable=False),
        sa.Column("on_track", sa.Integer(), nullable=False),
        sa.Column("quality", sa.Integer(), nullable=False),
        sa.Column("knowledge", sa.Integer(), nullable=False),
        sa.Column("rated_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["ratee_id"],
            ["person.id"],
            name=op.f("fk_peer_rating_ratee_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["rater_id"],
            ["person.id"],
            name=op.f("fk_peer_rating_rater_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["peer_round.id"],
            name=op.f("fk_peer_rating_round_id_peer_round"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_peer_rating_team_id_team"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_rating")),
        sa.UniqueConstraint(
            "round_id",
            "rater_id",
            "ratee_id",
            name=op.f("uq_peer_rating_round_id_rater_id_ratee_id"),
        ),
    )
    with op.batch_alter_table("peer_rating", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_peer_rating_ratee_id"), ["ratee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_peer_rating_rater_id"), ["rater_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_peer_rating_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_peer_rating_team_id"), ["team_id"], unique=False)

    op.create_table(
        "peer_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("institution_id", sa.Integer(), nullable=True),
        sa.Column("raters", sa.Integer(), nullable=False),
        sa.Column("peer_mean", sa.Double(), nullable=True),
        sa.Column("self_mean", sa.Double(), nullable=True),
        sa.Column("dimensions", sa.JSON(), nullable=False),
        sa.Column("factor_with_self", sa.Double(), nullable=True),
        sa.Column("factor_without_self", sa.Double(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("computed_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_peer_result_institution_id_institution"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_peer_result_person_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["peer_round.id"],
            name=op.f("fk_peer_result_round_id_peer_round"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["team.id"], name=op.f("fk_peer_result_team_id_team"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_result")),
        sa.UniqueConstraint(
            "round_id", "person_id", name=op.f("uq_peer_result_round_id_person_id")
        ),
    )
    with op.batch_alter_table("peer_result", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_peer_result_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_peer_result_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_peer_result_team_id"), ["team_id"], unique=False)

    op.create_table(
        "peer_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("rater_id", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("submitted_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rater_id"],
            ["person.id"],
            name=op.f("fk_peer_submission_rater_id_person"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["peer_round.id"],
            name=op.f("fk_peer_submission_round_id_peer_round"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_peer_submission_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_submission")),
        sa.UniqueConstraint(
            "round_id", "rater_id", name=op.f("uq_peer_submission_round_id_rater_id")
        ),
    )
    with op.batch_alter_table("peer_submission", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_peer_submission_rater_id"), ["rater_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_peer_submission_round_id"), ["round_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_peer_submission_team_id"), ["team_id"], unique=False)

    op.create_table(
        "peer_team_result",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("raters", sa.Integer(), nullable=False),
        sa.Column("peer_mean", sa.Double(), nullable=True),
        sa.Column("institution_gap", sa.Double(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("computed_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["peer_round.id"],
            name=op.f("fk_peer_team_result_round_id_peer_round"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_peer_team_result_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_peer_team_result")),
        sa.UniqueConstraint(
            "round_id", "team_id", name=op.f("uq_peer_team_result_round_id_team_id")
        ),
    )
    with op.batch_alter_table("peer_team_result", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_peer_team_result_round_id"), ["round_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_peer_team_result_team_id"), ["team_id"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("peer_team_result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_peer_team_result_team_id"))
        batch_op.drop_index(batch_op.f("ix_peer_team_result_round_id"))

    op.drop_table("peer_team_result")
    with op.batch_alter_table("peer_submission", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_peer_submission_team_id"))
        batch_op.drop_index(batch_op.f("ix_peer_submission_round_id"))
        batch_op.drop_index(batch_op.f("ix_peer_submission_rater_id"))

    op.drop_table("peer_submission")
    with op.batch_alter_table("peer_result", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_peer_result_team_id"))
        batch_op.drop_index(batch_op.f("ix_peer_result_round_id"))
        batch_op.drop_index(batch_op.f("ix_peer_result_person_id"))

    op.drop_table("peer_result")
    with op.batch_alter_table("peer_rating", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_peer_rating_team_id"))
        batch_op.drop_index(batch_op.f("ix_peer_rating_round_id"))
        batch_op.drop_index(batch_op.f("ix_peer_rating_rater_id"))
        batch_op.drop_index(batch_op.f("ix_peer_rating_ratee_id"))

    op.drop_table("peer_rating")
    op.drop_table("exchange_seat_setting")
    with op.batch_alter_table("checkin_answer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_checkin_answer_team_id"))
        batch_op.drop_index(batch_op.f("ix_checkin_answer_person_id"))
        batch_op.drop_index(batch_op.f("ix_checkin_answer_exchange_id"))

    op.drop_table("checkin_answer")
    with op.batch_alter_table("peer_round", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_peer_round_exchange_id"))

    op.drop_table("peer_round")
    op.drop_table("peer_policy")
    op.drop_table("checkin_schedule")
