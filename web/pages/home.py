from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import (
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response

from plugin.actors import Actor
from plugin.courses.service import get_course
from plugin.exchanges.service import enter_exchange, exchanges_for_teacher, templates_for_teacher
from plugin.people.service import get_person
from plugin.registrars.service import registrar_institutions
from web.auth import current_actor, current_exchange_hint
from web.db import get_session
from web.errors import error_response
from web.i18n import LANGUAGES, is_time_zone
from web.pages import bp


def home_context(
    db: Session, actor: Actor, form: MultiDict[str, str] | None = None
) -> dict[str, Any]:
    """The landing page of a course in no exchange: teachers may create, copy or join one."""
    person = get_person(db, actor.person_id)
    course = get_course(db, actor.course_id) if actor.course_id is not None else None
    teaching = actor.can_teach and course is not None
    return {
        "actor": actor,
        "person": person,
        "course": course,
        "teaching": teaching,
        "seats": exchanges_for_teacher(db, actor) if teaching else [],
        "templates": templates_for_teacher(db, actor) if teaching else [],
        "values": form or {},
        "registrar": bool(registrar_institutions(db, actor.person_id)),
    }


@bp.route("/")
def home() -> Response | str:
    """Route a launched person: into their exchange (onboarding first for new students),
    or to the page that explains what to do when their course is in no exchange yet."""
    actor = current_actor()
    if actor is None:
        return render_template("welcome.html")
    return _landing(actor)


def _landing(actor: Actor, **page: Any) -> Response | str:
    db = get_session()
    view = enter_exchange(db, actor, current_exchange_hint())
    if view is not None:
        exchange_id = view.exchange.id
        if view.is_teacher:
            target = url_for("pages.teacher_exchange", exchange_id=exchange_id)
        elif view.needs_onboarding:
            target = url_for("pages.onboarding", exchange_id=exchange_id)
        else:
            target = url_for("pages.student_exchange", exchange_id=exchange_id)
        return redirect(target, code=303)
    return render_template("home.html", **home_context(db, actor), **page)


def launch_landing(actor: Actor) -> Response:
    """What a launch answers once its web session has started: the landing itself.

    A redirect to ``/`` would cost the browser (and us) a whole request per launch; the
    launch's response sets the session cookie either way, and the page's own requests carry
    it as they did. Its URL becomes ``/`` in the browser's history (``landed_at``), so a
    reload reads the home page instead of posting the spent id_token again. An exchange's
    page is still a redirect, straight to it rather than through ``/``.
    """
    return make_response(_landing(actor, landed_at="pages.home"))


def _same_site_target(target: str | None) -> str:
    """Only follow relative redirects, so the language switch is no open redirect."""
    if not target:
        return url_for("pages.home")
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc and target.startswith("/") else "/"


@bp.route("/favicon.ico")
def favicon() -> Response:
    """Browsers ask for /favicon.ico on every page whatever the page links; answer, don't 404."""
    static = current_app.static_folder
    assert static is not None  # noqa: S101 - the app is created with web/static
    icon = (Path(static) / "favicon.ico").read_bytes()
    return Response(
        icon,
        mimetype="image/vnd.microsoft.icon",
        headers={"Cache-Control": "public, max-age=86400"},
    )


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
