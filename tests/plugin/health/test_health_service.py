"""Team health on both databases: counts from what the rooms record, statuses and their
reasons, the at-risk alert (once per change), and who sees whom (rule 5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.calls.models import CallAttendance
from plugin.chat.models import Message
from plugin.checkins.models import CheckinAnswer
from plugin.errors import InvalidInput, NotAllowed
from plugin.exchanges.service import set_team_data_sharing
from plugin.health.models import Intervention, MemberWeek, TeamHealth, TeamWeek
from plugin.health.service import (
    ThresholdsRefused,
    exchanges_to_refresh,
    health_dashboard,
    log_intervention,
    refresh_exchange_health,
    team_health,
    update_thresholds,
)
from plugin.health.status import Status
from plugin.notes.models import NoteUpdate
from plugin.notifications.models import Notification
from plugin.peer.flags import INSTITUTION_SPLIT
from plugin.peer.models import PeerRound, PeerTeamResult
from plugin.tasks.models import Task, TaskState
from plugin.teams.models import Team
from tests.plugin.rooms.rooms_world import World, build_world

# The world's exchange starts on Monday 2 February 2026: week 0 is 2-8 February.
NOW = datetime(2026, 3, 4, 12, tzinfo=UTC)  # week 4


def _at(days: float) -> datetime:
    return datetime(2026, 2, 2, 9, tzinfo=UTC) + timedelta(days=days)


def _line(session: Session, room_id: int, author: Actor, when: datetime, seq: int) -> None:
    session.add(
        Message(
            room_id=room_id,
            seq=seq,
            client_id=f"c{seq}",
            author_id=author.person_id,
            body="never read by health",
            created_at=when,
        )
    )


def _activity(session: Session, w: World) -> None:
    """Alice chats every week, Chen edits the note and finishes a task, Bruno went quiet after
    week 1; Alice and Bruno met in the call on day 9 (week 1)."""
    seq = 0
    for day in (1, 2, 8, 15, 22, 29):
        seq += 1
        _line(session, w.room_id, w.alice, _at(day), seq)
    for day in (3, 9):
        seq += 1
        _line(session, w.room_id, w.bruno, _at(day), seq)
    seq += 1
    _line(session, w.other_room_id, w.dora, _at(29), seq)
    session.add(
        NoteUpdate(
            room_id=w.room_id, data=b"x", merged=3, author_id=w.chen.person_id, created_at=_at(23)
        )
    )
    session.add(
        Task(
            room_id=w.room_id,
            phase_key="project",
            title="Poster",
            state=TaskState.DONE,
            done_by_id=w.chen.person_id,
            done_at=_at(24),
        )
    )
    for person in (w.alice, w.bruno):
        session.add(
            CallAttendance(
                room_id=w.room_id, person_id=person.person_id, joined_at=_at(9), left_at=_at(9.05)
            )
        )
    # The teams were formed on the first day (the world makes them "now").
    for team in session.scalars(select(Team).where(Team.exchange_id == w.exchange_id)):
        team.created_at = _at(0)
        for member in team.members:
            member.joined_at = _at(0)
    session.commit()


@pytest.fixture
def world(session: Session) -> World:
    w = build_world(session)
    _activity(session, w)
    return w


def test_counts_per_member_and_week_and_team_totals(session: Session, world: World) -> None:
    report = refresh_exchange_health(session, world.exchange_id, NOW)
    assert report.teams == 2
    weeks = {
        (r.week, r.lines, r.note_edits, r.tasks_done, r.calls, r.active_members)
        for r in session.scalars(select(TeamWeek).where(TeamWeek.team_id == world.team_id))
    }
    assert weeks == {
        (0, 3, 0, 0, 0, 2),
        (1, 2, 0, 0, 2, 2),
        (2, 1, 0, 0, 0, 1),
        (3, 1, 3, 1, 0, 2),
        (4, 1, 0, 0, 0, 1),
    }
    bruno = {
        (r.week, r.lines, r.calls)
        for r in session.scalars(
            select(MemberWeek).where(MemberWeek.person_id == world.bruno.person_id)
        )
    }
    assert bruno == {(0, 1, 0), (1, 1, 1)}
    # Recounting replaces, never adds up.
    refresh_exchange_health(session, world.exchange_id, NOW)
    assert session.scalar(select(func.count()).select_from(TeamWeek)) == 6


def test_status_and_reasons_in_words(session: Session, world: World) -> None:
    refresh_exchange_health(session, world.exchange_id, NOW)
    health = session.get_one(TeamHealth, world.team_id)
    # Last meeting on day 9 (11 February), 21 days before NOW; Bruno silent since day 9.
    assert health.status == Status.AT_RISK.value
    assert {r["key"] for r in health.reasons} == {"no_meeting", "silent"}
    page = team_health(session, world.teacher, world.team_id, NOW)
    assert [str(r) for r in page.reasons] == [
        "no team meeting for 21 days",
        "one member silent for 21 days",
    ]


def test_teachers_hear_once_per_change_to_at_risk(session: Session, world: World) -> None:
    def alerts() -> int:
        return (
            session.scalar(
                select(func.count()).where(
                    Notification.kind == "team_at_risk",
                    Notification.target == f"health:{world.team_id}",
                )
            )
            or 0
        )

    refresh_exchange_health(session, world.exchange_id, NOW)
    first = alerts()
    assert first == 2  # Tess and Paola, the exchange's teachers; never the stranger
    refresh_exchange_health(session, world.exchange_id, NOW + timedelta(minutes=5))
    assert alerts() == first
    # The team meets again and everyone speaks: healthy; then it drifts off again.
    for i, person in enumerate((world.alice, world.bruno, world.chen)):
        _line(session, world.room_id, person, NOW + timedelta(hours=1), 100 + i)
        session.add(
            CallAttendance(
                room_id=world.room_id,
                person_id=person.person_id,
                joined_at=NOW + timedelta(hours=1),
            )
        )
    session.commit()
    refresh_exchange_health(session, world.exchange_id, NOW + timedelta(hours=2))
    assert session.get_one(TeamHealth, world.team_id).status == Status.HEALTHY.value
    refresh_exchange_health(session, world.exchange_id, NOW + timedelta(days=30))
    assert session.get_one(TeamHealth, world.team_id).status == Status.AT_RISK.value
    assert alerts() == 2 * first


def test_own_students_one_by_one_partners_only_in_totals(session: Session, world: World) -> None:
    refresh_exchange_health(session, world.exchange_id, NOW)
    leiden = team_health(session, world.teacher, world.team_id, NOW)
    assert [m.name for m in leiden.members] == ["Alice", "Chen"]
    assert leiden.others == [("Università di Bologna", 1)]
    assert sum(c.lines for c in leiden.totals) == 8  # Bruno's two lines are in the totals
    bologna = team_health(session, world.partner_teacher, world.team_id, NOW)
    assert [m.name for m in bologna.members] == ["Bruno"]
    assert bologna.others == [("Universiteit Leiden", 2)]
    assert bologna.members[0].lines == 2
    assert bologna.members[0].calls == 1


def test_only_the_exchanges_teachers_may_look(session: Session, world: World) -> None:
    refresh_exchange_health(session, world.exchange_id, NOW)
    for outsider in (world.stranger, world.alice):
        with pytest.raises(NotAllowed):
            team_health(session, outsider, world.team_id, NOW)
        with pytest.raises(NotAllowed):
            health_dashboard(session, outsider, world.exchange_id, now=NOW)
        with pytest.raises(NotAllowed):
            log_intervention(session, outsider, world.team_id, "met", "", "x1")


def test_dashboard_sorts_worst_first_and_shows_only_teams(session: Session, world: World) -> None:
    refresh_exchange_health(session, world.exchange_id, NOW)
    board = health_dashboard(session, world.partner_teacher, world.exchange_id, now=NOW)
    assert [t.name for t in board.teams] == ["Team 1", "Team 2"]
    assert board.counts[Status.AT_RISK] == 2  # Team 2: Dora never met anyone
    assert [c.value for c in board.teams[0].cells] == [3, 4, 1, 5, 1]
    assert board.teams[0].cells[3].level == 4
    by_name = health_dashboard(session, world.teacher, world.exchange_id, sort="activity", now=NOW)
    assert [t.name for t in by_name.teams] == ["Team 2", "Team 1"]
    with pytest.raises(InvalidInput):
        health_dashboard(session, world.teacher, world.exchange_id, sort="email", now=NOW)


def test_thresholds_per_field_and_applied(session: Session, world: World) -> None:
    with pytest.raises(ThresholdsRefused) as refused:
        update_thresholds(
            session,
            world.partner_teacher,
            world.exchange_id,
            {
                "meeting_gap_days": Decimal(0),
                "silent_days": Decimal(30),
                "checkin_drop": Decimal(1),
                "checkin_low": Decimal(2),
            },
        )
    assert set(refused.value.fields) == {"meeting_gap_days"}
    update_thresholds(
        session,
        world.partner_teacher,
        world.exchange_id,
        {
            "meeting_gap_days": Decimal(30),
            "silent_days": Decimal(30),
            "checkin_drop": Decimal(1),
            "checkin_low": Decimal(2),
        },
    )
    refresh_exchange_health(session, world.exchange_id, NOW)
    assert session.get_one(TeamHealth, world.team_id).status == Status.HEALTHY.value


def test_the_log_is_shared_and_a_double_submit_adds_one_entry(
    session: Session, world: World
) -> None:
    first = log_intervention(session, world.teacher, world.team_id, "met", " Spoke to all ", "f1")
    again = log_intervention(session, world.teacher, world.team_id, "met", " Spoke to all ", "f1")
    assert again.id == first.id
    assert session.scalar(select(func.count()).select_from(Intervention)) == 1
    with pytest.raises(InvalidInput):
        log_intervention(session, world.teacher, world.team_id, "note", "  ", "f2")
    with pytest.raises(InvalidInput):
        log_intervention(session, world.teacher, world.team_id, "shouted", "", "f3")
    seen = team_health(session, world.partner_teacher, world.team_id, NOW).log
    assert [(str(e.action), e.note, e.author) for e in seen] == [
        ("Met the team", "Spoke to all", "Tess")
    ]


def test_a_student_actor_role_changes_nothing(session: Session, world: World) -> None:
    """A teacher's person id with a student role (launched as a student elsewhere) is still
    judged by whether the person teaches in the exchange, like every teacher page."""
    as_student = Actor(world.teacher.person_id, Role.STUDENT, None)
    assert team_health(session, as_student, world.team_id, NOW).name == "Team 1"


def test_with_both_universities_sharing_partners_are_named(session: Session, world: World) -> None:
    set_team_data_sharing(session, world.teacher, world.exchange_id, True)
    refresh_exchange_health(session, world.exchange_id, NOW)
    assert team_health(session, world.teacher, world.team_id, NOW).others == [
        ("Università di Bologna", 1)
    ]  # only Leiden shares so far
    set_team_data_sharing(session, world.partner_teacher, world.exchange_id, True)
    leiden = team_health(session, world.teacher, world.team_id, NOW)
    assert [m.name for m in leiden.members] == ["Alice", "Bruno", "Chen"]
    assert leiden.others == []


def _answer(session: Session, w: World, who: Actor, iso_week: str, scores: int) -> None:
    session.add(
        CheckinAnswer(
            exchange_id=w.exchange_id,
            team_id=w.team_id,
            person_id=who.person_id,
            week=iso_week,
            teamwork=scores,
            contribute=scores,
            blockers=scores,
            comment="only for the student's own teacher",
        )
    )


def test_checkin_averages_and_a_ratings_split_feed_the_status(
    session: Session, world: World
) -> None:
    # Everyone active and meeting, so only the check-ins and ratings speak.
    for i, person in enumerate((world.alice, world.bruno, world.chen)):
        _line(session, world.room_id, person, NOW - timedelta(days=1), 200 + i)
        session.add(
            CallAttendance(
                room_id=world.room_id, person_id=person.person_id, joined_at=NOW - timedelta(days=1)
            )
        )
    # ISO weeks 2026-W08 (16-22 Feb, exchange week 2) and W09 (week 3).
    _answer(session, world, world.alice, "2026-W08", 4)
    _answer(session, world, world.bruno, "2026-W08", 5)
    _answer(session, world, world.alice, "2026-W09", 3)
    _answer(session, world, world.bruno, "2026-W09", 3)
    session.commit()
    refresh_exchange_health(session, world.exchange_id, NOW)
    weeks = {
        r.week: r.checkin_average
        for r in session.scalars(select(TeamWeek).where(TeamWeek.team_id == world.team_id))
    }
    assert weeks[2] == 4.5
    assert weeks[3] == 3.0
    page = team_health(session, world.teacher, world.team_id, NOW)
    assert page.status is Status.WATCH
    assert [str(r) for r in page.reasons] == ["check-in average fell from 4.5 to 3.0"]
    board = health_dashboard(session, world.teacher, world.exchange_id, now=NOW)
    assert board.has_checkins
    (line,) = [t for t in board.teams if t.team_id == world.team_id]
    assert line.checkins[2:4] == [4.5, 3.0]
    assert line.trend

    peer_round = PeerRound(
        exchange_id=world.exchange_id,
        title="Mid-point",
        opens_at=NOW - timedelta(days=7),
        closes_at=NOW - timedelta(days=1),
    )
    session.add(peer_round)
    session.flush()
    session.add(
        PeerTeamResult(
            round_id=peer_round.id,
            team_id=world.team_id,
            raters=3,
            institution_gap=1.4,
            flags=[INSTITUTION_SPLIT],
        )
    )
    session.commit()
    refresh_exchange_health(session, world.exchange_id, NOW)
    page = team_health(session, world.teacher, world.team_id, NOW)
    assert page.status is Status.AT_RISK  # two reasons to watch
    assert "ratings split by university" in [str(r) for r in page.reasons]


def test_a_recount_of_recent_weeks_matches_a_full_count(session: Session, world: World) -> None:
    def rows() -> set[tuple[int, ...]]:
        return {
            (r.team_id, r.week, r.lines, r.note_edits, r.tasks_done, r.calls, r.active_members)
            for r in session.scalars(select(TeamWeek))
        } | {(r.person_id, r.week, r.lines, r.calls) for r in session.scalars(select(MemberWeek))}

    refresh_exchange_health(session, world.exchange_id, NOW)
    _line(session, world.room_id, world.chen, NOW - timedelta(hours=2), 300)
    session.commit()
    later = NOW + timedelta(days=1)
    refresh_exchange_health(session, world.exchange_id, later)  # weeks 3 and 4 only
    recent = rows()
    status = session.get_one(TeamHealth, world.team_id).reasons
    refresh_exchange_health(session, world.exchange_id, later, full=True)
    assert rows() == recent
    assert session.get_one(TeamHealth, world.team_id).reasons == status
    assert (world.team_id, 4, 2, 0, 0, 0, 2) in recent


def test_the_periodic_run_takes_running_exchanges_only(session: Session, world: World) -> None:
    # The world's exchange runs from 2 February to 30 April 2026.
    assert exchanges_to_refresh(session, NOW) == [world.exchange_id]
    assert exchanges_to_refresh(session, datetime(2026, 5, 6, tzinfo=UTC)) == [world.exchange_id]
    assert exchanges_to_refresh(session, datetime(2026, 5, 8, tzinfo=UTC)) == []
    assert exchanges_to_refresh(session, datetime(2026, 1, 20, tzinfo=UTC)) == []
