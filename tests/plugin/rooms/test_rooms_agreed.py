"""Agreed team meetings: members record one (twice is once), everyone is reminded once in
their own zone, outsiders are refused, and the .ics is RFC 5545 with escaped text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plugin.errors import InvalidInput, NotAllowed, NotFound
from plugin.notifications.models import Notification
from plugin.rooms.agreed import (
    agree_meeting,
    fold,
    ics_text,
    meeting_for,
    meeting_ics,
    send_meeting_reminders,
    upcoming_meetings,
)
from plugin.rooms.agreed_models import AgreedMeeting
from tests.plugin.rooms.rooms_world import World, build_world

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
START = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def test_a_member_agrees_once_and_everyone_sees_it(session: Session, world: World) -> None:
    first = agree_meeting(session, world.alice, world.team_id, START, 60, now=NOW)
    again = agree_meeting(session, world.bruno, world.team_id, START, 45, now=NOW)
    assert again.id == first.id  # the same time is the same meeting, whoever sends it
    assert session.scalar(select(func.count()).select_from(AgreedMeeting)) == 1
    assert first.ends_at - first.starts_at == timedelta(minutes=60)
    shown = upcoming_meetings(session, world.teacher, world.team_id, NOW)
    assert [m.id for m in shown] == [first.id]
    assert upcoming_meetings(session, world.alice, world.team_id, START + timedelta(hours=2)) == []
    assert meeting_for(session, world.bruno, first.id).starts_at == START


def test_outsiders_and_bad_times_are_refused(session: Session, world: World) -> None:
    with pytest.raises(NotFound):
        agree_meeting(session, world.dora, world.team_id, START, 60, now=NOW)
    with pytest.raises(NotAllowed):  # a teacher observes; the team decides
        agree_meeting(session, world.teacher, world.team_id, START, 60, now=NOW)
    with pytest.raises(InvalidInput, match="future"):
        agree_meeting(session, world.alice, world.team_id, NOW - timedelta(hours=1), 60, now=NOW)
    with pytest.raises(InvalidInput, match="15 to 240"):
        agree_meeting(session, world.alice, world.team_id, START, 5, now=NOW)
    with pytest.raises(InvalidInput, match="year"):
        agree_meeting(session, world.alice, world.team_id, NOW + timedelta(days=400), 60, now=NOW)
    meeting = agree_meeting(session, world.alice, world.team_id, START, 60, now=NOW)
    with pytest.raises(NotFound):
        meeting_for(session, world.dora, meeting.id)


def test_the_reminder_goes_once_to_each_member_in_their_zone(
    session: Session, world: World
) -> None:
    meeting = agree_meeting(session, world.alice, world.team_id, START, 60, now=NOW)
    assert send_meeting_reminders(session, START - timedelta(hours=3)) == 0  # not yet
    assert send_meeting_reminders(session, START - timedelta(minutes=50)) == 3
    assert send_meeting_reminders(session, START - timedelta(minutes=45)) == 0  # never twice
    reminders = select(Notification).where(Notification.kind == "meeting_reminder")
    notes = {n.person_id: n for n in session.scalars(reminders)}
    assert set(notes) == {world.alice.person_id, world.bruno.person_id, world.chen.person_id}
    assert notes[world.alice.person_id].params["when"] == "2026-03-03 17:00 (Europe/Amsterdam)"
    assert notes[world.bruno.person_id].params["when"] == "2026-03-03 17:00 (Europe/Rome)"
    assert notes[world.chen.person_id].params["when"] == "2026-03-03 16:00 (UTC)"
    assert notes[world.alice.person_id].params["meeting"] == meeting.id
    assert notes[world.alice.person_id].target == f"room:{world.team_id}"
    assert world.dora.person_id not in notes


def test_ics_escapes_text_folds_long_lines_and_is_utc() -> None:
    assert ics_text("a,b;c\\d\r\ne\nf") == "a\\,b\\;c\\\\d\\ne\\nf"
    long = "SUMMARY:" + "é" * 60
    folded = fold(long)
    assert all(len(part.encode()) <= 75 for part in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == long
    body = meeting_ics(
        uid="meeting-7@tandem.test",
        start=datetime(2026, 3, 3, 17, 0, tzinfo=UTC),
        end=datetime(2026, 3, 3, 18, 0, tzinfo=UTC),
        summary="Team 1, Climate; week 3",
        url="https://tandem.test/teams/1/room",
        now=NOW,
    )
    assert body.startswith("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
    assert body.endswith("END:VCALENDAR\r\n")
    lines = body.split("\r\n")
    assert "UID:meeting-7@tandem.test" in lines
    assert "DTSTAMP:20260302T090000Z" in lines
    assert "DTSTART:20260303T170000Z" in lines
    assert "DTEND:20260303T180000Z" in lines
    assert "SUMMARY:Team 1\\, Climate\\; week 3" in lines
    assert "URL:https://tandem.test/teams/1/room" in lines
    assert lines.index("BEGIN:VEVENT") < lines.index("END:VEVENT")
