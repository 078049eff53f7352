"""Tandem admin page: the alliance's trusted credential issuers (list, add, import, remove).

An issuer on this list turns the open verifier's "valid, unknown issuer" into "valid".
"""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext

from plugin.errors import InvalidInput, TandemError
from plugin.issuers.service import (
    check_entry,
    import_trusted_issuers,
    list_trusted_issuers,
    parse_entries,
    remove_trusted_issuer,
)
from web.db import get_session
from web.inputs import load_untrusted_json
from web.pages import Page, bp
from web.pages.admin import require_admin
from web.pages.forms import form_failed


def _page(**extra: object) -> str:
    return render_template(
        "admin/issuers.html", issuers=list_trusted_issuers(get_session()), **extra
    )


@bp.route("/admin/issuers", methods=["GET", "POST"])
@require_admin
def admin_issuers() -> Page:
    if request.method == "GET":
        return _page(values={})
    values = {
        "issuer_id": request.form.get("issuer_id", "").strip(),
        "name": request.form.get("name", ""),
    }
    db = get_session()
    try:
        entry = check_entry(values["issuer_id"], values["name"])
        outcome = import_trusted_issuers(db, [entry])
    except TandemError as error:
        return form_failed(
            error, "admin/issuers.html", issuers=list_trusted_issuers(db), values=values
        )
    if outcome.added:
        flash(gettext("%(name)s is now a trusted issuer.", name=entry.name))
    else:
        flash(gettext("%(name)s was already on the list.", name=entry.name))
    return redirect(url_for("pages.admin_issuers"), code=303)


@bp.route("/admin/issuers/import", methods=["POST"])
@require_admin
def admin_issuers_import() -> Page:
    db = get_session()
    text = request.form.get("issuers", "")
    try:
        data = load_untrusted_json(text, "This is not valid JSON.")
        outcome = import_trusted_issuers(db, parse_entries(data))
    except InvalidInput as error:
        return form_failed(
            error,
            "admin/issuers.html",
            field="issuers",
            issuers=list_trusted_issuers(db),
            values={},
            text=text,
        )
    flash(
        gettext(
            "%(added)s added, %(renamed)s renamed, %(unchanged)s already listed.",
            added=outcome.added,
            renamed=outcome.renamed,
            unchanged=outcome.unchanged,
        )
    )
    return redirect(url_for("pages.admin_issuers"), code=303)


@bp.route("/admin/issuers/<id:trusted_issuer_id>/remove", methods=["POST"])
@require_admin
def admin_issuer_remove(trusted_issuer_id: int) -> Page:
    try:
        name = remove_trusted_issuer(get_session(), trusted_issuer_id)
    except TandemError:  # removed already (a second submit): the list shows the truth
        return redirect(url_for("pages.admin_issuers"), code=303)
    flash(gettext("%(name)s is no longer a trusted issuer.", name=name))
    return redirect(url_for("pages.admin_issuers"), code=303)
