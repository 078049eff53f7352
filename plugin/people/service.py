from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.courses.models import Course
from plugin.errors import NotAllowed, NotFound
from plugin.exchanges.models import Participant
from plugin.i18n import N_
from plugin.people.institutions import InstitutionDetails, apply_details
from plugin.people.models import Institution, Person
from plugin.privacy.service import erase_person, export_person, person_to_erase


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


def export_my_data(session: Session, actor: Actor) -> dict[str, Any]:
    """Everything Tandem holds about the actor (GDPR art. 15 and 20): see plugin.privacy."""
    return export_person(session, actor)


def participant_to_erase(session: Session, actor: Actor, participant_id: int) -> Participant:
    """The participant the actor may erase (a check shared by erasure and its confirmation).

    Erasure is for the person's own university (plugin.privacy.service.person_to_erase): a
    teacher of the course they take part through, an admin there, or the person themselves.
    """
    participant = session.get(Participant, participant_id)
    if participant is None or participant.person_id is None:
        raise NotFound(N_("This participant does not exist or has already been erased."))
    if actor.can_teach and actor.course_id is not None:
        course = participant.seat.course
        if actor.course_id != course.id and not (
            actor.role is Role.ADMIN and _institution_of(session, actor) == course.institution_id
        ):
            raise NotAllowed(N_("Only the person's own university can erase them."))
    person_to_erase(session, actor, participant.person_id)
    return participant


def _institution_of(session: Session, actor: Actor) -> int | None:
    course = session.get(Course, actor.course_id) if actor.course_id is not None else None
    return course.institution_id if course is not None else None


def participant_person(session: Session, participant_id: int) -> int | None:
    """Whose participation this is (None once erased). Read-only."""
    participant = session.get(Participant, participant_id)
    return participant.person_id if participant is not None else None


def erase_participant(session: Session, actor: Actor, participant_id: int) -> None:
    """Erase the person behind a participant everywhere (GDPR art. 17): see plugin.privacy."""
    person_id = participant_to_erase(session, actor, participant_id).person_id
    if person_id is None:
        raise NotFound(N_("This participant does not exist or has already been erased."))
    erase_person(session, actor, person_id)
