"""The daily chat digest tells members who were away, once a day, without the lines' text."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.chat import service as chat_service
from plugin.chat.digest import send_chat_digests
from plugin.db import utcnow
from plugin.notifications.models import Notification
from tests.plugin.rooms.rooms_world import World, build_world


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def _told(session: Session) -> list[tuple[int, str | None, str]]:
    rows = session.scalars(select(Notification).where(Notification.kind == "chat_digest"))
    return sorted((n.person_id, n.target, str(n.params)) for n in rows)


def test_members_who_were_away_hear_once_a_day_and_never_what_was_said(
    session: Session, world: World
) -> None:
    chat_service.post_message(session, world.alice, world.room_id, "d-1", "Secret plan A")
    chat_service.post_message(session, world.bruno, world.room_id, "d-2", "Secret plan B")
    chat_service.post_message(session, world.dora, world.other_room_id, "d-3", "Other team")

    assert send_chat_digests(session) == 2
    told = _told(session)
    # alice wrote before bruno: she was away since; chen never wrote; bruno wrote last.
    assert [person for person, _target, _params in told] == sorted(
        [world.alice.person_id, world.chen.person_id]
    )
    assert {target for _p, target, _params in told} == {f"room:{world.team_id}"}
    assert all("Secret" not in params for _p, _t, params in told)
    assert send_chat_digests(session) == 0  # the same day: nothing twice
    assert send_chat_digests(session, now=utcnow() + timedelta(days=2)) == 0  # nothing new


def test_a_member_who_answered_is_not_told(session: Session, world: World) -> None:
    chat_service.post_message(session, world.bruno, world.room_id, "e-1", "Question?")
    chat_service.post_message(session, world.alice, world.room_id, "e-2", "Answer.")
    send_chat_digests(session)
    told = [person for person, _t, _p in _told(session)]
    assert world.alice.person_id not in told
    assert world.bruno.person_id in told  # alice wrote after him
