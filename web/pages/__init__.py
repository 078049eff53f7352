"""Server-rendered pages, one module per audience."""

from flask import Blueprint
from werkzeug.wrappers import Response

bp = Blueprint("pages", __name__)

# What a page view returns: a rendered page, a redirect, or either with a status code.
Page = Response | str | tuple[Response | str, int]

from web.pages import (  # noqa: E402,F401  (routes register on import)
    admin,
    admin_institutions,
    admin_issuers,
    admin_lms,
    completion,
    credentials,
    grades,
    health,
    home,
    matching,
    notifications,
    pathways,
    privacy,
    registrar,
    room,
    room_meetings,
    student,
    teacher,
    teammates,
    teamwork,
    wallet,
)
