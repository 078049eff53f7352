"""The one timestamp form signed documents carry: credentials' proofs, the ledger's events and
the registrars' export manifests. Shared by those features, so it sits below them all.
"""

from __future__ import annotations

from datetime import UTC, datetime

from plugin.errors import InvalidInput
from plugin.i18n import N_


def xsd_datetime(moment: datetime) -> str:
    """``2024-05-01T12:00:00Z``: whole seconds in UTC, the form every verifier parses."""
    if moment.tzinfo is None:
        raise InvalidInput(N_("A proof time must carry a time zone."))
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
