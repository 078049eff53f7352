"""An administrator edits an institution's details; held credentials go out once it can issue.

Lives in credentials, not people (:mod:`plugin.people.institutions`): it reaches into the held
issuances, and credentials itself needs the institutions' rules.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from plugin.credentials.holds import RetryReport, retry_held_issuances
from plugin.credentials.service import IssuerContext
from plugin.db import utcnow
from plugin.people.institutions import InstitutionDetails, apply_details, get_institution
from plugin.people.models import Institution


@dataclass(frozen=True)
class EditOutcome:
    institution: Institution
    retried: RetryReport


def edit_institution(
    session: Session, institution_id: int, details: InstitutionDetails, ctx: IssuerContext
) -> EditOutcome:
    """Set an institution's details (the caller checked the administrator) and issue the
    credentials held for want of them, in one transaction."""
    institution = get_institution(session, institution_id)
    apply_details(institution, details)
    session.flush()
    report = retry_held_issuances(session, ctx, institution.id, utcnow())
    session.commit()
    return EditOutcome(institution, report)
