"""A person's own data (export, summary, self-erasure) and the students' privacy page.

Both pages are generated from ``plugin.privacy.declarations.HOLDINGS``, like the export and
the erasure, so what the page promises is what the code does.
"""

from __future__ import annotations

import json

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from plugin.actors import Actor, Role
from plugin.credentials.service import held_credentials
from plugin.privacy.declarations import HOLDINGS, Erase
from plugin.privacy.service import erase_person, export_person, is_erased
from plugin.rooms.service import room_of_team, rooms_of
from realtime import disconnect_person
from web.auth import NotSignedIn, current_actor, require_actor, signed_in_actor
from web.db import get_session
from web.extensions import socketio
from web.pages import bp
from web.pages.credentials import certificate_cache


def rooms_to_leave(person_id: int) -> list[int]:
    """The rooms a person is in now (read before erasure removes their memberships)."""
    db = get_session()
    rooms = [room_of_team(db, team_id) for team_id, _name in rooms_of(db, _as(person_id))]
    return [room for room in rooms if room is not None]


def held_credential_ids(person_id: int) -> list[str]:
    """The person's credentials (read before erasure unlinks them)."""
    return [c.id for c in held_credentials(get_session(), _as(person_id))]


def cut_connections(person_id: int, room_ids: list[int], credential_ids: list[str]) -> None:
    """After erasure: close the person's open room connections at once, on any process, and
    drop this process's rendered certificates that print their name."""
    certificate_cache().forget(credential_ids)
    for room_id in room_ids:
        disconnect_person(socketio, room_id, person_id, gettext("Your data has been erased."))


def _as(person_id: int) -> Actor:
    return Actor(person_id, Role.STUDENT, None)


@bp.route("/me/data.json")
@require_actor
def my_data() -> Response:
    data = export_person(get_session(), signed_in_actor())
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="tandem-my-data.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/me/data")
@require_actor
def my_data_page() -> str:
    data = export_person(get_session(), signed_in_actor())
    return render_template(
        "privacy/my_data.html",
        data=data,
        holdings=[
            (holding, exported["rows"])
            for holding, exported in zip(
                [h for h in HOLDINGS if h.export], data["holdings"], strict=True
            )
            if exported["rows"]
        ],
    )


@bp.route("/me/erase", methods=["GET", "POST"])
def erase_me() -> Response | str:
    """GET asks for confirmation; POST erases the signed-in person and ends their session.

    A second POST (double submit) finds no session and lands on the same page as the first.
    """

    actor = current_actor()
    if actor is None and request.method == "POST" and session.get("erased"):
        return redirect(url_for("pages.privacy_page", erased=1), code=303)  # a double submit
    if actor is None or is_erased(get_session(), actor.person_id):
        session.clear()
        raise NotSignedIn(gettext("Please open Tandem from your course in your learning platform."))
    if request.method == "GET":
        held = held_credentials(get_session(), actor)
        return render_template("privacy/erase_me.html", credentials=held)
    rooms = rooms_to_leave(actor.person_id)
    credentials = held_credential_ids(actor.person_id)
    erase_person(get_session(), actor, actor.person_id)
    session.clear()
    session["erased"] = True  # only so that a second click lands on the same page
    cut_connections(actor.person_id, rooms, credentials)
    return redirect(url_for("pages.privacy_page", erased=1), code=303)


@bp.route("/privacy")
def privacy_page() -> str:

    return render_template(
        "privacy/privacy.html",
        holdings=HOLDINGS,
        Erase=Erase,
        erased=request.args.get("erased") == "1",
        signed_in=current_actor() is not None,
    )
