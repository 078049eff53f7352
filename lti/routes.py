"""LTI endpoints. Each view checks the message, calls one use case and answers."""

from __future__ import annotations

from flask import Response, current_app, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from lti import bp
from lti.failures import LaunchError
from lti.launch import LtiContext, login, to_entry, validate
from plugin.courses.service import enter_course
from web.auth import start_web_session
from web.db import get_session


def _lti() -> LtiContext:
    context: LtiContext = current_app.extensions["tandem.lti"]
    return context


@bp.route("/login", methods=["GET", "POST"])
def oidc_login() -> Response:
    params = {k: v for k, v in (request.form or request.args).items() if isinstance(v, str)}
    in_iframe = request.headers.get("Sec-Fetch-Dest") == "iframe"
    return login(get_session(), _lti(), params, in_iframe=in_iframe)


@bp.route("/launch", methods=["POST"])
def launch() -> BaseResponse:
    valid = validate(get_session(), _lti(), request.form.to_dict())
    arrival = enter_course(get_session(), to_entry(valid))
    start_web_session(
        arrival.actor, locale=valid.claims.locale, exchange_hint=valid.claims.exchange_hint
    )
    return redirect(url_for("pages.home"), code=303)


@bp.route("/jwks")
def jwks() -> Response:
    return jsonify(_lti().tool_key.jwks())


@bp.errorhandler(LaunchError)
def launch_failed(error: LaunchError) -> tuple[Response | str, int]:
    current_app.logger.info("LTI launch rejected: %s", error)
    status = error.reason.status
    if request.accept_mimetypes.best == "application/json":
        body = {"error": error.reason.code, "message": str(error.reason.message)}
        if error.detail:
            body["detail"] = error.detail
        return jsonify(body), status
    page = render_template("lti/launch_error.html", error=error, launch_url=request.url)
    return page, status
