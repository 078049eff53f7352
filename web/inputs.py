"""Untrusted input at the door: ids, whole numbers and JSON, bounded before anything uses them.

A bigger number than the database holds in a URL or form made SQLite raise OverflowError and
PostgreSQL a DataError (a 500). Ids are ``Mapped[int]`` columns: SQLite's INTEGER holds 64
bits but PostgreSQL's only 32, so ``MAX_ID`` is 2**31-1, the largest id both can hold. Routes
take ids through the ``id`` URL converter (out of range: 404) and views read ids from forms
with ``parse_id`` (out of range: 400 with a message); ``web/errors.py`` turns any overflow
that slips through into a 400. JSON from
strangers is depth-checked before ``json.loads`` recurses into it.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Flask, abort, request
from werkzeug.routing import BaseConverter, ValidationError

from plugin.errors import InvalidInput

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER; SQLite's would be 2**63 - 1
MAX_JSON_DEPTH = 64
_ASCII_DIGITS = re.compile(r"[0-9]{1,19}")
_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")


class IdConverter(BaseConverter):
    """``<id:name>``: 1 .. MAX_ID in ASCII digits; anything else does not match (404)."""

    regex = r"[0-9]{1,19}"  # longer runs of digits are out of range anyway
    part_isolating = True

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValidationError
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


def parse_int(
    raw: str | None, message: str, *, low: int = 0, high: int = MAX_ID, field: str | None = None
) -> int:
    """A whole number in ASCII digits within [low, high], else ``InvalidInput(message)``.

    ``str.isdigit`` accepts superscript and Arabic-Indic digits, which ``int`` rejects or
    reads; this does not.
    """
    text = (raw or "").strip()
    if _ASCII_DIGITS.fullmatch(text) is None:
        raise InvalidInput(message, field)
    number = int(text)
    if not low <= number <= high:
        raise InvalidInput(message, field)
    return number


def maybe_int(raw: str | None, *, low: int = 0, high: int = MAX_ID) -> int | None:
    """Like ``parse_int`` but None instead of an error, for fields a use case checks anyway."""
    text = (raw or "").strip()
    if _ASCII_DIGITS.fullmatch(text) is None or not low <= int(text) <= high:
        return None
    return int(text)


def maybe_id(raw: str | None) -> int | None:
    """A database id, or None when ``raw`` is not one."""
    return maybe_int(raw, low=1)


def parse_id(raw: str | None, message: str) -> int:
    """A database id from a form or JSON field: 1 .. MAX_ID, else ``InvalidInput(message)``."""
    return parse_int(raw, message, low=1)


def json_depth(text: str) -> int:
    """How deeply arrays and objects nest in ``text``, without recursing (strings skipped)."""
    brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text))
    depth = deepest = 0
    for char in brackets:
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def load_untrusted_json(text: str, message: str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` for a stranger's text: too deep or not JSON is ``InvalidInput(message)``."""
    if json_depth(text) > max_depth:
        raise InvalidInput(message)
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise InvalidInput(message) from None


def has_nul(values: Any) -> bool:
    """True when any string among ``values`` holds a NUL byte (PostgreSQL text cannot)."""
    return any("\x00" in value for value in values if isinstance(value, str))


def refuse_nul_bytes() -> None:
    """Before every request: a NUL byte in the path, query or form is a 400, not a DB error."""
    if "\x00" in request.path or has_nul(request.args.values()):
        abort(400)
    if request.method in ("POST", "PUT", "PATCH") and has_nul(request.form.values()):
        abort(400)


def init_app(app: Flask) -> None:
    """Register the ``id`` converter (before any blueprint adds its rules) and the NUL check."""
    app.url_map.converters["id"] = IdConverter
    app.before_request(refuse_nul_bytes)
