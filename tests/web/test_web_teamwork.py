"""The check-in and peer evaluation pages through Flask: a round typed in the teacher's zone
(twice is once), settings saved, the CSV downloads, bad input is a clear 400, a student's
rating form and check-in post and redirect."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.checkins.models import CheckinAnswer
from plugin.exchanges.models import Exchange, SeatSetting
from plugin.peer.models import PeerPolicy, PeerRating, PeerRound
from plugin.profiles.models import Profile
from tests.plugin.peer.peer_world import PeerWorld, build_peer_world
from web.auth import start_web_session


@pytest.fixture
def pw(session: Session) -> PeerWorld:
    world = build_peer_world(session)
    exchange = session.get_one(Exchange, world.exchange_id)
    today = datetime.now(UTC).date()
    exchange.starts_on, exchange.ends_on = today - timedelta(days=7), today + timedelta(days=30)
    session.commit()
    return world


def _sign_in(app: Flask, client: FlaskClient, actor: Actor) -> None:
    from flask import session as browser_state

    with app.test_request_context():
        start_web_session(actor)
        state = dict(browser_state)
    with client.session_transaction() as cookie:
        cookie.clear()
        cookie.update(state)


def test_a_teacher_opens_a_round_in_their_zone_once_and_saves_settings(
    app: Flask, client: FlaskClient, session: Session, pw: PeerWorld
) -> None:
    teacher = pw.rooms.teacher
    zone = session.scalar(select(Profile.time_zone).where(Profile.person_id == teacher.person_id))
    assert zone == "Europe/Amsterdam"
    _sign_in(app, client, teacher)
    base = f"/exchanges/{pw.exchange_id}/teamwork"
    assert client.get(base).status_code == 200
    day = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    form = {"title": "Final", "opens_at": f"{day}T09:00", "closes_at": f"{day}T21:00"}
    assert client.post(f"{base}/rounds", data=form).status_code == 303
    assert client.post(f"{base}/rounds", data=form).status_code == 303
    session.expire_all()
    [peer_round] = session.scalars(select(PeerRound)).all()
    local = peer_round.opens_at.astimezone(ZoneInfo("Europe/Amsterdam"))
    assert (local.hour, local.minute) == (9, 0)
    assert "Final" in client.get(base).text

    bad = client.post(f"{base}/rounds", data={**form, "title": "X", "closes_at": "tomorrow"})
    assert bad.status_code == 400
    assert "year-month-day" in bad.text
    assert client.post(f"{base}/policy", data={"cap": "lots"}).status_code == 400
    assert client.post(f"{base}/policy", data={"cap": "5"}).status_code == 400
    # Read the viewer's way: "1,1" is a Dutch 1.1 and an English eleven (refused).
    assert client.post(f"{base}/policy?lang=en", data={"cap": "1,1"}).status_code == 400
    reply = client.post(f"{base}/policy?lang=nl", data={"adjust_grades": "1", "cap": "1,1"})
    assert reply.status_code == 303
    assert 'value="1,1"' in client.get(f"{base}?lang=nl").text
    assert 'value="1.1"' in client.get(f"{base}?lang=en").text
    assert client.post(f"{base}/sharing", data={"share": "1"}).status_code == 303
    assert (
        client.post(f"{base}/schedule", data={"starts_on": "x", "ends_on": "y"}).status_code == 400
    )
    session.expire_all()
    policy = session.get_one(PeerPolicy, pw.exchange_id)
    assert policy.adjust_grades
    assert policy.factor_cap == pytest.approx(1.1)
    assert session.scalars(select(SeatSetting)).one().share_team_data

    csv_reply = client.get(f"{base}/research.csv")
    assert csv_reply.status_code == 200
    assert csv_reply.mimetype == "text/csv"
    assert csv_reply.text.startswith("kind,round_or_week,team,person")

    _sign_in(app, client, pw.rooms.alice)
    assert client.get(base).status_code == 403


def test_a_student_rates_and_checks_in_through_the_forms(
    app: Flask, client: FlaskClient, session: Session, pw: PeerWorld
) -> None:
    from plugin.peer.service import open_round

    now = datetime.now(UTC)
    peer_round = open_round(
        session,
        pw.rooms.teacher,
        pw.exchange_id,
        "Mid",
        now - timedelta(hours=1),
        now + timedelta(days=1),
    )
    alice = pw.rooms.alice
    _sign_in(app, client, alice)
    page = client.get(f"/peer/rounds/{peer_round.id}").text
    assert page.count("<legend>") >= 5 * 6  # a teammate's legend and one per dimension
    form = {
        f"r-{mate.person_id}-{key}": "3"
        for mate in pw.team
        for key in ("contributing", "interacting", "on_track", "quality", "knowledge")
    }
    assert (
        client.post(f"/peer/rounds/{peer_round.id}", data={**form, "comment": "ok"}).status_code
        == 303
    )
    assert client.post(f"/peer/rounds/{peer_round.id}", data=form).status_code == 303
    missing = dict(form)
    missing.popitem()
    assert client.post(f"/peer/rounds/{peer_round.id}", data=missing).status_code == 400
    session.expire_all()
    assert len(session.scalars(select(PeerRating)).all()) == 5

    checkin = f"/exchanges/{pw.exchange_id}/checkin"
    answer = {"teamwork": "4", "contribute": "5", "blockers": "3"}
    assert client.post(checkin, data=answer).status_code == 303
    assert client.post(checkin, data={**answer, "teamwork": "9"}).status_code == 400
    assert 'data-testid="answered"' in client.get(checkin).text
    assert f'href="{checkin}"' in client.get(f"/teams/{pw.rooms.team_id}/room").text
    session.expire_all()
    [row] = session.scalars(select(CheckinAnswer)).all()
    assert (row.teamwork, row.contribute, row.blockers) == (4, 5, 3)
