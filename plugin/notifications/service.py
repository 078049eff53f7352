"""Notification use cases: record (inside the causing use case), list, mark read, choose.

``notify`` is a helper for other use cases and never commits: the notification belongs to the
transaction that decided the event. Reading and choosing are use cases of their own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.db import utcnow
from plugin.errors import InvalidInput, NotFound
from plugin.i18n import N_, Text
from plugin.notifications.addresses import effective_email
from plugin.notifications.kinds import KINDS, Channel, Kind, render, wants
from plugin.notifications.models import Notification, NotificationChoice, NotifyAddress
from plugin.people.models import Person

MAX_EMAIL_ATTEMPTS = 5

#: Finds a recipient's LMS page for a notification target: (session, person id, target).
LmsLink = Callable[[Session, int, str | None], str | None]


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    title: Text
    body: Text
    target: str | None
    created_at: datetime
    unread: bool


@dataclass(frozen=True)
class ChoiceView:
    kind: str
    label: str
    app: bool
    email: bool


@dataclass(frozen=True)
class OutgoingEmail:
    """What the mail adapter needs for one notification: no session, no ORM objects."""

    notification_id: int
    person_id: int
    address: str
    locale: str | None
    kind: str
    title: Text
    body: Text
    target: str | None
    # The recipient's LMS page for the target (plugin.teams.links), if known.
    lms_url: str | None = None
    # The notification's parameters (an attachment may be made of them, e.g. a meeting's .ics).
    params: dict[str, Any] = field(default_factory=dict)


def _choices(session: Session, person_ids: Sequence[int]) -> dict[tuple[int, str, str], bool]:
    rows = session.execute(
        select(
            NotificationChoice.person_id,
            NotificationChoice.kind,
            NotificationChoice.channel,
            NotificationChoice.enabled,
        ).where(NotificationChoice.person_id.in_(person_ids))
    )
    return {(pid, kind, channel): enabled for pid, kind, channel, enabled in rows}


def notify(
    session: Session,
    person_ids: Iterable[int],
    kind_key: str,
    params: dict[str, Any],
    *,
    dedupe_key: str,
    target: str | None = None,
) -> int:
    """Record one notification per person (once per ``dedupe_key``); the caller commits."""
    kind = KINDS[kind_key]
    people = sorted(set(person_ids))
    if not people:
        return 0
    already = set(
        session.scalars(
            select(Notification.person_id).where(
                Notification.person_id.in_(people), Notification.dedupe_key == dedupe_key
            )
        )
    )
    choices = _choices(session, people)
    email_rows = session.execute(
        select(Person.id, effective_email())
        .outerjoin(NotifyAddress, NotifyAddress.person_id == Person.id)
        .where(Person.id.in_(people))
    )
    emails: dict[int, str | None] = {row[0]: row[1] for row in email_rows}
    made = 0
    for pid in people:
        if pid in already:
            continue
        in_app = wants(kind, Channel.APP, choices.get((pid, kind.key, Channel.APP.value)))
        by_email = bool(emails.get(pid)) and wants(
            kind, Channel.EMAIL, choices.get((pid, kind.key, Channel.EMAIL.value))
        )
        if not in_app and not by_email:
            continue
        session.add(
            Notification(
                person_id=pid,
                kind=kind.key,
                params=params,
                target=target,
                dedupe_key=dedupe_key,
                read_at=None if in_app else utcnow(),  # email only: nothing unread in-app
                email_state="pending" if by_email else "none",
            )
        )
        made += 1
    return made


def _view(row: Notification) -> NotificationView:
    title, body = render(KINDS[row.kind], row.params)
    return NotificationView(
        row.id, row.kind, title, body, row.target, row.created_at, row.read_at is None
    )


def my_notifications(session: Session, actor: Actor, limit: int = 50) -> list[NotificationView]:
    """The newest notifications first (kinds Tandem no longer knows are skipped)."""
    rows = session.scalars(
        select(Notification)
        .where(Notification.person_id == actor.person_id, Notification.kind.in_(list(KINDS)))
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(limit)
    )
    return [_view(row) for row in rows]


def unread_count(session: Session, actor: Actor) -> int:
    return session.scalar(_unread(), {"person_id": actor.person_id}) or 0


@cache
def _unread() -> Select[int]:
    """Built once: every page's bell asks, and building it cost more than running it."""
    return select(func.count(Notification.id)).where(
        Notification.person_id == bindparam("person_id"), Notification.read_at.is_(None)
    )


def mark_read(session: Session, actor: Actor, notification_id: int | None = None) -> int:
    """Mark one notification (or, with no id, all of them) read; another's is not found."""
    query = select(Notification).where(
        Notification.person_id == actor.person_id, Notification.read_at.is_(None)
    )
    if notification_id is not None:
        owner = session.scalar(
            select(Notification.person_id).where(Notification.id == notification_id)
        )
        if owner != actor.person_id:
            raise NotFound(N_("This notification does not exist."))
        query = query.where(Notification.id == notification_id)
    rows = session.scalars(query).all()
    moment = utcnow()
    for row in rows:
        row.read_at = moment
    session.commit()
    return len(rows)


def my_choices(session: Session, actor: Actor) -> list[ChoiceView]:
    chosen = _choices(session, [actor.person_id])
    return [
        ChoiceView(
            kind.key,
            kind.label,
            wants(kind, Channel.APP, chosen.get((actor.person_id, kind.key, "app"))),
            wants(kind, Channel.EMAIL, chosen.get((actor.person_id, kind.key, "email"))),
        )
        for kind in KINDS.values()
    ]


def set_choices(session: Session, actor: Actor, enabled: set[tuple[str, str]]) -> None:
    """Store the whole form: (kind, channel) pairs that are on; every other pair is off."""
    unknown = {(k, c) for k, c in enabled if k not in KINDS or c not in {"app", "email"}}
    if unknown:
        raise InvalidInput(N_("Unknown notification choice."))
    existing = {
        (row.kind, row.channel): row
        for row in session.scalars(
            select(NotificationChoice).where(NotificationChoice.person_id == actor.person_id)
        )
    }
    for kind in KINDS:
        for channel in ("app", "email"):
            on = (kind, channel) in enabled
            row = existing.get((kind, channel))
            if row is None:
                session.add(
                    NotificationChoice(
                        person_id=actor.person_id, kind=kind, channel=channel, enabled=on
                    )
                )
            else:
                row.enabled = on
    session.commit()


def unsubscribe(session: Session, person_id: int, kind_key: str) -> Kind:
    """One-click unsubscribe from a kind's email (the link proves who; see the web adapter)."""
    kind = KINDS.get(kind_key)
    if kind is None or session.get(Person, person_id) is None:
        raise NotFound(N_("This unsubscribe link is not valid any more."))
    row = session.scalar(
        select(NotificationChoice).where(
            NotificationChoice.person_id == person_id,
            NotificationChoice.kind == kind.key,
            NotificationChoice.channel == "email",
        )
    )
    if row is None:
        session.add(
            NotificationChoice(person_id=person_id, kind=kind.key, channel="email", enabled=False)
        )
    else:
        row.enabled = False
    session.execute(
        update(Notification)
        .where(
            Notification.person_id == person_id,
            Notification.kind == kind.key,
            Notification.email_state == "pending",
        )
        .values(email_state="none")
    )
    session.commit()
    return kind


def pending_emails(
    session: Session, limit: int = 200, *, lms_link: LmsLink | None = None
) -> list[OutgoingEmail]:
    """The oldest notifications still waiting for their email, with what rendering needs.

    ``lms_link`` (``plugin.teams.links.lms_url_for``, passed by the sender) finds each
    recipient's LMS page; it reads features above this one, so it comes in as a parameter.
    """
    rows = session.execute(
        select(Notification, effective_email(), Person.locale)
        .join(Person, Person.id == Notification.person_id)
        .outerjoin(NotifyAddress, NotifyAddress.person_id == Person.id)
        .where(Notification.email_state == "pending")
        .order_by(Notification.id)
        .limit(limit)
    )
    out = []
    for row, address, locale in rows:
        if not address or row.kind not in KINDS:
            continue
        title, body = render(KINDS[row.kind], row.params)
        lms_url = lms_link(session, row.person_id, row.target) if lms_link else None
        out.append(
            OutgoingEmail(
                row.id,
                row.person_id,
                address,
                locale,
                row.kind,
                title,
                body,
                row.target,
                lms_url,
                dict(row.params or {}),
            )
        )
    return out


@dataclass(frozen=True)
class EmailOutcome:
    """What happened to one email: sent, or refused (``error``) for now or for good."""

    notification_id: int
    sent: bool
    error: str | None = None
    permanent: bool = False


def record_emails(session: Session, outcomes: Sequence[EmailOutcome]) -> None:
    """The mail adapter's outcomes for a chunk of emails, in one transaction.

    One commit per chunk rather than per email: a worker killed between sending and recording
    resends at most one chunk, and SQLite's commit no longer bounds the sending rate.
    """
    if not outcomes:
        return
    rows = {
        row.id: row
        for row in session.scalars(
            select(Notification).where(Notification.id.in_([o.notification_id for o in outcomes]))
        )
    }
    for outcome in outcomes:
        row = rows.get(outcome.notification_id)
        if row is None or row.email_state != "pending":
            continue  # unsubscribed or erased meanwhile: nothing to record
        row.email_attempts += 1
        if outcome.sent:
            row.email_state, row.email_error = "sent", None
        else:
            row.email_error = (outcome.error or "")[:500]
            if outcome.permanent or row.email_attempts >= MAX_EMAIL_ATTEMPTS:
                row.email_state = "failed"
    session.commit()
