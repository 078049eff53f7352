"""Tandem admin pages: LMS registrations (list, test, add by hand, activate, remove).

A Tandem admin is someone launched with an LMS admin role from a registered platform, or an
LMS admin who signed in with a one-time link from ``tandem admin token`` (before any
platform can launch Tandem, someone must be able to register the first one).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext, lazy_gettext
from werkzeug.wrappers import Response

from lti import platforms
from lti.admin_access import issue_registration_invite, redeem_admin_token
from lti.health import note_token_granted
from lti.launch import LtiContext
from lti.selfcheck import check_registration
from plugin.actors import Role
from plugin.errors import NotAllowed, TandemError
from plugin.i18n import N_
from web.auth import current_actor
from web.db import get_session
from web.pages import Page, bp
from web.pages.forms import form_failed
from web.ratelimit import rate_limited

P = ParamSpec("P")
R = TypeVar("R")
ADMIN_SESSION_KEY = "tandem_admin"
# Domain errors of lti.platforms reach admins through web/errors.py's gettext: extract them.
_USER_MESSAGES = (
    lazy_gettext("Every platform URL must be an absolute http or https address."),
    lazy_gettext("Every platform URL must be an absolute https address."),
    lazy_gettext("A client id is required."),
    lazy_gettext("This platform and client id are already registered."),
    lazy_gettext("This registration does not exist."),
    lazy_gettext("Only Tandem administrators can open this page."),
)
CHECK_LABELS = {
    "status": lazy_gettext("Registration is active"),
    "deployments": lazy_gettext("At least one deployment"),
    "jwks": lazy_gettext("The platform's key set answers"),
    "token": lazy_gettext("The token endpoint grants Tandem a token"),
}
FORM_FIELDS = (
    "name",
    "institution_name",
    "issuer",
    "client_id",
    "auth_login_url",
    "auth_token_url",
    "key_set_url",
    "deployment_ids",
    "token_audience",
)


def is_admin() -> bool:
    actor = current_actor()
    return session.get(ADMIN_SESSION_KEY) is True or (
        actor is not None and actor.role == Role.ADMIN
    )


def require_admin(view: Callable[P, R]) -> Callable[P, R]:
    @wraps(view)
    def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
        if not is_admin():
            raise NotAllowed(N_("Only Tandem administrators can open this page."))
        return view(*args, **kwargs)

    return wrapped


def _lti() -> LtiContext:
    context: LtiContext = current_app.extensions["tandem.lti"]
    return context


def _page(values: dict[str, str] | None = None, **extra: Any) -> str:
    return render_template(
        "admin/registrations.html",
        registrations=platforms.list_platforms(get_session()),
        values=values or {},
        check_labels=CHECK_LABELS,
        **extra,
    )


@bp.route("/admin/sign-in", methods=["GET", "POST"])
@rate_limited("heavy")  # anonymous: each post looks a guessed token up
def admin_sign_in() -> Page:
    """Exchange a one-time token for an admin web session (no LTI launch needed)."""
    if request.method == "GET":
        return render_template("admin/sign_in.html", token=request.args.get("token", ""))
    if not redeem_admin_token(get_session(), request.form.get("token", "").strip()):
        message = gettext("This sign-in link is not valid any more. Run tandem admin token again.")
        return render_template("admin/sign_in.html", token="", error=message), 403
    session.clear()
    session[ADMIN_SESSION_KEY] = True
    return redirect(url_for("pages.admin_registrations"), code=303)


@bp.route("/admin/")
@require_admin
def admin_registrations() -> str:
    return _page()


def _spec(form: dict[str, str]) -> platforms.PlatformSpec:
    deployments = tuple(d for d in re.split(r"[\s,]+", form.get("deployment_ids", "")) if d)
    return platforms.PlatformSpec(
        issuer=form.get("issuer", "").strip(),
        client_id=form.get("client_id", "").strip(),
        name=form.get("name", "").strip() or form.get("issuer", "").strip(),
        auth_login_url=form.get("auth_login_url", "").strip(),
        auth_token_url=form.get("auth_token_url", "").strip(),
        key_set_url=form.get("key_set_url", "").strip(),
        deployment_ids=deployments,
        token_audience=form.get("token_audience", "").strip() or None,
        institution_name=form.get("institution_name", "").strip() or None,
    )


@bp.route("/admin/registrations", methods=["POST"])
@require_admin
def admin_add_registration() -> Page:
    values = {name: request.form.get(name, "") for name in FORM_FIELDS}
    allow_http = not current_app.config["TANDEM_SETTINGS"].is_production
    try:
        platforms.add_platform(get_session(), _spec(values), allow_http=allow_http)
    except TandemError as error:
        return form_failed(error, "admin/registrations.html", **_form_context(values))
    return redirect(url_for("pages.admin_registrations"), code=303)


def _form_context(values: dict[str, str]) -> dict[str, Any]:
    return {
        "registrations": platforms.list_platforms(get_session()),
        "values": values,
        "check_labels": CHECK_LABELS,
    }


@bp.route("/admin/registration-invite", methods=["POST"])
@require_admin
def admin_invite() -> str:
    """A registration URL for one LMS: with its invite, a registration is active at once."""
    token = issue_registration_invite(get_session())
    return _page(invite_url=url_for("lti.register", invite=token, _external=True))


@bp.route("/admin/registrations/<id:registration_id>/activate", methods=["POST"])
@require_admin
def admin_activate(registration_id: int) -> Response:
    db = get_session()
    registration = platforms.get_registration(db, registration_id)
    platforms.activate_platform(db, registration.issuer, registration.client_id)
    return redirect(url_for("pages.admin_registrations"), code=303)


@bp.route("/admin/registrations/<id:registration_id>/remove", methods=["POST"])
@require_admin
def admin_remove(registration_id: int) -> Response:
    db = get_session()
    registration = platforms.get_registration(db, registration_id)
    platforms.remove_platform(db, registration.issuer, registration.client_id)
    return redirect(url_for("pages.admin_registrations"), code=303)


@bp.route("/admin/registrations/<id:registration_id>/check", methods=["POST"])
@require_admin
def admin_check(registration_id: int) -> str:
    registration = platforms.get_registration(get_session(), registration_id)
    checks = check_registration(registration, _lti().keys)
    if any(check.code == "token" and check.ok for check in checks):
        note_token_granted(get_session(), registration_id)  # a broken registration resumes
    return _page(checked_id=registration_id, checks=checks)
