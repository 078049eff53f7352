"""Who calls a use case. Always passed in explicitly, never read from a request global."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What a person may do in a course. Adapters map their protocol's roles onto these."""

    TEACHER = "teacher"
    STUDENT = "student"
    ADMIN = "admin"
    GUEST = "guest"  # launched with no role we recognise: may look, may not act


# Who teaches: the one definition every use case, query and page uses.
TEACHING_ROLES = (Role.TEACHER, Role.ADMIN)


@dataclass(frozen=True)
class Actor:
    person_id: int
    role: Role
    course_id: int | None = None

    @property
    def can_teach(self) -> bool:
        """Teachers and course administrators may set up and run exchanges."""
        return self.role in TEACHING_ROLES
