from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, render_template, request, session, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from plugin.courses.service import get_course
from plugin.people.service import get_person
from web.auth import current_actor
from web.db import get_session
from web.errors import error_response
from web.i18n import LANGUAGES, is_time_zone
from web.pages import bp


@bp.route("/")
def home() -> str:
    actor = current_actor()
    if actor is None:
        return render_template("welcome.html")
    db = get_session()
    person = get_person(db, actor.person_id)
    course = get_course(db, actor.course_id) if actor.course_id is not None else None
    return render_template("home.html", actor=actor, person=person, course=course)


def _same_site_target(target: str | None) -> str:
    """Only follow relative redirects, so the language switch is no open redirect."""
    if not target:
        return url_for("pages.home")
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else "/"


@bp.route("/language", methods=["POST"])
def choose_language() -> Response | tuple[Response | str, int]:
    code = request.form.get("lang", "")
    if code not in LANGUAGES:
        return error_response(400, gettext("Bad request"), gettext("Unknown language."))
    session["locale"] = code
    return redirect(_same_site_target(request.form.get("next")), code=303)


@bp.route("/timezone", methods=["POST"])
def report_time_zone() -> tuple[Response | str, int]:
    """The browser tells us its IANA zone so that pages show times in the viewer's own zone."""
    name = request.form.get("tz", "")
    if not is_time_zone(name):
        return error_response(400, gettext("Bad request"), gettext("Unknown time zone."))
    session["timezone"] = name
    return "", 204
