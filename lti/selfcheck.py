""" "Test this registration": what an admin checks by hand, run against the live platform.

Each check is independent and reports its own result, so one broken URL does not hide the
state of the others. The token check asks the platform for a real client-credentials token
with Tandem's signed assertion (a fresh cache, so a cached token cannot pass for a working
endpoint); nothing is written anywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from lti.claims import NRPS_SCOPE
from lti.keys import ToolKeyStore
from lti.models import Registration
from lti.platforms import ACTIVE
from lti.services import ServiceClient, ServiceError, TokenCache

CHECK_TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class Check:
    """One check: ``code`` names it (the page translates it), ``detail`` is the evidence."""

    code: str
    ok: bool
    detail: str


def _key_set(http: requests.Session, url: str) -> Check:
    try:
        response = http.get(url, timeout=CHECK_TIMEOUT_SECONDS)
        body: Any = response.json() if response.status_code == 200 else None
    except (requests.RequestException, ValueError) as error:
        return Check("jwks", False, f"{url}: {error}")
    if body is None:
        return Check("jwks", False, f"{url}: HTTP {response.status_code}")
    keys = body.get("keys") if isinstance(body, dict) else None
    kids = [k.get("kid") for k in keys or [] if isinstance(k, dict) and k.get("kid")]
    if not kids:
        return Check("jwks", False, f"{url}: no keys with a kid")
    return Check("jwks", True, f"{len(kids)} key(s): {', '.join(map(str, kids))}")


def _token(client: ServiceClient, registration: Registration) -> Check:
    try:
        client.access_token(registration, (NRPS_SCOPE,))
    except ServiceError as error:
        return Check("token", False, str(error))
    return Check("token", True, f"{registration.auth_token_url} granted a token")


def check_registration(
    registration: Registration, keys: ToolKeyStore, http: requests.Session | None = None
) -> list[Check]:
    http = http or requests.Session()
    deployments = [d.deployment_id for d in registration.deployments]
    return [
        Check("status", registration.status == ACTIVE, registration.status),
        Check("deployments", bool(deployments), ", ".join(deployments) or "-"),
        _key_set(http, registration.key_set_url),
        _token(ServiceClient(keys, TokenCache(), http=http), registration),
    ]
