"""Teacher pages: set up an exchange, invite and admit partner courses, look after the pool.

Each view parses, calls one use case and renders or redirects; refused forms come back filled in.
The roster button is the one place a teacher page calls the LTI adapter (NRPS), after the
domain has said whose seat's course it is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask import session as web_session
from flask_babel import gettext
from werkzeug.wrappers import Response

from lti.launch import LtiContext
from lti.roster import sync_course_roster
from lti.services import ServiceError
from plugin.errors import InvalidInput, TandemError
from plugin.exchanges.service import (
    IssuedCode,
    copy_exchange,
    create_exchange,
    decide_seat,
    draft_of,
    exchange_overview,
    issue_join_code,
    leave_exchange,
    request_seat,
    require_course_free,
    require_course_teacher,
    require_owner,
    require_seat_teacher,
    update_exchange,
)
from plugin.privacy.service import erase_participant, erasure_preview, participant_person
from plugin.registrars.service import registrar_institutions
from plugin.roster.service import RosterResult
from web.auth import current_actor, require_actor, signed_in_actor
from web.db import get_session
from web.i18n import translated
from web.inputs import maybe_id, maybe_int
from web.pages import Page, bp
from web.pages.admin import is_admin
from web.pages.forms import (
    exchange_draft,
    exchange_form_values,
    form_failed,
    parse_date,
    template_helpers,
)
from web.pages.privacy import cut_connections, held_credential_ids, rooms_to_leave


def _setup_page(exchange_id: int | None, values: dict[str, Any]) -> dict[str, Any]:
    return {"exchange_id": exchange_id, "values": values, **template_helpers()}


@bp.route("/exchanges/new", methods=["GET", "POST"])
@require_actor
def new_exchange() -> Page:
    if request.method == "GET":
        require_course_teacher(get_session(), signed_in_actor())  # a student may not see the form
        require_course_free(get_session(), signed_in_actor())  # a course already placed gets a 409
        return render_template(
            "exchange/setup.html", **_setup_page(None, exchange_form_values(None, None))
        )
    try:
        exchange = create_exchange(get_session(), signed_in_actor(), exchange_draft(request.form))
    except TandemError as error:
        values = exchange_form_values(request.form, None)
        return form_failed(error, "exchange/setup.html", **_setup_page(None, values))
    flash(gettext("Your exchange “%(title)s” is created.", title=exchange.title))
    return redirect(url_for("pages.teacher_exchange", exchange_id=exchange.id), code=303)


@bp.route("/exchanges/<id:exchange_id>/edit", methods=["GET", "POST"])
@require_actor
def edit_exchange(exchange_id: int) -> Page:
    db = get_session()
    if request.method == "GET":
        exchange = require_owner(db, signed_in_actor(), exchange_id)
        values = exchange_form_values(None, draft_of(exchange))
        return render_template("exchange/setup.html", **_setup_page(exchange_id, values))
    try:
        update_exchange(db, signed_in_actor(), exchange_id, exchange_draft(request.form))
    except TandemError as error:
        values = exchange_form_values(request.form, None)
        return form_failed(error, "exchange/setup.html", **_setup_page(exchange_id, values))
    flash(gettext("The exchange's setup is saved."))
    return redirect(url_for("pages.teacher_exchange", exchange_id=exchange_id), code=303)


@bp.route("/exchanges/copy", methods=["POST"])
@require_actor
def copy_template() -> Page:
    db = get_session()
    source_id = request.form.get("source_id", "")
    try:
        exchange = copy_exchange(
            db,
            signed_in_actor(),
            maybe_id(source_id) or 0,
            parse_date(request.form.get("starts_on", ""), "starts_on"),
        )
    except TandemError as error:
        from web.pages.home import home_context  # the form lives on the home page

        return form_failed(error, "home.html", **home_context(db, signed_in_actor(), request.form))
    flash(gettext("Your exchange “%(title)s” is created. Check its dates.", title=exchange.title))
    return redirect(url_for("pages.edit_exchange", exchange_id=exchange.id), code=303)


@bp.route("/exchanges/join", methods=["POST"])
@require_actor
def join_exchange() -> Page:
    db = get_session()
    try:
        request_seat(db, signed_in_actor(), request.form.get("code", ""))
    except TandemError as error:
        from web.pages.home import home_context

        return form_failed(error, "home.html", **home_context(db, signed_in_actor(), request.form))
    flash(gettext("Your course has asked to join. You will hear when the owner decides."))
    return redirect(url_for("pages.home"), code=303)


def staff_links() -> dict[str, bool]:
    """Which staff pages to link: LMS administrators to /admin/, registrars to /registrar."""
    actor = current_actor()
    registrar = actor is not None and bool(registrar_institutions(get_session(), actor.person_id))
    return {"show_admin_link": is_admin(), "show_registrar_link": registrar}


PEOPLE_PER_PAGE = 100
"""Participants shown per institution on one page of the overview: 2,500 rows each would make
the page weigh megabytes; the same page number applies to every institution's table."""


def _overview_context(exchange_id: int, **extra: Any) -> dict[str, Any]:
    overview = exchange_overview(get_session(), signed_in_actor(), exchange_id)
    longest = max((len(roster.people) for roster in overview.rosters), default=0)
    pages = max(1, -(-longest // PEOPLE_PER_PAGE))
    asked = request.args.get("people", "")
    page = min(max(int(asked), 1), pages) if asked.isdigit() and len(asked) < 6 else 1
    paging = {
        "people_page": page,
        "people_pages": pages,
        "people_first": (page - 1) * PEOPLE_PER_PAGE,
        "people_per_page": PEOPLE_PER_PAGE,
        "people_longest": longest,
    }
    return {"overview": overview, **paging, **staff_links(), **template_helpers(), **extra}


JOIN_CODES = "join_codes"


def _remember_code(exchange_id: int, issued: IssuedCode) -> None:
    """The database keeps only the code's hash; the owner's own signed session keeps the
    clear code, so reloading the page shows it again instead of making a new one."""
    codes = dict(web_session.get(JOIN_CODES, {}))
    codes[str(exchange_id)] = {"code": issued.code, "expires_at": issued.expires_at.isoformat()}
    web_session[JOIN_CODES] = codes


def _remembered_code(exchange_id: int, active_until: datetime | None) -> IssuedCode | None:
    """The code this browser made, while it is still the exchange's current one."""
    kept = web_session.get(JOIN_CODES, {}).get(str(exchange_id))
    if not kept or active_until is None:
        return None
    expires_at = datetime.fromisoformat(kept["expires_at"])
    same = abs((expires_at - active_until).total_seconds()) < 1
    return IssuedCode(kept["code"], expires_at) if same else None


def _overview_page(exchange_id: int, **extra: Any) -> str:
    context = _overview_context(exchange_id, **extra)
    issued = _remembered_code(exchange_id, context["overview"].code_expires_at)
    return render_template("exchange/teacher.html", issued=issued, **context)


@bp.route("/exchanges/<id:exchange_id>/teacher")
@require_actor
def teacher_exchange(exchange_id: int) -> str:
    return _overview_page(exchange_id)


@bp.route("/exchanges/<id:exchange_id>/code", methods=["POST"])
@require_actor
def new_join_code(exchange_id: int) -> Page:
    days = request.form.get("valid_days", "14")
    try:
        issued = issue_join_code(
            get_session(), signed_in_actor(), exchange_id, maybe_int(days, high=3650) or 0
        )
    except InvalidInput as error:  # the form is on the overview: shown again beside its field
        return form_failed(error, "exchange/teacher.html", **_overview_context(exchange_id))
    _remember_code(exchange_id, issued)
    return redirect(url_for("pages.teacher_exchange", exchange_id=exchange_id), code=303)


@bp.route("/seats/<id:seat_id>/decide", methods=["POST"])
@require_actor
def decide(seat_id: int) -> Response:
    seat = decide_seat(
        get_session(), signed_in_actor(), seat_id, request.form.get("approve") == "1"
    )
    return redirect(url_for("pages.teacher_exchange", exchange_id=seat.exchange_id), code=303)


@bp.route("/exchanges/<id:exchange_id>/leave", methods=["POST"])
@require_actor
def leave(exchange_id: int) -> Response:
    leave_exchange(get_session(), signed_in_actor(), exchange_id)
    return redirect(url_for("pages.home"), code=303)


@bp.route("/exchanges/<id:exchange_id>/roster", methods=["POST"])
@require_actor
def sync_roster_now(exchange_id: int) -> Page:
    """A seat's own teacher re-reads their course's roster from the LMS (NRPS) on demand."""
    db = get_session()
    seat = require_seat_teacher(db, signed_in_actor(), exchange_id)
    context: LtiContext = current_app.extensions["tandem.lti"]
    try:
        result: RosterResult = sync_course_roster(db, context.client(), seat.course_id)
    except TandemError as error:  # e.g. the course's launches never named a roster service
        return form_failed(error, "exchange/teacher.html", **_overview_context(exchange_id))
    except ServiceError as error:  # the LMS failed; its technical detail helps the admin
        return _overview_page(exchange_id, roster_failure=translated(error.message)), 502
    return _overview_page(exchange_id, roster_synced=result)


@bp.route(
    "/exchanges/<id:exchange_id>/participants/<id:participant_id>/erase",
    methods=["GET", "POST"],
)
@require_actor
def erase(exchange_id: int, participant_id: int) -> Page:
    """GET names the person and what will go; only the confirmation form's POST erases."""
    db = get_session()
    preview = erasure_preview(db, signed_in_actor(), exchange_id, participant_id)
    if request.method == "GET":
        return render_template("exchange/erase.html", preview=preview)
    person_id = participant_person(db, participant_id)
    rooms = rooms_to_leave(person_id) if person_id is not None else []
    credentials = held_credential_ids(person_id) if person_id is not None else []
    erase_participant(db, signed_in_actor(), participant_id)
    if person_id is not None:
        cut_connections(person_id, rooms, credentials)
    return redirect(url_for("pages.teacher_exchange", exchange_id=exchange_id), code=303)
