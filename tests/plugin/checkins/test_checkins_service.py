"""Check-ins through their use cases, on both databases: answers replace within a week,
comments stay with the student's own teacher, schedules limit the weeks, notices go once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plugin.checkins.models import CheckinAnswer
from plugin.checkins.service import (
    announce_checkins,
    answer_checkin,
    my_checkin,
    set_schedule,
    teacher_checkins,
    weekly_averages,
)
from plugin.errors import InvalidInput, NotAllowed
from plugin.exchanges.service import set_team_data_sharing
from tests.plugin.peer.peer_world import NOW, PeerWorld, build_peer_world


@pytest.fixture
def pw(session: Session) -> PeerWorld:
    return build_peer_world(session)


def test_checkins_replace_within_a_week_and_stay_private(session: Session, pw: PeerWorld) -> None:
    w = pw.rooms
    current = my_checkin(session, w.alice, pw.exchange_id, now=NOW)
    assert current is not None
    assert current.is_open  # default: whole run
    answer_checkin(
        session,
        w.alice,
        pw.exchange_id,
        teamwork=2,
        contribute=3,
        blockers=4,
        comment="stuck",
        now=NOW,
    )
    answer_checkin(session, w.alice, pw.exchange_id, teamwork=4, contribute=4, blockers=4, now=NOW)
    answer_checkin(
        session,
        w.bruno,
        pw.exchange_id,
        teamwork=2,
        contribute=2,
        blockers=2,
        comment="quiet team",
        now=NOW,
    )
    assert session.scalar(select(func.count()).select_from(CheckinAnswer)) == 2
    with pytest.raises(InvalidInput):
        answer_checkin(
            session, w.alice, pw.exchange_id, teamwork=0, contribute=3, blockers=3, now=NOW
        )
    (week,) = weekly_averages(session, pw.exchange_id)
    assert week.answers == 2
    assert week.teamwork == pytest.approx(3.0)

    leiden = teacher_checkins(session, w.teacher, pw.exchange_id)
    assert [a.name for a in leiden.answers] == ["Alice"]
    assert leiden.answers[0].comment is None  # replaced by an answer without one
    assert leiden.hidden_answers == 1
    bologna = teacher_checkins(session, w.partner_teacher, pw.exchange_id)
    assert [(a.name, a.comment) for a in bologna.answers] == [("Bruno", "quiet team")]
    set_team_data_sharing(session, w.teacher, pw.exchange_id, True)
    set_team_data_sharing(session, w.partner_teacher, pw.exchange_id, True)
    shared = teacher_checkins(session, w.teacher, pw.exchange_id)
    bruno = next(a for a in shared.answers if a.name == "Bruno")
    assert bruno.comment is None  # the comment is for Bruno's own teacher only
    with pytest.raises(NotAllowed):
        teacher_checkins(session, w.alice, pw.exchange_id)


def test_a_schedule_limits_the_weeks_and_notices_go_once(session: Session, pw: PeerWorld) -> None:
    w = pw.rooms
    set_schedule(
        session,
        w.teacher,
        pw.exchange_id,
        NOW.date() + timedelta(days=14),
        NOW.date() + timedelta(days=40),
    )
    current = my_checkin(session, w.alice, pw.exchange_id, now=NOW)
    assert current is not None
    assert not current.is_open
    with pytest.raises(InvalidInput):
        answer_checkin(
            session, w.alice, pw.exchange_id, teamwork=3, contribute=3, blockers=3, now=NOW
        )
    with pytest.raises(InvalidInput):
        set_schedule(session, w.teacher, pw.exchange_id, NOW.date(), NOW.date() - timedelta(days=1))
    later = NOW + timedelta(days=14)
    assert announce_checkins(session, now=later) == 6
    assert announce_checkins(session, now=later) == 0
    answer_checkin(
        session, w.alice, pw.exchange_id, teamwork=3, contribute=3, blockers=3, now=later
    )
    saturday = later + timedelta(days=3)
    assert announce_checkins(session, now=saturday) == 5  # everyone but Alice
