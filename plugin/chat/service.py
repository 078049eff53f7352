"""Chat use cases, called by realtime/ (socket events) and web/pages (the room page).

Every function starts by resolving the actor's access to the room (``plugin.rooms.access``),
so a member removed a second ago is refused on their very next event. Sends that arrive
together are stored by one group commit (``post_messages``, machinery in ``chat.store``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from plugin.actors import Actor
from plugin.chat.lines import MessageView, NewLine, PostResult, message_view
from plugin.chat.models import Message
from plugin.chat.sql import ClientIdTaken
from plugin.chat.store import Accepted, store_lines, take_cursor
from plugin.db import utcnow
from plugin.errors import InvalidInput, NotAllowed, NotFound, TandemError
from plugin.i18n import N_
from plugin.rooms.access import (
    check_access,
    check_members,
    require_moderator,
    require_writer,
)

MAX_MESSAGE_CHARS = 4000


MAX_CLIENT_ID_CHARS = 64


MAX_REASON_CHARS = 500


PAGE_SIZE = 50


CATCH_UP_LIMIT = 500


def _clean_body(body: str) -> str:
    text = body.strip()
    if not text:
        raise InvalidInput(N_("A message cannot be empty."))
    if len(text) > MAX_MESSAGE_CHARS:
        raise InvalidInput(N_("A message can be at most 4000 characters."))
    return text


def _find_by_client_id(session: Session, room_id: int, client_id: str) -> Message | None:
    return session.scalar(
        select(Message)
        .options(selectinload(Message.author))
        .where(Message.room_id == room_id, Message.client_id == client_id)
    )


Posted = PostResult | TandemError
"""A line's outcome: stored (or found stored: a retry), or refused with the reason."""


def post_message(
    session: Session, actor: Actor, room_id: int, client_id: str, body: str
) -> PostResult:
    """Store a line before anyone is told about it; a retry with the same client id returns
    the stored line instead of storing it twice."""
    outcome = post_messages(session, [NewLine(actor, room_id, client_id, body)])[0]
    if isinstance(outcome, TandemError):
        raise outcome
    return outcome


def post_messages(session: Session, lines: Sequence[NewLine]) -> list[Posted]:
    """Store lines that arrived together in one transaction, before anyone is told of them.

    A group commit: under load a process has many sends in hand at once, and one access query,
    one cursor update per room, one INSERT and one commit for all of them cost a fraction of a
    transaction each (py-spy on bench/rooms.py: the transaction, not the row, was most of a
    send). Every line still has its access checked in the transaction that stores it. Each
    line gets its own outcome, in order: one refusal (no access, a teacher, bad text) never
    refuses the others. A retried client id returns the line stored before (``duplicate``).
    """
    outcomes: list[Posted | None] = [None] * len(lines)
    check_members(session, {(line.actor.person_id, line.room_id) for line in lines})
    first: dict[tuple[int, str], int] = {}  # (room, client id) -> the line that stores it
    new: list[Accepted] = []
    for i, line in enumerate(lines):
        try:
            access = require_writer(session, line.actor, line.room_id)
            if not line.client_id or len(line.client_id) > MAX_CLIENT_ID_CHARS:
                raise InvalidInput(N_("A message needs a client id of 1 to 64 characters."))
            text = _clean_body(line.body)
        except TandemError as refused:
            outcomes[i] = refused
            continue
        if first.setdefault((line.room_id, line.client_id), i) == i:
            new.append(Accepted(i, line, access.display_name, text, utcnow()))
    if new:
        try:
            stored = store_lines(session, new)
        except ClientIdTaken:
            # A client id already stored: a retry, long after its first send or racing it on
            # another connection. Asking first would cost every send a query for the rare
            # retry; instead nothing of this transaction is kept, and each line goes alone.
            session.rollback()
            if len(lines) > 1:
                return [post_messages(session, [line])[0] for line in lines]
            found = _stored_before(session, lines[0])
            session.commit()  # ends the read, as below
            return [found]
        for accepted, (message_id, seq) in zip(new, stored, strict=True):
            outcomes[accepted.index] = PostResult(accepted.view(message_id, seq), duplicate=False)
    # Also when nothing was stored: the transaction ends here, not when the caller's session
    # closes. On SQLite it holds the write lock, and the group commit's leader may yield
    # (broadcasting) before its session closes, while the next batch wants the lock.
    session.commit()
    for i, line in enumerate(lines):
        if outcomes[i] is None:  # the same send twice in one batch: the first one stored it
            original = outcomes[first[(line.room_id, line.client_id)]]
            assert isinstance(original, PostResult)  # noqa: S101 - firsts are stored or refused
            outcomes[i] = PostResult(original.message, duplicate=True)
    return [outcome for outcome in outcomes if outcome is not None]


def _stored_before(session: Session, line: NewLine) -> PostResult:
    stored = _find_by_client_id(session, line.room_id, line.client_id)
    if stored is None:
        raise RuntimeError("a line broke a unique rule without its client id being stored")
    return PostResult(message_view(stored), duplicate=True)


def messages_after(
    session: Session, actor: Actor, room_id: int, cursor: int, limit: int = CATCH_UP_LIMIT
) -> list[MessageView]:
    """Everything new or changed since the client's cursor (reconnect catch-up), oldest first.

    A client that gets ``limit`` lines back asks again from the last cursor it received.
    """
    check_access(session, actor, room_id)
    rows = session.scalars(
        select(Message)
        .options(selectinload(Message.author))
        .where(Message.room_id == room_id, Message.changed_seq > cursor)
        .order_by(Message.changed_seq)
        .limit(max(1, min(limit, CATCH_UP_LIMIT)))
    ).all()
    return [message_view(m) for m in rows]


def history_before(
    session: Session, actor: Actor, room_id: int, before_seq: int | None, limit: int = PAGE_SIZE
) -> list[MessageView]:
    """One page of older lines (scrolling up), oldest first; ``None`` means the newest page."""
    check_access(session, actor, room_id)
    query = select(Message).options(selectinload(Message.author))
    query = query.where(Message.room_id == room_id)
    if before_seq is not None:
        query = query.where(Message.seq < before_seq)
    rows = session.scalars(
        query.order_by(Message.seq.desc()).limit(max(1, min(limit, PAGE_SIZE)))
    ).all()
    return [message_view(m) for m in reversed(rows)]


def _message_in(session: Session, room_id: int, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None or message.room_id != room_id:
        raise NotFound(N_("This message does not exist."))
    return message


def _own_live_message(session: Session, actor: Actor, room_id: int, message_id: int) -> Message:
    require_writer(session, actor, room_id)
    message = _message_in(session, room_id, message_id)
    if message.author_id != actor.person_id:
        raise NotAllowed(N_("You can only change your own messages."))
    if message.deleted_at is not None or message.hidden_at is not None:
        raise InvalidInput(N_("This message was removed and can no longer be changed."))
    return message


def edit_message(
    session: Session, actor: Actor, room_id: int, message_id: int, body: str
) -> MessageView:
    message = _own_live_message(session, actor, room_id, message_id)
    message.body = _clean_body(body)
    message.edited_at = utcnow()
    message.changed_seq = take_cursor(session, room_id)
    session.commit()
    return message_view(message)


def delete_message(session: Session, actor: Actor, room_id: int, message_id: int) -> MessageView:
    """The line keeps its place ("deleted") so replies still make sense; its text is erased."""
    message = _own_live_message(session, actor, room_id, message_id)
    message.deleted_at = utcnow()
    message.body = ""
    message.changed_seq = take_cursor(session, room_id)
    session.commit()
    return message_view(message)


def hide_message(
    session: Session, actor: Actor, room_id: int, message_id: int, reason: str
) -> MessageView:
    """A teacher hides a line with a reason everyone in the room sees; the text is kept for
    the record but never sent to clients again."""
    require_moderator(session, actor, room_id)
    reason = reason.strip()
    if not reason or len(reason) > MAX_REASON_CHARS:
        raise InvalidInput(N_("Give a reason of 1 to 500 characters for hiding a message."))
    message = _message_in(session, room_id, message_id)
    message.hidden_at = utcnow()
    message.hidden_by_id = actor.person_id
    message.hidden_reason = reason
    message.changed_seq = take_cursor(session, room_id)
    session.commit()
    return message_view(message)
