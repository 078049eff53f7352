"""A chat line as it arrives (NewLine) and as clients see it (MessageView, PostResult)."""

from __future__ import annotations

from dataclasses import dataclass

from plugin.actors import Actor
from plugin.chat.models import Message
from plugin.rooms.access import person_name
from plugin.rooms.text import Segment, segments


@dataclass(frozen=True)
class MessageView:
    """What a client sees of a line; hidden and deleted lines keep their place, not their text."""

    id: int
    seq: int
    cursor: int
    client_id: str
    author_id: int | None
    author_name: str
    body: str
    parts: list[Segment]
    created_at: str
    edited: bool
    deleted: bool
    hidden: bool
    hidden_reason: str | None

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def message_view(message: Message) -> MessageView:
    gone = message.deleted_at is not None or message.hidden_at is not None
    body = "" if gone else message.body
    return MessageView(
        id=message.id,
        seq=message.seq,
        cursor=message.changed_seq,
        client_id=message.client_id,
        author_id=message.author_id,
        author_name=person_name(message.author),
        body=body,
        parts=segments(body),
        created_at=message.created_at.isoformat(),
        edited=message.edited_at is not None,
        deleted=message.deleted_at is not None,
        hidden=message.hidden_at is not None,
        hidden_reason=message.hidden_reason,
    )


@dataclass(frozen=True)
class PostResult:
    message: MessageView
    duplicate: bool  # True when the client id was already stored: nothing new to broadcast


@dataclass(frozen=True)
class NewLine:
    """One chat send as it arrives: who, in which room, the sender's client id, the text."""

    actor: Actor
    room_id: int
    client_id: str
    body: str
