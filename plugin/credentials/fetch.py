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
from typing import Any
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter

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
_ACCEPT = "application/did+json, application/ld+json, application/json"


class _PinnedAdapter(HTTPAdapter):
    """Connect to the address that was checked, while TLS still checks the host's name.

    Without pinning, the name is resolved a second time when connecting, and a DNS answer
    that changes in between (rebinding) would reach an address the check refused.
    """

    def __init__(self, hostname: str) -> None:
        self._hostname = hostname
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["server_hostname"] = self._hostname
        kwargs["assert_hostname"] = self._hostname
        super().init_poolmanager(*args, **kwargs)


def _get(url: str, policy: FetchPolicy) -> requests.Response:
    parts = urlsplit(url)
    host, port = parts.hostname or "", parts.port or 443
    address = check_host(host, port, policy)
    literal = f"[{address}]" if ":" in address else address
    pinned = parts._replace(netloc=f"{literal}:{port}").geturl()
    session = requests.Session()
    session.mount("https://", _PinnedAdapter(host))
    try:
        return session.get(
            pinned,
            timeout=policy.timeout,
            allow_redirects=False,
            stream=True,
            verify=policy.verify_tls,
            headers={"Accept": _ACCEPT, "Host": parts.netloc.rsplit("@", 1)[-1]},
        )
    finally:
        session.close()  # the response keeps its own connection until it is read


def check_host(host: str, port: int, policy: FetchPolicy) -> str:
    """The address to connect to: every address of a host must be public unless the admin
    allowed the host by name."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError):
        raise CannotCheck(N_("The host %(host)s could not be found.", host=host)) from None
    addresses = [str(info[4][0]).split("%")[0] for info in infos]
    if not addresses:
        raise CannotCheck(N_("The host %(host)s could not be found.", host=host))
    if host.lower() in policy.allowed_hosts:
        return addresses[0]
    for text in addresses:
        address = ipaddress.ip_address(text)
        if not address.is_global or address.is_multicast:
            raise CannotCheck(
                N_(
                    "%(host)s is a private, loopback or link-local address; "
                    "an admin must allow it first.",
                    host=host,
                )
            )
    return addresses[0]


def fetch_bytes(url: str, policy: FetchPolicy, get: Getter = _get) -> bytes:
    """GET ``url`` within ``policy``: HTTPS only, every redirect hop checked again (the
    address check and pinning live in the network getter, ``_get``)."""
    for _hop in range(policy.max_redirects + 1):
        parts = urlsplit(url)
        if parts.scheme != "https" or not parts.hostname:
            raise CannotCheck(N_("Only https addresses are fetched: %(url)s", url=url))
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
