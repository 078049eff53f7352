"""The GDPR use cases: a person's complete export, and erasure that erases.

Both walk ``plugin.privacy.declarations.HOLDINGS`` over SQLAlchemy Core tables by name, so
every table that references a person is read and erased the same declared way (including
tables an adapter owns, such as the LTI grade outbox).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy import Table, delete, exists, select, update
from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.courses.models import Course, CourseMembership
from plugin.db import Base, utcnow
from plugin.errors import NotAllowed, NotFound
from plugin.exchanges.models import Exchange, Participant, Seat
from plugin.i18n import N_
from plugin.ledger.service import events_about, forget_person
from plugin.notifications.models import Notification
from plugin.people.models import Person
from plugin.privacy.declarations import HOLDINGS, NOW, Erase, Holding
from plugin.teams.models import TeamMembership

EXPORT_FORMAT = "tandem-personal-data/1"


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _table(name: str) -> Table | None:
    """The table, when its owner is loaded (adapters' tables exist only in a running app)."""
    return Base.metadata.tables.get(name)


def _rows(session: Session, holding: Holding, person_id: int) -> list[dict[str, Any]]:
    table = _table(holding.table)
    if table is None:
        return []
    column = table.c[holding.column]
    shown = [table.c[name] for name in holding.only] if holding.only else list(table.c)
    query = select(*shown).where(column == person_id).order_by(*table.primary_key)
    return [
        {key: _plain(value) for key, value in row._mapping.items()}
        for row in session.execute(query)
    ]


def export_person(session: Session, actor: Actor) -> dict[str, Any]:
    """Everything Tandem holds about the actor (GDPR art. 15 and 20). Read-only.

    Format (documented in the README, "Your data"): ``format`` names the version; ``holdings``
    has one entry per declared table column naming the person, with what/why/how long and
    every row of that table where the column is the person, all columns, times in ISO 8601
    UTC; ``ledger_events`` lists the tamper-evident log's events about the person.
    """
    person = session.get(Person, actor.person_id)
    if person is None:
        raise NotFound(N_("This person is not known to Tandem."))
    holdings = []
    for holding in HOLDINGS:
        if not holding.export:
            continue
        holdings.append(
            {
                "table": holding.table,
                "column": holding.column,
                "what": str(holding.what),
                "why": str(holding.why),
                "kept": str(holding.kept),
                "partner_university_sees": str(holding.partners),
                "rows": _rows(session, holding, person.id),
            }
        )
    return {
        "format": EXPORT_FORMAT,
        "exported_at": utcnow().isoformat(),
        "person_id": person.id,
        "institution": person.institution.name,
        "holdings": holdings,
        "ledger_events": [
            {
                "seq": e.seq,
                "kind": e.kind,
                "occurred_at": e.occurred_at,
                "payload": dict(e.payload),
                "private": dict(e.private) if e.private else None,
                "hash": e.hash,
            }
            for e in events_about(session, person.id)
        ],
    }


# ---------------------------------------------------------------- erasure


def is_erased(session: Session, person_id: int) -> bool:
    """An erased person keeps a nameless row with no account: no launch can reach it again."""
    person = session.get(Person, person_id)
    return person is None or person.erased_at is not None


def person_to_erase(session: Session, actor: Actor, person_id: int) -> Person:
    """Who may erase whom: the person themselves; a teacher of a course at the person's own
    university that the person belongs to (directly or through an exchange seat); an admin of
    the person's own university. A partner university's teacher never may."""
    person = session.get(Person, person_id)
    if person is None or is_erased(session, person_id):
        raise NotFound(N_("This participant does not exist or has already been erased."))
    if actor.person_id == person_id:
        return person
    course = session.get(Course, actor.course_id) if actor.course_id is not None else None
    if not actor.can_teach or course is None:
        raise NotAllowed(N_("Only teachers can do this."))
    if course.institution_id != person.institution_id:
        raise NotAllowed(N_("Only the person's own university can erase them."))
    if actor.role is Role.ADMIN:
        return person
    member = session.scalar(
        select(
            exists().where(
                CourseMembership.course_id == course.id, CourseMembership.person_id == person_id
            )
        )
    )
    through_seat = session.scalar(
        select(
            exists().where(
                Participant.person_id == person_id,
                Participant.seat_id == Seat.id,
                Seat.course_id == course.id,
            )
        )
    )
    if not (member or through_seat):
        raise NotAllowed(N_("Only teachers of the person's own course can erase them."))
    return person


@dataclass(frozen=True)
class ErasureReport:
    """How many rows each declared holding lost or had emptied (for the CLI and tests)."""

    counts: dict[str, int]


def _erase_holding(session: Session, holding: Holding, person_id: int) -> int:
    table = _table(holding.table)
    if table is None or holding.erase is Erase.KEEP:
        return 0
    column = table.c[holding.column]
    if holding.erase is Erase.DELETE:
        result = session.execute(delete(table).where(column == person_id))
    elif holding.erase is Erase.UNLINK:
        result = session.execute(
            update(table).where(column == person_id).values({holding.column: None})
        )
    else:
        now = utcnow()
        values = {k: (now if v == NOW else v) for k, v in holding.scrub.items()}
        result = session.execute(update(table).where(column == person_id).values(values))
    return int(getattr(result, "rowcount", 0) or 0)


def _scrub_mentions(session: Session, person: Person) -> None:
    """Teammates' "your team is ready" notices name the person: leave their university only.

    Runs before team memberships go, because the notices are found through the teams."""
    if not person.display_name:
        return
    label = f"{person.display_name} ({person.institution.name})"
    teams = session.scalars(
        select(TeamMembership.team_id).where(TeamMembership.person_id == person.id)
    ).all()
    if not teams:
        return
    notices = session.scalars(
        select(Notification).where(
            Notification.kind == "teams_published",
            Notification.target.in_([f"room:{team_id}" for team_id in teams]),
            Notification.person_id != person.id,
        )
    )
    for notice in notices:
        mates = str(notice.params.get("teammates", ""))
        if label in mates:
            notice.params = {
                **notice.params,
                "teammates": mates.replace(label, person.institution.name),
            }
    session.flush()


def erase_person(session: Session, actor: Actor, person_id: int) -> ErasureReport:
    """Erase a person (GDPR art. 17) as ``HOLDINGS`` declares, in one transaction.

    Kept: aggregates (an erased participant row counts, nameless), the ledger's chain (its link
    to the person and private notes go), grades already sent (the LMS's record), teachers'
    administrative acts (linked to a nameless row). The LMS ``sub`` mapping goes, so a later
    launch of the same LMS user starts a new person.
    """
    person = person_to_erase(session, actor, person_id)
    _scrub_mentions(session, person)
    forget_person(session, person_id)  # before ledger_subject rows go: it finds them by person
    counts: dict[str, int] = {}
    # The person row itself last, so other holdings still see its id while being erased.
    for holding in sorted(HOLDINGS, key=lambda h: h.table == "person"):
        counts[f"{holding.table}.{holding.column}"] = _erase_holding(session, holding, person_id)
    session.expire_all()
    session.commit()
    return ErasureReport(counts)


def exported_rows(data: dict[str, Any], table: str) -> list[dict[str, Any]]:
    """Every row of ``table`` in an export (over all the columns that name the person)."""
    return [row for h in data["holdings"] if h["table"] == table for row in h["rows"]]


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


@dataclass(frozen=True)
class ErasurePreview:
    """What the confirmation page names before a teacher erases someone from an exchange.

    ``everywhere`` is always True now: erasure is of the person (GDPR art. 17), so their
    profile, names and every other exchange's records go too (plugin.privacy).
    """

    exchange: Exchange
    participant_id: int
    display_name: str | None
    institution: str
    course_title: str
    everywhere: bool


def erasure_preview(
    session: Session, actor: Actor, exchange_id: int, participant_id: int
) -> ErasurePreview:
    """Read-only: who would be erased and what would go, for the same teachers who may erase."""
    participant = participant_to_erase(session, actor, participant_id)
    if participant.exchange_id != exchange_id:
        raise NotFound(N_("This participant does not exist or has already been erased."))
    course = participant.seat.course
    return ErasurePreview(
        exchange=participant.seat.exchange,
        participant_id=participant.id,
        display_name=participant.person.display_name if participant.person else None,
        institution=course.institution.name,
        course_title=course.title or course.label or course.external_id,
        everywhere=True,
    )
