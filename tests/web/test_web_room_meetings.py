"""The room's agreed meetings: a member saves one from the form (twice is once), it shows
in the viewer's zone, the .ics downloads, and bad input is a clear 400."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.profiles.models import Profile
from plugin.rooms.agreed_models import AgreedMeeting
from tests.plugin.rooms.rooms_world import World, build_world
from web.auth import start_web_session


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def _sign_in(app: Flask, client: FlaskClient, actor: Actor) -> None:
    from flask import session as browser_state

    with app.test_request_context():
        start_web_session(actor)
        state = dict(browser_state)
    with client.session_transaction() as cookie:
        cookie.clear()
        cookie.update(state)


def test_a_member_saves_a_typed_meeting_in_their_zone_once(
    app: Flask, client: FlaskClient, session: Session, world: World
) -> None:
    zone = session.scalar(
        select(Profile.time_zone).where(Profile.person_id == world.alice.person_id)
    )
    assert zone == "Europe/Amsterdam"
    _sign_in(app, client, world.alice)
    day = (datetime.now(UTC) + timedelta(days=10)).date()
    form = {"date": day.isoformat(), "time": "18:30", "minutes": "45"}
    room = f"/teams/{world.team_id}/room"
    assert client.get(room).status_code == 200
    first = client.post(f"/teams/{world.team_id}/meetings", data=form)
    second = client.post(f"/teams/{world.team_id}/meetings", data=form)
    assert first.status_code == second.status_code == 303
    assert first.location.endswith(f"{room}#agreed-heading")
    session.expire_all()
    [meeting] = session.scalars(select(AgreedMeeting)).all()
    local = meeting.starts_at.astimezone(ZoneInfo("Europe/Amsterdam"))
    assert (local.hour, local.minute) == (18, 30)
    assert meeting.ends_at - meeting.starts_at == timedelta(minutes=45)
    page = client.get(room).text
    assert 'data-testid="agreed-meeting"' in page
    assert "18:30" in page  # the viewer's zone
    ics = client.get(f"/teams/{world.team_id}/meetings/{meeting.id}.ics")
    assert ics.status_code == 200
    assert ics.mimetype == "text/calendar"
    assert f"{meeting.starts_at:%Y%m%dT%H%M%S}Z" in ics.text

    bad = {"date": "tomorrow", "time": "9", "minutes": "60"}
    assert client.post(f"/teams/{world.team_id}/meetings", data=bad).status_code == 400
    past = {"date": "2020-01-01", "time": "10:00"}
    assert client.post(f"/teams/{world.team_id}/meetings", data=past).status_code == 400
    assert client.post(f"/teams/{world.team_id}/meetings", data={"slot": "x"}).status_code == 400
    assert client.post(f"/teams/{world.team_id}/meetings", data={}).status_code == 400
    assert session.scalar(select(func.count()).select_from(AgreedMeeting)) == 1

    _sign_in(app, client, world.dora)  # another team
    assert client.get(f"/teams/{world.team_id}/meetings/{meeting.id}.ics").status_code == 404
    assert client.post(f"/teams/{world.team_id}/meetings", data=form).status_code == 404
