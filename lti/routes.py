"""LTI endpoints. Each view checks the message, calls one use case and answers."""

from __future__ import annotations

import requests
from flask import Response, current_app, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from lti import bp
from lti.claims import DEEP_LINKING_REQUEST
from lti.deep_linking import PendingDeepLink
from lti.failures import LaunchError, Reason
from lti.launch import LtiContext, login, to_entry, validate
from lti.platform_storage import check_state, handoff_page, take_handoff
from lti.registration import RegistrationError, ToolUrls, register_dynamically
from lti.roster import roster_due_after_launch
from plugin.actors import Actor, Role
from plugin.courses.service import enter_course
from plugin.exchanges.service import placement_was_copied
from web.auth import start_web_session
from web.db import get_session
from web.ratelimit import rate_limited
from web.security import cross_site_allowed

STATE_COOKIE_PREFIX = "lti1p3-state-"  # pylti1p3's cookie for one login, 5 minutes
MAX_STATE_COOKIES = 8  # more than this are abandoned logins; the browser would soon send 431


def _forget_state_cookies(response: BaseResponse, names: list[str]) -> None:
    """Expire pylti1p3 state cookies, with the attributes they were set with."""
    secure = request.is_secure
    for name in names:
        response.delete_cookie(
            name,
            path="/",
            secure=secure,
            httponly=True,
            samesite="None" if secure else None,
            partitioned=secure,
        )


def _state_cookies() -> list[str]:
    return sorted(name for name in request.cookies if name.startswith(STATE_COOKIE_PREFIX))


def _lti() -> LtiContext:
    context: LtiContext = current_app.extensions["tandem.lti"]
    return context


@bp.route("/login", methods=["GET", "POST"])
@cross_site_allowed  # the LMS starts the login, possibly with a form post
@rate_limited("heavy")  # anonymous, and each one writes state rows
def oidc_login() -> Response:
    params = {k: v for k, v in (request.form or request.args).items() if isinstance(v, str)}
    in_iframe = request.headers.get("Sec-Fetch-Dest") == "iframe"
    response = login(get_session(), _lti(), params, in_iframe=in_iframe)
    stale = _state_cookies()
    if len(stale) >= MAX_STATE_COOKIES:  # abandoned logins: drop them before headers grow
        _forget_state_cookies(response, stale)
    return response


@bp.route("/launch", methods=["POST"])
@cross_site_allowed  # the LMS posts the id_token here; its signature is the protection
def launch() -> BaseResponse:
    response = _launch()
    state = request.form.get("state", "")
    if state and response.status_code < 400:  # the login's cookie has done its work
        _forget_state_cookies(response, [f"lti1p3-{state}"])  # the state is "state-<uuid>"
    return response


def _launch() -> BaseResponse:
    db, lti = get_session(), _lti()
    form = request.form.to_dict()
    state = check_state(db, request.cookies, form)  # postMessage storage, if no cookie
    if state.page is not None:
        return Response(state.page)
    valid = validate(db, lti, form, state_verified=state.verified)
    arrival = enter_course(db, to_entry(valid))
    claims = valid.claims
    start_web_session(arrival.actor, locale=claims.locale, exchange_hint=claims.exchange_hint)
    if arrival.course is not None and roster_due_after_launch(
        db, arrival.course.id, valid.registration_id, claims.services, lti.roster_checks
    ):
        lti.schedule_roster(arrival.course.id)
    if claims.message_type == DEEP_LINKING_REQUEST:
        if not arrival.actor.can_teach:
            raise LaunchError(Reason.UNSUPPORTED_MESSAGE, detail="only teachers add activities")
        token = PendingDeepLink.of(claims, arrival.actor).save(db)
        return redirect(url_for("lti.deep_link_picker", token=token), code=303)
    if state.verified:  # the iframe keeps no cookie: continue in a first-party window
        return Response(handoff_page(db, arrival.actor, claims))
    if placement_was_copied(db, arrival.actor, claims.exchange_hint):
        return redirect(url_for("lti.copied_placement"), code=303)
    return lti.land(arrival.actor)


@bp.route("/register", methods=["GET", "POST"])
@rate_limited("heavy")  # anonymous: fetches the URL it is given and writes a pending registration
def register() -> tuple[str, int]:
    """LTI Dynamic Registration; the page ends by asking the LMS to close its window."""
    params = {k: v for k, v in (request.form or request.args).items() if isinstance(v, str)}
    settings = current_app.config["TANDEM_SETTINGS"]
    registration = register_dynamically(
        get_session(),
        requests.Session(),
        ToolUrls(_lti().base_url),
        params,
        allow_http=not settings.is_production,
    )
    return render_template("lti/registered.html", registration=registration), 200


@bp.errorhandler(RegistrationError)
def registration_failed(error: RegistrationError) -> tuple[str, int]:
    current_app.logger.warning("Dynamic registration refused: %s", error)
    return render_template("lti/registration_error.html", error=error), error.status


@bp.route("/resume/<token>")
def resume(token: str) -> BaseResponse:
    """Start the web session of a cookie-less launch in this (first-party) window."""
    handoff = take_handoff(get_session(), token)
    actor = Actor(handoff.person_id, Role(handoff.role), handoff.course_id)
    start_web_session(actor, locale=handoff.locale, exchange_hint=handoff.exchange_hint)
    return redirect(url_for("pages.home"), code=303)


@bp.route("/jwks")
def jwks() -> Response:
    return jsonify(_lti().keys.jwks())


@bp.errorhandler(LaunchError)
def launch_failed(error: LaunchError) -> tuple[Response | str, int]:
    current_app.logger.info("LTI launch rejected: %s", error)
    status = error.reason.status
    if request.accept_mimetypes.best == "application/json":
        body = {"error": error.reason.code, "message": str(error.reason.message)}
        if error.detail:
            body["detail"] = error.detail
        return jsonify(body), status
    template = (
        "lti/launch_pending.html"
        if error.reason is Reason.REGISTRATION_PENDING
        else "lti/launch_error.html"
    )
    page = render_template(template, error=error, launch_url=request.url)
    return page, status
