"""did:web resolution over real HTTPS (a local server with a certificate made here), and the
fetch guard: private addresses refused unless allowed by name, redirects re-checked, size
capped, answers cached for a TTL."""

import datetime as dt
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from plugin.credentials import multikey, signing
from plugin.credentials.fetch import CachingFetcher, CannotCheck, FetchPolicy, check_host
from plugin.credentials.open_verify import verify_any
from plugin.credentials.resolve import DidResolver
from plugin.credentials.sample import issue_sample

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


class _Site:
    """Paths the test server answers: path -> (status, headers, body)."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.hits: list[str] = []


def _certificate(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def https_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[_Site, int, Path]]:
    site = _Site()
    cert_path, key_path = _certificate(tmp_path_factory.mktemp("tls"))

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            site.hits.append(self.path)
            status, headers, body = site.routes.get(self.path, (404, {}, b"{}"))
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_path, key_path)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield site, server.server_address[1], cert_path
    server.shutdown()
    server.server_close()


def _policy(cert: Path, **changes: Any) -> FetchPolicy:
    return FetchPolicy(
        allowed_hosts=frozenset({"localhost"}), verify_tls=str(cert), timeout=2.0, **changes
    )


def _did_web_issuer(site: _Site, port: int, name: str) -> tuple[str, dict[str, Any]]:
    """Sign a Tandem-shaped credential as did:web:localhost%3APORT:name, served by the site."""
    sample = issue_sample(f"localhost:{port}", NOW)
    key = Ed25519PrivateKey.generate()
    did = f"did:web:localhost%3A{port}:{name}"
    method = f"{did}#k1"
    did_doc = {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": method,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": multikey.public_key_to_multikey(key.public_key()),
            }
        ],
        "assertionMethod": [method],
    }
    site.routes[f"/{name}/did.json"] = (200, {}, json.dumps(did_doc).encode())
    document = {
        k: v for k, v in sample.credential.items() if k not in ("proof", "credentialStatus")
    }
    document["issuer"] = {**document["issuer"], "id": did}
    return did, signing.sign(document, key, method, NOW)


def test_did_web_resolves_over_https_and_is_cached(https_site: tuple[_Site, int, Path]) -> None:
    site, port, cert = https_site
    did, credential = _did_web_issuer(site, port, "partner")
    clock = [0.0]
    fetcher = CachingFetcher(_policy(cert, ttl_seconds=60.0), clock=lambda: clock[0])
    resolver = DidResolver(fetch=fetcher)
    report = verify_any(credential, resolver=resolver, now=NOW, trusted={did}.__contains__)
    assert report.verdict == "valid", report.checks
    verify_any(credential, resolver=resolver, now=NOW)
    assert site.hits.count("/partner/did.json") == 1
    clock[0] = 61.0
    verify_any(credential, resolver=resolver, now=NOW)
    assert site.hits.count("/partner/did.json") == 2


def test_a_loopback_host_not_allowed_is_refused(https_site: tuple[_Site, int, Path]) -> None:
    site, port, cert = https_site
    _did, credential = _did_web_issuer(site, port, "refused")
    policy = FetchPolicy(verify_tls=str(cert), timeout=2.0)  # localhost not allowed
    report = verify_any(credential, resolver=DidResolver(fetch=CachingFetcher(policy)), now=NOW)
    assert report.exit_code == 2
    assert "private, loopback or link-local" in report.checks[0].message
    assert "/refused/did.json" not in site.hits


def test_a_redirect_to_an_address_not_allowed_is_refused(
    https_site: tuple[_Site, int, Path],
) -> None:
    site, port, cert = https_site
    site.routes["/hop/did.json"] = (
        302,
        {"Location": f"https://127.0.0.1:{port}/partner/did.json"},
        b"",
    )
    with pytest.raises(CannotCheck, match="private, loopback"):
        CachingFetcher(_policy(cert))(f"https://localhost:{port}/hop/did.json")


def test_size_cap_and_plain_http(https_site: tuple[_Site, int, Path]) -> None:
    site, port, cert = https_site
    site.routes["/big/did.json"] = (200, {}, b" " * 5000)
    with pytest.raises(CannotCheck, match="larger than"):
        CachingFetcher(_policy(cert, max_bytes=4096))(f"https://localhost:{port}/big/did.json")
    with pytest.raises(CannotCheck, match="Only https"):
        CachingFetcher(_policy(cert))(f"http://localhost:{port}/partner/did.json")


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "fe80::1", "0.0.0.0"],  # noqa: S104 - refused, never bound
)
def test_private_addresses_are_refused(host: str) -> None:
    with pytest.raises(CannotCheck, match="private, loopback"):
        check_host(host, 443, FetchPolicy())


def test_an_allowed_host_passes_the_guard() -> None:
    check_host("127.0.0.1", 443, FetchPolicy(allowed_hosts=frozenset({"127.0.0.1"})))
