"""Every error becomes a page (or JSON for API clients) with a status and a message.

Domain errors map to 4xx by type; anything unexpected is logged and shown as a plain 500 page,
never a traceback.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, jsonify, render_template, request
from flask_babel import gettext
from sqlalchemy.exc import DataError, StatementError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from plugin.db import briefly_unavailable, database_busy
from plugin.errors import Conflict, InvalidInput, NotAllowed, NotFound, TandemError
from web.auth import NotSignedIn
from web.i18n import translated

STATUS_BY_ERROR: tuple[tuple[type[TandemError], int], ...] = (
    (NotSignedIn, 401),
    (NotFound, 404),
    (NotAllowed, 403),
    (Conflict, 409),
    (InvalidInput, 400),
)


def wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json" or request.path.startswith("/api/")


def error_response(status: int, title: str, message: str) -> tuple[Response | str, int]:
    if wants_json():
        return jsonify({"error": {"status": status, "title": title, "message": message}}), status
    return render_template("error.html", status=status, title=title, message=message), status


def _domain_error(error: TandemError) -> tuple[Response | str, int]:
    status = next((s for kind, s in STATUS_BY_ERROR if isinstance(error, kind)), 400)
    # Domain messages are English msgids; the catalogue translates the ones it knows.
    return error_response(status, gettext("That did not work"), translated(error.message))


def _http_error(error: HTTPException) -> tuple[Response | str, int]:
    status = error.code or 500
    titles = {
        400: gettext("Bad request"),
        401: gettext("Not signed in"),
        403: gettext("Not allowed"),
        404: gettext("Page not found"),
        405: gettext("Method not allowed"),
        413: gettext("Too large"),
    }
    title = titles.get(status, gettext("Something went wrong"))
    message = {
        404: gettext("There is no page at this address."),
        405: gettext("This address does not accept that kind of request."),
    }.get(status, title)
    return error_response(status, title, message)


def _out_of_range(error: Exception) -> bool:
    """A value the database cannot hold: SQLite's OverflowError, PostgreSQL's DataError."""
    if isinstance(error, (OverflowError, DataError)):
        return True
    return isinstance(error, StatementError) and isinstance(error.orig, OverflowError)


def _unexpected(error: Exception) -> tuple[Response | str, int] | Response:
    if isinstance(error, HTTPException):
        return _http_error(error)
    if briefly_unavailable(error):
        if database_busy(error):
            current_app.logger.warning("database busy: no pooled connection came free in time")
            message = gettext(
                "Tandem is very busy for a moment. Nothing you had saved is lost; please try "
                "again in a few seconds."
            )
        else:
            lost = getattr(error, "orig", error)
            current_app.logger.warning("database connection lost: %s", lost)
            message = gettext(
                "Tandem lost its connection to the database for a moment. Nothing you had "
                "saved is lost; please try again in a few seconds."
            )
        body, status = error_response(
            ServiceUnavailable.code, gettext("Briefly unavailable"), message
        )
        response = current_app.make_response((body, status))
        response.headers["Retry-After"] = "5"
        return response
    if _out_of_range(error):
        current_app.logger.info("Refused input the database cannot hold: %s", type(error).__name__)
        return error_response(400, gettext("Bad request"), gettext("A value is out of range."))
    current_app.logger.exception("Unexpected error", exc_info=error)
    return error_response(
        InternalServerError.code,
        gettext("Something went wrong"),
        gettext("Tandem hit an unexpected problem. It has been logged; please try again."),
    )


def init_app(app: Flask) -> None:
    app.register_error_handler(TandemError, _domain_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
