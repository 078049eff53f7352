"""Join codes: easy to read aloud and type, stored only as a hash. Pure: no I/O."""

from __future__ import annotations

import hashlib
import secrets

# No 0/O, 1/I/L: a teacher reads the code to a colleague on a call.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GROUPS = 3
GROUP_LENGTH = 4  # 12 symbols from 31: about 59 bits, far beyond guessing before expiry


def new_code() -> str:
    """A fresh code like ``K7QM-2XPA-9RTD``."""
    symbols = "".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LENGTH))
    return "-".join(symbols[i : i + GROUP_LENGTH] for i in range(0, len(symbols), GROUP_LENGTH))


def normalise(code: str) -> str:
    """What people type differs (case, spaces, dashes); the hash sees only the symbols."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(code: str) -> str:
    """SHA-256 suffices: codes are random and long, so no slow hash is needed against guessing."""
    return hashlib.sha256(normalise(code).encode()).hexdigest()
