"""Server-rendered pages, one module per audience."""

from flask import Blueprint

bp = Blueprint("pages", __name__)

from web.pages import (  # noqa: E402,F401  (routes register on import)
    admin,
    admin_institutions,
    admin_lms,
    completion,
    credentials,
    grades,
    home,
    matching,
    notifications,
    privacy,
    registrar,
    room,
    student,
    teacher,
    teammates,
)
