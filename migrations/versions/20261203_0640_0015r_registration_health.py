"""registration health and replacement

Revision ID: 0015r
Revises: 0014x
Create Date: 2026-12-03 06:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import plugin.db

revision: str = '0015r'
down_revision: str | None = '0014x'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('lti_registration', schema=None) as batch_op:
        batch_op.add_column(sa.Column('token_refusals', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('last_token_error', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('broken_at', plugin.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('replaced_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_lti_registration_replaced_by_id_lti_registration'),
            'lti_registration', ['replaced_by_id'], ['id'], ondelete='SET NULL',
        )
    with op.batch_alter_table('lti_grade_outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('last_error_message', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('lti_grade_outbox', schema=None) as batch_op:
        batch_op.drop_column('last_error_message')
    with op.batch_alter_table('lti_registration', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_lti_registration_replaced_by_id_lti_registration'), type_='foreignkey'
        )
        batch_op.drop_column('replaced_by_id')
        batch_op.drop_column('broken_at')
        batch_op.drop_column('last_token_error')
        batch_op.drop_column('token_refusals')
