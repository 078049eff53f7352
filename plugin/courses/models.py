from __future__ import annotations

from datetime import datetime

from sqlalchemy import Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from plugin.actors import Role
from plugin.db import Base, utcnow
from plugin.people.models import Institution, Person


class Course(Base):
    """An LMS course. ``namespace`` names the platform and deployment, ``external_id`` the
    course inside it, so two LMSs that both number their courses from 1 never collide."""

    __tablename__ = "course"
    __table_args__ = (UniqueConstraint("namespace", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    namespace: Mapped[str] = mapped_column(String(300))
    external_id: Mapped[str] = mapped_column(String(255))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institution.id"), index=True)
    title: Mapped[str | None] = mapped_column(String(300))
    label: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    institution: Mapped[Institution] = relationship()


class CourseMembership(Base):
    __tablename__ = "course_membership"
    __table_args__ = (UniqueConstraint("course_id", "person_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set when the LMS roster no longer lists the person; cleared when they are back.
    left_at: Mapped[datetime | None]
    # Set by the person's own launch into the course, never by a roster sync: a membership
    # without it is someone Tandem knows only from the LMS roster (they never opened Tandem).
    launched_at: Mapped[datetime | None]

    course: Mapped[Course] = relationship()
    person: Mapped[Person] = relationship()


class CourseLink(Base):
    """Where the LMS shows a course's Tandem activity (lti.lms_links), for links in emails:
    opening it signs the person in to the LMS and launches Tandem in the right course.
    A table of its own, written only by launches that tell it."""

    __tablename__ = "course_link"
    course_id: Mapped[int] = mapped_column(
        ForeignKey("course.id", ondelete="CASCADE"), primary_key=True
    )
    lms_url: Mapped[str] = mapped_column(String(1000))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
