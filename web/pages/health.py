"""Team health pages for an exchange's teachers: the dashboard, a team's signals and log,
and the thresholds. Views parse, call one use case and render; the task queue recomputes."""

from __future__ import annotations

import secrets

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from plugin.errors import InvalidInput
from plugin.health.service import (
    ACTIONS,
    ThresholdsRefused,
    health_dashboard,
    health_thresholds,
    log_intervention,
    team_health,
    update_thresholds,
)
from plugin.health.status import LIMITS, STATUS_LABELS, Thresholds
from web.auth import require_actor, signed_in_actor
from web.db import get_session
from web.i18n import number, parse_number, translated
from web.inputs import maybe_int
from web.pages import Page, bp
from web.pages.forms import form_failed
from web.tasks import tasks


@bp.route("/exchanges/<id:exchange_id>/health")
@require_actor
def health_dashboard_page(exchange_id: int) -> Page:
    sort = request.args.get("sort", "status")
    page = maybe_int(request.args.get("page"), low=1, high=100_000) or 1
    board = health_dashboard(get_session(), signed_in_actor(), exchange_id, sort=sort, page=page)
    return render_template("health/dashboard.html", board=board, labels=STATUS_LABELS)


@bp.route("/exchanges/<id:exchange_id>/health/refresh", methods=["POST"])
@require_actor
def refresh_health_now(exchange_id: int) -> Page:
    health_thresholds(get_session(), signed_in_actor(), exchange_id)  # only its teachers
    tasks().refresh_health(exchange_id)
    flash(gettext("Tandem is recounting the teams' activity. Reload in a minute."))
    return redirect(url_for("pages.health_dashboard_page", exchange_id=exchange_id), code=303)


def _settings_page(exchange_id: int, values: dict[str, str]) -> str:
    return render_template(
        "health/settings.html", exchange_id=exchange_id, values=values, limits=LIMITS
    )


def _values(limits: Thresholds) -> dict[str, str]:
    """The saved thresholds as the form shows them, in the viewer's language ("1,5")."""
    return {
        "meeting_gap_days": str(limits.meeting_gap_days),
        "silent_days": str(limits.silent_days),
        "checkin_drop": number(limits.checkin_drop, 1),
        "checkin_low": number(limits.checkin_low, 1),
    }


@bp.route("/exchanges/<id:exchange_id>/health/settings", methods=["GET", "POST"])
@require_actor
def health_settings_page(exchange_id: int) -> Page:
    """Numbers are read and shown the viewer's way ("0,5" in Dutch); a refused form comes
    back as typed, each message beside its field."""
    db = get_session()
    if request.method == "GET":
        limits = health_thresholds(db, signed_in_actor(), exchange_id)
        return _settings_page(exchange_id, _values(limits))
    typed = {name: request.form.get(name, "") for name in LIMITS}
    numbers = {name: parse_number(text) for name, text in typed.items()}
    try:
        update_thresholds(db, signed_in_actor(), exchange_id, numbers)
    except ThresholdsRefused as refused:
        return form_failed(
            refused,
            "health/settings.html",
            exchange_id=exchange_id,
            values=typed,
            limits=LIMITS,
        )
    flash(gettext("The thresholds are saved; they apply at the next recount."))
    return redirect(url_for("pages.health_dashboard_page", exchange_id=exchange_id), code=303)


def _team_page(team_id: int, error: str | None = None, status: int = 200) -> Page:
    view = team_health(get_session(), signed_in_actor(), team_id)
    page = render_template(
        "health/team.html",
        team=view,
        labels=STATUS_LABELS,
        actions=ACTIONS,
        client_id=secrets.token_urlsafe(16),
        error=error,
        form=request.form if error else {},
    )
    return (page, status) if status != 200 else page


@bp.route("/teams/<id:team_id>/health")
@require_actor
def team_health_page(team_id: int) -> Page:
    return _team_page(team_id)


@bp.route("/teams/<id:team_id>/health/log", methods=["POST"])
@require_actor
def log_team_intervention(team_id: int) -> Page:
    try:
        log_intervention(
            get_session(),
            signed_in_actor(),
            team_id,
            request.form.get("action", ""),
            request.form.get("note", ""),
            request.form.get("client_id", ""),
        )
    except InvalidInput as error:
        return _team_page(team_id, translated(error.message), 400)
    flash(gettext("Added to the team's log."))
    return redirect(url_for("pages.team_health_page", team_id=team_id) + "#log", code=303)
