"""Admin actions on an LMS registration's life after registering: broken, replaced.

Kept apart from web/pages/admin.py (the registrations list and the add/activate/remove forms):
"Activate again" resumes a registration lti.health marked broken, and "Replace" lets a newer
registration of the same LMS carry on an old one's courses (lti.replacement).
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from lti.health import activate_again
from lti.replacement import replace_registration
from lti.services import stored_message
from plugin.i18n import N_
from web.db import get_session
from web.inputs import parse_id
from web.pages import bp
from web.pages.admin import require_admin


@bp.context_processor
def _lms_helpers() -> dict[str, object]:
    return {"stored_message": stored_message}


@bp.route("/admin/registrations/<id:registration_id>/activate-again", methods=["POST"])
@require_admin
def admin_activate_again(registration_id: int) -> Response:
    """Clear the broken state; the worker sends the waiting grades within a minute."""
    registration = activate_again(get_session(), registration_id)
    flash(gettext("%(name)s is active again; waiting grades are sent now.", name=registration.name))
    return redirect(url_for("pages.admin_registrations"), code=303)


@bp.route("/admin/registrations/<id:registration_id>/replace", methods=["POST"])
@require_admin
def admin_replace(registration_id: int) -> Response:
    """Registration ``registration_id`` replaces the one chosen in the form (``replaces``)."""
    choose = N_("Choose the registration this one replaces.")
    replaced = parse_id(request.form.get("replaces"), choose)
    done = replace_registration(get_session(), replaced, registration_id)
    flash(
        gettext(
            "The registration now carries on the old one: %(courses)s course(s) moved; the old "
            "registration is retired.",
            courses=done.courses,
        )
    )
    return redirect(url_for("pages.admin_registrations"), code=303)
