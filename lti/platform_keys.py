"""Platforms' public keys, cached briefly and fetched again once when a launch names a new key.

Brightspace rotates its keys about hourly: a key id we have not seen is a reason to look
again, but only once per launch, so a forged ``kid`` cannot make us hammer the platform.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import requests

from lti.failures import LaunchError, Reason

KeySet = Mapping[str, Any]
Fetch = Callable[[str], KeySet]


def fetch_over_http(url: str) -> KeySet:
    try:
        response = requests.get(url, timeout=5)
        response.raise_for_status()
        body = response.json()
    except (requests.RequestException, ValueError) as error:
        raise LaunchError(Reason.KEY_SET_UNREACHABLE, detail=url) from error
    if not isinstance(body, Mapping) or not isinstance(body.get("keys"), list):
        raise LaunchError(Reason.KEY_SET_UNREACHABLE, detail=f"{url} is not a JWKS document")
    return body


def _has_kid(key_set: KeySet, kid: str) -> bool:
    return any(isinstance(k, Mapping) and k.get("kid") == kid for k in key_set["keys"])


class PlatformKeyCache:
    def __init__(self, ttl_seconds: float = 300.0, fetch: Fetch = fetch_over_http) -> None:
        self._ttl = ttl_seconds
        self._fetch = fetch
        self._lock = threading.Lock()
        self._entries: dict[str, tuple[float, KeySet]] = {}
        self.fetches = 0  # observable in tests and benchmarks

    def key_set_with(self, url: str, kid: str) -> KeySet:
        """The platform's key set, guaranteed to contain ``kid``, or LaunchError(UNKNOWN_KEY)."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(url)
        if entry is not None and now - entry[0] < self._ttl and _has_kid(entry[1], kid):
            return entry[1]
        key_set = self._fetch(url)
        self.fetches += 1
        with self._lock:
            self._entries[url] = (time.monotonic(), key_set)
        if not _has_kid(key_set, kid):
            raise LaunchError(Reason.UNKNOWN_KEY, detail=kid)
        return key_set

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
