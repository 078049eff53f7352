"""Platforms' public keys, cached briefly and fetched again once when a launch names a new key.

Brightspace rotates its keys about hourly: a key id we have not seen is a reason to look
again, but only once per launch, so a forged ``kid`` cannot make us hammer the platform.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import jwt
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
        # Keys parsed from a fetched set, by (url, kid, alg): parsing a JWK into a key object
        # (and pylti1p3's detour through PEM) cost every launch about as much as verifying.
        self._parsed: dict[tuple[str, str, str], tuple[KeySet, Any]] = {}
        self.fetches = 0  # observable in tests and benchmarks
        self.parses = 0

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

    def public_key(self, url: str, kid: str, alg: str) -> Any:
        """The key object that verifies ``alg`` tokens signed with ``kid``, parsed once per
        fetched key set (a re-fetch parses again), or LaunchError(UNKNOWN_KEY).

        As pylti1p3 does, the JWK must name the token's ``alg`` (RS256 when it names none).
        """
        key_set = self.key_set_with(url, kid)
        with self._lock:
            parsed = self._parsed.get((url, kid, alg))
        if parsed is not None and parsed[0] is key_set:
            return parsed[1]
        for jwk in key_set["keys"]:
            if not isinstance(jwk, Mapping):
                continue
            if jwk.get("kid") == kid and jwk.get("alg", "RS256") == alg:
                try:
                    key = jwt.PyJWK(dict(jwk), algorithm=alg).key
                except (jwt.PyJWKError, ValueError, TypeError, KeyError) as error:
                    raise LaunchError(Reason.UNKNOWN_KEY, detail=f"{kid}: {error}") from error
                self.parses += 1
                with self._lock:
                    self._parsed[(url, kid, alg)] = (key_set, key)
                return key
        raise LaunchError(Reason.UNKNOWN_KEY, detail=f"{kid} ({alg})")

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._parsed.clear()
