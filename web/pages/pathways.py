"""Nano-degrees: the registrar's pathways, holders and progress; the student's pathway page,
where they add credentials, claim the nano-degree and download its learner record."""

from __future__ import annotations

import json
from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext

from plugin.errors import FieldErrors, InvalidInput, NotAllowed
from plugin.pathways.service import (
    add_component,
    add_partner_credential,
    add_tandem_credential,
    claim_nano_degree,
    create_pathway,
    get_pathway,
    holders,
    learner_record,
    open_partner_verifier,
    open_pathways,
    registrar_pathways,
    student_view,
)
from plugin.registrars.service import registrar_institutions, require_registrar
from web.auth import require_actor, signed_in_actor
from web.db import get_session
from web.i18n import parse_number
from web.inputs import load_untrusted_json, parse_int
from web.pages import Page, bp
from web.pages.credentials import issuer_context
from web.pages.forms import form_failed
from web.verifier import fetcher

MAX_UPLOAD = 256 * 1024


def _number(name: str, message: str) -> float:
    """A number typed the viewer's way ("7,5" in Dutch, "7.5" in English)."""
    value = parse_number(request.form.get(name))
    if value is None:
        raise InvalidInput(message, name)
    return float(value)


# ---------------------------------------------------------------- registrars


def _own_institution() -> int:
    """The registrar's institution (the first, for a registrar of several)."""
    ids = registrar_institutions(get_session(), signed_in_actor().person_id)
    if not ids:
        raise NotAllowed(gettext("Only registrars can do this."))
    return ids[0]


@bp.route("/registrar/pathways", methods=["GET", "POST"])
@require_actor
def registrar_pathways_page() -> Page:
    db = get_session()
    actor = signed_in_actor()
    if request.method == "POST":
        form = request.form
        errors = FieldErrors()  # numbers that are not numbers, all named at once
        ects, eqf_level, electives = 0.0, 0, 0
        with errors.field("ects"):
            ects = _number("ects", gettext("Enter the ECTS as a number, for example 6 or 7.5."))
        with errors.field("eqf_level"):
            eqf_level = parse_int(form.get("eqf_level"), gettext("Choose an EQF level."), low=1)
        with errors.field("electives_needed"):
            electives = parse_int(
                form.get("electives_needed") or "0",
                gettext("Enter how many electives are needed as a whole number."),
                low=0,
            )
        try:
            errors.raise_if_any()
            pathway = create_pathway(
                db,
                actor,
                _own_institution(),
                name=form.get("name", ""),
                description=form.get("description", ""),
                ects=ects,
                eqf_level=eqf_level,
                outcomes=form.get("outcomes", "").splitlines(),
                electives_needed=electives,
            )
        except InvalidInput as error:
            pathways = registrar_pathways(db, actor)
            return form_failed(error, "pathways/registrar_list.html", pathways=pathways, typed=form)
        return redirect(url_for("pages.registrar_pathway", pathway_id=pathway.id))
    return render_template("pathways/registrar_list.html", pathways=registrar_pathways(db, actor))


def _registrar_pathway_context(pathway_id: int) -> dict[str, Any]:
    db = get_session()
    actor = signed_in_actor()
    pathway = get_pathway(db, pathway_id)
    require_registrar(db, actor, pathway.institution_id)
    return {"pathway": pathway, "holders": holders(db, actor, pathway_id)}


@bp.route("/registrar/pathways/<id:pathway_id>")
@require_actor
def registrar_pathway(pathway_id: int) -> Page:
    return render_template(
        "pathways/registrar_pathway.html", **_registrar_pathway_context(pathway_id)
    )


@bp.route("/registrar/pathways/<id:pathway_id>/components", methods=["POST"])
@require_actor
def registrar_add_component(pathway_id: int) -> Page:
    form = request.form
    exchange = form.get("exchange_id", "").strip()
    try:
        add_component(
            get_session(),
            signed_in_actor(),
            pathway_id,
            required=form.get("required") == "yes",
            exchange_id=parse_int(
                exchange, gettext("Enter the exchange number."), low=1, field="exchange_id"
            )
            if exchange
            else None,
            issuer_id=form.get("issuer_id", ""),
            achievement_id=form.get("achievement_id", ""),
            achievement_name=form.get("achievement_name", ""),
        )
    except InvalidInput as error:
        context = _registrar_pathway_context(pathway_id)
        return form_failed(error, "pathways/registrar_pathway.html", typed=form, **context)
    flash(gettext("Component added."))
    return redirect(url_for("pages.registrar_pathway", pathway_id=pathway_id))


# ---------------------------------------------------------------- students


@bp.route("/pathways")
@require_actor
def my_pathways() -> Page:
    return render_template(
        "pathways/student_list.html", pathways=open_pathways(get_session(), signed_in_actor())
    )


@bp.route("/pathways/<id:pathway_id>")
@require_actor
def my_pathway(pathway_id: int) -> Page:
    view = student_view(get_session(), signed_in_actor(), pathway_id)
    return render_template("pathways/student_pathway.html", view=view)


def _pathway_failed(pathway_id: int, error: InvalidInput, field: str) -> Page:
    """The student's pathway page again, the message at the refused form's field."""
    view = student_view(get_session(), signed_in_actor(), pathway_id)
    return form_failed(
        error, "pathways/student_pathway.html", field=field, view=view, typed=request.form
    )


@bp.route("/pathways/<id:pathway_id>/tandem", methods=["POST"])
@require_actor
def pathway_add_tandem(pathway_id: int) -> Page:
    try:
        add_tandem_credential(
            get_session(), signed_in_actor(), pathway_id, request.form.get("credential_id", "")[:64]
        )
    except InvalidInput as error:
        return _pathway_failed(pathway_id, error, "credential_id")
    flash(gettext("Credential added."))
    return redirect(url_for("pages.my_pathway", pathway_id=pathway_id))


@bp.route("/pathways/<id:pathway_id>/partner", methods=["POST"])
@require_actor
def pathway_add_partner(pathway_id: int) -> Page:
    upload = request.files.get("file")
    text = request.form.get("credential", "")
    try:
        if upload is not None and upload.filename:
            data = upload.stream.read(MAX_UPLOAD + 1)
            if len(data) > MAX_UPLOAD:
                raise InvalidInput(gettext("The file is too large for a credential."), "file")
            text = data.decode("utf-8", "replace")
        elif not text.strip():  # nothing given: say what to give, not "not valid JSON"
            message = gettext("Choose a signed credential file, or paste the credential.")
            raise InvalidInput(message, "file")
        document = load_untrusted_json(text, gettext("This is not valid JSON."))
        db = get_session()
        verifier = open_partner_verifier(db, issuer_context(), fetcher())
        add_partner_credential(db, signed_in_actor(), pathway_id, document, verifier=verifier)
    except InvalidInput as error:  # about the credential given, pasted or uploaded
        field = "file" if upload is not None and upload.filename else "credential"
        return _pathway_failed(pathway_id, error, field)
    flash(gettext("Credential verified and added."))
    return redirect(url_for("pages.my_pathway", pathway_id=pathway_id))


@bp.route("/pathways/<id:pathway_id>/claim", methods=["POST"])
@require_actor
def pathway_claim(pathway_id: int) -> Page:
    db, ctx = get_session(), issuer_context()
    verifier = open_partner_verifier(db, ctx, fetcher())
    claim_nano_degree(db, signed_in_actor(), pathway_id, ctx, verifier=verifier)
    flash(gettext("Your nano-degree has been issued."))
    return redirect(url_for("pages.my_pathway", pathway_id=pathway_id))


@bp.route("/pathways/awards/<id:award_id>/clr.json")
@require_actor
def pathway_clr(award_id: int) -> Page:
    record = learner_record(get_session(), signed_in_actor(), award_id, issuer_context())
    response = current_app.response_class(
        json.dumps(record, ensure_ascii=False, indent=2), mimetype="application/ld+json"
    )
    response.headers["Content-Disposition"] = f'attachment; filename="clr-{award_id}.json"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
