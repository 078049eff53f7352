"""Every form that can come back with an error shows each message beside its field (WCAG 3.3.1):
the field has aria-invalid and an aria-describedby naming ids that exist (its hint kept), the
message element holds the message, and the summary on top links to the field. In English and
Dutch; a form with several mistakes shows them all at once; what was typed is kept."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.completion.models import Completion
from plugin.completion.service import approve_completion
from plugin.credentials.holds import issue_requested, request_issuance
from plugin.credentials.models import Credential
from plugin.exchanges.service import create_exchange
from plugin.people.models import Person
from plugin.registrars.service import add_registrar
from tests.plugin.completion.completion_world import build_completion_world, make_ready
from tests.plugin.exchanges.world import DRAFT, make_world
from tests.plugin.matching.test_matching_service import _exchange
from tests.plugin.rooms.rooms_world import build_world
from tests.web.test_web_exchange_pages import PROFILE, SETUP, _sign_in, _student_in_exchange
from web.pages.admin import ADMIN_SESSION_KEY
from web.pages.credentials import issuer_context

CATALOGUE = Path(__file__).resolve().parents[2] / "web/translations/nl/LC_MESSAGES/messages.po"
with CATALOGUE.open("rb") as po:
    DUTCH = {
        m.id: m.string for m in read_po(po) if isinstance(m.id, str) and isinstance(m.string, str)
    }

LANGS = pytest.mark.parametrize("lang", ["en", "nl"])


class _Elements(HTMLParser):
    """Every element with an id: its tag, attributes and text; and the summary's links."""

    def __init__(self) -> None:
        super().__init__()
        self.by_id: dict[str, tuple[str, dict[str, str]]] = {}
        self.text: dict[str, str] = {}
        self.links: list[str] = []
        self._open: list[str | None] = []
        self._in_summary = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        ident = values.get("id")
        if ident:
            assert ident not in self.by_id, f"id {ident} twice"
            self.by_id[ident] = (tag, values)
            self.text[ident] = ""
        if ident == "form-error":
            self._in_summary = 1
        elif self._in_summary and tag == "div":
            self._in_summary += 1
        if self._in_summary and tag == "a":
            self.links.append(values.get("href", ""))
        if tag not in ("input", "br", "meta", "link", "img", "option"):
            self._open.append(ident)

    def handle_endtag(self, tag: str) -> None:
        if self._in_summary and tag == "div":
            self._in_summary -= 1
        if tag not in ("input", "br", "meta", "link", "img", "option") and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for ident in self._open:
            if ident:
                self.text[ident] += data


def _message(msgid: str, lang: str, **args: str) -> str:
    text = DUTCH[msgid] if lang == "nl" else msgid
    assert text, msgid
    return text % args if args else text


def _assert_field_errors(html: str, expected: dict[str, str], lang: str) -> _Elements:
    """``expected``: {element id of the field: English message (looked up in Dutch)}."""
    page = _Elements()
    page.feed(html)
    assert "form-error" in page.by_id, "no error summary"
    summary = page.text["form-error"]
    assert _message("Please check the form.", lang) in summary
    for field_id, msgid in expected.items():
        message = _message(msgid, lang)
        tag, attrs = page.by_id[field_id]
        assert tag in ("input", "select", "textarea"), field_id
        assert attrs.get("aria-invalid") == "true", field_id
        described = attrs.get("aria-describedby", "").split()
        assert described, field_id
        for ident in described:
            assert ident in page.by_id, f"{field_id} is described by a missing id {ident}"
        shown = [i for i in described if "field-error" in page.by_id[i][1].get("class", "")]
        assert len(shown) == 1, field_id
        assert message in page.text[shown[0]], (field_id, page.text[shown[0]])
        assert f"#{field_id}" in page.links, (field_id, page.links)
        assert message in summary
    return page


def _post(client: FlaskClient, url: str, data: object, lang: str, status: int = 400) -> str:
    response = client.post(f"{url}?lang={lang}", data=data)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


@LANGS
def test_onboarding_shows_three_mistakes_at_once_beside_their_fields(
    app: Flask, client: FlaskClient, session: Session, lang: str
) -> None:
    exchange_id = _student_in_exchange(app, client, make_world(session))
    bad = {
        **PROFILE,
        "display_name": "x" * 81,
        "time_zone": "Mars/Base",
        "slot": [],
        "discipline": "Keep me",
    }
    html = _post(client, f"/exchanges/{exchange_id}/profile", bad, lang)
    page = _assert_field_errors(
        html,
        {
            "display_name": "Your name can be at most 80 characters.",
            "time_zone": "Unknown time zone. Choose one from the list, e.g. Europe/Amsterdam.",
        },
        lang,
    )
    # The grid: every cell is marked and described (keys hint kept); the link goes to the grid.
    _tag, cell = page.by_id["slot-0-1080"]
    assert cell["aria-invalid"] == "true"
    assert cell["aria-describedby"].split() == ["grid-keys", "slot-error"]
    assert _message("Tick at least one time when you can meet.", lang) in page.text["slot-error"]
    assert "#availability-grid" in page.links
    assert "tz-hint" in page.by_id["time_zone"][1]["aria-describedby"].split()  # hint kept
    assert 'value="Keep me"' in html
    assert len(page.links) == 3


@LANGS
def test_exchange_setup_names_each_wrong_field(
    app: Flask, client: FlaskClient, session: Session, lang: str
) -> None:
    world = make_world(session)
    _sign_in(app, client, world.arrive("leiden", "t1", Role.TEACHER))
    bad = {**SETUP, "title": "", "team_size_min": "9", "team_size_max": "3", "weekly_hours": "0"}
    html = _post(client, "/exchanges/new", bad, lang)
    _assert_field_errors(
        html,
        {
            "title": "The title must be 1-200 characters.",
            "team_size_max": "Team sizes must be between 2 and 12, the smallest first.",
            "weekly_hours": "Weekly hours must be between 1 and 40.",
        },
        lang,
    )
    dates = {**SETUP, "title": "Kept", "starts_on": "soon", "phase-0-title": "Kick-off"}
    html = _post(client, "/exchanges/new", {**dates, "phase-0-start": "x"}, lang)
    message = "Enter dates as year-month-day (YYYY-MM-DD), for example 2027-02-01."
    _assert_field_errors(html, {"starts_on": message, "phase-0-start": message}, lang)
    assert 'value="Kept"' in html
    phases = {
        **SETUP,
        "phase-0-title": "Late",
        "phase-0-start": "2027-03-01",
        "phase-0-end": "2027-05-01",
    }
    html = _post(client, "/exchanges/new", phases, lang)
    _assert_field_errors(
        html,
        {"phase-0-end": "Every phase must fall between the exchange's start and end dates."},
        lang,
    )


@LANGS
def test_join_code_forms_show_the_error_at_the_code(
    app: Flask, client: FlaskClient, session: Session, lang: str
) -> None:
    world = make_world(session)
    owner = world.arrive("leiden", "t1", Role.TEACHER)
    exchange_id = create_exchange(world.session, owner, DRAFT).id
    _sign_in(app, client, world.arrive("bologna", "t2", Role.TEACHER))
    html = _post(client, "/exchanges/join", {"code": "NOPE-NOPE"}, lang, status=404)
    page = _assert_field_errors(
        html, {"join-code": "This join code is not valid. Check it or ask for a new one."}, lang
    )
    assert page.by_id["join-code"][1]["aria-describedby"].split()[0] == "join-code-hint"
    assert 'value="NOPE-NOPE"' in html
    _sign_in(app, client, owner)
    html = _post(client, f"/exchanges/{exchange_id}/code", {"valid_days": "400"}, lang)
    _assert_field_errors(html, {"valid-days": "A join code can be valid for 1 to 90 days."}, lang)
    assert 'value="400"' in html


@LANGS
def test_matching_rules_show_every_mistake(
    app: Flask, client: FlaskClient, session: Session, lang: str
) -> None:
    owner, exchange_id, _people = _exchange(make_world(session))
    _sign_in(app, client, owner)
    form = {
        "min_size": "many",
        "max_size": "4",
        "min_institutions": "1",
        "min_hours": "1",
        "min_level": "B1",
        "seed": "-1",
    }
    html = _post(client, f"/exchanges/{exchange_id}/matching", form, lang)
    _assert_field_errors(
        html,
        {
            "min_size": "Please enter whole numbers.",
            "seed": "A number is outside its allowed range.",
        },
        lang,
    )
    page = _Elements()
    page.feed(html)
    languages = _message("Name at least one working language.", lang)
    assert languages in page.text["working_languages-error"]
    assert "#working-languages" in page.links  # the list of language checkboxes
    box = page.by_id["lang-en"][1]
    assert box["aria-invalid"] == "true"
    assert box["aria-describedby"] == "working_languages-error"
    assert 'value="many"' in html


@LANGS
def test_teammate_code_error_sits_at_the_code(
    app: Flask, client: FlaskClient, session: Session, lang: str
) -> None:
    _owner, exchange_id, people = _exchange(make_world(session))
    _sign_in(app, client, people[1])
    html = _post(
        client, f"/exchanges/{exchange_id}/teammates/code", {"code": "abcd"}, lang, status=404
    )
    page = _assert_field_errors(
        html,
        {
            "code": "This teammate code is not valid in this exchange. Check it with the person "
            "who gave it to you."
        },
        lang,
    )
    assert page.by_id["code"][1]["aria-describedby"].split() == ["code-hint", "code-error"]


@LANGS
def test_completion_forms_of_teacher_and_student(
    app: Flask, client: FlaskClient, session: Session, lang: str
) -> None:
    cw = build_completion_world(session)
    teacher, alice = cw.rooms.teacher, cw.rooms.alice
    base = f"/exchanges/{cw.exchange_id}/completion"
    _sign_in(app, client, teacher)
    rule = {"min_meetings": "99", "min_contribution_weeks": "x", "phase": ["nope"]}
    html = _post(client, f"{base}/rule", rule, lang)
    _assert_field_errors(
        html,
        {"min_contribution_weeks": "The number of meetings and weeks must be whole numbers."},
        lang,
    )
    assert 'value="99"' in html
    html = _post(client, f"{base}/rule", {**rule, "min_contribution_weeks": "2"}, lang)
    page = _Elements()
    page.feed(html)
    assert _message("Choose phases of this exchange only.", lang) in page.text["phase-error"]
    assert "#rule-phases" in page.links
    numbers = {"min_meetings": "99", "min_contribution_weeks": "2"}
    html = _post(client, f"{base}/rule", numbers, lang)
    _assert_field_errors(
        html, {"min_meetings": "The number of meetings must be between 0 and 52."}, lang
    )
    html = _post(client, f"{base}/meeting", {"met_on": "yesterday"}, lang)
    _assert_field_errors(
        html, {"met_on": "Enter dates as year-month-day, for example 2027-02-01."}, lang
    )
    reason = {"person_id": str(alice.person_id), "decision": "approve", "reason": "short"}
    html = _post(client, f"{base}/override", reason, lang)
    _assert_field_errors(
        html,
        {f"reason-{alice.person_id}": "Give a reason of 10 to 1000 characters for an override."},
        lang,
    )
    assert ">short</textarea>" in html
    _sign_in(app, client, alice)
    html = _post(client, f"{base}/reflection", {"reflection": "too short"}, lang)
    _assert_field_errors(html, {"reflection": "A reflection must be 20 to 10000 characters."}, lang)
    assert ">too short</textarea>" in html


def _admin(client: FlaskClient) -> None:
    with client.session_transaction() as cookie:
        cookie.clear()
        cookie[ADMIN_SESSION_KEY] = True


@LANGS
def test_admin_forms_name_their_fields(client: FlaskClient, session: Session, lang: str) -> None:
    world = make_world(session)
    _admin(client)
    form = {
        "name": "Test LMS",
        "issuer": "ftp://lms",
        "client_id": "",
        "auth_login_url": "https://lms.example/login",
        "auth_token_url": "nope",
        "key_set_url": "https://lms.example/jwks",
    }
    html = _post(client, "/admin/registrations", form, lang)
    https = "Every platform URL must be an absolute http or https address."
    page = _assert_field_errors(
        html,
        {
            "field-issuer": https,
            "field-auth_token_url": https,
            "field-client_id": "A client id is required.",
        },
        lang,
    )
    assert 'value="Test LMS"' in html
    assert page.by_id["field-name"][1]["aria-describedby"] == "hint-name"  # hint, no error
    details = {"name": "", "country": "XX", "legal_name": "", "url": "gopher://x"}
    html = _post(client, f"/admin/institutions/{world.leiden_id}", details, lang)
    _assert_field_errors(
        html,
        {
            "field-name": "An institution's name must be 1-200 characters.",
            "field-country": "A country must be a two-letter ISO 3166 code, e.g. NL or IT.",
            "field-url": "An institution's web address must be an http or https URL, "
            "e.g. https://uni.nl.",
        },
        lang,
    )


@LANGS
def test_notification_address_and_registrar_console(
    app: Flask, client: FlaskClient, session: Session, lang: str
) -> None:
    cw = build_completion_world(session)
    teacher: Actor = cw.rooms.teacher
    person = session.get(Person, teacher.person_id)
    assert person is not None
    add_registrar(session, person.id, person.institution_id)
    _sign_in(app, client, teacher)
    html = _post(client, "/notifications/address", {"address": "geen adres"}, lang)
    page = _Elements()
    page.feed(html)
    field = page.by_id["notify-address-input"][1]
    assert field["aria-invalid"] == "true"
    assert field["aria-describedby"].split() == ["address-hint", "address-error"]
    wrong = _message("This is not an email address: %(address)s", lang, address="geen adres")
    assert wrong in page.text["address-error"]
    assert wrong in page.text["form-error"]
    assert "#notify-address-input" in page.links
    assert 'value="geen adres"' in html
    html = _post(client, "/registrar/bulk-issue", {"exchange_id": "x"}, lang)
    _assert_field_errors(html, {"b-exchange": "Please enter whole numbers."}, lang)
    assert 'value="x"' in html
    html = _post(client, "/registrar/export", {"since": "soon", "until": "later"}, lang)
    message = "Enter dates as year-month-day, for example 2027-02-01."
    _assert_field_errors(html, {"e-since": message, "e-until": message}, lang)
    response = client.get(f"/registrar?since=bad&lang={lang}")
    assert response.status_code == 400
    _assert_field_errors(response.get_data(as_text=True), {"f-since": message}, lang)


@LANGS
def test_the_rooms_meeting_form_shows_errors_beside_date_and_length(
    app: Flask, client: FlaskClient, session: Session, lang: str
) -> None:
    world = build_world(session)
    _sign_in(app, client, world.alice)
    form = {"date": "someday", "time": "", "minutes": "lots"}
    html = _post(client, f"/teams/{world.team_id}/meetings", form, lang)
    _assert_field_errors(
        html,
        {
            "agree-time": "Choose a suggested time, or enter a date and a time.",
            "agree-minutes": "Enter the length in whole minutes.",
        },
        lang,
    )
    assert 'value="lots"' in html
    past = {"date": "2020-01-01", "time": "10:00", "minutes": "30"}
    html = _post(client, f"/teams/{world.team_id}/meetings", past, lang)
    _assert_field_errors(html, {"agree-date": "Choose a time in the future."}, lang)
    assert 'value="2020-01-01"' in html


@LANGS
def test_revoking_without_a_reason_shows_it_at_that_credentials_reason(
    app: Flask, client: FlaskClient, session: Session, lang: str
) -> None:
    cw = build_completion_world(session)
    teacher, alice = cw.rooms.teacher, cw.rooms.alice
    make_ready(session, cw, alice)
    approve_completion(session, teacher, cw.exchange_id, alice.person_id)
    person = session.get(Person, teacher.person_id)
    assert person is not None
    add_registrar(session, person.id, person.institution_id)
    completion_id = session.scalars(select(Completion.id)).first()
    assert completion_id is not None
    request_issuance(session, teacher, completion_id)
    with app.test_request_context():
        assert issue_requested(session, issuer_context(), completion_id)
    credential_id = session.scalars(select(Credential.id)).one()
    _sign_in(app, client, teacher)
    url = f"/registrar/credentials/{credential_id}/revoke"
    html = _post(client, url, {"reason": "x"}, lang)
    _assert_field_errors(
        html,
        {f"reason-{credential_id}": "Give a reason of 3 to 1000 characters for the revocation."},
        lang,
    )
    assert 'value="x"' in html


@LANGS
def test_check_in_and_peer_evaluation_forms_name_each_wrong_field_and_keep_the_rest(
    app: Flask, client: FlaskClient, session: Session, lang: str
) -> None:
    from datetime import UTC, datetime, timedelta

    from plugin.exchanges.models import Exchange
    from plugin.peer.service import open_round
    from tests.plugin.peer.peer_world import build_peer_world

    pw = build_peer_world(session)
    exchange = session.get_one(Exchange, pw.exchange_id)
    now = datetime.now(UTC)
    exchange.starts_on, exchange.ends_on = (
        (now - timedelta(days=7)).date(),
        (now + timedelta(days=30)).date(),
    )
    session.commit()
    peer_round = open_round(
        session,
        pw.rooms.teacher,
        pw.exchange_id,
        "Mid",
        now - timedelta(hours=1),
        now + timedelta(days=1),
    )
    _sign_in(app, client, pw.rooms.alice)

    checkin = f"/exchanges/{pw.exchange_id}/checkin"
    html = _post(client, checkin, {"teamwork": "4", "blockers": "9", "comment": "kept"}, lang)
    every = "Choose a number from 1 to 5."
    page = _assert_field_errors(html, {"contribute": every, "blockers": every}, lang)
    # Each line of the summary says which question it is about.
    for label in ("Able to contribute", "Nothing in the way"):
        assert f"{_message(label, lang)}: {_message(every, lang)}" in page.text["form-error"]
    kept = 'name="teamwork" value="4" required aria-describedby="teamwork-hint" checked'
    assert kept in html  # the answer given is kept
    assert ">kept</textarea>" in html
    long = {"teamwork": "4", "contribute": "4", "blockers": "4", "comment": "x" * 2001}
    html = _post(client, checkin, long, lang)
    page = _Elements()
    page.feed(html)
    too_long = _message("A comment can be at most %(max)s characters.", lang, max="2000")
    assert too_long in page.text["comment-error"]
    assert page.by_id["comment"][1]["aria-invalid"] == "true"

    fields = [
        f"r-{mate.person_id}-{key}"
        for mate in pw.team
        for key in ("contributing", "interacting", "on_track", "quality", "knowledge")
    ]
    form = dict.fromkeys(fields, "3")
    left_out, wrong = fields[-1], fields[0]
    del form[left_out]
    form[wrong] = "7"
    html = _post(client, f"/peer/rounds/{peer_round.id}", {**form, "comment": "mine"}, lang)
    choose = "Choose a number from 1 to 5."
    page = _assert_field_errors(html, {wrong: choose, left_out: choose}, lang)
    assert len(page.links) == 2
    kept = f'name="{fields[1]}" value="3" required aria-describedby="{fields[1]}-hint" checked'
    assert kept in html
    assert ">mine</textarea>" in html
    # Sent empty: one summary line per person (linked to their first rating), not one per
    # rating; every rating is still marked beside itself.
    html = _post(client, f"/peer/rounds/{peer_round.id}", {"comment": "mine"}, lang)
    page = _Elements()
    page.feed(html)
    for field in fields:
        assert page.by_id[field][1]["aria-invalid"] == "true", field
        assert _message(choose, lang) in page.text[f"{field}-error"], field
    assert page.links == [f"#{field}" for field in fields[::5]]  # each person's first
    summary = page.text["form-error"]
    five = "for 5 kinds of teamwork." if lang == "en" else "voor 5 soorten samenwerking."
    assert summary.count(five) == len(pw.team)
    assert _message("You (%(name)s)", lang, name="Alice") in summary  # the student herself
    assert _message("Contributing to the team's work", lang) not in summary  # whose, not which
    assert ">mine</textarea>" in html

    _sign_in(app, client, pw.rooms.teacher)
    base = f"/exchanges/{pw.exchange_id}/teamwork"
    day = (now + timedelta(days=3)).date().isoformat()
    late = {"form": "round", "title": "", "opens_at": "soon", "closes_at": f"{day}T09:00"}
    html = _post(client, f"{base}/rounds", late, lang)
    _assert_field_errors(
        html, {"opens_at": "Enter dates and times as year-month-day hours:minutes."}, lang
    )
    assert 'value="soon"' in html
    backwards = {**late, "title": "Final", "opens_at": f"{day}T10:00"}
    html = _post(client, f"{base}/rounds", backwards, lang)
    _assert_field_errors(html, {"closes_at": "A round must close after it opens."}, lang)
    assert 'value="Final"' in html
    schedule = {"form": "schedule", "starts_on": "x", "ends_on": "2000-01-01", "enabled": "1"}
    html = _post(client, f"{base}/schedule", schedule, lang)
    dates = "Enter dates as year-month-day (YYYY-MM-DD), for example 2027-02-01."
    _assert_field_errors(html, {"starts_on": dates}, lang)
    html = _post(client, f"{base}/schedule", {**schedule, "starts_on": day}, lang)
    _assert_field_errors(
        html, {"ends_on": "The last day of check-ins must not be before the first."}, lang
    )
    assert 'value="2000-01-01"' in html
    html = _post(client, f"{base}/policy", {"form": "policy", "cap": "lots"}, lang)
    _assert_field_errors(html, {"cap": "Enter the cap as a number, for example 1.05."}, lang)
    assert 'value="lots"' in html
    html = _post(client, f"{base}/policy", {"form": "policy", "cap": "5", "required": "1"}, lang)
    _assert_field_errors(
        html, {"cap": "The cap on adjustment factors must be between 1 and 2."}, lang
    )
    assert 'name="required" value="1" checked' in html


@LANGS
def test_nano_degree_forms_name_each_wrong_field_and_keep_the_rest(
    app: Flask, client: FlaskClient, session: Session, lang: str
) -> None:
    from tests.plugin.pathways.pathway_world import build_pathway_world
    from tests.web.test_web_pathways_wallet import _ctx
    from tests.web.test_web_pathways_wallet import _sign_in as sign_in

    pw = build_pathway_world(session, _ctx(app))
    sign_in(client, pw.registrar)
    form = {
        "name": "",
        "description": "Kept as typed.",
        "ects": "lots",
        "eqf_level": "7",
        "outcomes": "",
        "electives_needed": "two",
    }
    html = _post(client, "/registrar/pathways", form, lang)
    _assert_field_errors(
        html,
        {
            "p-ects": "Enter the ECTS as a number, for example 6 or 7.5.",
            "p-electives": "Enter how many electives are needed as a whole number.",
        },
        lang,
    )
    assert 'value="lots"' in html
    assert ">Kept as typed.</textarea>" in html
    assert '<option value="7" selected>' in html
    numbers = {**form, "ects": "99", "electives_needed": "1"}
    html = _post(client, "/registrar/pathways", numbers, lang)
    _assert_field_errors(
        html,
        {
            "p-name": "Give the nano-degree a name of 1 to 200 characters.",
            "p-ects": "A nano-degree's workload is more than 0 and at most 60 ECTS.",
            "p-outcomes": "State 1 to 20 learning outcomes of at most 500 characters each.",
        },
        lang,
    )
    # Read the viewer's way: "7.5" is an English seven and a half and a Dutch seventy-five.
    other_mark = {**numbers, "name": "Global", "ects": "7,5" if lang == "en" else "7.5"}
    html = _post(client, "/registrar/pathways", other_mark, lang)
    _assert_field_errors(
        html, {"p-ects": "Enter the ECTS as a number, for example 6 or 7.5."}, lang
    )
    good = {**numbers, "name": "Global", "ects": "6", "outcomes": "Work in teams."}
    created = client.post("/registrar/pathways", data=good)
    assert created.status_code == 302
    pathway = created.headers["Location"]
    component = {"required": "no", "issuer_id": "ftp://nowhere", "achievement_name": ""}
    html = _post(client, f"{pathway}/components", component, lang)
    _assert_field_errors(
        html,
        {
            "c-issuer": "An issuer id is a DID or an https:// URL.",
            "c-achievement": "Give the achievement's id or its exact name.",
        },
        lang,
    )
    assert 'value="ftp://nowhere"' in html
    assert 'id="c-elective" name="required" value="no" checked' in html
    html = _post(client, f"{pathway}/components", {"exchange_id": "999999"}, lang)
    _assert_field_errors(html, {"c-exchange": "This exchange does not exist."}, lang)

    sign_in(client, pw.student)
    pathway_id = pathway.rsplit("/", 1)[1]
    html = _post(client, f"/pathways/{pathway_id}/partner", {"credential": "[[[["}, lang)
    _assert_field_errors(html, {"p-text": "This is not valid JSON."}, lang)
    assert ">[[[[</textarea>" in html
    html = _post(client, f"/pathways/{pathway_id}/partner", {"credential": "  "}, lang)
    nothing = "Choose a signed credential file, or paste the credential."
    _assert_field_errors(html, {"p-file": nothing}, lang)
