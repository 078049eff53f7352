"""The open verifier as a use case: Tandem's own issuers and status lists come from the
database, everyone else's through the guarded fetch; trust from the alliance's registry.

Read only. The caller (a page, the CLI, the wallet) passes the process's fetcher so its TTL
cache spans requests.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from plugin.credentials.fetch import CannotCheck
from plugin.credentials.guards import DEFAULT_LIMITS, Limits, load_json
from plugin.credentials.open_verify import VerificationReport, verify_any
from plugin.credentials.resolve import DidResolver
from plugin.credentials.service import IssuerContext, hosted_material
from plugin.db import utcnow
from plugin.errors import InvalidInput
from plugin.i18n import N_
from plugin.issuers.service import trusted_lookup


def verify_open(
    session: Session,
    document_or_jws: object,
    ctx: IssuerContext,
    *,
    fetch: Callable[[str], bytes] | None,
    documents: Mapping[str, Mapping[str, Any]] | None = None,
    local: Mapping[str, Any] | None = None,
    now: datetime | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> VerificationReport:
    """Anyone may ask. Issuers Tandem hosts count as known; others must be on the registry."""
    did_documents: dict[str, Mapping[str, Any]] = dict(documents or {})
    served: dict[str, Any] = dict(local or {})
    document = _as_object(document_or_jws, limits)
    hosted_dids: set[str] = set()
    if document is not None:
        hosted, hosted_lists = hosted_material(session, document, ctx)
        did_documents.update(hosted)
        served.update(hosted_lists)
        hosted_dids = set(hosted)
    registry = trusted_lookup(session)

    def local_first(url: str) -> bytes:
        if url in served:
            return json.dumps(served[url]).encode("utf-8")
        if fetch is None:
            raise CannotCheck(N_("%(url)s was not fetched (offline).", url=url))
        return fetch(url)

    resolver = DidResolver(
        documents=did_documents, fetch=local_first if (fetch or served) else None
    )
    return verify_any(
        document if document is not None else document_or_jws,
        resolver=resolver,
        now=now or utcnow(),
        trusted=lambda issuer: issuer in hosted_dids or registry(issuer),
        limits=limits,
    )


def _as_object(value: object, limits: Limits) -> Mapping[str, Any] | None:
    """A JSON object from a mapping or JSON text; None for a JWS or anything else (which
    verify_any then explains)."""
    if isinstance(value, Mapping):
        return value
    if not isinstance(value, str) or not value.lstrip().startswith("{"):
        return None
    try:  # strict: duplicate keys, size; on failure verify_any reports the same reason
        return load_json(value, limits)
    except InvalidInput:
        return None
