"""The team health pages over HTTP: the dashboard (EN and NL), the thresholds form with a
message per wrong field, the log's double submit, and the team page's privacy split."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.chat.models import Message
from plugin.health.models import HealthSettings, Intervention, TeamWeek
from plugin.health.service import refresh_exchange_health
from tests.plugin.rooms.rooms_world import World, build_world


@pytest.fixture
def world(session: Session) -> World:
    w = build_world(session)
    now = datetime.now(UTC)
    for seq, who in enumerate((w.alice, w.bruno), start=1):
        session.add(
            Message(
                room_id=w.room_id,
                seq=seq,
                client_id=f"c{seq}",
                author_id=who.person_id,
                body="x",
                created_at=now - timedelta(hours=seq),
            )
        )
    session.commit()
    refresh_exchange_health(session, w.exchange_id, now)
    return w


def _sign_in(client: FlaskClient, actor: Actor) -> None:
    with client.session_transaction() as s:
        s.clear()
        s["person_id"] = actor.person_id
        s["role"] = actor.role.value
        s["course_id"] = actor.course_id


def test_dashboard_in_english_and_dutch(client: FlaskClient, world: World) -> None:
    _sign_in(client, world.teacher)
    page = client.get(f"/exchanges/{world.exchange_id}/health")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Team health in Climate" in text
    assert 'data-testid="heat-map"' in text
    assert "Team 1" in text
    assert "Bruno" not in text  # the dashboard is team-level only
    dutch = client.get(f"/exchanges/{world.exchange_id}/health?lang=nl").get_data(as_text=True)
    assert "Gezondheid van de teams in Climate" in dutch
    assert client.get(f"/exchanges/{world.exchange_id}/health?sort=email").status_code == 400


def test_outsiders_are_refused(client: FlaskClient, world: World) -> None:
    for outsider in (world.stranger, world.alice):
        _sign_in(client, outsider)
        assert client.get(f"/exchanges/{world.exchange_id}/health").status_code == 403
        assert client.get(f"/teams/{world.team_id}/health").status_code == 403


def test_thresholds_form_marks_each_wrong_field(
    client: FlaskClient, world: World, session: Session
) -> None:
    _sign_in(client, world.partner_teacher)
    url = f"/exchanges/{world.exchange_id}/health/settings"
    bad = client.post(
        url,
        data={
            "meeting_gap_days": "x",
            "silent_days": "99",
            "checkin_drop": "1",
            "checkin_low": "2.5",
        },
    )
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    assert 'data-testid="field-error-meeting_gap_days"' in text
    assert "Enter a number, for example 10." in text
    assert 'data-testid="field-error-silent_days"' in text
    assert 'data-testid="field-error-checkin_drop"' not in text
    assert 'value="99"' in text  # the form comes back filled in
    assert 'aria-describedby="silent_days-hint silent_days-error"' in text
    good = client.post(
        url,
        data={
            "meeting_gap_days": "7",
            "silent_days": "21",
            "checkin_drop": "1.5",
            "checkin_low": "2",
        },
    )
    assert good.status_code == 303
    row = session.get_one(HealthSettings, world.exchange_id)
    assert (row.meeting_gap_days, row.silent_days, row.checkin_drop) == (7, 21, 1.5)


def test_thresholds_read_and_show_numbers_the_dutch_way(
    client: FlaskClient, world: World, session: Session
) -> None:
    """A Dutch teacher sees and types "1,5"; a "1.5" there would be fifteen (a thousands dot),
    so it is refused with a Dutch example rather than guessed. English the other way round."""
    _sign_in(client, world.teacher)
    url = f"/exchanges/{world.exchange_id}/health/settings"
    form = {"meeting_gap_days": "8", "silent_days": "12", "checkin_drop": "1,5", "checkin_low": ""}
    refused = client.post(f"{url}?lang=nl", data={**form, "checkin_low": "2.5"})
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Vul een getal in, bijvoorbeeld 2,5." in text
    assert 'value="2.5"' in text
    assert 'value="1,5"' in text
    assert 'data-testid="field-error-checkin_drop"' not in text  # "1,5" is Dutch for 1.5
    assert "Van 0,5 tot en met 4,0." in text  # the hint's bounds, the Dutch way
    out_of_range = client.post(f"{url}?lang=nl", data={**form, "checkin_low": "4,9"})
    assert "Vul een getal in van 1,0 tot en met 4,5." in out_of_range.get_data(as_text=True)
    saved = client.post(f"{url}?lang=nl", data={**form, "checkin_low": "2,5"})
    assert saved.status_code == 303
    row = session.get_one(HealthSettings, world.exchange_id)
    session.refresh(row)
    assert (row.checkin_drop, row.checkin_low) == (1.5, 2.5)
    dutch = client.get(f"{url}?lang=nl").get_data(as_text=True)
    assert 'value="1,5"' in dutch
    assert 'value="2,5"' in dutch
    english = client.get(f"{url}?lang=en").get_data(as_text=True)
    assert 'value="1.5"' in english
    assert "From 0.5 to 4.0." in english
    comma = client.post(f"{url}?lang=en", data={**form, "checkin_low": "2.5"})
    assert comma.status_code == 400  # "1,5" in English reads as fifteen: refused
    assert "Enter a number, for example 1.0." in comma.get_data(as_text=True)


def test_log_double_submit_and_privacy_on_the_team_page(
    client: FlaskClient, world: World, session: Session
) -> None:
    _sign_in(client, world.teacher)
    page = client.get(f"/teams/{world.team_id}/health").get_data(as_text=True)
    assert "Alice" in page
    assert "Bruno" not in page
    assert "1 student of Università di Bologna" in page
    form = {"action": "messaged", "note": "Asked how the poster goes", "client_id": "k-1"}
    for _ in range(2):
        answer = client.post(f"/teams/{world.team_id}/health/log", data=form)
        assert answer.status_code == 303
    assert session.scalar(select(func.count()).select_from(Intervention)) == 1
    refused = client.post(
        f"/teams/{world.team_id}/health/log", data={"action": "note", "note": "", "client_id": "k2"}
    )
    assert refused.status_code == 400
    _sign_in(client, world.partner_teacher)
    partner = client.get(f"/teams/{world.team_id}/health").get_data(as_text=True)
    assert "Bruno" in partner
    assert "Alice" not in partner
    assert "Asked how the poster goes" in partner  # the log is shared
    assert "Messaged the team" in partner


def test_count_again_now_runs_the_recount(
    app: Flask, client: FlaskClient, world: World, session: Session
) -> None:
    def lines() -> int:
        return session.scalar(select(func.sum(TeamWeek.lines))) or 0

    before = lines()
    session.add(
        Message(
            room_id=world.room_id,
            seq=50,
            client_id="c50",
            author_id=world.chen.person_id,
            body="x",
            created_at=datetime.now(UTC),
        )
    )
    session.commit()
    _sign_in(client, world.teacher)
    answer = client.post(f"/exchanges/{world.exchange_id}/health/refresh")
    session.expire_all()
    assert lines() == before + 1  # the queue runs the task at once in tests
    assert answer.status_code == 303
    page = client.get(answer.headers["Location"]).get_data(as_text=True)
    assert "Tandem is recounting" in page
