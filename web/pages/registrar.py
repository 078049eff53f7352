"""The registrar console: credentials of their institution, revoke, bulk-issue, export."""

from __future__ import annotations

import io
import secrets
import zipfile
from datetime import UTC, datetime
from typing import Any

from flask import flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext

from plugin.credentials.jobs import job_progress, start_bulk_issue
from plugin.credentials.service import revoke_credential
from plugin.errors import FieldErrors, InvalidInput, NotAllowed, NotFound, TandemError
from plugin.i18n import N_
from plugin.registrars.service import registrar_institutions
from plugin.reports.service import export_batch, registrar_credentials
from web.auth import require_actor, signed_in_actor
from web.db import get_session
from web.inputs import parse_int
from web.pages import Page, bp
from web.pages.credentials import issuer_context
from web.pages.forms import form_failed
from web.tasks import tasks


def _institution() -> int:
    ids = registrar_institutions(get_session(), signed_in_actor().person_id)
    if not ids:
        raise NotAllowed(N_("Only registrars and administrators can do this."))
    return ids[0]


def _moment(name: str) -> datetime | None:
    value = request.values.get(name, "").strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        raise InvalidInput(
            N_("Enter dates as year-month-day, for example 2027-02-01."), name
        ) from None


def _int(name: str) -> int | None:
    value = request.values.get(name, "").strip()
    return parse_int(value, N_("Please enter whole numbers."), low=1, field=name) if value else None


def _console_context() -> dict[str, Any]:
    """The console with the filter in the URL; a filter it cannot read is shown beside its
    field (`which="filter"`) and lists nothing."""
    institution_id = _institution()
    status = request.args.get("status") or None
    errors = FieldErrors()
    filters: dict[str, Any] = {}
    for name, read in (("exchange_id", _int), ("since", _moment), ("until", _moment)):
        with errors.field(name):
            filters[name] = read(name)
    with errors.field("person_id"):
        filters["person_id"] = _int("person_id") if request.method == "GET" else None
    errors.raise_if_any()
    rows = registrar_credentials(
        get_session(),
        signed_in_actor(),
        institution_id,
        status=status if status in ("valid", "revoked") else None,
        **filters,
    )
    return {"rows": rows, "args": request.args, "request_key": secrets.token_urlsafe(16)}


def _refused(error: TandemError, which: str, field: str | None = None) -> Page:
    """The console again with the refused form's error beside its field (`which` form)."""
    try:
        context = _console_context()
    except InvalidInput:  # the filter in the URL cannot be read either: list nothing
        context = {"rows": [], "args": request.args, "request_key": secrets.token_urlsafe(16)}
    return form_failed(error, "registrar/console.html", field=field, which=which, **context)


@bp.route("/registrar")
@require_actor
def registrar_console() -> Page:
    try:
        context = _console_context()
    except InvalidInput as error:
        return _refused(error, "filter")
    return render_template("registrar/console.html", **context)


@bp.route("/registrar/credentials/<credential_id>/revoke", methods=["POST"])
@require_actor
def registrar_revoke(credential_id: str) -> Page:
    try:
        revoke_credential(
            get_session(),
            signed_in_actor(),
            credential_id,
            request.form.get("reason", ""),
            issuer_context(),
        )
    except InvalidInput as error:  # shown beside the row's reason, the typed reason kept
        return _refused(error, "revoke:" + credential_id, "reason")
    tasks().publish_status_lists()
    flash(gettext("The credential is revoked."))
    return redirect(url_for("pages.registrar_console"), code=303)


@bp.route("/registrar/bulk-issue", methods=["POST"])
@require_actor
def registrar_bulk_issue() -> Page:
    """Record the job and hand it to the worker; the registrar watches its progress page.
    The form's one-time key makes a second submit land on the same job."""
    try:
        exchange_id = _int("exchange_id")
        if exchange_id is None:
            raise InvalidInput(N_("Choose an exchange."), "exchange_id")
        job = start_bulk_issue(
            get_session(),
            signed_in_actor(),
            exchange_id,
            _institution(),
            request.form.get("request_key", ""),
        )
    except (InvalidInput, NotFound) as error:  # e.g. no such exchange: beside the number
        return _refused(error, "bulk", "exchange_id")
    if job.finished_at is None:
        tasks().run_issuing_job(job.id)
    return redirect(url_for("pages.registrar_job", job_id=job.id), code=303)


@bp.route("/registrar/jobs/<id:job_id>")
@require_actor
def registrar_job(job_id: int) -> Page:
    job = job_progress(get_session(), signed_in_actor(), job_id)
    return render_template("registrar/job.html", job=job)


@bp.route("/registrar/jobs/<id:job_id>/progress")
@require_actor
def registrar_job_progress(job_id: int) -> Page:
    """The counts alone, for the page's small poll (the page works without it)."""
    job = job_progress(get_session(), signed_in_actor(), job_id)
    return render_template("registrar/_job_progress.html", job=job)


@bp.route("/registrar/export", methods=["POST"])
@require_actor
def registrar_export() -> Page:
    errors = FieldErrors()
    moments: dict[str, datetime | None] = {}
    for name in ("since", "until"):
        with errors.field(name):
            moments[name] = _moment(name)
    try:
        errors.raise_if_any()
    except InvalidInput as error:
        return _refused(error, "export")
    since = moments["since"] or datetime(1970, 1, 1, tzinfo=UTC)
    until = moments["until"] or datetime.now(UTC)
    batch = export_batch(
        get_session(), signed_in_actor(), _institution(), since, until, issuer_context()
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in batch.files.items():
            archive.writestr(name, data)
        archive.writestr("manifest.json", batch.manifest_bytes)
    buffer.seek(0)
    return send_file(
        buffer,
        mimetype="application/zip",
        as_attachment=True,
        download_name="credentials-export.zip",
    )
