"""The room page: only people with access get it, and it carries a token for their room."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from plugin.actors import Actor
from realtime import tokens
from tests.plugin.rooms.rooms_world import World, build_world


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def sign_in(client: FlaskClient, actor: Actor) -> None:
    with client.session_transaction() as s:
        s["person_id"] = actor.person_id
        s["role"] = actor.role.value
        s["course_id"] = actor.course_id


def test_a_member_gets_the_room_page_with_a_token_for_this_room(
    app: Flask, client: FlaskClient, world: World
) -> None:
    sign_in(client, world.alice)
    page = client.get(f"/teams/{world.team_id}/room")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    token = re.search(r'"token": "([^"]+)"', html)
    assert token is not None
    claims = tokens.verify(app.config["SECRET_KEY"], token.group(1))
    assert (claims.actor.person_id, claims.room_id) == (world.alice.person_id, world.room_id)
    assert 'rel="noopener noreferrer"' in html
    assert "meet.jit.si/Tandem" in html
    assert "observing" not in html


def test_teachers_get_the_observer_page_and_outsiders_nothing(
    client: FlaskClient, world: World
) -> None:
    sign_in(client, world.teacher)
    assert "observing this room" in client.get(f"/teams/{world.team_id}/room").get_data(True)
    sign_in(client, world.dora)
    refused = client.get(f"/teams/{world.team_id}/room")
    assert refused.status_code == 404
    assert "Team 1" not in refused.get_data(as_text=True)
    with client.session_transaction() as s:
        s.clear()
    assert client.get(f"/teams/{world.team_id}/room").status_code == 401


def test_the_rooms_list_links_to_my_team(client: FlaskClient, world: World) -> None:
    sign_in(client, world.bruno)
    html = client.get("/rooms").get_data(as_text=True)
    assert f"/teams/{world.team_id}/room" in html
    assert f"/teams/{world.other_team_id}/room" not in html


def test_the_page_hands_out_a_fresh_token_to_members_only(
    app: Flask, client: FlaskClient, world: World
) -> None:
    """What the room asks for after an outage longer than a token's life."""
    sign_in(client, world.alice)
    fresh = client.get(f"/teams/{world.team_id}/room/token", headers={"Accept": "application/json"})
    assert fresh.status_code == 200
    assert fresh.headers["Cache-Control"] == "no-store"
    claims = tokens.verify(app.config["SECRET_KEY"], fresh.json["token"])  # type: ignore[index]
    assert (claims.actor.person_id, claims.room_id) == (world.alice.person_id, world.room_id)
    sign_in(client, world.dora)
    refused = client.get(
        f"/teams/{world.team_id}/room/token", headers={"Accept": "application/json"}
    )
    assert refused.status_code == 404
    assert "token" not in refused.json  # type: ignore[operator]
    with client.session_transaction() as s:
        s.clear()
    gone = client.get(f"/teams/{world.team_id}/room/token", headers={"Accept": "application/json"})
    assert gone.status_code == 401
    assert gone.json["error"]["message"]  # type: ignore[index]
