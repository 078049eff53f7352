"""issuing jobs (bulk issuing run by the worker, with progress), status lists to publish,
a course's LMS page,
agreed team meetings

Revision ID: 0018n
Revises: 0017c
Create Date: 2026-12-03 10:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import plugin.db

revision: str = "0018n"
down_revision: str | None = "0017c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "issuing_job",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("request_key", sa.String(length=64), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", plugin.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange.id"],
            name=op.f("fk_issuing_job_exchange_id_exchange"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_issuing_job_institution_id_institution"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["person.id"],
            name=op.f("fk_issuing_job_requested_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issuing_job")),
        sa.UniqueConstraint(
            "requested_by_id",
            "request_key",
            name=op.f("uq_issuing_job_requested_by_id_request_key"),
        ),
    )
    with op.batch_alter_table("issuing_job", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_issuing_job_institution_id"), ["institution_id"], unique=False
        )


    op.create_table(
        "agreed_meeting",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("agreed_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", plugin.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agreed_by_id"],
            ["person.id"],
            name=op.f("fk_agreed_meeting_agreed_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["team_id"],
            ["team.id"],
            name=op.f("fk_agreed_meeting_team_id_team"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreed_meeting")),
        sa.UniqueConstraint(
            "team_id", "starts_at", name=op.f("uq_agreed_meeting_team_id_starts_at")
        ),
    )
    with op.batch_alter_table("agreed_meeting", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agreed_meeting_reminded_at"), ["reminded_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_agreed_meeting_team_id"), ["team_id"], unique=False)
    op.create_table(
        "course_link",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("lms_url", sa.String(length=1000), nullable=False),
        sa.Column("updated_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["course.id"],
            name=op.f("fk_course_link_course_id_course"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("course_id", name=op.f("pk_course_link")),
    )
    with op.batch_alter_table("status_list", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("pending_since", plugin.db.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("status_list", schema=None) as batch_op:
        batch_op.drop_column("pending_since")
    op.drop_table("course_link")
    with op.batch_alter_table("agreed_meeting", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreed_meeting_team_id"))
        batch_op.drop_index(batch_op.f("ix_agreed_meeting_reminded_at"))
    op.drop_table("agreed_meeting")
    with op.batch_alter_table("issuing_job", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issuing_job_institution_id"))
    op.drop_table("issuing_job")
