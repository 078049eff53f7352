"""How protocol accounts become people. Steps of larger use cases: nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import insert, select
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
    _require_identifier(account)
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
    _refresh(row.person, facts)
    return row.person


LOOKUP_CHUNK = 500  # subjects per IN (...) list: far below every database's parameter limit


def upsert_people(
    session: Session, entries: Sequence[tuple[AccountRef, PersonFacts]], institution_id: int
) -> list[int]:
    """``upsert_person`` for a whole roster: accounts found with one query per chunk of
    subjects and new people inserted in bulk, so a 5,000-member course costs a few dozen
    statements, not 15,000 (the unit of work inserted people one statement each).

    Returns the people's ids in the order of ``entries``. A launch creating one of the same
    accounts at the same moment makes this fail on the unique constraint; the caller reads
    again and redoes. Does not commit.
    """
    found: dict[tuple[str, str], ExternalAccount] = {}
    by_namespace: dict[str, list[str]] = {}
    for account, _facts in entries:
        _require_identifier(account)
        by_namespace.setdefault(account.namespace, []).append(account.subject)
    for namespace, subjects in by_namespace.items():
        for start in range(0, len(subjects), LOOKUP_CHUNK):
            query = select(ExternalAccount).where(
                ExternalAccount.namespace == namespace,
                ExternalAccount.subject.in_(subjects[start : start + LOOKUP_CHUNK]),
            )
            found.update({(row.namespace, row.subject): row for row in session.scalars(query)})
    ids: dict[tuple[str, str], int] = {}
    new: dict[tuple[str, str], PersonFacts] = {}
    for account, facts in entries:
        key = (account.namespace, account.subject)
        row = found.get(key)
        if row is not None:
            _refresh(row.person, facts)
            ids[key] = row.person_id
        else:
            new[key] = facts  # a later line for the same account wins, as a refresh would
    if new:
        session.flush()  # the refreshed people first: the inserts below bypass the session
        rows = [_new_person(institution_id, facts) for facts in new.values()]
        statement = insert(Person).returning(Person.id, sort_by_parameter_order=True)
        created = list(session.scalars(statement, rows))
        session.execute(
            insert(ExternalAccount),
            [
                {"namespace": namespace, "subject": subject, "person_id": person_id}
                for (namespace, subject), person_id in zip(new, created, strict=True)
            ],
        )
        ids.update(zip(new, created, strict=True))
    return [ids[(account.namespace, account.subject)] for account, _facts in entries]


def _new_person(institution_id: int, facts: PersonFacts) -> dict[str, object]:
    person = Person(institution_id=institution_id)
    _refresh(person, facts)
    now = utcnow()
    return {
        "institution_id": institution_id,
        "lms_name": person.lms_name,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "email": person.email,
        "locale": person.locale,
        "created_at": now,
        "last_seen_at": now,
    }


def _require_identifier(account: AccountRef) -> None:
    if not account.subject or not account.namespace:
        raise InvalidInput(N_("A person needs an identifier from their institution."))


def _refresh(person: Person, facts: PersonFacts) -> None:
    """What the LMS says now; anonymous launches send nothing, so keep what an earlier,
    named launch told us."""
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
