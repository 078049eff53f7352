"""Appending to the event log, checking it, and forgetting a person without breaking it.

``append`` is a helper: it runs inside the caller's use case and never commits, so a decision
and its event are committed together or not at all.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plugin.db import get_or_create, utcnow
from plugin.ledger.chain import (
    GENESIS,
    ChainedEvent,
    ChainReport,
    event_hash,
    private_hash,
    verify_events,
)
from plugin.ledger.models import EventKind, LedgerEvent, LedgerPrivate, LedgerSubject
from plugin.xsd import xsd_datetime

_LOCK_KEY = 0x7A4D_1ED6  # PostgreSQL advisory lock that serialises appenders
_ATTEMPTS = 5


def subject_ref(session: Session, person_id: int) -> str:
    """The opaque reference the log uses for a person (made on first use)."""
    subject, _ = get_or_create(
        session,
        LedgerSubject,
        {"person_id": person_id},
        lambda: LedgerSubject(ref=secrets.token_urlsafe(16), person_id=person_id),
    )
    return subject.ref


def hold_ledger(session: Session) -> None:
    """Take the appenders' lock now (PostgreSQL; held until the transaction ends).

    ``append`` takes it before its own inserts. A use case that inserts a row another writer
    may insert too (a completion, on first sight) and then appends takes it before that insert:
    otherwise a transaction holding the lock can wait on the other's uncommitted row while the
    other waits for the lock, and PostgreSQL kills one as a deadlock (bench/soak.py: a teacher's
    completion page beside the teachers' sign-offs).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def _head(session: Session) -> LedgerEvent | None:
    return session.scalars(
        select(LedgerEvent)
        .order_by(LedgerEvent.seq.desc())
        .limit(1)
        .execution_options(populate_existing=True)
    ).first()


def append(
    session: Session,
    kind: EventKind,
    *,
    exchange_id: int | None = None,
    subject_id: int | None = None,
    actor_id: int | None = None,
    payload: Mapping[str, Any] | None = None,
    private: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> LedgerEvent:
    """Add the next event after the current head (no commit)."""
    hold_ledger(session)  # before the subjects' inserts too (see hold_ledger)
    subject = subject_ref(session, subject_id) if subject_id is not None else None
    actor = subject_ref(session, actor_id) if actor_id is not None else None
    body = dict(payload or {})
    hidden = private_hash(private) if private else None
    occurred = xsd_datetime(now or utcnow())
    for attempt in range(_ATTEMPTS):
        head = _head(session)
        seq = head.seq + 1 if head else 1
        prev = head.hash if head else GENESIS
        event = LedgerEvent(
            seq=seq,
            kind=kind.value,
            occurred_at=occurred,
            exchange_id=exchange_id,
            subject_ref=subject,
            actor_ref=actor,
            payload=body,
            private_hash=hidden,
            prev_hash=prev,
            hash=event_hash(
                seq=seq,
                kind=kind.value,
                occurred_at=occurred,
                exchange_id=exchange_id,
                subject=subject,
                actor=actor,
                payload=body,
                private_hash=hidden,
                prev_hash=prev,
            ),
        )
        try:
            with session.begin_nested():
                session.add(event)
                if private:
                    session.flush()
                    session.add(
                        LedgerPrivate(event_id=event.id, subject_ref=subject, data=dict(private))
                    )
        except IntegrityError:
            if attempt == _ATTEMPTS - 1:
                raise
            continue
        return event
    raise AssertionError("unreachable")  # pragma: no cover


def head_hash(session: Session) -> str:
    head = _head(session)
    return head.hash if head else GENESIS


def _chained(event: LedgerEvent) -> ChainedEvent:
    return ChainedEvent(
        seq=event.seq,
        kind=event.kind,
        occurred_at=event.occurred_at,
        exchange_id=event.exchange_id,
        subject=event.subject_ref,
        actor=event.actor_ref,
        payload=event.payload,
        private_hash=event.private_hash,
        prev_hash=event.prev_hash,
        hash=event.hash,
    )


def check_chain(session: Session, batch: int = 1000) -> ChainReport:
    """Recompute every hash in order (streamed, so a long log does not fill memory)."""
    rows = session.scalars(
        select(LedgerEvent).order_by(LedgerEvent.seq).execution_options(yield_per=batch)
    )
    try:
        return verify_events(_chained(row) for row in rows)
    finally:
        rows.close()  # a broken chain stops early; PostgreSQL's server cursor must still close


@dataclass(frozen=True)
class EventView:
    seq: int
    kind: str
    occurred_at: str
    payload: Mapping[str, Any]
    private: Mapping[str, Any] | None
    hash: str


def events_about(session: Session, person_id: int) -> list[EventView]:
    """A person's events with their private notes (for their record and their data export)."""
    ref = session.scalar(select(LedgerSubject.ref).where(LedgerSubject.person_id == person_id))
    if ref is None:
        return []
    rows = session.execute(
        select(LedgerEvent, LedgerPrivate)
        .outerjoin(LedgerPrivate, LedgerPrivate.event_id == LedgerEvent.id)
        .where(LedgerEvent.subject_ref == ref)
        .order_by(LedgerEvent.seq)
    ).all()
    return [
        EventView(e.seq, e.kind, e.occurred_at, e.payload, p.data if p else None, e.hash)
        for e, p in rows
    ]


def forget_person(session: Session, person_id: int) -> int:
    """Erasure: drop the person's reference and private notes; the chain still verifies.

    Returns how many private notes were removed. A helper (no commit): the erasure use case
    commits it together with the rest of the person's data.
    """
    ref = session.scalar(select(LedgerSubject.ref).where(LedgerSubject.person_id == person_id))
    if ref is None:
        return 0
    removed = session.execute(delete(LedgerPrivate).where(LedgerPrivate.subject_ref == ref))
    session.execute(delete(LedgerSubject).where(LedgerSubject.ref == ref))
    return int(getattr(removed, "rowcount", 0) or 0)
