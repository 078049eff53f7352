"""Issuer private keys at rest: AES-GCM under a key derived from the application secret.

A copied database alone does not let anyone sign as a university; the secret lives in the
environment, not in the database. The key id is bound as associated data, so a sealed key
moved to another row does not open.
"""

from __future__ import annotations

import base64
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from plugin.errors import InvalidInput
from plugin.i18n import N_

_INFO = b"tandem issuer key v1"


def _wrapping_key(secret: str) -> bytes:
    if len(secret) < 16:
        raise InvalidInput(N_("The application secret is too short to protect issuer keys."))
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(
        secret.encode("utf-8")
    )


def seal(key: Ed25519PrivateKey, kid: str, secret: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_wrapping_key(secret)).encrypt(nonce, key.private_bytes_raw(), kid.encode())
    return base64.b64encode(nonce + sealed).decode("ascii")


def unseal(sealed: str, kid: str, secret: str) -> Ed25519PrivateKey:
    data = base64.b64decode(sealed)
    try:
        raw = AESGCM(_wrapping_key(secret)).decrypt(data[:12], data[12:], kid.encode())
    except InvalidTag:
        raise InvalidInput(
            N_("This issuer key cannot be opened with the application secret.")
        ) from None
    return Ed25519PrivateKey.from_private_bytes(raw)
