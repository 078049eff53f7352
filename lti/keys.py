"""Tandem's own key pair: it signs service requests and deep-linking responses to LMSs.

Generated on first run and kept in the instance folder (never in the repository); the key id
is the RFC 7638 thumbprint, so it is stable for a key and different for the next one.

Rotation is two steps so that nothing in flight breaks: ``prepare_next`` publishes a next key
beside the current one (platforms that cache Tandem's JWKS pick it up), ``promote`` makes it
current and keeps the old one published as ``previous`` until ``retire_previous``, so a
deep-linking response or token request signed a moment before the switch still verifies.
Another process (the CLI) may rotate: the store re-reads the files when they change.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK

PRIVATE_KEY_FILE = "tool-private-key.pem"
NEXT_KEY_FILE = "tool-next-key.pem"
PREVIOUS_KEY_FILE = "tool-previous-key.pem"


@dataclass(frozen=True)
class ToolKey:
    private_pem: str
    public_pem: str
    kid: str

    def public_jwk(self) -> dict[str, Any]:
        jwk = JWK.from_pem(self.public_pem.encode())
        data: dict[str, Any] = json.loads(jwk.export_public())
        data.update({"kid": self.kid, "alg": "RS256", "use": "sig"})
        return data

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.public_jwk()]}


def _from_private_pem(private_pem: str) -> ToolKey:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    kid = JWK.from_pem(public_pem).thumbprint()
    return ToolKey(private_pem=private_pem, public_pem=public_pem.decode(), kid=kid)


def _new_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write_private(path: Path, pem: bytes) -> None:
    """Write atomically with owner-only permissions: a reader never sees half a key."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    os.replace(tmp, path)


def load_or_create(directory: Path) -> ToolKey:
    path = directory / PRIVATE_KEY_FILE
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        _write_private(path, _new_pem())
    return _from_private_pem(path.read_text())


class ToolKeyStore:
    """The current key (signs), and the next and previous keys (published only)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._lock = threading.Lock()
        self._stamp: tuple[tuple[int, int] | None, ...] | None = None
        self._keys: dict[str, ToolKey | None] = {}

    def _path(self, name: str) -> Path:
        return self.directory / name

    def _stamps(self) -> tuple[tuple[int, int] | None, ...]:
        result: list[tuple[int, int] | None] = []
        for name in (PRIVATE_KEY_FILE, NEXT_KEY_FILE, PREVIOUS_KEY_FILE):
            try:
                stat = self._path(name).stat()
            except FileNotFoundError:
                result.append(None)
            else:
                result.append((stat.st_ino, stat.st_mtime_ns))
        return tuple(result)

    def _load(self) -> dict[str, ToolKey | None]:
        with self._lock:
            if not self._path(PRIVATE_KEY_FILE).exists():
                load_or_create(self.directory)
            stamp = self._stamps()
            if stamp != self._stamp:
                self._keys = {
                    name: _from_private_pem(self._path(name).read_text())
                    if self._path(name).exists()
                    else None
                    for name in (PRIVATE_KEY_FILE, NEXT_KEY_FILE, PREVIOUS_KEY_FILE)
                }
                self._stamp = stamp
            return self._keys

    def current(self) -> ToolKey:
        key = self._load()[PRIVATE_KEY_FILE]
        assert key is not None  # noqa: S101 - _load creates it
        return key

    def next(self) -> ToolKey | None:
        return self._load()[NEXT_KEY_FILE]

    def previous(self) -> ToolKey | None:
        return self._load()[PREVIOUS_KEY_FILE]

    def published(self) -> list[ToolKey]:
        keys = self._load()
        found = [keys[n] for n in (PRIVATE_KEY_FILE, NEXT_KEY_FILE, PREVIOUS_KEY_FILE)]
        unique = {key.kid: key for key in found if key is not None}
        return list(unique.values())

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk() for key in self.published()]}

    def prepare_next(self) -> ToolKey:
        """Publish a next key (idempotent: an existing next key is kept)."""
        existing = self.next()
        if existing is not None:
            return existing
        _write_private(self._path(NEXT_KEY_FILE), _new_pem())
        key = self.next()
        assert key is not None  # noqa: S101
        return key

    def promote(self) -> ToolKey:
        """Make the next key current; the old current stays published as previous."""
        if self.next() is None:
            self.prepare_next()
        current, nxt = self._path(PRIVATE_KEY_FILE), self._path(NEXT_KEY_FILE)
        _write_private(self._path(PREVIOUS_KEY_FILE), current.read_bytes())
        _write_private(current, nxt.read_bytes())
        nxt.unlink()
        return self.current()

    def retire_previous(self) -> ToolKey | None:
        """Stop publishing the previous key (once nothing signed with it can be in flight)."""
        old = self.previous()
        self._path(PREVIOUS_KEY_FILE).unlink(missing_ok=True)
        return old
