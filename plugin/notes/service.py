"""The team's shared note, edited together live: a CRDT document (Yjs in the browser, pycrdt
on the server) that merges everyone's typing instead of letting the last save win.

The database is the document: ``NoteUpdate`` rows hold every accepted change, and applying
them all (in any order: CRDT updates commute and are idempotent) rebuilds it. Nothing lives in
process memory, so a late joiner, another process behind the load balancer or the server
after a restart all see the same text. After ``COMPACT_AFTER`` rows the room's rows are merged
into one, so rebuilding stays cheap however long a team writes.

Sync follows the Yjs protocol: a client sends its state vector and gets the update it lacks
plus the server's state vector, then sends what the server lacks. Each change is applied to
the server's document before it is stored (a malformed or oversized one is refused and never
reaches the others) and mirrored as plain text into the ``Note`` row.

``save_note`` keeps the older whole-text API (versioned, with a conflict notice): it turns the
new text into a CRDT change against the current document, so both kinds of client stay in
one document.
"""

from __future__ import annotations

from dataclasses import dataclass

from pycrdt import Doc, Text
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.db import get_or_create, utcnow
from plugin.errors import InvalidInput
from plugin.i18n import N_
from plugin.notes.models import Note, NoteUpdate
from plugin.people.models import Person
from plugin.rooms.access import check_access, person_name, require_writer

MAX_NOTE_CHARS = 100_000


@dataclass(frozen=True)
class NoteView:
    text: str
    version: int
    updated_by: str | None
    updated_at: str


def note_view(session: Session, note: Note) -> NoteView:
    who = session.get(Person, note.updated_by_id) if note.updated_by_id else None
    return NoteView(
        text=note.text,
        version=note.version,
        updated_by=person_name(who) if who else None,
        updated_at=note.updated_at.isoformat(),
    )


def get_note(session: Session, actor: Actor, room_id: int) -> NoteView:
    check_access(session, actor, room_id)
    note = session.scalar(select(Note).where(Note.room_id == room_id))
    if note is None:
        return NoteView(text="", version=0, updated_by=None, updated_at=utcnow().isoformat())
    return note_view(session, note)


ROOT = "notes"  # the Y.Text's name, the same in notes.js
COMPACT_AFTER = 100
MAX_UPDATE_BYTES = 512_000
MAX_STATE_BYTES = 64_000
SEED_CLIENT_ID = 1


@dataclass(frozen=True)
class NoteSync:
    """The reply to a client's state vector: what it lacks, and what the server has."""

    update: bytes
    state: bytes


@dataclass(frozen=True)
class NoteChange:
    """An applied change; ``changed`` is False for a repeat (nothing to store or broadcast)."""

    update: bytes
    changed: bool
    version: int
    compacted: bool = False


@dataclass(frozen=True)
class NoteSaved:
    """A whole-text save: the note after it, whether somebody else saved in between (with
    the text that replaced), and the CRDT change for live clients."""

    note: NoteView
    conflict: bool
    update: bytes
    overwritten_text: str | None = None


def _seed(text: str) -> bytes:
    """A note saved as plain text before notes were CRDTs, as the first change of its
    document. Always the same bytes for the same text (a fixed client id), so every process
    and client that derives it holds the same change, not copies of the text."""
    doc: Doc[Text] = Doc(client_id=SEED_CLIENT_ID)
    doc.get(ROOT, type=Text).insert(0, text)
    return doc.get_update()


def _document(session: Session, room_id: int) -> tuple[Doc[Text], int]:
    """The room's document rebuilt from its stored rows, and how many rows there are.

    A room with no rows but older plain text starts from that text; the seed counts as a row
    still to be stored (``_store`` stores it with the first change).
    """
    doc: Doc[Text] = Doc()
    rows = session.scalars(
        select(NoteUpdate.data).where(NoteUpdate.room_id == room_id).order_by(NoteUpdate.id)
    ).all()
    for data in rows:
        doc.apply_update(data)
    if not rows:
        legacy = session.scalar(select(Note.text).where(Note.room_id == room_id))
        if legacy:
            doc.apply_update(_seed(legacy))
            return doc, -1
    return doc, len(rows)


def _text(doc: Doc[Text]) -> str:
    return str(doc.get(ROOT, type=Text))


def _locked_note(session: Session, room_id: int) -> Note:
    """The room's ``Note`` row, write-locked so one change at a time is applied and compaction
    never races an append (PostgreSQL; SQLite's immediate transactions serialise writers)."""
    get_or_create(session, Note, {"room_id": room_id}, lambda: Note(room_id=room_id))
    return session.scalars(
        select(Note)
        .where(Note.room_id == room_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _store(
    session: Session, actor: Actor, note: Note, doc: Doc[Text], update: bytes, rows: int
) -> tuple[int, bool]:
    """Keep an applied change and mirror the text; merge the room's rows once there are many.

    No commit: the use case commits.
    """
    text, legacy_text = _text(doc), note.text
    if len(text) > MAX_NOTE_CHARS:
        raise InvalidInput(N_("The note can be at most 100000 characters."))
    room_id = note.room_id
    note.text = text
    note.version += 1
    note.updated_by_id = actor.person_id
    note.updated_at = utcnow()
    compact = rows + 1 >= COMPACT_AFTER  # rows < 0: the seed is not stored yet
    if compact:
        merged = session.scalar(
            select(func.coalesce(func.sum(NoteUpdate.merged), 0)).where(
                NoteUpdate.room_id == room_id
            )
        )
        session.execute(delete(NoteUpdate).where(NoteUpdate.room_id == room_id))
        session.add(
            NoteUpdate(
                room_id=room_id, data=doc.get_update(), merged=int(merged or 0) + 1, author_id=None
            )
        )
    else:
        if rows < 0:
            session.add(NoteUpdate(room_id=room_id, data=_seed(legacy_text), author_id=None))
        session.add(NoteUpdate(room_id=room_id, data=update, author_id=actor.person_id))
    return note.version, compact


def sync_note(session: Session, actor: Actor, room_id: int, client_state: bytes) -> NoteSync:
    """Step one of a (re)join: the changes a client with ``client_state`` has not seen.

    Read-only (teachers observing may sync); no commit.
    """
    check_access(session, actor, room_id)
    if len(client_state) > MAX_STATE_BYTES:
        raise InvalidInput(N_("The note change was not understood."))
    doc, _ = _document(session, room_id)
    try:
        missing = doc.get_update(client_state)
    except ValueError as error:
        raise InvalidInput(N_("The note change was not understood.")) from error
    return NoteSync(update=missing, state=doc.get_state())


def apply_note_update(session: Session, actor: Actor, room_id: int, update: bytes) -> NoteChange:
    """Apply a member's change to the stored document; a repeat is acknowledged, not stored."""
    require_writer(session, actor, room_id)
    if not update or len(update) > MAX_UPDATE_BYTES:
        raise InvalidInput(N_("A note change can be at most 500 kB."))
    note = _locked_note(session, room_id)
    doc, rows = _document(session, room_id)
    state, text = doc.get_state(), _text(doc)
    try:
        doc.apply_update(update)
    except ValueError as error:
        raise InvalidInput(N_("The note change was not understood.")) from error
    # Deletions do not move the state vector, so a change is also one that changed the text.
    if doc.get_state() == state and _text(doc) == text:
        version = note.version
        session.commit()  # ends the locking transaction; nothing was written
        return NoteChange(update=update, changed=False, version=version)
    version, compacted = _store(session, actor, note, doc, update, rows)
    session.commit()
    return NoteChange(update=update, changed=True, version=version, compacted=compacted)


def _utf8(text: str, index: int) -> int:
    """pycrdt's Text counts UTF-8 bytes; Python strings count code points."""
    return len(text[:index].encode())


def _replace(doc: Doc[Text], new: str) -> bytes:
    """Turn the text into ``new`` with the smallest middle edit; return that change."""
    ytext = doc.get(ROOT, type=Text)
    old = str(ytext)
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old, end_new = end_old - 1, end_new - 1
    before = doc.get_state()
    with doc.transaction():
        if end_old > start:
            del ytext[_utf8(old, start) : _utf8(old, end_old)]
        if end_new > start:
            ytext.insert(_utf8(old, start), new[start:end_new])
    return doc.get_update(before)


def save_note(
    session: Session, actor: Actor, room_id: int, base_version: int, text: str
) -> NoteSaved:
    """Replace the whole note (the older API); say so, with the lost text, if it was stale."""
    require_writer(session, actor, room_id)
    if len(text) > MAX_NOTE_CHARS:
        raise InvalidInput(N_("The note can be at most 100000 characters."))
    note = _locked_note(session, room_id)
    doc, rows = _document(session, room_id)
    current = _text(doc)
    overwritten = current if base_version != note.version and current != text else None
    update = _replace(doc, text)
    _store(session, actor, note, doc, update, rows)
    view = note_view(session, note)
    session.commit()
    return NoteSaved(
        view, conflict=overwritten is not None, update=update, overwritten_text=overwritten
    )


def stored_updates(session: Session, room_id: int) -> list[tuple[int, int]]:
    """(row id, changes merged) of a room's stored rows, for operators and tests."""
    rows = session.execute(
        select(NoteUpdate.id, NoteUpdate.merged)
        .where(NoteUpdate.room_id == room_id)
        .order_by(NoteUpdate.id)
    ).all()
    return [(int(i), int(m)) for i, m in rows]
