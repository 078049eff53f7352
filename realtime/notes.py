"""Shared-note events of the ``/rooms`` namespace: Yjs sync and live changes.

Binary CRDT data travels as base64 strings (JSON acks, any transport, the test client). The
protocol, for a client holding a Y.Doc:

- ``note_sync {state}``: the client's state vector; the ack carries ``update`` (what it lacks)
  and ``state`` (the server's vector), and the client then sends ``note_update`` with what the
  server lacks. Clients sync on every (re)connect, so nothing typed offline is lost.
- ``note_update {update}``: a change, applied and stored before the ack; the others in the
  room get it as ``note_update`` (a repeat is acknowledged and not broadcast).
- ``note {base_version, text}``: the older whole-text save, now a change of the same document.

``room_event`` re-checks membership on every event; teachers may sync but not change.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import asdict
from typing import Any

from plugin.errors import InvalidInput
from plugin.i18n import N_
from plugin.notes import service as notes
from realtime import payloads
from realtime.acks import Ack
from realtime.namespace import Ctx, limited_event

MAX_FIELD_CHARS = 4 * notes.MAX_UPDATE_BYTES // 3 + 4


def encode(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def decode(data: Any, key: str) -> bytes:
    value = data.get(key) if isinstance(data, dict) else None
    if not isinstance(value, str) or len(value) > MAX_FIELD_CHARS:
        raise InvalidInput(N_("The note change was not understood."))
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidInput(N_("The note change was not understood.")) from error


class NoteEvents:
    """Mixed into the room namespace (see ``realtime.register``)."""

    @limited_event("notes")
    def on_note_sync(self, ctx: Ctx, data: Any) -> Ack:
        sync = notes.sync_note(ctx.db, ctx.actor, ctx.room_id, decode(data, "state"))
        return {"update": encode(sync.update), "state": encode(sync.state)}

    @limited_event("notes")
    def on_note_update(self, ctx: Ctx, data: Any) -> Ack:
        change = notes.apply_note_update(ctx.db, ctx.actor, ctx.room_id, decode(data, "update"))
        if change.changed:
            ctx.broadcast("note_update", {"update": encode(change.update)})
        return {"changed": change.changed, "version": change.version}

    @limited_event("notes")
    def on_note(self, ctx: Ctx, data: Any) -> Ack:
        save = payloads.parse_note(data)
        saved = notes.save_note(ctx.db, ctx.actor, ctx.room_id, save.base_version, save.text)
        ctx.broadcast("note", asdict(saved.note))
        ctx.broadcast("note_update", {"update": encode(saved.update)})
        return {
            "note": asdict(saved.note),
            "conflict": saved.conflict,
            "overwritten_text": saved.overwritten_text,
        }
