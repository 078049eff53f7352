"""Multibase base58btc and Multikey encodings of Ed25519 keys and signatures.

Small enough to write out rather than add a dependency: base58btc is the only multibase a
``z``-prefixed proofValue or publicKeyMultibase uses, and the two multicodec headers are fixed.
"""

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from plugin.errors import InvalidInput
from plugin.i18n import N_

_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_INDEX = {char: value for value, char in enumerate(_ALPHABET)}
#: multicodec varints: ed25519-pub (0xed) and ed25519-priv (0x1300).
_ED25519_PUB = b"\xed\x01"
_ED25519_PRIV = b"\x80\x26"


def base58btc_encode(data: bytes) -> str:
    """Encode bytes as base58 (Bitcoin alphabet); leading zero bytes become '1'."""
    number = int.from_bytes(data, "big")
    digits = []
    while number:
        number, remainder = divmod(number, 58)
        digits.append(_ALPHABET[remainder])
    zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * zeros + "".join(reversed(digits))


def base58btc_decode(text: str) -> bytes:
    """Decode base58 (Bitcoin alphabet); raises InvalidInput on any other character."""
    number = 0
    for char in text:
        if char not in _INDEX:
            raise InvalidInput(N_("%(char)s is not a base58btc character.", char=repr(char)))
        number = number * 58 + _INDEX[char]
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * zeros + body


def encode_multibase(data: bytes) -> str:
    """Multibase base58btc: a 'z' then base58btc."""
    return "z" + base58btc_encode(data)


def decode_multibase(text: str) -> bytes:
    """Accept only base58btc multibase, the one Data Integrity EdDSA uses."""
    if not text.startswith("z"):
        raise InvalidInput(N_("Only base58btc multibase values (starting with 'z') are accepted."))
    return base58btc_decode(text[1:])


def public_key_to_multikey(key: Ed25519PublicKey) -> str:
    """The ``publicKeyMultibase`` of a Multikey verification method."""
    return encode_multibase(_ED25519_PUB + key.public_bytes_raw())


def public_key_from_multikey(text: str) -> Ed25519PublicKey:
    """Decode a Multikey value; refuse anything but a 32-byte Ed25519 public key."""
    data = decode_multibase(text)
    if not data.startswith(_ED25519_PUB) or len(data) != len(_ED25519_PUB) + 32:
        raise InvalidInput(N_("The key is not an Ed25519 public Multikey."))
    return Ed25519PublicKey.from_public_bytes(data[len(_ED25519_PUB) :])


def private_key_to_multikey(key: Ed25519PrivateKey) -> str:
    """The ``secretKeyMultibase`` form, as the W3C test vectors' key pair file uses."""
    return encode_multibase(_ED25519_PRIV + key.private_bytes_raw())


def private_key_from_multikey(text: str) -> Ed25519PrivateKey:
    """Decode an Ed25519 secret Multikey (32-byte seed)."""
    data = decode_multibase(text)
    if not data.startswith(_ED25519_PRIV) or len(data) != len(_ED25519_PRIV) + 32:
        raise InvalidInput(N_("The key is not an Ed25519 secret Multikey."))
    return Ed25519PrivateKey.from_private_bytes(data[len(_ED25519_PRIV) :])
