"""The open verifier wired to this app: one guarded, caching fetcher per process (its TTL
cache spans requests and CLI calls) and the report's words for pages and JSON."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import current_app
from flask_babel import gettext

from plugin.credentials.fetch import CachingFetcher, FetchPolicy
from plugin.credentials.open_service import verify_open
from plugin.credentials.open_verify import VerificationReport
from web.db import get_session
from web.i18n import translated


def fetcher() -> CachingFetcher:
    settings = current_app.config["TANDEM_SETTINGS"]
    found: CachingFetcher | None = current_app.extensions.get("tandem.verifier_fetch")
    if found is None:
        found = CachingFetcher(FetchPolicy(allowed_hosts=settings.verifier_allowed_hosts))
        current_app.extensions["tandem.verifier_fetch"] = found
    return found


def verify(
    document_or_jws: object,
    *,
    documents: Mapping[str, Mapping[str, Any]] | None = None,
    local: Mapping[str, Any] | None = None,
    offline: bool = False,
) -> VerificationReport:
    from web.pages.credentials import issuer_context

    return verify_open(
        get_session(),
        document_or_jws,
        issuer_context(),
        fetch=None if offline else fetcher(),
        documents=documents,
        local=local,
    )


def verdict_text(report: VerificationReport) -> str:
    words: dict[str, str] = {
        "valid": gettext("Valid: the issuer is on the alliance's list of known institutions."),
        "valid_unknown_issuer": gettext("Valid, unknown issuer."),
        "invalid": gettext("Not valid."),
        "unchecked": gettext("Could not be checked."),
    }
    return words[report.verdict]


def report_json(report: VerificationReport) -> dict[str, Any]:
    """Machine form: stable names and outcomes, messages in the request's language."""
    lines = [*report.checks, *([report.trust] if report.trust else [])]
    return {
        "valid": report.verdict in ("valid", "valid_unknown_issuer"),
        "verdict": report.verdict,
        "issuer": report.issuer,
        "proofFormat": report.proof_format,
        "trusted": bool(report.trust and report.trust.passed),
        "checks": [
            {
                "name": c.name,
                "outcome": c.outcome,
                "passed": c.passed,
                "message": translated(c.message),
            }
            for c in lines
        ],
    }
