"""RSA signing keys of one demo platform, persisted as PEM files and rotatable.

Real platforms rotate their keys (Brightspace about hourly) and keep publishing the previous
public key for a while, so that a tool which cached the old JWKS can still verify tokens in
flight and must re-fetch on an unknown ``kid``. The demo reproduces exactly that: a current
key that signs, and the previous one that is only published.

Keys live on disk (never in git) so that the demo LMS and a separately started Tandem agree
across restarts. Several processes may open the same key directory (the demo server and a
test process, for example), so files are written atomically and a change on disk made by
another process is picked up on the next use.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

RSA_KEY_BITS = 2048
SIGNING_ALGORITHM = "RS256"


def _b64url_uint(value: int) -> str:
    """Encode a positive integer as JWK wants it: big-endian bytes, base64url, no padding."""
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class SigningKey:
    """One RSA key pair with its RFC 7638 thumbprint as ``kid``."""

    private_key: rsa.RSAPrivateKey
    kid: str
    public_jwk: dict[str, str]

    @classmethod
    def from_pem(cls, pem: bytes) -> SigningKey:
        private_key = serialization.load_pem_private_key(pem, password=None)
        if not isinstance(private_key, rsa.RSAPrivateKey):
            raise ValueError("A demo platform key must be an RSA private key.")
        numbers = private_key.public_key().public_numbers()
        members = {"e": _b64url_uint(numbers.e), "kty": "RSA", "n": _b64url_uint(numbers.n)}
        # RFC 7638: the required members only, sorted, no whitespace.
        canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode("ascii")
        kid = base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
        public_jwk = {**members, "kid": kid, "alg": SIGNING_ALGORITHM, "use": "sig"}
        return cls(private_key=private_key, kid=kid, public_jwk=public_jwk)

    @staticmethod
    def generate_pem() -> bytes:
        key = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_BITS)
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    def private_pem(self) -> str:
        """PEM text, the form lti1p3platform's Registration stores."""
        return self.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode("ascii")

    def public_pem(self) -> str:
        return (
            self.private_key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )


def _write_atomically(path: Path, data: bytes, *, replace: bool) -> bool:
    """Write ``data`` to ``path`` so that no reader ever sees a half-written key.

    With ``replace=False`` an existing file wins (another process generated the key first)
    and False is returned; the caller then reads that file instead of its own key.
    """
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    try:
        if replace:
            os.replace(tmp, path)
            return True
        try:
            os.link(tmp, path)
        except FileExistsError:
            return False
        return True
    finally:
        tmp.unlink(missing_ok=True)


class KeyRing:
    """The current and previous signing keys of one platform, backed by two PEM files."""

    def __init__(self, directory: Path, name: str) -> None:
        self.directory = directory
        self.current_path = directory / f"{name}.pem"
        self.previous_path = directory / f"{name}.previous.pem"
        self._lock = threading.Lock()
        self._stamp: tuple[int, int, int] | None = None
        self._current: SigningKey | None = None
        self._previous: SigningKey | None = None

    def _file_stamp(self) -> tuple[int, int, int] | None:
        try:
            stat = self.current_path.stat()
        except FileNotFoundError:
            return None
        return (stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def _load(self) -> SigningKey:
        """Return the current key, creating it on first use or re-reading it after a change."""
        with self._lock:
            stamp = self._file_stamp()
            if stamp is None:
                self.directory.mkdir(parents=True, exist_ok=True)
                _write_atomically(self.current_path, SigningKey.generate_pem(), replace=False)
                stamp = self._file_stamp()
            if self._current is None or stamp != self._stamp:
                self._current = SigningKey.from_pem(self.current_path.read_bytes())
                self._previous = (
                    SigningKey.from_pem(self.previous_path.read_bytes())
                    if self.previous_path.exists()
                    else None
                )
                self._stamp = stamp
            return self._current

    @property
    def current(self) -> SigningKey:
        return self._load()

    @property
    def published(self) -> list[SigningKey]:
        """Keys a tool may meet in a token: the current one first, then the previous one."""
        current = self._load()
        previous = self._previous
        return [current] if previous is None or previous.kid == current.kid else [current, previous]

    def rotate(self) -> SigningKey:
        """Make a fresh key current and keep the old one published as ``previous``."""
        old = self._load()
        with self._lock:
            self.directory.mkdir(parents=True, exist_ok=True)
            _write_atomically(self.previous_path, old.private_pem().encode("ascii"), replace=True)
            _write_atomically(self.current_path, SigningKey.generate_pem(), replace=True)
        return self._load()

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return {"keys": [dict(key.public_jwk) for key in self.published]}

    def sign(
        self,
        claims: dict[str, Any],
        *,
        kid: str | None = None,
        headers: dict[str, Any] | None = None,
    ) -> str:
        """Sign ``claims`` with the current key (RS256).

        The ``kid`` header is the current key's unless ``kid`` is given; ``headers`` are merged
        last and a header whose value is None is dropped, so tests can forge a token without a
        ``kid`` (``headers={"kid": None}``) or with a wrong one.
        """
        key = self._load()
        merged: dict[str, Any] = {"kid": kid if kid is not None else key.kid, **(headers or {})}
        header = {name: value for name, value in merged.items() if value is not None}
        return jwt.encode(claims, key.private_key, algorithm=SIGNING_ALGORITHM, headers=header)
