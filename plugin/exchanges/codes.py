"""Codes people pass to each other: easy to read aloud and type. Pure: no I/O.

Join codes (exchanges) are stored only as a hash; teammate codes (plugin/teammates) use the same
symbols and shape, so a student types them the same forgiving way.
"""

from __future__ import annotations

import hashlib
import secrets

# No 0/O, 1/I/L: a teacher reads the code to a colleague on a call.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
GROUPS = 3
GROUP_LENGTH = 4  # 12 symbols from 31: about 59 bits, far beyond guessing before expiry


def new_code() -> str:
    """A fresh code like ``K7QM-2XPA-9RTD``."""
    return grouped("".join(secrets.choice(ALPHABET) for _ in range(GROUPS * GROUP_LENGTH)))


def grouped(code: str) -> str:
    """The canonical, dashed form of what someone typed: ``k7qm 2xpa9rtd`` -> ``K7QM-2XPA-9RTD``."""
    symbols = normalise(code)
    return "-".join(symbols[i : i + GROUP_LENGTH] for i in range(0, len(symbols), GROUP_LENGTH))


def normalise(code: str) -> str:
    """What people type differs (case, spaces, dashes); the hash sees only the symbols."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(code: str) -> str:
    """SHA-256 suffices: codes are random and long, so no slow hash is needed against guessing."""
    return hashlib.sha256(normalise(code).encode()).hexdigest()
