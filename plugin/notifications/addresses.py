"""The address notification email goes to: the LMS's email, or one the person chose and confirmed.

Choosing an address stores it as pending and records that a confirmation email is due; the
worker sends it (no SMTP in a request). The link in it carries a signed, expiring token made by
the web adapter; confirming makes the pending address the one used. Removing a chosen address
falls back to the LMS's email. Confirmation emails are bounded per person and hour, so the form
cannot be used to send mail to strangers in bulk.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.db import utcnow
from plugin.errors import Conflict, InvalidInput, NotFound
from plugin.i18n import N_
from plugin.notifications.models import NotifyAddress
from plugin.people.models import Person

MAX_SENDS_PER_HOUR = 3
WINDOW = timedelta(hours=1)
_ADDRESS = re.compile(r"[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]+")


@dataclass(frozen=True)
class AddressView:
    lms: str | None
    chosen: str | None
    pending: str | None

    @property
    def used(self) -> str | None:
        """Where notification email goes now."""
        return self.chosen or self.lms


@dataclass(frozen=True)
class OutgoingConfirmation:
    """What the mail adapter needs to send one confirmation email."""

    person_id: int
    address: str
    locale: str | None


def effective_email() -> ColumnElement[str | None]:
    """The address in use, for a query that outer-joins ``NotifyAddress`` to ``Person``."""
    return func.coalesce(NotifyAddress.address, Person.email)


def _row(session: Session, person_id: int) -> NotifyAddress | None:
    return session.scalar(select(NotifyAddress).where(NotifyAddress.person_id == person_id))


def my_address(session: Session, actor: Actor) -> AddressView:
    person = session.get(Person, actor.person_id)
    if person is None:
        raise NotFound(N_("This person does not exist."))
    row = _row(session, actor.person_id)
    return AddressView(person.email, row.address if row else None, row.pending if row else None)


def normalise(raw: str) -> str:
    """A plausible single address, or a clear error (the confirmation proves the rest)."""
    address = raw.strip()
    if not address:
        raise InvalidInput(N_("Type an email address."))
    if len(address) > 254 or not _ADDRESS.fullmatch(address):
        raise InvalidInput(N_("This is not an email address: %(address)s", address=address[:80]))
    local, _, domain = address.rpartition("@")
    return f"{local}@{domain.lower()}"


def request_address(session: Session, actor: Actor, raw: str) -> bool:
    """Store ``raw`` as pending and queue its confirmation email; False if nothing was due.

    The same address asked for again while its confirmation waits sends nothing new (a double
    submit); asking for the address already in use sends nothing either."""
    address = normalise(raw)
    person = session.get(Person, actor.person_id)
    if person is None:
        raise NotFound(N_("This person does not exist."))
    row = _row(session, actor.person_id)
    if row is None:
        row = NotifyAddress(person_id=actor.person_id, email_state="none", sends_in_window=0)
        session.add(row)
    now = utcnow()
    in_use = row.address or person.email
    if in_use is not None and address.lower() == in_use.lower():
        row.pending, row.pending_at, row.email_state = None, None, "none"
        session.commit()
        return False
    if row.pending == address and row.email_state == "pending":
        return False  # already queued
    if row.window_start is None or now - row.window_start >= WINDOW:
        row.window_start, row.sends_in_window = now, 0
    if row.sends_in_window >= MAX_SENDS_PER_HOUR:
        session.rollback()
        raise Conflict(
            N_(
                "You asked for %(count)s confirmation emails this hour. Try again later.",
                count=MAX_SENDS_PER_HOUR,
            )
        )
    row.sends_in_window += 1
    row.pending, row.pending_at, row.email_state = address, now, "pending"
    session.commit()
    return True


def remove_address(session: Session, actor: Actor) -> None:
    """Forget the chosen (and any pending) address: email goes to the LMS's address again."""
    row = _row(session, actor.person_id)
    if row is not None:
        row.address, row.pending, row.pending_at, row.email_state = None, None, None, "none"
    session.commit()


def confirm_address(session: Session, person_id: int, address: str) -> str:
    """Make the confirmed pending address the one in use (the signed link proves who).

    A link for an address no longer pending (replaced by a newer one, or removed) is refused;
    confirming twice is harmless."""
    row = _row(session, person_id)
    if row is not None and row.address == address and row.pending is None:
        return address
    if row is None or row.pending != address:
        raise NotFound(N_("This confirmation link is not valid any more."))
    row.address, row.pending, row.pending_at, row.email_state = address, None, None, "none"
    session.commit()
    return address


def pending_confirmations(session: Session, limit: int = 100) -> list[OutgoingConfirmation]:
    rows = session.execute(
        select(NotifyAddress.person_id, NotifyAddress.pending, Person.locale)
        .join(Person, Person.id == NotifyAddress.person_id)
        .where(NotifyAddress.email_state == "pending", Person.erased_at.is_(None))
        .order_by(NotifyAddress.pending_at)
        .limit(limit)
    )
    return [OutgoingConfirmation(pid, pending, locale) for pid, pending, locale in rows if pending]


@dataclass(frozen=True)
class ConfirmationOutcome:
    person_id: int
    address: str
    sent: bool
    permanent: bool = False


def record_confirmations(session: Session, outcomes: Sequence[ConfirmationOutcome]) -> None:
    """The mail adapter's outcomes; a row asked for another address meanwhile stays pending."""
    for outcome in outcomes:
        row = _row(session, outcome.person_id)
        if row is None or row.pending != outcome.address or row.email_state != "pending":
            continue
        if outcome.sent:
            row.email_state = "sent"
        elif outcome.permanent:
            row.email_state = "failed"
    session.commit()
