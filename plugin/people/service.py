from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.courses.models import CourseMembership
from plugin.errors import NotAllowed, NotFound
from plugin.exchanges.models import Participant, ParticipantStatus
from plugin.i18n import N_
from plugin.ledger.service import forget_person
from plugin.people.institutions import InstitutionDetails, apply_details
from plugin.people.models import Institution, Person
from plugin.profiles.models import Profile
from plugin.teammates.records import forget_teammates, teammate_data


def create_institution(session: Session, name: str, country: str | None = None) -> Institution:
    institution = Institution(name="")
    apply_details(institution, InstitutionDetails(name=name, country=country))
    session.add(institution)
    session.commit()
    return institution


def get_person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(N_("This person is not known to Tandem."))
    return person


# ---------------------------------------------------------------- GDPR: access and erasure


def _iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def export_my_data(session: Session, actor: Actor) -> dict[str, Any]:
    """Everything Tandem holds about the actor, as JSON-ready data (GDPR art. 15 and 20)."""
    person = get_person(session, actor.person_id)
    memberships = session.scalars(
        select(CourseMembership).where(CourseMembership.person_id == person.id)
    ).all()
    participations = session.scalars(
        select(Participant).where(Participant.person_id == person.id)
    ).all()
    profile = session.scalar(select(Profile).where(Profile.person_id == person.id))
    return {
        "person": {
            "display_name": person.display_name,
            "chosen_name": person.chosen_name,
            "name_from_learning_platform": person.lms_name,
            "given_name": person.given_name,
            "family_name": person.family_name,
            "email": person.email,
            "locale": person.locale,
            "institution": person.institution.name,
            "first_seen": _iso(person.created_at),
            "last_seen": _iso(person.last_seen_at),
        },
        "accounts": [{"namespace": a.namespace, "subject": a.subject} for a in person.accounts],
        "courses": [
            {
                "course": m.course.title or m.course.external_id,
                "role": m.role.value,
                "first_seen": _iso(m.first_seen_at),
                "last_seen": _iso(m.last_seen_at),
            }
            for m in memberships
        ],
        "exchanges": [
            {
                "exchange": p.seat.exchange.title,
                "through_course": p.seat.course.title or p.seat.course.external_id,
                "role": p.role.value,
                "status": p.status.value,
                "joined": _iso(p.joined_at),
            }
            for p in participations
        ],
        "profile": None
        if profile is None
        else {
            "pronouns": profile.pronouns,
            "time_zone": profile.time_zone,
            "availability_utc_minutes_of_week": profile.availability,
            "languages": profile.languages,
            "discipline": profile.discipline,
            "interests": profile.interests,
            "shared_with_teammates_from_other_universities": profile.consents,
            "completed": _iso(profile.completed_at),
            "updated": _iso(profile.updated_at),
        },
        "teammate_requests": teammate_data(session, person.id),
    }


def participant_to_erase(session: Session, actor: Actor, participant_id: int) -> Participant:
    """The participant the actor may erase (a check shared by erasure and its confirmation).

    Teachers of the exchange's owning course or of the person's own course may erase.
    """
    participant = session.get(Participant, participant_id)
    if participant is None or participant.status is ParticipantStatus.ERASED:
        raise NotFound(N_("This participant does not exist or has already been erased."))
    if actor.role not in (Role.TEACHER, Role.ADMIN) or actor.course_id is None:
        raise NotAllowed(N_("Only teachers can do this."))
    exchange = participant.seat.exchange
    allowed = {participant.seat.course_id} | {s.course_id for s in exchange.seats if s.is_owner}
    if actor.course_id not in allowed:
        raise NotAllowed(
            N_("Only teachers of this exchange's course or the person's own course can do this.")
        )
    return participant


def erase_participant(session: Session, actor: Actor, participant_id: int) -> None:
    """Remove a person from an exchange so that no personal data of theirs remains there.

    The participant row stays, without a person and marked erased, so counts per seat and
    institution stay true; their teammate code and every teammate request by or for them in
    the exchange go. When the person is in no other exchange, their profile and every
    name and email Tandem holds go too; a later launch starts afresh from what the LMS sends.
    """
    participant = participant_to_erase(session, actor, participant_id)
    person_id = participant.person_id
    if person_id is not None:
        forget_teammates(session, participant.exchange_id, person_id)
    participant.person_id = None
    participant.status = ParticipantStatus.ERASED
    session.flush()
    still_in = session.scalar(
        select(func.count(Participant.id)).where(Participant.person_id == person_id)
    )
    if person_id is not None and not still_in:
        session.execute(delete(Profile).where(Profile.person_id == person_id))
        person = get_person(session, person_id)
        person.chosen_name = person.lms_name = person.given_name = None
        person.family_name = person.email = person.locale = None
        forget_person(session, person_id)  # the ledger's chain stays; its personal part goes
    session.commit()
