"""Bulk issuing as a job the worker runs in batches, with counts a registrar can watch.

Signing a thousand credentials takes long enough that it must not run in a request, and a
registrar who started it wants to see it move. ``start_bulk_issue`` records the job (the
request's only work); ``issue_batch`` issues the next few completions after the job's cursor
and commits the batch with the counts, so progress is visible between batches and a batch
redone after a killed worker repeats nothing: a completion that has a valid credential is
no longer eligible, and the cursor only moves with the batch's commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from plugin.actors import Actor, Role
from plugin.completion.models import Completion, CompletionStatus
from plugin.credentials.holds import _hold
from plugin.credentials.models import Credential, IssuingJob
from plugin.credentials.service import IssuerContext, sign_and_record
from plugin.db import utcnow
from plugin.errors import InvalidInput, NotFound, TandemError
from plugin.exchanges.models import Exchange
from plugin.i18n import N_
from plugin.people.institutions import missing_for_issuing
from plugin.people.models import Person
from plugin.registrars.service import require_registrar

BATCH = 25
MAX_KEY = 64


@dataclass(frozen=True)
class JobView:
    """What the progress page shows; plain values, so the page needs no session."""

    id: int
    exchange_id: int
    exchange: str
    total: int
    done: int
    failed: int
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.finished_at is not None

    @property
    def percent(self) -> int:
        handled = self.done + self.failed
        return 100 if self.total == 0 else min(100, handled * 100 // self.total)


def _eligible(exchange_id: int, institution_id: int) -> Select[Completion]:
    """Approved completions of the institution's learners without a valid credential."""
    held = select(Credential.completion_id).where(
        Credential.revoked_at.is_(None), Credential.completion_id.is_not(None)
    )
    return (
        select(Completion)
        .join(Person, Person.id == Completion.person_id)
        .where(
            Completion.exchange_id == exchange_id,
            Completion.status == CompletionStatus.APPROVED,
            Person.institution_id == institution_id,
            Completion.id.not_in(held),
        )
        .order_by(Completion.id)
    )


def start_bulk_issue(
    session: Session, actor: Actor, exchange_id: int, institution_id: int, request_key: str
) -> IssuingJob:
    """Record a bulk issuing for the worker. The same form sent twice (same key) finds the
    first job, and while a job for this exchange is unfinished a new request joins it."""
    require_registrar(session, actor, institution_id)
    key = request_key.strip()
    if not 8 <= len(key) <= MAX_KEY:
        raise InvalidInput(N_("The form expired; open the page again and resubmit."))
    if session.get(Exchange, exchange_id) is None:
        raise NotFound(N_("There is no exchange with this number."))
    same = session.scalar(
        select(IssuingJob).where(
            IssuingJob.requested_by_id == actor.person_id, IssuingJob.request_key == key
        )
    )
    if same is not None:
        return same
    running = session.scalar(
        select(IssuingJob).where(
            IssuingJob.institution_id == institution_id,
            IssuingJob.exchange_id == exchange_id,
            IssuingJob.finished_at.is_(None),
        )
    )
    if running is not None:
        return running
    total = session.scalar(
        select(func.count()).select_from(_eligible(exchange_id, institution_id).subquery())
    )
    job = IssuingJob(
        institution_id=institution_id,
        exchange_id=exchange_id,
        requested_by_id=actor.person_id,
        request_key=key,
        total=total or 0,
    )
    session.add(job)
    session.commit()
    return job


def issue_batch(session: Session, ctx: IssuerContext, job_id: int, size: int = BATCH) -> bool:
    """Issue the next ``size`` completions of a job (the worker's step); True while more
    remain. Each completion runs in a savepoint: one that fails is counted and skipped, one
    whose institution lacks details is held as a teacher's sign-off would be."""
    job = session.scalars(
        select(IssuingJob).where(IssuingJob.id == job_id).with_for_update()
    ).one_or_none()
    if job is None or job.finished_at is not None:
        return False
    now = utcnow()
    if job.requested_by_id is None:  # the registrar was erased meanwhile: nobody to act for
        job.finished_at = now
        session.commit()
        return False
    actor = Actor(job.requested_by_id, Role.TEACHER)
    rows = session.scalars(
        _eligible(job.exchange_id, job.institution_id).where(Completion.id > job.cursor).limit(size)
    ).all()
    for completion in rows:
        person = session.get(Person, completion.person_id)
        missing = missing_for_issuing(person.institution) if person is not None else []
        job.cursor = completion.id
        if person is not None and missing:
            _hold(session, actor, completion, person, missing[0])
            job.failed += 1
            job.last_error = missing[0][:500]
            continue
        try:
            with session.begin_nested():
                sign_and_record(session, actor, completion, ctx, now)
            job.done += 1
        except TandemError as error:
            job.failed += 1
            job.last_error = error.message[:500]
    more = len(rows) == size
    if not more:
        job.finished_at = now
    session.commit()
    return more


def unfinished_jobs(session: Session) -> list[int]:
    """Jobs a worker has not finished (a killed worker's job is resumed from these)."""
    return list(
        session.scalars(
            select(IssuingJob.id).where(IssuingJob.finished_at.is_(None)).order_by(IssuingJob.id)
        )
    )


def job_progress(session: Session, actor: Actor, job_id: int) -> JobView:
    """A job's counts, for registrars of its institution."""
    job = session.get(IssuingJob, job_id)
    if job is None:
        raise NotFound(N_("There is no issuing job with this number."))
    require_registrar(session, actor, job.institution_id)
    exchange = session.get(Exchange, job.exchange_id)
    return JobView(
        id=job.id,
        exchange_id=job.exchange_id,
        exchange=exchange.title if exchange is not None else "",
        total=job.total,
        done=job.done,
        failed=job.failed,
        last_error=job.last_error,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )
