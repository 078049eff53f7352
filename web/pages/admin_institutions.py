"""Tandem admin pages: institutions' details (name, country, legal name, URL), and the notice
on the admin page of what needs an administrator (pending registrations, institutions that
cannot issue credentials).

Its own module and templates so the registration pages (web/pages/admin.py) stay as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext, ngettext

from lti import platforms
from plugin.credentials.institution_admin import edit_institution
from plugin.errors import TandemError
from plugin.people.institutions import (
    InstitutionDetails,
    countries,
    get_institution,
    list_institutions,
    missing_for_issuing,
)
from plugin.people.models import Institution
from web.db import get_session
from web.i18n import translated
from web.pages import Page, bp
from web.pages.admin import is_admin, require_admin
from web.pages.credentials import issuer_context
from web.pages.forms import form_failed

FIELDS = ("name", "country", "legal_name", "url")


@dataclass(frozen=True)
class AdminNotices:
    pending: list[str]
    incomplete: list[Institution]


@bp.app_template_global("admin_notices")
def admin_notices() -> AdminNotices | None:
    """What waits for a Tandem administrator; read only by the admin notice partial."""
    if not is_admin():
        return None
    db = get_session()
    pending = [r.name for r in platforms.list_platforms(db) if r.status == platforms.PENDING]
    incomplete = [i for i in list_institutions(db) if missing_for_issuing(i)]
    return AdminNotices(pending, incomplete)


def _country_names() -> dict[str, str]:
    """Country codes and names in the viewer's language (CLDR through Babel)."""
    local = get_locale().territories if get_locale() is not None else {}
    names = {code: local.get(code, english) for code, english in countries().items()}
    return dict(sorted(names.items(), key=lambda item: item[1]))


def _missing(institution: Institution) -> list[str]:
    return [translated(m) for m in missing_for_issuing(institution)]


@bp.route("/admin/institutions")
@require_admin
def admin_institutions() -> str:
    institutions = list_institutions(get_session())
    return render_template(
        "admin/institutions.html",
        institutions=institutions,
        missing={i.id: _missing(i) for i in institutions},
        country_names=_country_names(),
    )


def _edit_page(institution: Institution, values: dict[str, str], **extra: object) -> str:
    return render_template(
        "admin/institution_edit.html",
        institution=institution,
        values=values,
        countries=_country_names(),
        missing=_missing(institution),
        **extra,
    )


@bp.route("/admin/institutions/<id:institution_id>", methods=["GET", "POST"])
@require_admin
def admin_institution_edit(institution_id: int) -> Page:
    db = get_session()
    institution = get_institution(db, institution_id)
    if request.method == "GET":
        values = {name: getattr(institution, name) or "" for name in FIELDS}
        return _edit_page(institution, values)
    values = {name: request.form.get(name, "") for name in FIELDS}
    try:
        outcome = edit_institution(
            db, institution_id, InstitutionDetails(**values), issuer_context()
        )
    except TandemError as error:  # apply_details checks every field before it sets any
        return form_failed(
            error,
            "admin/institution_edit.html",
            institution=institution,
            values=values,
            countries=_country_names(),
            missing=_missing(institution),
        )
    flash(gettext("The details of %(name)s are saved.", name=outcome.institution.name))
    if outcome.retried.issued:
        flash(
            ngettext(
                "%(num)d held credential has been issued.",
                "%(num)d held credentials have been issued.",
                outcome.retried.issued,
            )
        )
    return redirect(url_for("pages.admin_institutions"), code=303)
