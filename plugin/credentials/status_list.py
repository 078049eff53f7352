"""W3C Bitstring Status List: revocation bits, their encoding, and random index allocation.

Indexes are drawn at random from a list of at least 131,072 entries so that a status list
reveals neither how many credentials an issuer gave out nor in which order (the spec's
herd-privacy rule). The random source is passed in so tests and replays are deterministic.
"""

import base64
import gzip
import zlib
from collections.abc import Mapping, Set
from datetime import datetime
from typing import Any, Protocol

from plugin.credentials.contexts import VC_V2
from plugin.errors import Conflict, InvalidInput
from plugin.i18n import N_
from plugin.xsd import xsd_datetime

MIN_ENTRIES = 131_072
REVOCATION = "revocation"
_MAX_ATTEMPTS = 32


class RandomSource(Protocol):
    """The one method of ``random.Random`` / ``secrets.SystemRandom`` we need."""

    def randrange(self, stop: int, /) -> int: ...


def new_list(entries: int = MIN_ENTRIES) -> bytearray:
    """All-clear bits; the size is a whole number of bytes and never below the minimum."""
    if entries < MIN_ENTRIES or entries % 8:
        raise InvalidInput(
            N_(
                "A status list has a multiple of 8 entries, at least %(minimum)s.",
                minimum=MIN_ENTRIES,
            )
        )
    return bytearray(entries // 8)


def set_status(bits: bytearray, index: int, value: bool = True) -> None:
    """Set or clear one entry; index 0 is the first (most significant) bit of the first byte."""
    byte, mask = _position(bits, index)
    bits[byte] = bits[byte] | mask if value else bits[byte] & ~mask


def get_status(bits: bytes | bytearray, index: int) -> bool:
    byte, mask = _position(bits, index)
    return bool(bits[byte] & mask)


def _position(bits: bytes | bytearray, index: int) -> tuple[int, int]:
    if not 0 <= index < len(bits) * 8:
        raise InvalidInput(N_("Status index %(index)s is outside the list.", index=index))
    return index // 8, 0x80 >> (index % 8)


def encode_list(bits: bytes | bytearray) -> str:
    """Multibase base64url (no padding) of the GZIP-compressed bits, as the spec requires."""
    compressed = gzip.compress(bytes(bits), mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def decode_list(encoded: str, max_entries: int = 16 * MIN_ENTRIES) -> bytes:
    """Decode an encodedList, refusing compression bombs and lists below the minimum size."""
    if not encoded.startswith("u"):
        raise InvalidInput(N_("encodedList must be multibase base64url (starting with 'u')."))
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        bits = inflater.decompress(compressed, max_entries // 8 + 1)
    except (ValueError, zlib.error) as error:
        raise InvalidInput(N_("encodedList cannot be decoded: %(error)s", error=error)) from None
    if len(bits) > max_entries // 8 or inflater.unconsumed_tail:
        raise InvalidInput(N_("The status list is larger than this verifier accepts."))
    if len(bits) * 8 < MIN_ENTRIES:
        raise InvalidInput(
            N_("A status list must have at least %(minimum)s entries.", minimum=MIN_ENTRIES)
        )
    return bits


def allocate_index(taken: Set[int], random: RandomSource, entries: int = MIN_ENTRIES) -> int:
    """A free index chosen uniformly at random; ``Conflict`` when the list is full."""
    if len(taken) >= entries:
        raise Conflict(N_("This status list is full; start a new one."))
    for _ in range(_MAX_ATTEMPTS):
        index = random.randrange(entries)
        if index not in taken:
            return index
    free = [index for index in range(entries) if index not in taken]
    return free[random.randrange(len(free))]


def status_entry(list_url: str, index: int, purpose: str = REVOCATION) -> dict[str, Any]:
    """The ``credentialStatus`` a credential carries to point at its bit."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    list_url: str,
    issuer: str,
    bits: bytes | bytearray,
    valid_from: datetime,
    purpose: str = REVOCATION,
) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential; the issuer signs it like any credential."""
    return {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": xsd_datetime(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode_list(bits),
        },
    }


def is_revoked(credential: Mapping[str, Any], list_credential: Mapping[str, Any]) -> bool:
    """Whether the credential's revocation bit is set in the list.

    The caller fetched ``list_credential`` from the URL ``status_list_url`` gave and verified
    its proof against the same issuer; the list's own ``id`` need not equal that URL.
    """
    entry = _revocation_entry(credential.get("credentialStatus"))
    if entry is None:
        return False
    subject = list_credential.get("credentialSubject")
    if not isinstance(subject, Mapping) or subject.get("statusPurpose") != REVOCATION:
        raise InvalidInput(N_("The status list is not a revocation list."))
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise InvalidInput(N_("The status list has no encodedList."))
    return get_status(decode_list(encoded), _index(entry.get("statusListIndex")))


def status_list_url(credential: Mapping[str, Any]) -> str | None:
    """Where the credential's revocation list lives, if it has one."""
    entry = _revocation_entry(credential.get("credentialStatus"))
    url = entry.get("statusListCredential") if entry else None
    return url if isinstance(url, str) else None


def _revocation_entry(status: Any) -> Mapping[str, Any] | None:
    entries = status if isinstance(status, list) else [status] if status is not None else []
    for entry in entries:
        if (
            isinstance(entry, Mapping)
            and entry.get("type") == "BitstringStatusListEntry"
            and entry.get("statusPurpose") == REVOCATION
        ):
            return entry
    return None


def _index(value: Any) -> int:
    """The spec writes the index as a decimal string; early issuers wrote a number."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise InvalidInput(N_("statusListIndex must be a non-negative whole number."))
