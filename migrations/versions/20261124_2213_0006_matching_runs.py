"""matching runs

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 22:13:21.957243
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import plugin.db

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('matching_run',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exchange_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('strategy', sa.String(length=40), nullable=False),
    sa.Column('seed', sa.Integer(), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('teams', sa.JSON(), nullable=False),
    sa.Column('locked', sa.JSON(), nullable=False),
    sa.Column('published_at', plugin.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', plugin.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['person.id'], name=op.f('fk_matching_run_created_by_id_person'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['exchange_id'], ['exchange.id'], name=op.f('fk_matching_run_exchange_id_exchange'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_matching_run'))
    )
    with op.batch_alter_table('matching_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matching_run_exchange_id'), ['exchange_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('matching_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matching_run_exchange_id'))

    op.drop_table('matching_run')
