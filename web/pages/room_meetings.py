"""Agreeing on a team meeting from the room (a suggested time or a typed date and time in
the viewer's zone), and the agreed meeting's calendar file."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import flash, request, url_for
from flask_babel import gettext
from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from plugin.db import utcnow
from plugin.errors import FieldErrors, InvalidInput, NotFound
from plugin.rooms.agreed import agree_meeting as agree
from plugin.rooms.agreed import meeting_for, meeting_ics
from web.auth import require_actor, signed_in_actor
from web.db import get_session
from web.i18n import select_timezone, zone
from web.pages import Page, bp
from web.pages.forms import form_failed
from web.pages.room import room_context

DEFAULT_MINUTES = 60


def _start() -> datetime:
    """The suggestion's UTC start, or the typed date and time read in the viewer's zone."""
    slot = request.form.get("slot", "").strip()
    if slot:
        try:
            moment = datetime.fromisoformat(slot)
        except ValueError:
            raise InvalidInput(gettext("Choose one of the suggested times."), "slot") from None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    day, clock = request.form.get("date", "").strip(), request.form.get("time", "").strip()
    if not day or not clock:
        raise InvalidInput(
            gettext("Choose a suggested time, or enter a date and a time."),
            "time" if day else "date",
        )
    try:
        local = datetime.fromisoformat(f"{day}T{clock}")
    except ValueError:
        raise InvalidInput(
            gettext("Enter the date as year-month-day and the time as hours:minutes."), "date"
        ) from None
    return local.replace(tzinfo=zone(select_timezone())).astimezone(UTC)


def _minutes() -> int:
    raw = request.form.get("minutes", "").strip() or str(DEFAULT_MINUTES)
    if not raw.isdigit() or len(raw) > 4:
        raise InvalidInput(gettext("Enter the length in whole minutes."), "minutes")
    return int(raw)


@bp.route("/teams/<id:team_id>/meetings", methods=["POST"])
@require_actor
def agree_meeting(team_id: int) -> Page:
    """Record the agreed time; back to the room (POST-redirect-GET; the same time twice is
    one meeting). A refused time: the room again, the message beside its field."""
    errors = FieldErrors()
    start, minutes = utcnow(), DEFAULT_MINUTES
    with errors.field("date"):
        start = _start()
    with errors.field("minutes"):
        minutes = _minutes()
    try:
        errors.raise_if_any()
        agree(get_session(), signed_in_actor(), team_id, start, minutes)
    except InvalidInput as error:
        if request.form.get("slot", "").strip():  # a suggested time was chosen, not typed
            error.errors = [("slot" if f == "date" else f, m) for f, m in error.errors]
        return form_failed(error, "room/room.html", **room_context(team_id))
    flash(gettext("The meeting is saved; everyone in the team is reminded before it."))
    return redirect(url_for("pages.team_room", team_id=team_id) + "#agreed-heading", code=303)


@bp.route("/teams/<id:team_id>/meetings/<id:meeting_id>.ics")
@require_actor
def agreed_meeting_ics(team_id: int, meeting_id: int) -> Response:
    meeting = meeting_for(get_session(), signed_in_actor(), meeting_id)
    if meeting.team_id != team_id:
        raise NotFound(gettext("There is no such meeting."))
    body = meeting_ics(
        uid=f"meeting-{meeting.id}@{request.host}",
        start=meeting.starts_at,
        end=meeting.ends_at,
        summary=gettext("Team meeting"),
        url=url_for("pages.team_room", team_id=team_id, _external=True),
        now=utcnow(),
    )
    return Response(
        body,
        mimetype="text/calendar",
        headers={"Content-Disposition": f'attachment; filename="meeting-{meeting.id}.ics"'},
    )
