"""LTI's own tables: which platforms may launch Tandem, and the short-lived launch state."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugin.db import Base, utcnow
from plugin.people.models import Institution


class Registration(Base):
    """One LMS registration. Keyed by (issuer, client_id): cloud LMSs share one issuer."""

    __tablename__ = "lti_registration"
    __table_args__ = (UniqueConstraint("issuer", "client_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(300))
    client_id: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(200))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    auth_login_url: Mapped[str] = mapped_column(String(500))
    auth_token_url: Mapped[str] = mapped_column(String(500))
    key_set_url: Mapped[str] = mapped_column(String(500))
    # Brightspace's OAuth token endpoint wants its own audience, not the token URL.
    token_audience: Mapped[str | None] = mapped_column(String(500))
    # "manual" (CLI, admin form) or "dynamic" (LTI Dynamic Registration).
    source: Mapped[str] = mapped_column(String(20), default="manual")
    # What the platform answered to dynamic registration (its tool-configuration echo).
    platform_config: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # "active", or "pending" until an admin activates it (Moodle's dynamic registration flow):
    # a pending registration's launches are refused with a reason that says so.
    status: Mapped[str] = mapped_column(String(20), default="active", server_default="active")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A tool deleted in the LMS answers every token request with invalid_client: after
    # BROKEN_AFTER consecutive refusals Tandem marks the registration broken (``broken_at``)
    # and stops calling the LMS for it until an admin activates it again or a token is granted.
    token_refusals: Mapped[int] = mapped_column(default=0, server_default="0")
    # The last refusal as msgid and parameters (ServiceError.stored), shown translated.
    last_token_error: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    broken_at: Mapped[datetime | None]
    # Set when an admin said a newer registration of the same LMS replaces this one.
    replaced_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lti_registration.id", ondelete="SET NULL")
    )

    institution: Mapped[Institution] = relationship()
    deployments: Mapped[list[Deployment]] = relationship(
        back_populates="registration", cascade="all, delete-orphan"
    )


class Deployment(Base):
    __tablename__ = "lti_deployment"
    __table_args__ = (UniqueConstraint("registration_id", "deployment_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("lti_registration.id", ondelete="CASCADE"), index=True
    )
    deployment_id: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    registration: Mapped[Registration] = relationship(back_populates="deployments")


class UsedNonce(Base):
    """A nonce that a launch already used. pylti1p3 does not make nonces single-use; we do."""

    __tablename__ = "lti_used_nonce"
    __table_args__ = (UniqueConstraint("issuer", "nonce"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    issuer: Mapped[str] = mapped_column(String(300))
    nonce: Mapped[str] = mapped_column(String(255))
    expires_at: Mapped[datetime] = mapped_column(index=True)


class LaunchState(Base):
    """pylti1p3's login state, nonces and validated launches, kept server-side with a TTL.

    Server-side so that nothing but pylti1p3's short state cookie rides on third-party cookies,
    and so that several Tandem processes share it.
    """

    __tablename__ = "lti_launch_state"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class ServiceEndpoints(Base):
    """The NRPS and AGS URLs a course's launches carried, remembered for server-side calls.

    One row per course: the roster and grades of a course are reached through the URLs its
    latest launch named (platforms may move them), with the registration that signs for them.
    """

    __tablename__ = "lti_service_endpoints"
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), unique=True)
    registration_id: Mapped[int] = mapped_column(
        ForeignKey("lti_registration.id", ondelete="CASCADE"), index=True
    )
    memberships_url: Mapped[str | None] = mapped_column(String(1000))
    lineitems_url: Mapped[str | None] = mapped_column(String(1000))
    # The line item Tandem reports to: the platform's (Moodle) or one Tandem created.
    lineitem_url: Mapped[str | None] = mapped_column(String(1000))
    ags_scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    roster_synced_at: Mapped[datetime | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    registration: Mapped[Registration] = relationship()


class GradeOutbox(Base):
    """A score on its way to an LMS gradebook. Rows are never deleted by delivery.

    Written in its own commit before any HTTP call, so an LMS that is down or answers an error
    costs a retry (``next_attempt_at``, exponential backoff), never the score.
    """

    __tablename__ = "lti_grade_outbox"
    __table_args__ = (Index("ix_lti_grade_outbox_due", "delivered_at", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(String(255))  # the LTI ``sub`` the platform knows
    score_given: Mapped[float | None] = mapped_column(Float)
    score_maximum: Mapped[float] = mapped_column(Float)
    activity_progress: Mapped[str] = mapped_column(String(20))
    grading_progress: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(Text)
    scored_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set while a sender holds the row (lti.grades._claim), cleared with its outcome; a sender
    # killed mid-send holds it only until then. A teacher's "send again" leaves leased rows be.
    leased_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # The same error as msgid and parameters, so the grades page shows it in the viewer's language.
    last_error_message: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    delivered_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
