"""Who may act on a student's completion, and the rows every completion use case starts from.

Shared by plugin.completion.service and plugin.completion.evidence. None commits:
``completion_row`` makes a student's row on first use inside the caller's transaction.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.completion.models import Completion
from plugin.db import get_or_create
from plugin.errors import NotAllowed, NotFound
from plugin.exchanges.models import Exchange
from plugin.i18n import N_
from plugin.ledger.models import EventKind
from plugin.ledger.service import append, hold_ledger
from plugin.people.service import get_person
from plugin.teams.models import Team, TeamMembership
from plugin.teams.service import require_exchange_teacher


def require_own_teacher(
    session: Session, actor: Actor, exchange_id: int, student_id: int
) -> tuple[Exchange, Team]:
    """A teacher of the exchange from the student's own institution: the exchange and the
    student's team, which a decision needs next (so neither is read twice)."""
    exchange = require_exchange_teacher(session, actor, exchange_id)
    student = get_person(session, student_id)
    if get_person(session, actor.person_id).institution_id != student.institution_id:
        raise NotAllowed(N_("Only a teacher of the student's own institution can decide this."))
    return exchange, team_of(session, exchange_id, student_id)


def team_of(session: Session, exchange_id: int, person_id: int) -> Team:
    team = session.scalar(
        select(Team)
        .join(TeamMembership, TeamMembership.team_id == Team.id)
        .where(TeamMembership.exchange_id == exchange_id, TeamMembership.person_id == person_id)
    )
    if team is None:
        raise NotFound(N_("This student is not in a team of this exchange."))
    return team


def completion_row(session: Session, exchange_id: int, person_id: int) -> Completion:
    """The person's completion, made (and its enrolment logged) on first sight."""
    found = session.scalar(
        select(Completion).where(
            Completion.exchange_id == exchange_id, Completion.person_id == person_id
        )
    )
    if found is not None:
        return found
    hold_ledger(session)  # before the insert another writer may race (see hold_ledger)
    completion, created = get_or_create(
        session,
        Completion,
        {"exchange_id": exchange_id, "person_id": person_id},
        lambda: Completion(exchange_id=exchange_id, person_id=person_id),
    )
    if created:
        append(session, EventKind.ENROLLED, exchange_id=exchange_id, subject_id=person_id)
    return completion
