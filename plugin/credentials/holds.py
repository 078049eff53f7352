"""Credentials a sign-off asked for that wait for the awarding institution's details.

A teacher's sign-off must not be lost because an administrator has not set the institution's
country yet: the request is held (one row per completion), the teacher and the student see
why, and it is issued when the institution is fixed (``edit_institution``) or by
``tandem credentials retry``.

A sign-off never signs inside the request either: ``request_issuance`` records the row with
the reason ``ISSUING`` in its own commit and the worker's ``issue_requested`` signs it. A task
lost with a killed worker is redone by the periodic ``retry_held``, which tries every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.completion.models import Completion, CompletionStatus
from plugin.credentials.models import Credential, HeldIssuance
from plugin.credentials.service import IssuerContext, _issue, _may_issue
from plugin.db import utcnow
from plugin.errors import Conflict, NotFound, TandemError
from plugin.exchanges.models import Exchange
from plugin.i18n import N_, Text
from plugin.notifications.teachers import tell_issuance_held
from plugin.people.institutions import missing_for_issuing
from plugin.people.models import Person

ISSUING = N_("The credential is being issued.")
"""The reason of a row that waits only for the worker, not for an administrator."""


def is_pending(row: HeldIssuance) -> bool:
    """True while the worker has yet to sign it; False when it is held up for a reason."""
    return row.reason == ISSUING


@dataclass(frozen=True)
class IssueOutcome:
    """Either the credential, or why it is held (the held row), or that the worker will issue
    it (``pending``, from ``request_issuance``)."""

    credential: Credential | None = None
    held: HeldIssuance | None = None
    pending: HeldIssuance | None = None


@dataclass(frozen=True)
class RetryReport:
    issued: int
    still_held: int


def _hold(
    session: Session, actor: Actor, completion: Completion, person: Person, reason: str
) -> HeldIssuance:
    row = session.scalar(select(HeldIssuance).where(HeldIssuance.completion_id == completion.id))
    if row is None:
        row = HeldIssuance(
            completion_id=completion.id,
            institution_id=person.institution_id,
            requested_by_id=actor.person_id,
            reason=reason[:500],
        )
        session.add(row)
        exchange = session.get(Exchange, completion.exchange_id)
        tell_issuance_held(
            session,
            actor.person_id,
            completion.id,
            completion.exchange_id,
            exchange.title if exchange is not None else "",
            person.display_name or "",
        )
    row.reason = reason[:500]
    row.attempted_at = utcnow()
    return row


def issue_or_hold(
    session: Session, actor: Actor, completion_id: int, ctx: IssuerContext
) -> IssueOutcome:
    """Issue the credential of an approved completion, or hold it while the awarding
    institution lacks details an administrator must set. Other refusals raise as before."""
    completion = session.get(Completion, completion_id)
    person = session.get(Person, completion.person_id) if completion is not None else None
    if completion is None or person is None:
        raise NotFound(N_("This completion does not exist."))
    missing = missing_for_issuing(person.institution)
    if missing:
        held = _hold(session, actor, completion, person, missing[0])
        session.commit()
        return IssueOutcome(held=held)
    credential = _issue(session, actor, completion, ctx, utcnow())
    _release(session, completion.id)
    session.commit()
    return IssueOutcome(credential=credential)


def _active_credential(session: Session, completion_id: int) -> Credential | None:
    return session.scalar(
        select(Credential).where(
            Credential.completion_id == completion_id, Credential.revoked_at.is_(None)
        )
    )


def request_issuance(session: Session, actor: Actor, completion_id: int) -> IssueOutcome:
    """A sign-off asks for its credential: checked now, recorded in this commit, signed by
    the worker (``issue_requested``). Held instead while the institution lacks details; a
    credential already issued is returned, so asking twice issues nothing more."""
    completion = session.get(Completion, completion_id)
    person = session.get(Person, completion.person_id) if completion is not None else None
    if completion is None or person is None:
        raise NotFound(N_("This completion does not exist."))
    if completion.status is not CompletionStatus.APPROVED:
        raise Conflict(N_("Only an approved completion earns a credential."))
    issued = _active_credential(session, completion.id)
    if issued is not None:
        return IssueOutcome(credential=issued)
    _may_issue(session, actor, completion, person)
    missing = missing_for_issuing(person.institution)
    if missing:
        held = _hold(session, actor, completion, person, missing[0])
        session.commit()
        return IssueOutcome(held=held)
    row = session.scalar(select(HeldIssuance).where(HeldIssuance.completion_id == completion.id))
    if row is None:
        row = HeldIssuance(
            completion_id=completion.id, institution_id=person.institution_id, reason=ISSUING
        )
        session.add(row)
    row.requested_by_id = actor.person_id
    row.reason = ISSUING
    row.attempted_at = utcnow()
    session.commit()
    return IssueOutcome(pending=row)


def issue_requested(session: Session, ctx: IssuerContext, completion_id: int) -> bool:
    """The worker signs one requested credential; True when it did. Idempotent: once issued
    the row is gone, so a second run (or the periodic retry) finds nothing to do. The row is
    locked while signing, so two workers never issue one completion twice."""
    row = session.scalar(
        select(HeldIssuance).where(HeldIssuance.completion_id == completion_id).with_for_update()
    )
    if row is None:
        return False
    done = _attempt(session, ctx, row, utcnow())
    session.commit()
    return done is True


def issued_credential(session: Session, completion_id: int) -> Credential | None:
    """The completion's valid credential, if it is issued yet (the sign-off's page asks)."""
    return _active_credential(session, completion_id)


def _release(session: Session, completion_id: int) -> None:
    row = session.scalar(select(HeldIssuance).where(HeldIssuance.completion_id == completion_id))
    if row is not None:
        session.delete(row)


def retry_held_issuances(
    session: Session, ctx: IssuerContext, institution_id: int | None, now: datetime
) -> RetryReport:
    """Try every held issuance (of one institution, or all); a helper, the caller commits.

    Each attempt runs in a savepoint, so one that fails again leaves the others issued.
    """
    query = select(HeldIssuance).order_by(HeldIssuance.id)
    if institution_id is not None:
        query = query.where(HeldIssuance.institution_id == institution_id)
    issued = still = 0
    for row in session.scalars(query).all():
        done = _attempt(session, ctx, row, now)
        if done:
            issued += 1
        elif done is False:
            still += 1
    return RetryReport(issued=issued, still_held=still)


def _attempt(session: Session, ctx: IssuerContext, row: HeldIssuance, now: datetime) -> bool | None:
    """Issue one held or requested row: True issued (row deleted), False still held (the
    reason updated), None when its completion is gone (row deleted). In a savepoint, so a
    failure leaves the caller's other work intact. A helper: the caller commits."""
    completion = session.get(Completion, row.completion_id)
    person = session.get(Person, completion.person_id) if completion is not None else None
    if completion is None or person is None:
        session.delete(row)
        return None
    if _active_credential(session, completion.id) is not None:
        session.delete(row)  # issued another way (a registrar's bulk job) meanwhile
        return None
    missing = missing_for_issuing(person.institution)
    if missing or row.requested_by_id is None:
        row.reason = (missing[0] if missing else row.reason)[:500]
        row.attempted_at = now
        return False
    teacher = Actor(row.requested_by_id, Role.TEACHER)
    try:
        with session.begin_nested():
            _issue(session, teacher, completion, ctx, now)
    except TandemError as error:
        row.reason = error.message[:500]
        row.attempted_at = now
        return False
    session.delete(row)
    return True


def retry_held(
    session: Session, ctx: IssuerContext, institution_id: int | None = None
) -> RetryReport:
    """``tandem credentials retry`` and the worker: issue what can be issued now."""
    report = retry_held_issuances(session, ctx, institution_id, utcnow())
    session.commit()
    return report


def held_for_exchange(session: Session, exchange_id: int) -> dict[int, HeldIssuance]:
    """Held issuances of an exchange by learner (person id), for the teacher's page."""
    rows = session.execute(
        select(Completion.person_id, HeldIssuance)
        .join(HeldIssuance, HeldIssuance.completion_id == Completion.id)
        .where(Completion.exchange_id == exchange_id)
    )
    return {person_id: row for person_id, row in rows}  # noqa: C416 - rows are Row objects


def my_held(session: Session, actor: Actor, exchange_id: int) -> HeldIssuance | None:
    """The actor's own held issuance in an exchange, if any."""
    return session.scalar(
        select(HeldIssuance)
        .join(Completion, HeldIssuance.completion_id == Completion.id)
        .where(Completion.exchange_id == exchange_id, Completion.person_id == actor.person_id)
    )


def issuing_problems(session: Session, actor: Actor) -> list[Text]:
    """What keeps the actor's institution from issuing credentials (warned to a teacher
    while configuring completion, long before anyone signs off)."""
    person = session.get(Person, actor.person_id)
    return [] if person is None else missing_for_issuing(person.institution)
