from __future__ import annotations

from sqlalchemy.orm import Session

from plugin.errors import NotFound
from plugin.i18n import N_
from plugin.people.institutions import InstitutionDetails, apply_details
from plugin.people.models import Institution, Person


def add_institution(session: Session, name: str, country: str | None = None) -> Institution:
    """A new institution in the caller's transaction (flushed, so it has its id); the caller
    commits it together with what it makes alongside (a platform registration)."""
    institution = Institution(name="")
    apply_details(institution, InstitutionDetails(name=name, country=country))
    session.add(institution)
    session.flush()
    return institution


def create_institution(session: Session, name: str, country: str | None = None) -> Institution:
    institution = add_institution(session, name, country)
    session.commit()
    return institution


def get_person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(N_("This person is not known to Tandem."))
    return person


# ---------------------------------------------------------------- GDPR: access and erasure
