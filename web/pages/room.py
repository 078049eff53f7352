"""Team room pages: the room itself (which mints the socket's connect token), the viewer's
rooms, and the teachers' list of an exchange's teams with the "remove member" action. The live
part is realtime/'s /rooms namespace; these pages are its shell."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.dates import format_datetime
from flask import current_app, flash, g, jsonify, render_template, request, url_for
from flask_babel import get_locale, gettext
from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from plugin.calls.jitsi import CallUser, video_call
from plugin.checkins.service import my_checkin
from plugin.db import utcnow
from plugin.errors import NotAllowed, NotFound
from plugin.people.service import get_person
from plugin.profiles.service import set_video_name, video_name
from plugin.rooms.access import check_access
from plugin.rooms.agreed import upcoming_meetings
from plugin.rooms.meetings import meeting_plan, meetings_ics
from plugin.rooms.service import open_team_room, room_members, room_of_team, rooms_of
from plugin.teams.service import exchange_teams, remove_member
from realtime import disconnect_person, tokens
from realtime.state import NAMESPACE, rooms_state
from web.auth import require_actor, signed_in_actor
from web.config import Settings
from web.db import get_session
from web.extensions import socketio
from web.i18n import select_timezone, zone
from web.pages import bp
from web.pages.forms import language_name


@bp.route("/rooms")
@require_actor
def my_rooms() -> str:
    return render_template("room/list.html", rooms=rooms_of(get_session(), signed_in_actor()))


@bp.route("/teams/<id:team_id>/room")
@require_actor
def team_room(team_id: int) -> str:
    return render_template("room/room.html", **room_context(team_id))


def room_context(team_id: int) -> dict[str, Any]:
    """What the room page shows (also when its meeting form comes back with an error)."""
    actor = signed_in_actor()
    db = get_session()
    access = open_team_room(db, actor, team_id)
    state = rooms_state()
    person = get_person(db, actor.person_id)
    now = utcnow()
    settings: Settings = current_app.config["TANDEM_SETTINGS"]
    shown = video_name(db, person.id, person.display_name or "")
    user = CallUser(person.id, shown, moderator=access.can_moderate)
    call = video_call(settings.video, state.secret, team_id, user, now)
    if call.embed:  # the security headers let this page frame the call (web/security.py)
        g.csp_frame_src = call.origin
    return {
        "team_id": team_id,
        "access": access,
        "members": room_members(db, actor, access.room_id, utcnow()),
        "language_name": language_name,
        "token": tokens.issue(state.secret, actor, access.room_id),
        "token_seconds": state.token_seconds,
        "namespace": NAMESPACE,
        "call": call,
        "plan": meeting_plan(db, actor, access.room_id, now),
        "checkin": None
        if access.is_teacher
        else my_checkin(db, actor, access.exchange_id, now=now),
        "now": now,
        "local_when": _local_when,
        "viewer_zone": select_timezone(),
        "call_name": user.name,
        "agreed": upcoming_meetings(db, actor, team_id, now),
    }


@bp.route("/teams/<id:team_id>/room/token")
@require_actor
def team_room_token(team_id: int) -> Response:
    """A fresh connect token from the page's web session: the room asks for one whenever its
    socket is refused for an old token (after an outage longer than a token's life), so it
    comes back by itself instead of asking the person to reload."""
    actor = signed_in_actor()
    access = open_team_room(get_session(), actor, team_id)
    state = rooms_state()
    response = jsonify(
        token=tokens.issue(state.secret, actor, access.room_id), seconds=state.token_seconds
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def _local_when(moment: datetime, time_zone: str | None) -> str:
    """A weekly time as it reads in a member's own zone ("Tuesday 17:00"), in the viewer's
    language."""
    return format_datetime(moment, "EEEE HH:mm", tzinfo=zone(time_zone), locale=get_locale())


@bp.route("/teams/<id:team_id>/video-name", methods=["POST"])
@require_actor
def choose_video_name(team_id: int) -> Response:
    """The name the video service receives; back to the room (POST-redirect-GET)."""
    db = get_session()
    room_id = room_of_team(db, team_id)
    if room_id is None:
        raise NotFound(gettext("This team has no room yet."))
    check_access(
        db, signed_in_actor(), room_id
    )  # only the team's members and teachers call from it
    set_video_name(db, signed_in_actor(), request.form.get("video_name", ""))
    return redirect(url_for("pages.team_room", team_id=team_id) + "#video-heading", code=303)


@bp.route("/teams/<id:team_id>/meetings.ics")
@require_actor
def team_meetings_ics(team_id: int) -> Response:
    """The suggested weekly times as a calendar file (UTC, weekly RRULE until the exchange
    ends)."""
    actor = signed_in_actor()
    db = get_session()
    access = open_team_room(db, actor, team_id)
    now = utcnow()
    plan = meeting_plan(db, actor, access.room_id, now)
    room_url = url_for("pages.team_room", team_id=team_id, _external=True)
    body = meetings_ics(
        slots=plan.slots,
        summary=gettext("Team meeting: %(team)s", team=plan.team_name),
        description=gettext("Join the call from the team room: %(url)s", url=room_url),
        url=room_url,
        uid_prefix=f"tandem-team-{team_id}",
        now=now,
        until=plan.until,
    )
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="team-{team_id}-meetings.ics"'},
    )


@bp.route("/exchanges/<id:exchange_id>/teams")
@require_actor
def exchange_rooms(exchange_id: int) -> str:
    teams = exchange_teams(get_session(), signed_in_actor(), exchange_id)
    return render_template("room/teams.html", exchange_id=exchange_id, teams=teams)


@bp.route(
    "/exchanges/<id:exchange_id>/teams/<id:team_id>/members/<id:person_id>/remove",
    methods=["GET", "POST"],
)
@require_actor
def remove_team_member(exchange_id: int, team_id: int, person_id: int) -> Response | str:
    """Take someone out of a team, then cut their open room connections at once (on any
    process, through the message queue) so they stop seeing the team's chat now. A GET asks
    first: removal cuts a student off their team's room, so it gets a second chance."""
    db = get_session()
    team, name = _team_member(exchange_id, team_id, person_id)
    if request.method == "GET":
        if person_id not in team.removable:  # the POST would be refused: do not ask
            raise NotAllowed(gettext("Their own university's teacher can remove them."))
        return render_template(
            "room/remove_member.html",
            exchange_id=exchange_id,
            team=team,
            person_id=person_id,
            name=name,
        )
    remove_member(db, signed_in_actor(), team_id, person_id)
    room_id = room_of_team(db, team_id)
    if room_id is not None:
        disconnect_person(
            socketio, room_id, person_id, gettext("You are no longer a member of this team.")
        )
    flash(gettext("%(name)s is no longer in %(team)s.", name=name, team=team.name))
    return redirect(url_for("pages.exchange_rooms", exchange_id=exchange_id), code=303)


def _team_member(exchange_id: int, team_id: int, person_id: int) -> tuple[Any, str]:
    """The team and the member's name as the teacher's teams page shows them (which also
    checks that the actor teaches this exchange)."""
    for team in exchange_teams(get_session(), signed_in_actor(), exchange_id):
        for member_id, name, _institution in team.members if team.team_id == team_id else ():
            if member_id == person_id:
                return team, name
    raise NotFound(gettext("This person is not in that team."))
