"""Team room pages: the room itself (which mints the socket's connect token) and a list of
the viewer's rooms. The live part is realtime/'s /rooms namespace; this page is its shell."""

from __future__ import annotations

from flask import render_template

from plugin.actors import Actor
from plugin.people.service import get_person
from plugin.rooms.service import open_team_room, rooms_of
from plugin.rooms.video import jitsi_url
from realtime import tokens
from realtime.namespace import NAMESPACE
from realtime.state import rooms_state
from web.auth import current_actor, require_actor
from web.db import get_session
from web.pages import bp


def _actor() -> Actor:
    actor = current_actor()
    assert actor is not None  # noqa: S101 - require_actor checked it
    return actor


@bp.route("/rooms")
@require_actor
def my_rooms() -> str:
    return render_template("room/list.html", rooms=rooms_of(get_session(), _actor()))


@bp.route("/teams/<int:team_id>/room")
@require_actor
def team_room(team_id: int) -> str:
    actor = _actor()
    db = get_session()
    access = open_team_room(db, actor, team_id)
    state = rooms_state()
    person = get_person(db, actor.person_id)
    return render_template(
        "room/room.html",
        access=access,
        token=tokens.issue(state.secret, actor, access.room_id),
        namespace=NAMESPACE,
        video_url=jitsi_url(state.jitsi_url, state.secret, team_id, person.display_name),
    )
