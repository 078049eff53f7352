"""How protocol accounts become people. Steps of larger use cases: nothing here commits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from plugin.db import get_or_create, utcnow
from plugin.errors import InvalidInput
from plugin.i18n import N_
from plugin.people.models import ExternalAccount, Person

MAX_NAME_CHARS = 200


@dataclass(frozen=True)
class AccountRef:
    """A person as a protocol names them; namespace says which (e.g. "lti:<issuer>")."""

    namespace: str
    subject: str


@dataclass(frozen=True)
class PersonFacts:
    """What an identity provider tells us about a person; every field may be missing."""

    name: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    locale: str | None = None

    @property
    def full_name(self) -> str | None:
        if self.name and self.name.strip():
            return self.name.strip()[:MAX_NAME_CHARS]
        parts = [p.strip() for p in (self.given_name, self.family_name) if p and p.strip()]
        return " ".join(parts)[:MAX_NAME_CHARS] or None


def upsert_person(
    session: Session, account: AccountRef, institution_id: int, facts: PersonFacts
) -> Person:
    """Find the person behind an account or create them; refresh what the LMS says of them.

    Does not commit: it is one step of a larger use case (entering a course).
    """
    if not account.subject or not account.namespace:
        raise InvalidInput(N_("A person needs an identifier from their institution."))
    row, _created = get_or_create(
        session,
        ExternalAccount,
        {"namespace": account.namespace, "subject": account.subject},
        lambda: ExternalAccount(
            namespace=account.namespace,
            subject=account.subject,
            person=Person(institution_id=institution_id),
        ),
    )
    person = row.person
    # Anonymous launches send nothing; keep what an earlier, named launch told us.
    if facts.full_name:
        person.lms_name = facts.full_name
    if facts.given_name:
        person.given_name = facts.given_name.strip()[:100]
    if facts.family_name:
        person.family_name = facts.family_name.strip()[:100]
    if facts.email:
        person.email = facts.email.strip()[:320]
    if facts.locale:
        person.locale = facts.locale[:35]
    person.last_seen_at = utcnow()
    return person
