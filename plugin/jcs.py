"""RFC 8785 JSON Canonicalization Scheme: one byte string per JSON value.

Used wherever Tandem hashes JSON (the event log's hash chain, export manifests), so that a
verifier in another language gets the same bytes. ``json.dumps(sort_keys=True)`` is close
but not it: RFC 8785 sorts keys by UTF-16 code units (astral characters sort differently)
and writes numbers the way ECMAScript does (``1e+21``, ``0.000001``, no ``5.0``).
"""

import math
import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from plugin.errors import InvalidInput
from plugin.i18n import N_

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
_NEEDS_ESCAPE = re.compile('["\\\\\x00-\x1f]')
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
_MAX_SAFE_INTEGER = 2**53


def canonicalize(value: Any) -> bytes:
    """The canonical UTF-8 bytes of a JSON value (dict, list, str, int, float, bool, None)."""
    return "".join(_serialize(value)).encode("utf-8")


def _serialize(value: Any) -> list[str]:
    parts: list[str] = []
    _write(value, parts)
    return parts


def _write(value: Any, parts: list[str]) -> None:
    if value is None or isinstance(value, bool):
        parts.append({None: "null", True: "true", False: "false"}[value])
    elif isinstance(value, int | float):
        parts.append(_number(value))
    elif isinstance(value, str):
        parts.append(_string(value))
    elif isinstance(value, Mapping):
        _write_object(value, parts)
    elif isinstance(value, Sequence):
        parts.append("[")
        for index, item in enumerate(value):
            if index:
                parts.append(",")
            _write(item, parts)
        parts.append("]")
    else:
        raise InvalidInput(N_("%(kind)s is not a JSON value.", kind=type(value).__name__))


def _write_object(value: Mapping[Any, Any], parts: list[str]) -> None:
    if not all(isinstance(key, str) for key in value):
        raise InvalidInput(N_("JSON object keys are strings."))
    parts.append("{")
    for index, key in enumerate(sorted(value, key=lambda k: k.encode("utf-16-be"))):
        if index:
            parts.append(",")
        parts.append(_string(key))
        parts.append(":")
        _write(value[key], parts)
    parts.append("}")


def _string(text: str) -> str:
    if _LONE_SURROGATE.search(text):
        raise InvalidInput(N_("A string contains a lone surrogate, which UTF-8 cannot carry."))
    escaped = _NEEDS_ESCAPE.sub(lambda m: _ESCAPES.get(m[0], f"\\u{ord(m[0]):04x}"), text)
    return f'"{escaped}"'


def _number(value: float) -> str:
    """ECMAScript Number::toString of the IEEE 754 double nearest to ``value``.

    A large integer is accepted only if it is already how that double is written, so that
    canonicalising never silently changes a number.
    """
    number = float(value)
    if not math.isfinite(number):
        raise InvalidInput(N_("NaN and Infinity are not JSON numbers."))
    if number == 0:
        return "0"
    sign = "-" if number < 0 else ""
    _, digit_tuple, exponent = Decimal(repr(abs(number))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    point = len(digit_tuple) + int(exponent)  # value = 0.digits * 10**point
    text = sign + _layout(digits, point)
    if isinstance(value, int) and abs(value) > _MAX_SAFE_INTEGER and text != str(value):
        raise InvalidInput(
            N_("%(value)s cannot be represented exactly as a JSON number.", value=value)
        )
    return text


def _layout(digits: str, point: int) -> str:
    """Place the decimal point as ECMA-262 7.1.12.1 does (steps 6 to 10)."""
    count = len(digits)
    if count <= point <= 21:
        return digits + "0" * (point - count)
    if 0 < point <= 21:
        return f"{digits[:point]}.{digits[point:]}"
    if -6 < point <= 0:
        return f"0.{'0' * -point}{digits}"
    exponent = point - 1
    mantissa = digits[0] + (f".{digits[1:]}" if count > 1 else "")
    return f"{mantissa}e{'+' if exponent >= 0 else '-'}{abs(exponent)}"
