"""Teammate requests: whom a student would like in their team, honoured by matching when mutual.

Privacy decides the shape (design.md: partners see only teammate-level fields, and only once
they are teammates). So there are two ways to ask, and no third:

* **By list**, only among classmates of the student's *own* university in the same exchange:
  names their own university's course already shows them. A partner university's students are
  never listed, and an id typed into the form is refused with the same words whether it names
  a partner's student or nobody, so ids cannot be probed either.
* **By code**, for a friend anywhere: every student has a personal random code (the join-code
  alphabet, about 59 bits, so it cannot be guessed) that they may give to whom they like. A
  valid code shows the requester its owner's display name and university, teammate-level
  fields its owner chose to reveal by giving it away. Nothing else is ever shown.

Whoever was asked sees the names of own-university students who asked for them, but only a
count of partner students: those did not hand out anything, so their names stay hidden until
the requested student asks back with their code (or teams exist).

Requests are stored one-directional; matching counts a pair only when both asked
(plugin/matching/problem.py ``mutual``). At most ``MAX_REQUESTS`` each: teams are small, and a
clique of friends would turn an international team into a home one. A request to someone
who left lapses: matching ignores it and it no longer counts towards the limit, and erasure
deletes it. Once the exchange has published teams, requests are frozen: they are the record of
what was asked when the teams were made, and asking for someone afterwards would promise a
change that publication no longer allows (hand moves are the teacher's tool then).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.errors import Conflict, InvalidInput, NotAllowed, NotFound
from plugin.exchanges import codes
from plugin.exchanges.models import Participant
from plugin.exchanges.queries import is_active_student
from plugin.exchanges.service import my_participation
from plugin.i18n import N_
from plugin.people.models import Person
from plugin.teammates.models import TeammateCode, TeammateRequest
from plugin.teammates.records import active_students
from plugin.teams.models import Team

MAX_REQUESTS = 3
"""Requests per student per exchange (the messages below say "3")."""


@dataclass(frozen=True)
class Classmate:
    """A student of the viewer's own university in the exchange, as the picker lists them."""

    person_id: int
    name: str


@dataclass(frozen=True)
class RequestedTeammate:
    """One of the viewer's own requests, with what they may know about that person."""

    person_id: int
    name: str | None
    institution: str
    mutual: bool
    """They asked for the viewer too: matching will try to put the two together."""
    lapsed: bool = False
    """They are no longer in the exchange: the request does not count."""


@dataclass(frozen=True)
class TeammateRequests:
    """Everything the student's teammates page shows."""

    code: str
    requests: tuple[RequestedTeammate, ...]
    classmates: tuple[Classmate, ...]
    """Own-university students of the exchange not asked for yet (the picker's options)."""
    asked_by: tuple[Classmate, ...]
    """Own-university students who asked for the viewer, who has not asked back."""
    asked_by_partners: int
    """Partner-university students who asked for the viewer (names withheld), not asked back."""
    frozen: bool
    limit: int = MAX_REQUESTS

    @property
    def live(self) -> int:
        return sum(1 for r in self.requests if not r.lapsed)

    @property
    def can_ask(self) -> bool:
        return not self.frozen and self.live < self.limit


# ---------------------------------------------------------------- helpers (never commit)


def _me(session: Session, actor: Actor, exchange_id: int) -> Participant:
    participant = my_participation(session, actor, exchange_id)
    if participant.role is not Role.STUDENT:
        raise NotAllowed(N_("Only students can ask for teammates."))
    return participant


def _institution_id(participant: Participant) -> int:
    """The university a participant takes part for: their seat's course's, as the pool uses."""
    return participant.seat.course.institution_id


def _frozen(session: Session, exchange_id: int) -> bool:
    return (
        session.scalar(select(Team.id).where(Team.exchange_id == exchange_id).limit(1)) is not None
    )


def _require_open(session: Session, exchange_id: int) -> None:
    if _frozen(session, exchange_id):
        raise Conflict(N_("Teams are published: teammate requests can no longer change."))


def _code_of(session: Session, me: Participant) -> TeammateCode:
    """The student's code in this exchange, made on first need (pages show it right away)."""
    code = session.scalar(
        select(TeammateCode).where(
            TeammateCode.exchange_id == me.exchange_id, TeammateCode.person_id == me.person_id
        )
    )
    if code is None:
        assert me.person_id is not None  # noqa: S101 - active participants have a person
        code = TeammateCode(
            exchange_id=me.exchange_id, person_id=me.person_id, code=codes.new_code()
        )
        session.add(code)
    return code


def _active_student(
    session: Session, exchange_id: int, person_id: int | None
) -> Participant | None:
    if person_id is None:
        return None
    return session.scalar(
        select(Participant).where(
            is_active_student(exchange_id), Participant.person_id == person_id
        )
    )


def _classmate(session: Session, me: Participant, person_id: int) -> Participant:
    """An active student of the exchange from the requester's own university.

    Unknown ids, teachers, leavers and partner students get one and the same answer, so the
    form cannot be used to find out who takes part at a partner university.
    """
    found = _active_student(session, me.exchange_id, person_id)
    if found is None or _institution_id(found) != _institution_id(me):
        raise NotFound(N_("Choose a classmate from your own university in this exchange."))
    return found


def _code_owner(session: Session, me: Participant, code: str) -> Participant:
    """The active student whose code this is, in this exchange only (a code from another
    exchange is as unknown as a mistyped one)."""
    if not codes.normalise(code):
        raise InvalidInput(N_("Enter the teammate code another student gave you."))
    owner_id = session.scalar(
        select(TeammateCode.person_id).where(
            TeammateCode.exchange_id == me.exchange_id, TeammateCode.code == codes.grouped(code)
        )
    )
    owner = _active_student(session, me.exchange_id, owner_id)
    if owner is None:
        raise NotFound(
            N_(
                "This teammate code is not valid in this exchange. Check it with the person who "
                "gave it to you."
            )
        )
    return owner


def _requests_by(session: Session, exchange_id: int, person_id: int) -> list[TeammateRequest]:
    return list(
        session.scalars(
            select(TeammateRequest)
            .where(
                TeammateRequest.exchange_id == exchange_id,
                TeammateRequest.requester_id == person_id,
            )
            .order_by(TeammateRequest.id)
        )
    )


def _askers(session: Session, exchange_id: int, person_id: int) -> set[int]:
    return set(
        session.scalars(
            select(TeammateRequest.requester_id).where(
                TeammateRequest.exchange_id == exchange_id,
                TeammateRequest.requested_id == person_id,
            )
        )
    )


def _name(participant: Participant) -> str | None:
    return participant.person.display_name if participant.person else None


def _as_requested(other: Participant, *, mutual: bool) -> RequestedTeammate:
    """Teammate-level fields only: display name and home university (design.md)."""
    assert other.person_id is not None  # noqa: S101 - active participants have a person
    return RequestedTeammate(
        other.person_id, _name(other), other.seat.course.institution.name, mutual
    )


# ---------------------------------------------------------------- student use cases


def teammate_requests(session: Session, actor: Actor, exchange_id: int) -> TeammateRequests:
    """The student's code (made on the first visit, hence the commit), requests and picker."""
    me = _me(session, actor, exchange_id)
    code = _code_of(session, me).code
    students = {p.person_id: p for p in active_students(session, exchange_id)}
    mine = _institution_id(me)
    askers = _askers(session, exchange_id, actor.person_id)
    requests = []
    for request in _requests_by(session, exchange_id, actor.person_id):
        other = students.get(request.requested_id)
        if other is None:  # left the exchange: shown so that it can be removed, never counted
            person = session.get(Person, request.requested_id)
            name = person.display_name if person else None
            requests.append(RequestedTeammate(request.requested_id, name, "", False, lapsed=True))
        else:
            requests.append(_as_requested(other, mutual=request.requested_id in askers))
    asked = {r.person_id for r in requests}
    own = [p for p in students.values() if _institution_id(p) == mine and p.id != me.id]
    classmates = tuple(
        sorted(
            (
                Classmate(p.person_id, name)
                for p in own
                if p.person_id is not None and p.person_id not in asked and (name := _name(p))
            ),
            key=lambda c: (c.name.casefold(), c.person_id),
        )
    )
    pending = {pid: p for pid, p in students.items() if pid in askers - asked}
    view = TeammateRequests(
        code=code,
        requests=tuple(requests),
        classmates=classmates,
        asked_by=tuple(
            Classmate(pid, _name(p) or "?")
            for pid, p in pending.items()
            if pid is not None and _institution_id(p) == mine
        ),
        asked_by_partners=sum(1 for p in pending.values() if _institution_id(p) != mine),
        frozen=_frozen(session, exchange_id),
    )
    session.commit()
    return view


def request_teammate(
    session: Session,
    actor: Actor,
    exchange_id: int,
    *,
    person_id: int | None = None,
    code: str | None = None,
) -> RequestedTeammate:
    """Ask for a classmate picked from the list (``person_id``) or for a code's owner (``code``)."""
    me = _me(session, actor, exchange_id)
    _require_open(session, exchange_id)
    if (person_id is None) == (code is None):
        raise InvalidInput(N_("Choose a classmate from the list or enter a teammate code."))
    if person_id == actor.person_id:
        raise InvalidInput(N_("You cannot ask for yourself as a teammate."))
    other = (
        _classmate(session, me, person_id)
        if person_id is not None
        else _code_owner(session, me, code or "")
    )
    if other.person_id == actor.person_id:
        raise InvalidInput(N_("You cannot ask for yourself as a teammate."))
    mine = _requests_by(session, exchange_id, actor.person_id)
    if any(r.requested_id == other.person_id for r in mine):
        raise Conflict(N_("You have already asked for this teammate."))
    present = {p.person_id for p in active_students(session, exchange_id)}
    if sum(1 for r in mine if r.requested_id in present) >= MAX_REQUESTS:
        raise Conflict(N_("You can ask for at most 3 teammates. Remove one to ask for another."))
    assert other.person_id is not None  # noqa: S101 - active participants have a person
    session.add(
        TeammateRequest(
            exchange_id=exchange_id, requester_id=actor.person_id, requested_id=other.person_id
        )
    )
    made = _as_requested(
        other, mutual=other.person_id in _askers(session, exchange_id, actor.person_id)
    )
    try:
        session.commit()
    except IntegrityError:  # the same request twice at once (a double click): the first won
        session.rollback()
        raise Conflict(N_("You have already asked for this teammate.")) from None
    return made


def remove_teammate_request(
    session: Session, actor: Actor, exchange_id: int, person_id: int
) -> None:
    """Withdraw one's own request; the other person is not told."""
    _me(session, actor, exchange_id)
    _require_open(session, exchange_id)
    removed = session.execute(
        delete(TeammateRequest).where(
            TeammateRequest.exchange_id == exchange_id,
            TeammateRequest.requester_id == actor.person_id,
            TeammateRequest.requested_id == person_id,
        )
    )
    if not getattr(removed, "rowcount", 0):
        raise NotFound(N_("You have not asked for this teammate."))
    session.commit()


def new_teammate_code(session: Session, actor: Actor, exchange_id: int) -> str:
    """Replace the student's code (say, it was shared too widely); the old one stops at once.

    Requests already made with the old code stay: their makers had been given it.
    """
    me = _me(session, actor, exchange_id)
    code = _code_of(session, me)
    code.code = codes.new_code()
    session.commit()
    return code.code
