"""Meeting times from availability (best weekly windows, local times, an .ics that parses
back), and call attendance turned into meeting evidence for completion rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.calls.models import CallAttendance
from plugin.calls.service import (
    join_call,
    leave_call,
    meeting_days,
    refresh_call_meetings,
)
from plugin.completion.models import CompletionEvidence, EvidenceKind
from plugin.completion.service import record_meeting
from plugin.errors import NotAllowed
from plugin.profiles.models import Profile
from plugin.rooms.meetings import MeetingSlot, meeting_plan, meetings_ics, suggest_slots
from realtime import tokens
from tests.plugin.rooms.rooms_world import World, build_world
from tests.realtime.test_realtime_page import sign_in
from web.extensions import socketio

DAY = 24 * 60
TUE, THU, SUN = DAY, 3 * DAY, 6 * DAY
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday


def at(day: int, hour: float) -> int:
    return day + int(hour * 60)


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def _availability(
    session: Session, person_id: int, intervals: list[list[int]], *, shared: bool = True
) -> None:
    profile = session.scalar(select(Profile).where(Profile.person_id == person_id))
    if profile is None:
        profile = Profile(person_id=person_id)
        session.add(profile)
    profile.availability = intervals
    profile.consents = {"availability": shared, "time_zone": shared}
    session.commit()


# --- suggestions -------------------------------------------------------------------------


def test_the_window_everyone_shares_comes_first_then_other_days() -> None:
    slots = suggest_slots(
        {
            1: [[at(TUE, 15), at(TUE, 19)], [at(THU, 8), at(THU, 10)]],
            2: [[at(TUE, 16), at(TUE, 19)], [at(THU, 8), at(THU, 9)]],
            3: [[at(TUE, 16.5), at(TUE, 17.5)]],
        }
    )
    assert slots[0] == MeetingSlot(at(TUE, 16.5), 60, (1, 2, 3))
    assert slots[1] == MeetingSlot(at(THU, 8), 60, (1, 2))  # another day before more Tuesday
    assert slots[2].free == (1, 2)
    assert slots[2].start_minute == at(TUE, 17.5)  # the first that does not clash
    starts = [s.start_minute for s in slots]
    assert all(abs(a - b) >= 60 for i, a in enumerate(starts) for b in starts[i + 1 :])


def test_a_window_may_wrap_past_sunday_midnight_and_one_person_is_no_meeting() -> None:
    late = [[at(SUN, 23.5), 7 * DAY], [0, 30]]
    slots = suggest_slots({1: late, 2: late, 3: [[at(TUE, 9), at(TUE, 12)]]})
    assert [(s.start_minute, s.free) for s in slots] == [(at(SUN, 23.5), (1, 2))]
    assert slots[0].next_start(NOW) == datetime(2026, 3, 8, 23, 30, tzinfo=UTC)
    assert suggest_slots({1: late}) == []


def test_the_plan_shows_each_member_and_who_gave_no_availability(
    session: Session, world: World
) -> None:
    _availability(session, world.alice.person_id, [[at(TUE, 15), at(TUE, 18)]])
    _availability(session, world.bruno.person_id, [[at(TUE, 16), at(TUE, 19)]])
    plan = meeting_plan(session, world.alice, world.room_id, NOW)
    assert plan.slots[0] == MeetingSlot(
        at(TUE, 16), 60, (world.alice.person_id, world.bruno.person_id)
    )
    assert plan.missing == ["Chen"]
    assert plan.until == date(2026, 4, 30)
    assert plan.team_name == "Team 1"
    with pytest.raises(Exception, match="not yours"):
        meeting_plan(session, world.dora, world.room_id, NOW)


def test_a_partner_who_refused_to_share_availability_is_not_counted_for_partners(
    session: Session, world: World
) -> None:
    """Bruno (Bologna) refused: to Alice and the Leiden teacher he is neither free nor "not
    free" and not in the count; his own university's view of him is unchanged."""
    _availability(session, world.alice.person_id, [[at(TUE, 15), at(TUE, 18)]])
    _availability(session, world.bruno.person_id, [[at(TUE, 16), at(TUE, 19)]], shared=False)
    _availability(session, world.chen.person_id, [[at(TUE, 15), at(TUE, 17)]])
    bruno = world.bruno.person_id
    for partner in (world.alice, world.teacher):
        plan = meeting_plan(session, partner, world.room_id, NOW)
        assert bruno not in plan.counted, partner
        assert all(bruno not in slot.free for slot in plan.slots), partner
        assert "Bruno" in plan.missing
    own = meeting_plan(session, world.bruno, world.room_id, NOW)
    assert bruno in own.counted
    assert any(bruno in slot.free for slot in own.slots)


# --- the calendar file -------------------------------------------------------------------


def parse_ics(text: str) -> list[dict[str, str]]:
    """Unfold (RFC 5545 3.1) and read every VEVENT's properties."""
    assert text.endswith("\r\n")
    lines = text.replace("\r\n ", "").split("\r\n")[:-1]
    assert lines[0] == "BEGIN:VCALENDAR"
    assert lines[-1] == "END:VCALENDAR"
    events: list[dict[str, str]] = []
    for line in lines:
        name, _, value = line.partition(":")
        if line == "BEGIN:VEVENT":
            events.append({})
        elif events and line != "END:VEVENT" and name != "END":
            events[-1][name] = value
    return events


def test_the_ics_has_weekly_utc_events_that_parse_back() -> None:
    slots = [MeetingSlot(at(TUE, 16), 60, (1, 2)), MeetingSlot(at(SUN, 23.5), 90, (1, 2))]
    text = meetings_ics(
        slots=slots,
        summary="Team meeting: Río, Climate; and more " + "x" * 80,
        description="Line one\nline two",
        url="https://tandem.example/teams/1/room",
        uid_prefix="tandem-team-1",
        now=NOW,
        until=date(2026, 4, 30),
    )
    assert all(len(line.encode()) <= 75 for line in text.split("\r\n"))
    events = parse_ics(text)
    assert [e["DTSTART"] for e in events] == ["20260303T160000Z", "20260308T233000Z"]
    assert [e["DTEND"] for e in events] == ["20260303T170000Z", "20260309T010000Z"]
    assert {e["RRULE"] for e in events} == {"FREQ=WEEKLY;UNTIL=20260430T235959Z"}
    assert events[0]["SUMMARY"] == "Team meeting: Río\\, Climate\\; and more " + "x" * 80
    assert events[0]["DESCRIPTION"] == "Line one\\nline two"
    assert len({e["UID"] for e in events}) == 2
    after_end = meetings_ics(
        slots=slots[:1],
        summary="s",
        description="d",
        url="u",
        uid_prefix="p",
        now=NOW,
        until=date(2026, 1, 1),
    )
    assert parse_ics(after_end)[0]["RRULE"] == "FREQ=WEEKLY;COUNT=12"


def test_the_room_page_shows_local_times_and_serves_the_ics(
    client: FlaskClient, session: Session, world: World
) -> None:
    _availability(session, world.alice.person_id, [[at(TUE, 15), at(TUE, 18)]])
    _availability(session, world.bruno.person_id, [[at(TUE, 16), at(TUE, 19)]])
    sign_in(client, world.alice)
    html = client.get(f"/teams/{world.team_id}/room").get_data(as_text=True)
    # 16:00 UTC on a Tuesday in March is 17:00 in Amsterdam and Rome (winter time).
    assert "Alice: Tuesday 17:00" in html
    assert "Bruno: Tuesday 17:00" in html
    assert 'data-testid="meetings-ics"' in html
    ics = client.get(f"/teams/{world.team_id}/meetings.ics")
    assert ics.status_code == 200
    assert ics.mimetype == "text/calendar"
    assert "attachment" in ics.headers["Content-Disposition"]
    event = parse_ics(ics.get_data(as_text=True))[0]
    assert event["DTSTART"].endswith("T160000Z")
    assert datetime.strptime(event["DTSTART"], "%Y%m%dT%H%M%SZ").weekday() == 1
    assert event["RRULE"].startswith("FREQ=WEEKLY;")
    assert f"/teams/{world.team_id}/room" in event["URL"]
    sign_in(client, world.dora)
    assert client.get(f"/teams/{world.team_id}/meetings.ics").status_code == 404


# --- attendance ----------------------------------------------------------------------------


def test_overlap_of_two_people_is_a_meeting_time_alone_is_not() -> None:
    t = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
    days = meeting_days(
        {
            1: [(t, t + timedelta(minutes=30))],
            2: [(t + timedelta(minutes=20), t + timedelta(minutes=60))],  # 10 min together
            3: [(t + timedelta(minutes=35), t + timedelta(minutes=44))],  # 9 min with 2
        }
    )
    assert days == {(1, t.date()), (2, t.date())}
    assert meeting_days({1: [(t, t + timedelta(hours=2))]}) == set()


def _evidence(session: Session, world: World) -> list[tuple[int, str, str]]:
    return sorted(
        (person_id, key, source)
        for person_id, key, source in session.execute(
            select(
                CompletionEvidence.person_id, CompletionEvidence.key, CompletionEvidence.source
            ).where(
                CompletionEvidence.exchange_id == world.exchange_id,
                CompletionEvidence.kind == EvidenceKind.MEETING,
            )
        )
    )


def test_a_call_together_becomes_meeting_evidence_once(session: Session, world: World) -> None:
    t = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
    assert join_call(session, world.alice, world.room_id, t).attendance_id is not None
    again = join_call(session, world.alice, world.room_id, t + timedelta(minutes=1))
    assert again.attendance_id == join_call(session, world.alice, world.room_id, t).attendance_id
    join_call(session, world.bruno, world.room_id, t + timedelta(minutes=5))
    assert join_call(session, world.teacher, world.room_id, t).attendance_id is None
    assert (
        leave_call(session, world.bruno, world.room_id, t + timedelta(minutes=12)).meetings_added
        == 0
    )
    join_call(session, world.bruno, world.room_id, t + timedelta(minutes=13))
    left = leave_call(session, world.alice, world.room_id, t + timedelta(minutes=40))
    assert left.meetings_added == 2
    assert _evidence(session, world) == [
        (world.alice.person_id, "2026-03-03", "call"),
        (world.bruno.person_id, "2026-03-03", "call"),
    ]
    leave_call(session, world.bruno, world.room_id, t + timedelta(minutes=50))
    assert refresh_call_meetings(session, world.teacher, world.exchange_id) == 0
    assert len(_evidence(session, world)) == 2
    rows = session.scalars(select(CallAttendance).order_by(CallAttendance.id)).all()
    assert [(r.person_id, r.left_at is not None) for r in rows] == [
        (world.alice.person_id, True),
        (world.bruno.person_id, True),
        (world.bruno.person_id, True),
    ]
    with pytest.raises(NotAllowed):
        refresh_call_meetings(session, world.alice, world.exchange_id)


def test_a_teacher_recorded_meeting_and_a_call_on_the_same_day_count_once(
    session: Session, world: World
) -> None:
    record_meeting(
        session, world.teacher, world.exchange_id, [world.alice.person_id], date(2026, 3, 3)
    )
    t = datetime(2026, 3, 3, 16, 0, tzinfo=UTC)
    join_call(session, world.alice, world.room_id, t)
    join_call(session, world.bruno, world.room_id, t)
    leave_call(session, world.bruno, world.room_id, t + timedelta(minutes=15))
    leave_call(session, world.alice, world.room_id, t + timedelta(minutes=15))
    assert _evidence(session, world) == [
        (world.alice.person_id, "2026-03-03", "teacher"),
        (world.bruno.person_id, "2026-03-03", "call"),
    ]


def test_the_browser_reports_joined_and_left_over_the_room_socket(
    app: Flask, session: Session, world: World
) -> None:
    def connect(actor: Any) -> Any:
        token = tokens.issue(app.config["SECRET_KEY"], actor, world.room_id)
        return socketio.test_client(app, namespace="/rooms", auth={"token": token})

    alice, bruno = connect(world.alice), connect(world.bruno)
    assert alice.emit("call", {"event": "joined"}, namespace="/rooms", callback=True) == {
        "ok": True,
        "counted": True,
        "meetings": 0,
    }
    bad = bruno.emit("call", {"event": "dance"}, namespace="/rooms", callback=True)
    assert bad["ok"] is False
    assert bad["error"]["code"] == "invalid"
    assert bruno.emit("call", {"event": "joined"}, namespace="/rooms", callback=True)["ok"]
    assert bruno.emit("call", {"event": "left"}, namespace="/rooms", callback=True)["ok"]
    alice.disconnect(namespace="/rooms")  # the tab closed without a "left"
    rows = session.scalars(select(CallAttendance).order_by(CallAttendance.id)).all()
    assert [(r.person_id, r.left_at is not None) for r in rows] == [
        (world.alice.person_id, True),
        (world.bruno.person_id, True),
    ]
    bruno.disconnect(namespace="/rooms")


def test_a_student_chooses_the_name_the_public_video_service_receives(
    client: FlaskClient, world: World, session: Session
) -> None:
    sign_in(client, world.alice)
    page = client.get(f"/teams/{world.team_id}/room").get_data(as_text=True)
    assert "meet.jit.si, a public service outside your university: it receives this name" in page
    assert "displayName=%22Alice%22" in page
    saved = client.post(f"/teams/{world.team_id}/video-name", data={"video_name": "A."})
    assert saved.status_code == 303
    page = client.get(f"/teams/{world.team_id}/room").get_data(as_text=True)
    assert "displayName=%22A.%22" in page
    assert "displayName=%22Alice%22" not in page
    client.post(f"/teams/{world.team_id}/video-name", data={"video_name": ""})
    page = client.get(f"/teams/{world.team_id}/room").get_data(as_text=True)
    assert "displayName" not in page  # no name at all
    too_long = client.post(f"/teams/{world.team_id}/video-name", data={"video_name": "x" * 81})
    assert too_long.status_code == 400
