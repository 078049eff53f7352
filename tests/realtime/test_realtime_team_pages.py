"""Pages around the rooms: the teacher's teams list and "remove member" action (which cuts the
removed member's live socket at once), the student's link to their room, and the teammate
cards in the room's side panel."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.exchanges.models import Participant, ParticipantStatus, Seat
from plugin.people.models import Person
from plugin.profiles.models import Profile
from plugin.teams.models import TeamMembership
from tests.plugin.rooms.rooms_world import World, build_world
from tests.realtime.test_realtime_page import sign_in
from tests.realtime.test_realtime_rooms import NS, call, connect


@pytest.fixture
def world(session: Session) -> World:
    return build_world(session)


def _remove_url(world: World, actor: Actor) -> str:
    return f"/exchanges/{world.exchange_id}/teams/{world.team_id}/members/{actor.person_id}/remove"


def test_a_teacher_removes_a_member_whose_socket_is_told_and_cut_at_once(
    app: Flask, client: FlaskClient, world: World, session: Session
) -> None:
    chen = connect(app, world.chen, world.room_id)
    bruno = connect(app, world.bruno, world.room_id)
    assert call(chen, "sync")["ok"]
    bruno.get_received(NS)
    sign_in(client, world.teacher)
    done = client.post(_remove_url(world, world.chen))
    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"/exchanges/{world.exchange_id}/teams")
    removed = [p for p in chen.queue if p["name"] == "removed"]
    assert removed == [
        {
            "name": "removed",
            "args": [{"reason": "You are no longer a member of this team."}],
            "namespace": NS,
        }
    ]
    assert not chen.is_connected(NS)
    assert not connect(app, world.chen, world.room_id).is_connected(NS)
    presence = [p["args"][0] for p in bruno.get_received(NS) if p["name"] == "presence"]
    assert presence[-1]["online"] == [world.bruno.person_id]
    members = session.scalars(
        select(TeamMembership.person_id).where(TeamMembership.team_id == world.team_id)
    ).all()
    assert world.chen.person_id not in members


@pytest.mark.parametrize("who", ["alice", "stranger"])
def test_only_teachers_of_the_exchange_can_remove_members(
    app: Flask, client: FlaskClient, world: World, who: str
) -> None:
    bruno = connect(app, world.bruno, world.room_id)
    sign_in(client, getattr(world, who))
    refused = client.post(_remove_url(world, world.bruno))
    assert refused.status_code == 403
    assert bruno.is_connected(NS)


def test_a_removal_asks_first_and_unknown_members_are_a_clear_404(
    app: Flask, client: FlaskClient, world: World
) -> None:
    """The teams page links to a page that asks (works without JavaScript); only its POST
    removes. Someone the teacher may not remove is not asked about."""
    chen = connect(app, world.chen, world.room_id)
    sign_in(client, world.teacher)
    asked = client.get(_remove_url(world, world.chen))
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert "Remove Chen" in html
    assert f'<form method="post" action="{_remove_url(world, world.chen)}"' in html
    assert f'href="/exchanges/{world.exchange_id}/teams" data-testid="cancel-remove"' in html
    assert chen.is_connected(NS)  # asking removed nobody
    assert client.get(_remove_url(world, world.bruno)).status_code == 403  # Bologna's
    assert client.get(_remove_url(world, world.dora)).status_code == 404
    assert client.post(_remove_url(world, world.dora)).status_code == 404
    sign_in(client, world.alice)
    assert client.get(_remove_url(world, world.chen)).status_code == 403


def test_teachers_see_every_team_with_links_to_observe_their_rooms(
    client: FlaskClient, world: World
) -> None:
    sign_in(client, world.teacher)
    html = client.get(f"/exchanges/{world.exchange_id}/teams").get_data(as_text=True)
    for team_id in (world.team_id, world.other_team_id):
        assert f'href="/teams/{team_id}/room"' in html
    for name in ("Alice", "Bruno", "Chen", "Dora", "Universiteit Leiden"):
        assert name in html
    assert "@example.org" not in html
    # Only Leiden's own students (Alice, Chen) can be removed by the Leiden teacher.
    assert html.count('data-testid="remove-member"') == 2
    assert html.count('data-testid="remove-elsewhere"') == 2
    sign_in(client, world.partner_teacher)
    theirs = client.get(f"/exchanges/{world.exchange_id}/teams").get_data(as_text=True)
    assert theirs.count('data-testid="remove-member"') == 2  # Bruno and Dora
    assert client.post(_remove_url(world, world.chen)).status_code == 403
    assert client.post(_remove_url(world, world.bruno)).status_code == 303
    sign_in(client, world.alice)
    assert client.get(f"/exchanges/{world.exchange_id}/teams").status_code == 403


def _join_as_student(session: Session, world: World, actor: Actor) -> None:
    seat = session.scalars(select(Seat).where(Seat.exchange_id == world.exchange_id)).first()
    assert seat is not None
    session.add(
        Participant(
            exchange_id=world.exchange_id,
            seat_id=seat.id,
            person_id=actor.person_id,
            role=actor.role,
            status=ParticipantStatus.ACTIVE,
        )
    )
    session.commit()


def test_a_student_in_a_team_gets_a_link_to_the_room(
    client: FlaskClient, world: World, session: Session
) -> None:
    _join_as_student(session, world, world.alice)
    sign_in(client, world.alice)
    html = client.get(f"/exchanges/{world.exchange_id}").get_data(as_text=True)
    assert f'href="/teams/{world.team_id}/room"' in html
    assert "Go to your team room" in html


def test_the_side_panel_shows_teammate_cards_with_consented_fields_only(
    client: FlaskClient, world: World, session: Session
) -> None:
    def profile_of(actor: Actor) -> Profile:
        found = session.scalar(select(Profile).where(Profile.person_id == actor.person_id))
        assert found is not None
        return found

    week = [[60 * 18, 60 * 20]]  # Monday 18:00-20:00 UTC
    alice, bruno = profile_of(world.alice), profile_of(world.bruno)
    alice.availability = bruno.availability = week
    alice.pronouns, bruno.pronouns = "she/her", "he/him"
    alice.languages = [{"code": "nl", "level": "native"}]
    bruno.languages = [{"code": "it", "level": "native"}]
    alice.consents = {"pronouns": True, "languages": True, "availability": True}
    bruno.consents = {"pronouns": False, "languages": True, "availability": True}
    session.commit()
    sign_in(client, world.alice)
    html = client.get(f"/teams/{world.team_id}/room").get_data(as_text=True)
    assert "Università di Bologna" in html
    assert "Italian (native)" in html
    assert "he/him" not in html  # Bruno did not agree to show his pronouns
    assert "Free at the same time as you: 2 hours a week" in html
    assert 'data-time-zone="Europe/Rome"' not in html  # time zone not shared
    bruno = profile_of(world.bruno)  # the request closed the session it was loaded in
    bruno.consents = {**bruno.consents, "time_zone": True}
    session.commit()
    html = client.get(f"/teams/{world.team_id}/room").get_data(as_text=True)
    assert 'data-time-zone="Europe/Rome"' in html
    emails = session.scalars(select(Person.email)).all()
    assert not any(email and email in html for email in emails)
