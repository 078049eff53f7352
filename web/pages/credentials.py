"""Public credential pages: no LTI, no session. Anyone may look a credential up and verify it.

Machines get JSON-LD (``Accept: application/ld+json`` or ``application/json``), browsers a
page. DID documents and status lists are served with ``Access-Control-Allow-Origin: *`` so a
verifier running in another site's browser page can fetch them.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Response, current_app, jsonify, render_template, request
from flask_babel import gettext

from plugin.credentials.certificate import CertificateCache
from plugin.credentials.models import Credential
from plugin.credentials.service import (
    HOLDER_ERASED,
    IssuerContext,
    certificate_content,
    get_credential,
    issuer_document,
    status_list_document,
    verify_credential,
)
from plugin.credentials.verification import Report
from plugin.errors import InvalidInput
from web.auth import current_actor
from web.db import get_session
from web.i18n import translated
from web.inputs import load_untrusted_json
from web.pages import bp
from web.ratelimit import rate_limited
from web.security import cross_site_allowed
from web.verifier import report_json as open_report_json
from web.verifier import verdict_text
from web.verifier import verify as open_verify

JSON_TYPES = ("application/ld+json", "application/json")


def issuer_context() -> IssuerContext:
    settings = current_app.config["TANDEM_SETTINGS"]
    return IssuerContext(settings.base_url, settings.secret_key)


def _wants_document() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", *JSON_TYPES])
    return best in JSON_TYPES


def _json(document: Any, mimetype: str = "application/ld+json") -> Response:
    response = current_app.response_class(
        json.dumps(document, ensure_ascii=False, indent=2), mimetype=mimetype
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def check_names() -> dict[str, str]:
    return {
        "issuer": gettext("Issuer"),
        "proof": gettext("Signature"),
        "open_badge": gettext("Open Badges 3.0 structure"),
        "validity_period": gettext("Validity period"),
        "status": gettext("Revocation status"),
        "format": gettext("Format"),
        "schema": gettext("Open Badges 3.0 schema"),
        "trust": gettext("Issuer trust"),
    }


def report_json(report: Report) -> dict[str, Any]:
    return {
        "valid": report.valid,
        "checks": [
            {"name": c.name, "passed": c.passed, "message": c.message} for c in report.checks
        ],
    }


@bp.route("/credentials/<credential_id>")
def credential_page(credential_id: str) -> Response | str | tuple[Response | str, int]:
    """The credential for anyone with its link; ``?download=json`` saves the signed JSON as a
    file (the erase page offers it). Once the holder is erased: 410 Gone, saying why and that
    a copy the holder presents still verifies."""
    db = get_session()
    credential = get_credential(db, credential_id)
    document = credential.document
    if document is None:
        return _holder_erased(credential)
    if request.args.get("download") == "json":
        response = _json(document)
        response.headers["Content-Disposition"] = (
            f'attachment; filename="credential-{credential.id}.json"'
        )
        return response
    if _wants_document():
        return _json(document)
    report = verify_credential(db, document, issuer_context())
    return render_template(
        "credentials/credential.html",
        check_names=check_names(),
        credential=credential,
        doc=document,
        report=report,
        document_json=json.dumps(document, ensure_ascii=False, indent=2),
        issued_at=_when(document.get("validFrom")),
    )


def _holder_erased(credential: Credential) -> tuple[Response | str, int]:
    message = translated(HOLDER_ERASED)
    if _wants_document() or request.args.get("download") == "json":
        body = {
            "id": issuer_context().credential_url(credential.id),
            "holderErased": True,
            "revoked": credential.revoked_at is not None,
            "message": message,
        }
        return _json(body, "application/json"), 410
    return render_template(
        "credentials/holder_erased.html", credential=credential, message=message
    ), 410


def certificate_cache() -> CertificateCache:
    cache: CertificateCache = current_app.extensions.setdefault(
        "tandem.certificates", CertificateCache()
    )
    return cache


def _when(value: object) -> datetime | None:
    """The document's ISO timestamp as a datetime, so the page shows it in the viewer's
    language and zone; None when it is missing or malformed (the raw text is then shown)."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


@bp.route("/credentials/<credential_id>/certificate.pdf")
@rate_limited("heavy")
def credential_certificate(credential_id: str) -> Response:
    """Rendered once per content (cache), and not even sent when the browser has it (304).

    ``private, no-cache``: the learner's own copy carries their name, so shared caches must
    not keep it, and a browser revalidates (a revoked certificate gets a new ETag).
    """
    content = certificate_content(get_session(), current_actor(), credential_id)
    etag = content.digest
    if etag in request.if_none_match:
        response = current_app.response_class(status=304)
    else:
        data = certificate_cache().get((content.credential_id, etag), content.render)
        response = current_app.response_class(data, mimetype="application/pdf")
        response.headers["Content-Disposition"] = "inline; filename=micro-credential.pdf"
    response.set_etag(etag)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Cookie")
    return response


@bp.route("/verify", methods=["GET", "POST"])
@cross_site_allowed  # verifying changes nothing; other verifier sites may post here
def verify() -> Response | str | tuple[Response | str, int]:
    if request.method == "GET":
        return render_template("credentials/verify.html", text="", report=None, error=None)
    return _verify_posted()


@rate_limited("heavy")
def _verify_posted() -> Response | str | tuple[Response | str, int]:
    """JSON credentials and VC-JWTs from anyone, checked by the open verifier."""
    raw = request.get_data(as_text=True) if request.is_json else request.form.get("credential", "")
    document: Any = raw.strip()
    error = None
    if request.is_json or document.startswith("{"):
        try:  # bounded: a stranger's "[[[[..." must not recurse the parser into a 500
            document = load_untrusted_json(raw, "This is not valid JSON.")
        except InvalidInput:
            error = gettext("This is not valid JSON.")
    api = request.is_json or _wants_document()
    if error is not None:
        if api:
            return jsonify(
                {"valid": False, "checks": [{"name": "format", "passed": False, "message": error}]}
            ), 400
        return render_template("credentials/verify.html", text=raw, report=None, error=error), 400
    report = open_verify(document)
    if api:
        return jsonify(open_report_json(report))
    return render_template(
        "credentials/verify.html",
        text=raw,
        report=report,
        error=None,
        check_names=check_names(),
        verdict=verdict_text(report),
    )


@bp.route("/issuers/<id:institution_id>/did.json")
def issuer_did(institution_id: int) -> Response:
    return _json(
        issuer_document(get_session(), institution_id, issuer_context()), "application/did+json"
    )


@bp.route("/status/<id:list_id>")
@rate_limited("heavy")
def status_list(list_id: int) -> Response:
    return _json(status_list_document(get_session(), list_id))
