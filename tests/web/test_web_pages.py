"""Pages and their errors through Flask's test client (no LMS needed)."""

from __future__ import annotations

from flask import Flask
from flask import session as browser_state
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from plugin.actors import Role
from plugin.courses.service import CourseEntry, CourseRef, enter_course
from plugin.people.identity import AccountRef, PersonFacts
from plugin.people.service import create_institution
from web.auth import start_web_session


def _sign_in(app: Flask, client: FlaskClient, session: Session, *, name: str | None) -> None:
    institution = create_institution(session, "Universiteit Leiden", "NL")
    arrival = enter_course(
        session,
        CourseEntry(
            account=AccountRef("lti:https://lms.example", "s-1"),
            institution_id=institution.id,
            person=PersonFacts(name=name, email="s1@example.org"),
            role=Role.STUDENT,
            course=CourseRef("lti:https://lms.example|c|d", "ctx-1", title="Climate & Cities"),
        ),
    )
    with app.test_request_context():
        start_web_session(arrival.actor)
        cookie_session = dict(browser_state)
    with client.session_transaction() as browser_session:
        browser_session.update(cookie_session)


def test_without_a_launch_the_home_page_explains_how_to_start(client: FlaskClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert b"Open the Tandem activity in your course" in page.data


def test_home_after_a_launch_greets_the_person(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    _sign_in(app, client, session, name="Sanne de Vries")
    page = client.get("/").get_data(as_text=True)
    assert "Welcome, Sanne de Vries!" in page
    assert "Climate &amp; Cities" in page
    assert "Universiteit Leiden" in page
    assert "s1@example.org" not in page  # email is never on a page


def test_anonymous_launch_is_greeted_without_a_name(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    _sign_in(app, client, session, name=None)
    page = client.get("/").get_data(as_text=True)
    assert "Welcome, participant!" in page
    assert "did not share your name" in page


def test_language_can_be_switched_and_stays(client: FlaskClient) -> None:
    response = client.post("/language", data={"lang": "nl", "next": "/"})
    assert response.status_code == 303
    assert "Tandem open je vanuit je cursus" in client.get("/").get_data(as_text=True)
    assert 'lang="nl"' in client.get("/").get_data(as_text=True)


def test_language_switch_never_redirects_off_site(client: FlaskClient) -> None:
    response = client.post("/language", data={"lang": "en", "next": "https://evil.example/x"})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_a_clear_400(client: FlaskClient) -> None:
    response = client.post("/language", data={"lang": "xx"})
    assert response.status_code == 400
    assert b"Unknown language." in response.data


def test_time_zone_is_checked_against_the_tz_database(client: FlaskClient) -> None:
    assert client.post("/timezone", data={"tz": "Europe/Rome"}).status_code == 204
    assert client.post("/timezone", data={"tz": "Mars/Olympus"}).status_code == 400


def test_unknown_page_is_a_404_page_and_json_for_api_clients(client: FlaskClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert b"There is no page at this address." in page.data
    api = client.get("/no/such/page", headers={"Accept": "application/json"})
    assert api.status_code == 404
    assert api.get_json()["error"]["status"] == 404


def test_wrong_method_on_launch_is_a_405_page(client: FlaskClient) -> None:
    response = client.get("/lti/launch")
    assert response.status_code == 405
    assert b"Traceback" not in response.data


def test_unexpected_errors_are_a_plain_500_page(app: Flask, client: FlaskClient) -> None:
    def boom() -> str:
        raise RuntimeError("internal detail that must not leak")

    app.add_url_rule("/boom", view_func=boom)
    response = client.get("/boom")
    assert response.status_code == 500
    assert b"internal detail" not in response.data
    assert b"unexpected problem" in response.data


def test_jwks_publishes_the_tool_key(client: FlaskClient) -> None:
    keys = client.get("/lti/jwks").get_json()["keys"]
    assert len(keys) == 1
    assert keys[0]["kty"] == "RSA"
    assert keys[0]["alg"] == "RS256"
    assert "d" not in keys[0]  # never the private part


def test_pages_can_be_framed_by_an_lms_but_scripts_are_locked_down(client: FlaskClient) -> None:
    csp = client.get("/").headers["Content-Security-Policy"]
    assert "frame-ancestors *" in csp
    assert "script-src 'self' 'nonce-" in csp


def test_every_page_links_a_favicon_and_favicon_ico_answers(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)
    assert 'rel="icon"' in page
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon.mimetype == "image/vnd.microsoft.icon"
    assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO file, not an HTML page
