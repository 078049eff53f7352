"""Read-only registrar queries returning plain rows (never commit)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.courses.models import Course
from plugin.credentials.models import Credential
from plugin.exchanges.models import Exchange
from plugin.people.models import Person


@dataclass(frozen=True)
class CredentialRow:
    credential: Credential
    learner: str
    exchange: str
    lms_trace: str
    given_names: str = ""
    family_name: str = ""
    starts_on: date | None = None
    # A nano-degree's component credentials (signed documents): ELMO's hasPart.
    parts: tuple[Mapping[str, Any], ...] = ()


def credentials_of(
    session: Session,
    institution_id: int,
    *,
    exchange_id: int | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    status: str | None = None,
    person_id: int | None = None,
) -> list[CredentialRow]:
    query = (
        select(Credential, Person, Exchange, Course)
        .outerjoin(Person, Person.id == Credential.person_id)
        .outerjoin(Exchange, Exchange.id == Credential.exchange_id)
        .outerjoin(Course, Course.id == Credential.course_id)
        .where(Credential.institution_id == institution_id)
        .order_by(Credential.issued_at, Credential.id)
    )
    if exchange_id is not None:
        query = query.where(Credential.exchange_id == exchange_id)
    if since is not None:
        query = query.where(Credential.issued_at >= since)
    if until is not None:
        query = query.where(Credential.issued_at < until)
    if status == "revoked":
        query = query.where(Credential.revoked_at.is_not(None))
    elif status == "valid":
        query = query.where(Credential.revoked_at.is_(None))
    if person_id is not None:
        query = query.where(Credential.person_id == person_id)
    return [
        CredentialRow(
            credential,
            (person.display_name or f"#{person.id}") if person else "",
            exchange.title if exchange else "",
            f"{course.namespace}|{course.external_id}" if course else "",
            (person.given_name or person.chosen_name or person.lms_name or "") if person else "",
            (person.family_name or "") if person else "",
            exchange.starts_on if exchange else None,
        )
        for credential, person, exchange, course in session.execute(query)
    ]
