from __future__ import annotations

from sqlalchemy.orm import Session

from plugin.errors import InvalidInput, NotFound
from plugin.people.models import Institution, Person


def create_institution(session: Session, name: str, country: str | None = None) -> Institution:
    clean = name.strip()
    if not clean or len(clean) > 200:
        raise InvalidInput("An institution's name must be 1-200 characters.")
    if country is not None and (len(country) != 2 or not country.isalpha()):
        raise InvalidInput("A country must be a two-letter ISO 3166 code, e.g. NL or IT.")
    institution = Institution(name=clean, country=country.upper() if country else None)
    session.add(institution)
    session.commit()
    return institution


def get_person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound("This person is not known to Tandem.")
    return person
