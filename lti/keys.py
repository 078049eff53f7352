"""Tandem's own key pair: it signs service requests and deep-linking responses to LMSs.

Generated on first run and kept in the instance folder (never in the repository); the key id
is the RFC 7638 thumbprint, so it is stable for a key and different for the next one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK

PRIVATE_KEY_FILE = "tool-private-key.pem"


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


def load_or_create(directory: Path) -> ToolKey:
    path = directory / PRIVATE_KEY_FILE
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.touch(mode=0o600)
        path.write_bytes(pem)
    return _from_private_pem(path.read_text())
