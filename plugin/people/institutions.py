"""An institution's details: name, country, legal name and web address.

Credentials name the awarding institution and its country, so an institution without a country
cannot issue. Details come from the registration (``tandem platform add --country``, the demo's
registrations) or from an administrator; a dynamically registered LMS starts with only its
host's name, so its details are completed afterwards. Administrators act here outside of any
course, so the callers (admin pages, the CLI) check who may edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from urllib.parse import urlsplit

from babel import Locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.errors import FieldErrors, InvalidInput, NotFound
from plugin.i18n import N_, Text
from plugin.people.models import Institution

# CLDR "territories" that are no country a credential can name.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"})


@cache
def countries() -> dict[str, str]:
    """ISO 3166 alpha-2 codes and their English names (from Babel's CLDR data)."""
    territories = Locale("en").territories
    return {
        code: territories[code]
        for code in sorted(territories)
        if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    }


@dataclass(frozen=True)
class InstitutionDetails:
    """What an administrator may set; ``None`` leaves a field as it is, "" clears it."""

    name: str | None = None
    country: str | None = None
    legal_name: str | None = None
    url: str | None = None


def clean_country(value: str) -> str:
    code = value.strip().upper()
    if code not in countries():
        raise InvalidInput(N_("A country must be a two-letter ISO 3166 code, e.g. NL or IT."))
    return code


def _clean_name(value: str) -> str:
    name = value.strip()
    if not name or len(name) > 200:
        raise InvalidInput(N_("An institution's name must be 1-200 characters."))
    return name


def _clean_legal_name(value: str) -> str | None:
    legal = value.strip()
    if len(legal) > 300:
        raise InvalidInput(N_("A legal name must be at most 300 characters."))
    return legal or None


def _clean_url(value: str) -> str | None:
    url = value.strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 500:
        raise InvalidInput(
            N_("An institution's web address must be an http or https URL, e.g. https://uni.nl.")
        )
    return url


def apply_details(institution: Institution, details: InstitutionDetails) -> None:
    """Check every given field, then set them (a helper: the caller commits); all errors are
    raised together, each named after the admin form's input."""
    errors = FieldErrors()
    name = country = legal = url = None
    with errors.field("name"):
        name = None if details.name is None else _clean_name(details.name)
    with errors.field("country"):
        country = (
            None
            if details.country is None or not details.country.strip()
            else clean_country(details.country)
        )
    with errors.field("legal_name"):
        legal = None if details.legal_name is None else _clean_legal_name(details.legal_name)
    with errors.field("url"):
        url = None if details.url is None else _clean_url(details.url)
    errors.raise_if_any()
    if name is not None:
        institution.name = name
    if details.country is not None:
        institution.country = country
    if details.legal_name is not None:
        institution.legal_name = legal
    if details.url is not None:
        institution.url = url


def missing_for_issuing(institution: Institution) -> list[Text]:
    """What keeps this institution from issuing credentials; empty when it can issue."""
    missing: list[Text] = []
    if not institution.country:
        missing.append(N_("The awarding institution has no country; an administrator must set it."))
    return missing


def list_institutions(session: Session) -> list[Institution]:
    return list(session.scalars(select(Institution).order_by(Institution.name, Institution.id)))


def get_institution(session: Session, institution_id: int) -> Institution:
    institution = session.get(Institution, institution_id)
    if institution is None:
        raise NotFound(N_("This institution is not known to Tandem."))
    return institution
