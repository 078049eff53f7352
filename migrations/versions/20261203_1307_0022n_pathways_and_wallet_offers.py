"""nano-degree pathways (components, students' entries, awards) and wallet offers

Revision ID: 0022n
Revises: 0021v
Create Date: 2026-12-03 13:07:05.011503
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import plugin.db

revision: str = "0022n"
down_revision: str | None = "0021v"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "pathway",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("ects", sa.Double(), nullable=False),
        sa.Column("eqf_level", sa.Integer(), nullable=False),
        sa.Column("outcomes", sa.JSON(), nullable=False),
        sa.Column("electives_needed", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["person.id"],
            name=op.f("fk_pathway_created_by_id_person"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["institution_id"],
            ["institution.id"],
            name=op.f("fk_pathway_institution_id_institution"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway")),
        sa.UniqueConstraint("institution_id", "name", name=op.f("uq_pathway_institution_id_name")),
    )
    with op.batch_alter_table("pathway", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pathway_institution_id"), ["institution_id"], unique=False
        )

    op.create_table(
        "pathway_component",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("exchange_id", sa.Integer(), nullable=True),
        sa.Column("issuer_id", sa.String(length=500), nullable=True),
        sa.Column("achievement_id", sa.String(length=1000), nullable=True),
        sa.Column("achievement_name", sa.String(length=300), nullable=True),
        sa.Column("match_key", sa.String(length=1600), nullable=False),
        sa.ForeignKeyConstraint(
            ["exchange_id"],
            ["exchange.id"],
            name=op.f("fk_pathway_component_exchange_id_exchange"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["pathway_id"],
            ["pathway.id"],
            name=op.f("fk_pathway_component_pathway_id_pathway"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_component")),
        sa.UniqueConstraint(
            "pathway_id", "match_key", name=op.f("uq_pathway_component_pathway_id_match_key")
        ),
    )
    with op.batch_alter_table("pathway_component", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pathway_component_pathway_id"), ["pathway_id"], unique=False
        )

    op.create_table(
        "pathway_award",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("awarded_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credential.id"],
            name=op.f("fk_pathway_award_credential_id_credential"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pathway_id"],
            ["pathway.id"],
            name=op.f("fk_pathway_award_pathway_id_pathway"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_pathway_award_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_award")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_pathway_award_credential_id")),
    )
    with op.batch_alter_table("pathway_award", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pathway_award_pathway_id"), ["pathway_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_pathway_award_person_id"), ["person_id"], unique=False)

    op.create_table(
        "pathway_entry",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("component_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=True),
        sa.Column("document", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("added_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["component_id"],
            ["pathway_component.id"],
            name=op.f("fk_pathway_entry_component_id_pathway_component"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credential.id"],
            name=op.f("fk_pathway_entry_credential_id_credential"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pathway_id"],
            ["pathway.id"],
            name=op.f("fk_pathway_entry_pathway_id_pathway"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_pathway_entry_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pathway_entry")),
        sa.UniqueConstraint(
            "pathway_id",
            "person_id",
            "component_id",
            name=op.f("uq_pathway_entry_pathway_id_person_id_component_id"),
        ),
    )
    with op.batch_alter_table("pathway_entry", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_pathway_entry_pathway_id"), ["pathway_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_pathway_entry_person_id"), ["person_id"], unique=False)

    op.create_table(
        "wallet_offer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.String(length=36), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("created_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", plugin.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", plugin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("token_sha256", sa.String(length=64), nullable=True),
        sa.Column("token_expires_at", plugin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("c_nonce", sa.String(length=64), nullable=True),
        sa.Column("issued_at", plugin.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("holder_did", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credential.id"],
            name=op.f("fk_wallet_offer_credential_id_credential"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
            name=op.f("fk_wallet_offer_person_id_person"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_wallet_offer")),
        sa.UniqueConstraint("code", name=op.f("uq_wallet_offer_code")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_wallet_offer_token_sha256")),
    )
    with op.batch_alter_table("wallet_offer", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_wallet_offer_credential_id"), ["credential_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_wallet_offer_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("wallet_offer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_wallet_offer_person_id"))
        batch_op.drop_index(batch_op.f("ix_wallet_offer_credential_id"))

    op.drop_table("wallet_offer")
    with op.batch_alter_table("pathway_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pathway_entry_person_id"))
        batch_op.drop_index(batch_op.f("ix_pathway_entry_pathway_id"))

    op.drop_table("pathway_entry")
    with op.batch_alter_table("pathway_award", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pathway_award_person_id"))
        batch_op.drop_index(batch_op.f("ix_pathway_award_pathway_id"))

    op.drop_table("pathway_award")
    with op.batch_alter_table("pathway_component", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pathway_component_pathway_id"))

    op.drop_table("pathway_component")
    with op.batch_alter_table("pathway", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_pathway_institution_id"))

    op.drop_table("pathway")
