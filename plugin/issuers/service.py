"""Keeping the trusted-issuer registry: list, look up, add, remove, import from JSON.

The caller (an admin page or the ``tandem issuers`` CLI) has checked that an administrator
acts; these use cases check the entries. Importing the same file twice changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.errors import InvalidInput, NotFound
from plugin.i18n import N_
from plugin.issuers.models import TrustedIssuer

_ISSUER_ID = re.compile(r"^(did:[a-z0-9]+:[A-Za-z0-9._:%~-]+|https://[^\s]+)$")
MAX_ISSUERS = 10_000


@dataclass(frozen=True)
class IssuerEntry:
    issuer_id: str
    name: str


@dataclass(frozen=True)
class ImportOutcome:
    added: int
    renamed: int
    unchanged: int


def list_trusted_issuers(session: Session) -> list[TrustedIssuer]:
    return list(session.scalars(select(TrustedIssuer).order_by(TrustedIssuer.name)))


def trusted_lookup(session: Session) -> Callable[[str], bool]:
    """A membership test for the verifier, reading the registry once."""
    known = set(session.scalars(select(TrustedIssuer.issuer_id)))
    return known.__contains__


def parse_entries(data: Any) -> list[IssuerEntry]:
    """``{"issuers": [{"id": ..., "name": ...}]}`` or the bare list; every entry checked."""
    items = data.get("issuers") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise InvalidInput(N_('The file must hold a list of issuers (or {"issuers": [...]}).'))
    if len(items) > MAX_ISSUERS:
        raise InvalidInput(N_("At most %(max)s issuers can be imported.", max=MAX_ISSUERS))
    return [_entry(item, position) for position, item in enumerate(items, start=1)]


def _entry(item: Any, position: int) -> IssuerEntry:
    if not isinstance(item, dict):
        raise InvalidInput(N_("Issuer %(n)s is not an object.", n=position))
    issuer_id, name = item.get("id"), item.get("name")
    return check_entry(issuer_id, name, position)


def check_entry(issuer_id: Any, name: Any, position: int | None = None) -> IssuerEntry:
    """One issuer, checked. ``position`` is its place in an imported list (the messages say
    which entry); without it the entry is the admin's single-issuer form and each message
    names its field."""
    if not isinstance(issuer_id, str) or len(issuer_id) > 500 or not _ISSUER_ID.match(issuer_id):
        if position is None:
            raise InvalidInput(N_("The id must be a DID or an https address."), "issuer_id")
        raise InvalidInput(
            N_("Issuer %(n)s: the id must be a DID or an https address.", n=position)
        )
    if not isinstance(name, str) or not name.strip() or len(name) > 200:
        if position is None:
            raise InvalidInput(N_("A name of 1 to 200 characters is needed."), "name")
        raise InvalidInput(N_("Issuer %(n)s: a name of 1 to 200 characters is needed.", n=position))
    return IssuerEntry(issuer_id, name.strip())


def import_trusted_issuers(session: Session, entries: Iterable[IssuerEntry]) -> ImportOutcome:
    """Add new issuers and rename known ones, in one transaction; nothing is removed."""
    existing = {row.issuer_id: row for row in session.scalars(select(TrustedIssuer))}
    added = renamed = unchanged = 0
    for entry in entries:
        row = existing.get(entry.issuer_id)
        if row is None:
            row = TrustedIssuer(issuer_id=entry.issuer_id, name=entry.name)
            session.add(row)
            existing[entry.issuer_id] = row
            added += 1
        elif row.name != entry.name:
            row.name = entry.name
            renamed += 1
        else:
            unchanged += 1
    session.commit()
    return ImportOutcome(added, renamed, unchanged)


def remove_trusted_issuer(session: Session, trusted_issuer_id: int) -> str:
    """Take an issuer off the list; its credentials then verify as "valid, unknown issuer"."""
    row = session.get(TrustedIssuer, trusted_issuer_id)
    if row is None:
        raise NotFound(N_("That issuer is not on the list."))
    name = row.name
    session.delete(row)
    session.commit()
    return name
