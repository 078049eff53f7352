"""Exchange and onboarding pages through Flask's test client: routing, forms, errors, data."""

from __future__ import annotations

import json
import re

from flask import Flask
from flask import session as browser_state
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.exchanges.service import create_exchange, issue_join_code
from plugin.privacy.service import exported_rows
from tests.plugin.exchanges.world import DRAFT, World, make_world
from web.auth import start_web_session

SETUP = {
    "title": "Water & Cities",
    "description": "",
    "languages": "en",
    "starts_on": "2027-02-01",
    "ends_on": "2027-03-28",
    "team_size_min": "4",
    "team_size_max": "6",
    "weekly_hours": "3",
}
PROFILE = {
    "display_name": "Sanne",
    "pronouns": "",
    "time_zone": "Europe/Amsterdam",
    "slot": ["0-1080", "2-600"],
    "lang-0": "nl",
    "level-0": "native",
    "lang-1": "en",
    "level-1": "C1",
    "discipline": "Planning",
    "interests": "water, bikes",
    "share": ["languages"],
}


def _sign_in(app: Flask, client: FlaskClient, actor: Actor) -> None:
    with app.test_request_context():
        start_web_session(actor)
        state = dict(browser_state)
    with client.session_transaction() as cookie:
        cookie.clear()
        cookie.update(state)


def test_a_teacher_in_no_exchange_is_offered_create_and_join(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    _sign_in(app, client, world.arrive("leiden", "t1", Role.TEACHER))
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="create-exchange"' in page
    assert "Join code" in page


def test_a_student_in_no_exchange_is_told_to_wait(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    _sign_in(app, client, world.arrive("leiden", "s1", name="Sanne"))
    page = client.get("/").get_data(as_text=True)
    assert "Your teacher has not set up the exchange yet" in page


def test_creating_with_bad_input_keeps_what_was_typed(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    _sign_in(app, client, world.arrive("leiden", "t1", Role.TEACHER))
    bad = {**SETUP, "ends_on": "2027-01-01", "description": "Keep me"}
    response = client.post("/exchanges/new", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "cannot end before it starts" in page
    assert "Keep me" in page
    assert 'value="Water &amp; Cities"' in page
    as_json = client.post("/exchanges/new", data=bad, headers={"Accept": "application/json"})
    assert as_json.status_code == 400
    assert "end before" in as_json.get_json()["error"]["message"]
    response = client.post("/exchanges/new", data={**SETUP, "starts_on": "soon"})
    assert response.status_code == 400
    assert "year-month-day" in response.get_data(as_text=True)


def test_create_then_teacher_page_then_code(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    _sign_in(app, client, world.arrive("leiden", "t1", Role.TEACHER))
    response = client.post("/exchanges/new", data=SETUP)
    assert response.status_code == 303
    overview = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Water &amp; Cities" in overview
    assert "Icebreaker" in overview
    made = client.post(response.headers["Location"].replace("teacher", "code"))
    code_page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="join-code"' in code_page
    assert client.get("/").status_code == 303  # in an exchange now: straight to it


def test_a_student_cannot_use_teacher_pages(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    exchange_id = create_exchange(session, world.arrive("leiden", "t1", Role.TEACHER), DRAFT).id
    _sign_in(app, client, world.arrive("leiden", "s1"))
    assert client.post("/exchanges/new", data=SETUP).status_code == 403
    assert client.get(f"/exchanges/{exchange_id}/teacher").status_code == 403
    assert client.post(f"/exchanges/{exchange_id}/code").status_code == 403
    response = client.post(
        "/exchanges/join", data={"code": "X"}, headers={"Accept": "application/json"}
    )
    assert response.status_code == 403


def test_a_wrong_join_code_keeps_the_typed_code_on_the_page(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    owner = world.arrive("leiden", "t1", Role.TEACHER)
    exchange = create_exchange(session, owner, DRAFT)
    issue_join_code(session, owner, exchange.id)
    _sign_in(app, client, world.arrive("bologna", "t2", Role.TEACHER))
    response = client.post("/exchanges/join", data={"code": "NOPE-NOPE-NOPE"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "This join code is not valid" in page
    assert 'value="NOPE-NOPE-NOPE"' in page


def _student_in_exchange(app: Flask, client: FlaskClient, world: World) -> int:
    exchange = create_exchange(world.session, world.arrive("leiden", "t1", Role.TEACHER), DRAFT)
    exchange_id = exchange.id
    _sign_in(app, client, world.arrive("leiden", "s1", name="Sanne de Vries", email="s@x.nl"))
    response = client.get("/")
    assert response.headers["Location"] == f"/exchanges/{exchange_id}/profile"
    return exchange_id


def test_onboarding_prefills_the_name_and_refuses_bad_input_without_losing_it(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    exchange_id = _student_in_exchange(app, client, make_world(session))
    form = client.get(f"/exchanges/{exchange_id}/profile").get_data(as_text=True)
    assert 'value="Sanne de Vries"' in form
    bad = {**PROFILE, "time_zone": "Mars/Base", "discipline": "Keep me too"}
    response = client.post(f"/exchanges/{exchange_id}/profile", data=bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Unknown time zone" in page
    assert 'value="Keep me too"' in page
    assert 'value="0-1080" id="slot-0-1080" checked' in page
    outside = {**PROFILE, "slot": ["9-1080"]}
    response = client.post(f"/exchanges/{exchange_id}/profile", data=outside)
    assert response.status_code == 400
    assert "within the week" in response.get_data(as_text=True)
    long_name = {**PROFILE, "display_name": "x" * 81}
    assert client.post(f"/exchanges/{exchange_id}/profile", data=long_name).status_code == 400


def test_onboarding_then_the_exchange_page_and_my_data(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    exchange_id = _student_in_exchange(app, client, make_world(session))
    response = client.post(f"/exchanges/{exchange_id}/profile", data=PROFILE)
    assert response.status_code == 303
    assert client.get("/").headers["Location"] == f"/exchanges/{exchange_id}"
    page = client.get(f"/exchanges/{exchange_id}").get_data(as_text=True)
    assert "You are in the pool, Sanne" in page
    assert "s@x.nl" not in page
    edit = client.get(f"/exchanges/{exchange_id}/profile").get_data(as_text=True)
    assert 'value="2-600" id="slot-2-600" checked' in edit
    data = client.get("/me/data.json")
    assert data.headers["Content-Disposition"].startswith("attachment")
    assert data.headers["Cache-Control"] == "no-store"
    body = json.loads(data.data)
    assert body["format"] == "tandem-personal-data/1"
    assert exported_rows(body, "person")[0]["email"] == "s@x.nl"
    assert exported_rows(body, "profile")[0]["time_zone"] == "Europe/Amsterdam"
    summary = client.get("/me/data")
    assert summary.headers["Cache-Control"] == "no-store"
    assert "s@x.nl" in summary.get_data(as_text=True)
    assert "Europe/Amsterdam" in summary.get_data(as_text=True)


def test_pages_are_in_dutch_when_asked(app: Flask, client: FlaskClient, session: Session) -> None:
    exchange_id = _student_in_exchange(app, client, make_world(session))
    page = client.get(f"/exchanges/{exchange_id}/profile?lang=nl").get_data(as_text=True)
    assert "Je tijdzone" in page
    assert "maandag" in page


def test_the_language_lists_start_with_the_exchanges_working_languages(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    """Keyboard users reach the likely language in a press or two (issue 15, point 3)."""
    exchange_id = _student_in_exchange(app, client, make_world(session))
    form = client.get(f"/exchanges/{exchange_id}/profile").get_data(as_text=True)
    select = form[
        form.index('<select id="lang-0"') : form.index("</select>", form.index('id="lang-0"'))
    ]
    options = re.findall(r'<option value="([^"]*)"', select)
    assert options[: 1 + len(DRAFT.languages)] == ["", *DRAFT.languages]
    assert 'label="Languages of this exchange"' in select
    assert len(options) == len(set(options))  # each language once


def test_creating_twice_makes_one_exchange_and_a_placed_course_cannot_open_the_form(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    _sign_in(app, client, world.arrive("leiden", "t1", Role.TEACHER))
    first = client.post("/exchanges/new", data=SETUP)
    second = client.post("/exchanges/new", data=SETUP)  # a double click
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert 'data-testid="flash"' in page
    assert "is created" in page
    refused = client.get("/exchanges/new")
    assert refused.status_code == 409
    assert "already in the exchange" in refused.get_data(as_text=True)
    other = client.post("/exchanges/new", data={**SETUP, "title": "A second one"})
    assert other.status_code == 409
    assert "one exchange at a time" in other.get_data(as_text=True)


def test_the_join_code_survives_a_reload_and_a_new_code_replaces_it(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    owner = world.arrive("leiden", "t1", Role.TEACHER)
    exchange_id = create_exchange(session, owner, DRAFT).id
    _sign_in(app, client, owner)
    made = client.post(f"/exchanges/{exchange_id}/code", data={"valid_days": "14"})
    assert made.status_code == 303  # POST-redirect-GET: a reload never makes another code
    first = client.get(made.headers["Location"]).get_data(as_text=True)
    again = client.get(made.headers["Location"]).get_data(as_text=True)
    code = first.split('data-testid="join-code">')[1].split("<")[0]
    assert code
    assert code in again
    client.post(f"/exchanges/{exchange_id}/code", data={"valid_days": "14"})
    newer = client.get(f"/exchanges/{exchange_id}/teacher").get_data(as_text=True)
    assert 'data-testid="join-code"' in newer
    assert code not in newer


def test_a_course_waiting_for_an_answer_is_not_offered_create_or_join(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    owner = world.arrive("leiden", "t1", Role.TEACHER)
    exchange_id = create_exchange(session, owner, DRAFT).id
    code = issue_join_code(session, owner, exchange_id).code
    _sign_in(app, client, world.arrive("bologna", "t2", Role.TEACHER))
    asked = client.post("/exchanges/join", data={"code": code})
    assert asked.status_code == 303
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="pending-seat"' in page
    assert 'data-testid="flash"' in page
    assert 'data-testid="create-exchange"' not in page
    assert "Ask to join" not in page


def test_the_onboarding_title_is_text_only_and_saving_says_so(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    exchange_id = _student_in_exchange(app, client, world)
    page = client.get(f"/exchanges/{exchange_id}/profile").get_data(as_text=True)
    title = page.split("<title>")[1].split("</title>")[0]
    assert title == "Your profile · Tandem"
    saved = client.post(f"/exchanges/{exchange_id}/profile", data=PROFILE)
    assert saved.status_code == 303
    shown = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "Your profile is saved." in shown
