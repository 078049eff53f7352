"""The student's teammates page over HTTP: list picker, own code, code entry, removal, errors
(announced, 4xx, what was typed kept), the privacy rule, the freeze, and the teacher's count."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.matching.service import propose_teams
from plugin.teammates.service import request_teammate, teammate_requests
from plugin.teams.service import create_team
from tests.plugin.exchanges.world import make_world
from tests.plugin.matching.test_matching_service import RULES, _exchange
from tests.web.test_web_matching_pages import _sign_in


def _setup(session: Session) -> tuple[Actor, int, list[Actor]]:
    """Eight students: even ones at Bologna, odd ones at Leiden (named e.g. "leiden-s1")."""
    return _exchange(make_world(session))


def _as_leiden_student(
    app: Flask, client: FlaskClient, session: Session
) -> tuple[int, list[Actor]]:
    """The exchange, with its first Leiden student (``people[1]``) signed in."""
    _owner, exchange_id, people = _setup(session)
    _sign_in(app, client, people[1])
    return exchange_id, people


def _page(client: FlaskClient, exchange_id: int) -> str:
    response = client.get(f"/exchanges/{exchange_id}/teammates")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_page_lists_own_university_only_and_shows_the_own_code(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    exchange_id, people = _as_leiden_student(app, client, session)
    me = people[1]
    code = teammate_requests(session, me, exchange_id).code
    home = client.get(f"/exchanges/{exchange_id}").get_data(as_text=True)
    assert f'href="/exchanges/{exchange_id}/teammates"' in home
    page = _page(client, exchange_id)
    assert "A request counts when both of you ask" in page
    assert f'data-testid="teammate-code">{code}<' in page
    options = re.findall(r'<option value="(\d+)">([^<]+)</option>', page)
    assert [name for _pid, name in options] == ["leiden-s3", "leiden-s5", "leiden-s7"]
    assert "bologna-s" not in page  # no partner's name anywhere before teams exist
    assert '<label for="person_id">' in page
    assert '<label for="code">' in page


def test_picking_and_asking_back_make_a_mutual_request(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    exchange_id, people = _as_leiden_student(app, client, session)
    me, friend = people[1], people[3]
    made = client.post(
        f"/exchanges/{exchange_id}/teammates/pick", data={"person_id": str(friend.person_id)}
    )
    assert made.status_code == 303
    assert made.headers["Location"].endswith(f"/exchanges/{exchange_id}/teammates?focus=pick")
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "You asked for leiden-s3." in page
    assert "waiting: counts once they ask for you too" in page
    assert re.search(r'id="person_id"[^>]*autofocus', page)  # back on the picker, by keyboard
    request_teammate(session, friend, exchange_id, person_id=me.person_id)
    assert "mutual: you asked for each other" in _page(client, exchange_id)


def test_a_partner_student_is_reached_by_code_and_only_their_name_shows(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    exchange_id, people = _as_leiden_student(app, client, session)
    code = teammate_requests(session, people[0], exchange_id).code
    made = client.post(
        f"/exchanges/{exchange_id}/teammates/code", data={"code": code.lower().replace("-", "")}
    )
    assert made.status_code == 303
    page = _page(client, exchange_id)
    assert "You asked for bologna-s0 (Università di Bologna)." in page
    assert "@bologna.example" not in page  # never an e-mail address


def test_bad_input_is_announced_with_a_4xx_and_keeps_what_was_typed(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    exchange_id, people = _as_leiden_student(app, client, session)
    me, partner = people[1], people[0]
    wrong = client.post(f"/exchanges/{exchange_id}/teammates/code", data={"code": "abcd-efgh"})
    page = wrong.get_data(as_text=True)
    assert wrong.status_code == 404
    assert 'role="alert"' in page
    assert "This teammate code is not valid in this exchange." in page
    assert 'value="abcd-efgh"' in page
    assert re.search(r'id="code"[^>]*aria-invalid="true"', page)
    assert client.post(f"/exchanges/{exchange_id}/teammates/code", data={}).status_code == 400
    assert client.post(f"/exchanges/{exchange_id}/teammates/pick", data={}).status_code == 400
    # A partner's id typed into the picker: refused like an unknown id, their name not shown.
    for person_id in (partner.person_id, 999999):
        probe = client.post(
            f"/exchanges/{exchange_id}/teammates/pick", data={"person_id": str(person_id)}
        )
        assert probe.status_code == 404
        text = probe.get_data(as_text=True)
        assert "Choose a classmate from your own university in this exchange." in text
        assert "bologna-s0" not in text
    own = teammate_requests(session, me, exchange_id).code
    selfish = client.post(f"/exchanges/{exchange_id}/teammates/code", data={"code": own})
    assert selfish.status_code == 400
    assert "Traceback" not in selfish.get_data(as_text=True)


def test_limit_duplicate_and_removal(app: Flask, client: FlaskClient, session: Session) -> None:
    exchange_id, people = _as_leiden_student(app, client, session)
    others = [people[3], people[5], people[7]]
    pick = f"/exchanges/{exchange_id}/teammates/pick"
    assert client.post(pick, data={"person_id": str(others[0].person_id)}).status_code == 303
    duplicate = client.post(pick, data={"person_id": str(others[0].person_id)})
    assert duplicate.status_code == 409
    assert "You have already asked for this teammate." in duplicate.get_data(as_text=True)
    for other in others[1:]:
        assert client.post(pick, data={"person_id": str(other.person_id)}).status_code == 303
    code = teammate_requests(session, people[0], exchange_id).code
    over = client.post(f"/exchanges/{exchange_id}/teammates/code", data={"code": code})
    assert over.status_code == 409
    assert "at most 3 teammates" in over.get_data(as_text=True)
    assert 'data-testid="limit-reached"' in _page(client, exchange_id)
    remove = f"/exchanges/{exchange_id}/teammates/remove"
    assert client.post(remove, data={"person_id": str(others[0].person_id)}).status_code == 303
    assert "Request removed." in _page(client, exchange_id)
    assert client.post(remove, data={"person_id": str(others[0].person_id)}).status_code == 404
    assert client.post(remove, data={"person_id": "x"}).status_code == 400


def test_a_new_code_replaces_the_old(app: Flask, client: FlaskClient, session: Session) -> None:
    exchange_id, people = _as_leiden_student(app, client, session)
    me = people[1]
    old = teammate_requests(session, me, exchange_id).code
    assert client.post(f"/exchanges/{exchange_id}/teammates/new-code").status_code == 303
    page = _page(client, exchange_id)
    assert old not in page
    assert "the old one no longer works" in page


def test_only_student_participants_and_no_changes_once_teams_exist(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    owner, exchange_id, people = _setup(session)
    _sign_in(app, client, owner)
    assert client.get(f"/exchanges/{exchange_id}/teammates").status_code == 403
    client.get("/")  # the owner's request above closed the session; the next use reopens it
    create_team(session, owner, exchange_id, "Team T01", [people[1].person_id])
    _sign_in(app, client, people[1])
    page = _page(client, exchange_id)
    assert 'data-testid="frozen"' in page
    assert 'data-testid="pick-form"' not in page
    refused = client.post(
        f"/exchanges/{exchange_id}/teammates/pick", data={"person_id": str(people[3].person_id)}
    )
    assert refused.status_code == 409


def test_teachers_see_how_many_mutual_requests_were_honoured(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    owner, exchange_id, people = _setup(session)
    a, b = people[1], people[0]
    request_teammate(session, a, exchange_id, code=teammate_requests(session, b, exchange_id).code)
    request_teammate(session, b, exchange_id, code=teammate_requests(session, a, exchange_id).code)
    run = propose_teams(session, owner, exchange_id, RULES, seconds=1.0)
    _sign_in(app, client, owner)
    page = client.get(f"/matching/runs/{run.id}").get_data(as_text=True)
    assert "Mutual teammate requests honoured: 1 of 1." in page
