"""The student's teammates page: ask for classmates by list or a partner's student by code.

Each POST calls one use case and redirects back (303) with a notice, so a refresh never asks
twice; a refused form comes back with the message announced, what was typed kept, and a 4xx.
Every rule (who may be listed, limits, the freeze) lives in plugin/teammates/service.py.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext, lazy_gettext
from werkzeug.wrappers import Response

from plugin.errors import TandemError
from plugin.i18n import N_
from plugin.teammates.service import (
    new_teammate_code,
    remove_teammate_request,
    request_teammate,
    teammate_requests,
)
from web.auth import require_actor, signed_in_actor
from web.db import get_session
from web.inputs import parse_id
from web.pages import Page, bp
from web.pages.forms import form_failed

FOCUS = ("pick", "code", "requests")
CHOOSE = N_("Choose a classmate from the list.")
_USER_MESSAGES = (lazy_gettext("Choose a classmate from the list."),)  # for the catalogue


def _person_id() -> int:
    return parse_id(request.form.get("person_id"), CHOOSE)


def _context(exchange_id: int, **extra: Any) -> dict[str, Any]:
    view = teammate_requests(get_session(), signed_in_actor(), exchange_id)
    return {"exchange_id": exchange_id, "view": view, **extra}


def _back(exchange_id: int, notice: str, focus: str) -> Response:
    flash(notice)
    return redirect(url_for("pages.teammates", exchange_id=exchange_id, focus=focus), code=303)


def _refused(error: TandemError, exchange_id: int, failed: str) -> tuple[Response | str, int]:
    typed = request.form.get("code", "")[:40] if failed == "code" else ""
    # Focus goes to the error summary (forms.js), whose link leads to the field.
    context = _context(exchange_id, typed_code=typed)
    field = {"pick": "person_id", "code": "code"}.get(failed)
    return form_failed(error, "exchange/teammates.html", field=field, **context)


@bp.route("/exchanges/<id:exchange_id>/teammates")
@require_actor
def teammates(exchange_id: int) -> str:
    focus = request.args.get("focus", "")
    context = _context(exchange_id, focus=focus if focus in FOCUS else "")
    return render_template("exchange/teammates.html", **context)


@bp.route("/exchanges/<id:exchange_id>/teammates/pick", methods=["POST"])
@require_actor
def teammates_pick(exchange_id: int) -> Page:
    try:
        made = request_teammate(
            get_session(), signed_in_actor(), exchange_id, person_id=_person_id()
        )
    except TandemError as error:
        return _refused(error, exchange_id, "pick")
    return _back(exchange_id, gettext("You asked for %(name)s.", name=made.name or "?"), "pick")


@bp.route("/exchanges/<id:exchange_id>/teammates/code", methods=["POST"])
@require_actor
def teammates_code(exchange_id: int) -> Page:
    code = request.form.get("code", "")
    try:
        made = request_teammate(get_session(), signed_in_actor(), exchange_id, code=code)
    except TandemError as error:
        return _refused(error, exchange_id, "code")
    name = made.name or gettext("a student without a display name")
    notice = gettext(
        "You asked for %(name)s (%(university)s).", name=name, university=made.institution
    )
    return _back(exchange_id, notice, "code")


@bp.route("/exchanges/<id:exchange_id>/teammates/remove", methods=["POST"])
@require_actor
def teammates_remove(exchange_id: int) -> Page:
    try:
        remove_teammate_request(get_session(), signed_in_actor(), exchange_id, _person_id())
    except TandemError as error:
        return _refused(error, exchange_id, "requests")
    return _back(exchange_id, gettext("Request removed."), "requests")


@bp.route("/exchanges/<id:exchange_id>/teammates/new-code", methods=["POST"])
@require_actor
def teammates_new_code(exchange_id: int) -> Response:
    new_teammate_code(get_session(), signed_in_actor(), exchange_id)
    return _back(
        exchange_id, gettext("Your new code is ready; the old one no longer works."), "code"
    )
