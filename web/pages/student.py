"""Student pages: onboarding (the profile form) and the exchange page."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from plugin.checkins.service import my_checkin
from plugin.db import utcnow
from plugin.errors import TandemError
from plugin.exchanges.service import get_exchange, my_participation
from plugin.people.service import get_person
from plugin.profiles.availability import reference_week
from plugin.profiles.service import find_profile, profile_form, save_profile
from plugin.teams.service import my_team_in
from web.auth import require_actor, signed_in_actor
from web.db import get_session
from web.i18n import browser_timezone
from web.pages import Page, bp
from web.pages.forms import form_failed, profile_draft, profile_form_values, template_helpers


def _profile_page(exchange_id: int, values: dict[str, Any]) -> dict[str, Any]:
    exchange = get_exchange(get_session(), exchange_id)
    helpers = template_helpers()
    names = dict(helpers["language_choices"])
    # The exchange's working languages first: the language most students pick is then a key
    # press away instead of a scroll through 180 names.
    working = [(code, names[code]) for code in exchange.languages if code in names]
    return {
        "exchange": exchange,
        "values": values,
        "detected_zone": browser_timezone(),
        **helpers,
        "working_languages": working,
        "other_languages": [pair for pair in helpers["language_choices"] if pair not in working],
    }


@bp.route("/exchanges/<id:exchange_id>/profile", methods=["GET", "POST"])
@require_actor
def onboarding(exchange_id: int) -> Page:
    db = get_session()
    actor = signed_in_actor()
    my_participation(db, actor, exchange_id)
    exchange = get_exchange(db, exchange_id)
    week = reference_week(exchange.starts_on, utcnow().date())
    if request.method == "GET":
        values = profile_form_values(profile_form(db, actor, week))
        return render_template("profile/onboarding.html", **_profile_page(exchange_id, values))
    draft = profile_draft(request.form)
    try:
        save_profile(db, actor, draft, week)
    except TandemError as error:
        values = profile_form_values(draft)
        return form_failed(error, "profile/onboarding.html", **_profile_page(exchange_id, values))
    flash(gettext("Your profile is saved."))
    return redirect(url_for("pages.student_exchange", exchange_id=exchange_id), code=303)


@bp.route("/exchanges/<id:exchange_id>")
@require_actor
def student_exchange(exchange_id: int) -> str:
    db = get_session()
    actor = signed_in_actor()
    participant = my_participation(db, actor, exchange_id)
    return render_template(
        "exchange/student.html",
        exchange=participant.seat.exchange,
        seat=participant.seat,
        person=get_person(db, actor.person_id),
        profile=find_profile(db, actor.person_id),
        team_id=my_team_in(db, actor, exchange_id),
        checkin=my_checkin(db, actor, exchange_id),
        **template_helpers(),
    )
