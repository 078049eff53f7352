"""Pathways (nano-degrees), their components, the credentials students add, and awards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugin.db import Base, utcnow


class Pathway(Base):
    """A named nano-degree a registrar defines: required and elective micro-credentials."""

    __tablename__ = "pathway"
    __table_args__ = (UniqueConstraint("institution_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institution.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    ects: Mapped[float]
    eqf_level: Mapped[int]
    outcomes: Mapped[list[str]] = mapped_column(JSON)
    electives_needed: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    components: Mapped[list[PathwayComponent]] = relationship(
        order_by="PathwayComponent.id", back_populates="pathway"
    )


class PathwayComponent(Base):
    """One micro-credential that counts: a Tandem exchange's, or a partner issuer's achievement
    (matched by the issuer's id and the achievement's id, or its name when it has no id)."""

    __tablename__ = "pathway_component"
    __table_args__ = (UniqueConstraint("pathway_id", "match_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    pathway_id: Mapped[int] = mapped_column(
        ForeignKey("pathway.id", ondelete="CASCADE"), index=True
    )
    required: Mapped[bool] = mapped_column(Boolean)
    title: Mapped[str] = mapped_column(String(300))
    exchange_id: Mapped[int | None] = mapped_column(ForeignKey("exchange.id", ondelete="SET NULL"))
    issuer_id: Mapped[str | None] = mapped_column(String(500))
    achievement_id: Mapped[str | None] = mapped_column(String(1000))
    achievement_name: Mapped[str | None] = mapped_column(String(300))
    # "exchange:<id>" or "partner:<issuer> <achievement>": one row per thing that counts.
    match_key: Mapped[str] = mapped_column(String(1600))

    pathway: Mapped[Pathway] = relationship(back_populates="components")


class PathwayEntry(Base):
    """A credential a student added towards a pathway: a Tandem credential by id, or a
    partner's signed JSON (kept as given, verified when added and again when awarding)."""

    __tablename__ = "pathway_entry"
    __table_args__ = (UniqueConstraint("pathway_id", "person_id", "component_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    pathway_id: Mapped[int] = mapped_column(
        ForeignKey("pathway.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    component_id: Mapped[int] = mapped_column(
        ForeignKey("pathway_component.id", ondelete="CASCADE")
    )
    credential_id: Mapped[str | None] = mapped_column(
        ForeignKey("credential.id", ondelete="CASCADE")
    )
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON(none_as_null=True))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class PathwayAward(Base):
    """A nano-degree Tandem issued: the pathway, the holder and the signed credential."""

    __tablename__ = "pathway_award"
    id: Mapped[int] = mapped_column(primary_key=True)
    pathway_id: Mapped[int] = mapped_column(
        ForeignKey("pathway.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("credential.id", ondelete="CASCADE"), unique=True
    )
    components: Mapped[list[int]] = mapped_column(JSON)
    awarded_at: Mapped[datetime] = mapped_column(default=utcnow)
