"""Reading and forgetting teammate requests for other features: matching, GDPR export, erasure.

Nothing here commits and nothing here imports a service module, so that matching and the
people service (erasure) can use it without an import cycle.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from plugin.exchanges.models import Exchange, Participant
from plugin.exchanges.queries import is_active_student
from plugin.people.models import Person
from plugin.teammates.models import TeammateCode, TeammateRequest


def requested_teammates(session: Session, exchange_id: int) -> dict[int, tuple[int, ...]]:
    """Every stored request of the exchange, by requester (person ids), in the order made.

    One-directional and unfiltered: matching keeps only pairs who both asked and are both in
    the pool, so a request to someone who left simply lapses there.
    """
    wanted: dict[int, list[int]] = defaultdict(list)
    rows = session.execute(
        select(TeammateRequest.requester_id, TeammateRequest.requested_id)
        .where(TeammateRequest.exchange_id == exchange_id)
        .order_by(TeammateRequest.id)
    )
    for requester, requested in rows:
        wanted[requester].append(requested)
    return {requester: tuple(ids) for requester, ids in wanted.items()}


def active_students(session: Session, exchange_id: int) -> list[Participant]:
    """The exchange's students now in it, by person id (as the matching pool orders them)."""
    return list(
        session.scalars(
            select(Participant)
            .where(is_active_student(exchange_id))
            .order_by(Participant.person_id)
        )
    )


def mutual_pairs(session: Session, exchange_id: int) -> int:
    """How many pairs of students now in the exchange have asked for each other."""
    active = {p.person_id for p in active_students(session, exchange_id)}
    wanted = requested_teammates(session, exchange_id)
    return sum(
        1
        for a, asked in wanted.items()
        for b in asked
        if a < b and a in active and b in active and a in wanted.get(b, ())
    )


def forget_teammates(session: Session, exchange_id: int, person_id: int) -> None:
    """Erasure's part: the person's code and every request by or for them in the exchange go.

    Requests name two people, so both directions are deleted: a request for an erased person
    would otherwise keep a trace of them in the requester's list.
    """
    session.execute(
        delete(TeammateRequest).where(
            TeammateRequest.exchange_id == exchange_id,
            or_(
                TeammateRequest.requester_id == person_id, TeammateRequest.requested_id == person_id
            ),
        )
    )
    session.execute(
        delete(TeammateCode).where(
            TeammateCode.exchange_id == exchange_id, TeammateCode.person_id == person_id
        )
    )


def teammate_data(session: Session, person_id: int) -> list[dict[str, Any]]:
    """For the GDPR export: per exchange, the person's code, whom they asked for (the name they
    were shown), and how many asked for them. Only a count for those: the requesters' names are
    their data, and a partner university's names are not shown to this person before teams."""
    codes = dict(
        session.execute(
            select(TeammateCode.exchange_id, TeammateCode.code).where(
                TeammateCode.person_id == person_id
            )
        ).all()
    )
    asked: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for request, person in session.execute(
        select(TeammateRequest, Person)
        .join(Person, Person.id == TeammateRequest.requested_id)
        .where(TeammateRequest.requester_id == person_id)
        .order_by(TeammateRequest.id)
    ):
        asked[request.exchange_id].append(
            {"name": person.display_name, "asked": request.created_at.isoformat()}
        )
    asked_by: dict[int, int] = defaultdict(int)
    for exchange_id in session.scalars(
        select(TeammateRequest.exchange_id).where(TeammateRequest.requested_id == person_id)
    ):
        asked_by[exchange_id] += 1
    ids = sorted(set(codes) | set(asked) | set(asked_by))
    titles = dict(
        session.execute(select(Exchange.id, Exchange.title).where(Exchange.id.in_(ids))).all()
    )
    return [
        {
            "exchange": titles.get(exchange_id, ""),
            "your_teammate_code": codes.get(exchange_id),
            "you_asked_for": asked.get(exchange_id, []),
            "asked_for_you": asked_by.get(exchange_id, 0),
        }
        for exchange_id in ids
    ]
