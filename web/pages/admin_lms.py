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
from plugin.errors import InvalidInput
from plugin.i18n import N_
from web.db import get_session
from web.pages import bp
from web.pages.admin import require_admin


@bp.context_processor
def _lms_helpers() -> dict[str, object]:
    return {"stored_message": stored_message}


@bp.route("/admin/registrations/<int:registration_id>/activate-again", methods=["POST"])
@require_admin
def admin_activate_again(registration_id: int) -> Response:
    """Clear the broken state; the worker sends the waiting grades within a minute."""
    registration = activate_again(get_session(), registration_id)
    flash(gettext("%(name)s is active again; waiting grades are sent now.", name=registration.name))
    return redirect(url_for("pages.admin_registrations"), code=303)


@bp.route("/admin/registrations/<int:registration_id>/replace", methods=["POST"])
@require_admin
def admin_replace(registration_id: int) -> Response:
    """Registration ``registration_id`` replaces the one chosen in the form (``replaces``)."""
    raw = request.form.get("replaces", "")
    if not raw.isdigit():
        raise InvalidInput(N_("Choose the registration this one replaces."))
    done = replace_registration(get_session(), int(raw), registration_id)
    flash(
        gettext(
            "The registration now carries on the old one: %(courses)s course(s) moved; the old "
            "registration is retired.",
            courses=done.courses,
        )
    )
    return redirect(url_for("pages.admin_registrations"), code=303)
