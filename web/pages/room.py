"""Team room pages: the room itself (which mints the socket's connect token), the viewer's
rooms, and the teachers' list of an exchange's teams with the "remove member" action. The live
part is realtime/'s /rooms namespace; these pages are its shell."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext
from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from plugin.actors import Actor
from plugin.db import utcnow
from plugin.matching.teams import remove_member
from plugin.people.service import get_person
from plugin.rooms.service import (
    exchange_teams,
    open_team_room,
    room_members,
    room_of_team,
    rooms_of,
)
from plugin.rooms.video import jitsi_url
from realtime import disconnect_person, tokens
from realtime.namespace import NAMESPACE
from realtime.state import rooms_state
from web.auth import current_actor, require_actor
from web.db import get_session
from web.extensions import socketio
from web.pages import bp
from web.pages.forms import language_name


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
        members=room_members(db, actor, access.room_id, utcnow()),
        language_name=language_name,
        token=tokens.issue(state.secret, actor, access.room_id),
        namespace=NAMESPACE,
        video_url=jitsi_url(state.jitsi_url, state.secret, team_id, person.display_name),
    )


@bp.route("/exchanges/<int:exchange_id>/teams")
@require_actor
def exchange_rooms(exchange_id: int) -> str:
    teams = exchange_teams(get_session(), _actor(), exchange_id)
    return render_template("room/teams.html", exchange_id=exchange_id, teams=teams)


@bp.route(
    "/exchanges/<int:exchange_id>/teams/<int:team_id>/members/<int:person_id>/remove",
    methods=["POST"],
)
@require_actor
def remove_team_member(exchange_id: int, team_id: int, person_id: int) -> Response:
    """Take someone out of a team, then cut their open room connections at once (on any
    process, through the message queue) so they stop seeing the team's chat now."""
    db = get_session()
    remove_member(db, _actor(), team_id, person_id)
    room_id = room_of_team(db, team_id)
    if room_id is not None:
        disconnect_person(
            socketio, room_id, person_id, gettext("You are no longer a member of this team.")
        )
    return redirect(url_for("pages.exchange_rooms", exchange_id=exchange_id), code=303)
