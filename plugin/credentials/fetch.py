"""Fetching a stranger's DID document or status list over HTTPS without becoming a proxy.

A verifier that fetches any URL a credential names can be pointed at the machine's own
services (loopback, the cloud metadata address, the intranet). So every hop, redirects
included, must be HTTPS to a host whose every address is public, unless an admin allowed the
host by name; answers are small and quick or refused. Results are cached for a short TTL so
verifying many credentials of one issuer fetches its document once.
"""

import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests

from plugin.i18n import N_


class CannotCheck(Exception):
    """Something needed to verify was not available: the answer is "could not check"."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class FetchPolicy:
    """Bounds on one fetch; ``allowed_hosts`` may be private (an admin's explicit choice)."""

    allowed_hosts: frozenset[str] = frozenset()
    timeout: float = 3.0
    max_bytes: int = 256 * 1024
    max_redirects: int = 3
    #: ``True`` (system CAs) or a CA bundle path (tests with their own certificate).
    verify_tls: bool | str = True
    ttl_seconds: float = 300.0


Getter = Callable[[str, FetchPolicy], requests.Response]


def _get(url: str, policy: FetchPolicy) -> requests.Response:
    return requests.get(
        url,
        timeout=policy.timeout,
        allow_redirects=False,
        stream=True,
        verify=policy.verify_tls,
        headers={"Accept": "application/did+json, application/ld+json, application/json"},
    )


def check_host(host: str, port: int, policy: FetchPolicy) -> None:
    """Refuse hosts with any non-public address unless the admin allowed the host by name."""
    if host.lower() in policy.allowed_hosts:
        return
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise CannotCheck(N_("The host %(host)s could not be found.", host=host)) from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if not address.is_global or address.is_multicast:
            raise CannotCheck(
                N_(
                    "%(host)s is a private, loopback or link-local address; "
                    "an admin must allow it first.",
                    host=host,
                )
            )


def fetch_bytes(url: str, policy: FetchPolicy, get: Getter = _get) -> bytes:
    """GET ``url`` within ``policy``: HTTPS only, every redirect hop checked again."""
    for _hop in range(policy.max_redirects + 1):
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise CannotCheck(N_("Only https addresses are fetched: %(url)s", url=url))
        check_host(parts.hostname, parts.port or 443, policy)
        try:
            response = get(url, policy)
        except requests.RequestException as error:
            raise CannotCheck(
                N_("%(url)s could not be fetched: %(error)s", url=url, error=type(error).__name__)
            ) from None
        with response:
            if response.is_redirect:
                url = urljoin(url, response.headers.get("location", ""))
                continue
            if response.status_code != 200:
                raise CannotCheck(
                    N_("%(url)s answered %(status)s.", url=url, status=response.status_code)
                )
            return _read_capped(response, url, policy.max_bytes)
    raise CannotCheck(N_("%(url)s redirects too many times.", url=url))


def _read_capped(response: requests.Response, url: str, max_bytes: int) -> bytes:
    body = bytearray()
    try:
        for chunk in response.iter_content(16 * 1024):
            body.extend(chunk)
            if len(body) > max_bytes:
                raise CannotCheck(
                    N_("%(url)s is larger than %(max_bytes)s bytes.", url=url, max_bytes=max_bytes)
                )
    except requests.RequestException as error:
        raise CannotCheck(
            N_("%(url)s could not be fetched: %(error)s", url=url, error=type(error).__name__)
        ) from None
    return bytes(body)


@dataclass
class CachingFetcher:
    """``fetch_bytes`` with a TTL cache per URL, shared by DID and status list lookups."""

    policy: FetchPolicy = field(default_factory=FetchPolicy)
    get: Getter = _get
    clock: Callable[[], float] = time.monotonic
    _cache: dict[str, tuple[float, bytes]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, url: str) -> bytes:
        now = self.clock()
        with self._lock:
            hit = self._cache.get(url)
        if hit is not None and hit[0] > now:
            return hit[1]
        body = fetch_bytes(url, self.policy, self.get)
        with self._lock:
            if len(self._cache) > 1024:
                self._cache.clear()
            self._cache[url] = (now + self.policy.ttl_seconds, body)
        return body
