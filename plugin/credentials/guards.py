"""Checks on untrusted JSON before any JSON-LD processing sees it.

pyld is lenient where a signature scheme must not be: it silently drops null values, unknown
``@`` keys and undefined terms (so they would ride along unsigned), escapes control characters
the pre-RDFC way (so another verifier would hash different bytes), and has no guard against
documents built to make canonicalisation explode. Everything here turns those cases into a
clear ``InvalidInput`` before pyld runs.
"""

import json
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from plugin.errors import InvalidInput
from plugin.i18n import N_


@dataclass(frozen=True)
class Limits:
    """Resource bounds for canonicalising a document we did not write."""

    max_bytes: int = 256 * 1024
    max_depth: int = 32
    max_blank_nodes: int = 200
    #: Largest set of blank nodes the N-degree hash may have to permute (n! paths).
    max_indistinct_blank_nodes: int = 6
    max_seconds: float = 2.0


DEFAULT_LIMITS = Limits()

#: C0 controls except TAB, LF and CR (pyld and RDFC-1.0 escape those three alike), DEL, C1
#: controls, and lone surrogates (which no UTF-8 encoder accepts).
_FORBIDDEN_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def load_json(text: str | bytes, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Parse credential JSON strictly: bounded size, no duplicate keys, no NaN/Infinity.

    Duplicate keys matter because two parsers may keep different copies of the value, so the
    signed value and the displayed value could differ.
    """
    if len(text) > limits.max_bytes:
        raise InvalidInput(
            N_("The document is larger than %(max_bytes)s bytes.", max_bytes=limits.max_bytes)
        )
    try:
        value = json.loads(text, object_pairs_hook=_unique_keys, parse_constant=_no_constant)
    except (ValueError, RecursionError) as error:
        raise InvalidInput(N_("The document is not valid JSON: %(error)s", error=error)) from None
    if not isinstance(value, dict):
        raise InvalidInput(N_("A credential must be a JSON object."))
    return value


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InvalidInput(N_("The key %(key)s appears twice in one object.", key=repr(key)))
        result[key] = value
    return result


def _no_constant(name: str) -> None:
    raise InvalidInput(N_("%(name)s is not a JSON number.", name=name))


def check_document(
    document: Mapping[str, Any], allowed_contexts: frozenset[str], limits: Limits
) -> list[str]:
    """Reject what pyld would mangle; return the document's context URLs.

    Contexts must be URLs of bundled files listed at the top only: an inline or nested context
    could reset ``@vocab`` or redefine terms inside a signed document.
    """
    size = len(json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass"))
    if size > limits.max_bytes:
        raise InvalidInput(
            N_("The document is larger than %(max_bytes)s bytes.", max_bytes=limits.max_bytes)
        )
    urls = _context_urls(document.get("@context"), allowed_contexts)
    for path, key, value, depth in _walk(document, "$", 0):
        if depth > limits.max_depth:
            raise InvalidInput(
                N_(
                    "%(path)s is nested deeper than %(max_depth)s levels.",
                    path=path,
                    max_depth=limits.max_depth,
                )
            )
        if key is not None:
            _check_key(path, key, depth)
        _check_value(path, value)
    return urls


def _context_urls(context: Any, allowed: frozenset[str]) -> list[str]:
    entries = context if isinstance(context, list) else [context]
    if not entries or not all(isinstance(entry, str) for entry in entries):
        raise InvalidInput(N_("@context must be a list of context URLs."))
    for url in entries:
        if url not in allowed:
            raise InvalidInput(
                N_("The context %(url)s is not one this verifier accepts.", url=repr(url))
            )
    return list(entries)


def _walk(value: Any, path: str, depth: int) -> Iterator[tuple[str, str | None, Any, int]]:
    """Yield (path, key, value, depth) for every member and array item, iteratively."""
    stack: list[tuple[str, str | None, Any, int]] = [(path, None, value, depth)]
    while stack:
        item = stack.pop()
        yield item
        item_path, _key, item_value, item_depth = item
        if isinstance(item_value, dict):
            stack.extend((f"{item_path}.{k}", k, v, item_depth + 1) for k, v in item_value.items())
        elif isinstance(item_value, list):
            stack.extend(
                (f"{item_path}[{i}]", None, v, item_depth + 1) for i, v in enumerate(item_value)
            )


def _check_key(path: str, key: str, depth: int) -> None:
    if _FORBIDDEN_CHARS.search(key):
        raise InvalidInput(N_("%(path)s: control characters are not allowed in keys.", path=path))
    if key.startswith("@") and not (key == "@context" and depth == 1):
        raise InvalidInput(
            N_("%(path)s: JSON-LD keywords other than a top-level @context are refused.", path=path)
        )


def _check_value(path: str, value: Any) -> None:
    if value is None:
        raise InvalidInput(N_("%(path)s is null; leave the property out instead.", path=path))
    if isinstance(value, str) and _FORBIDDEN_CHARS.search(value):
        raise InvalidInput(N_("%(path)s contains a control character.", path=path))
    if isinstance(value, float) and (not math.isfinite(value) or value.is_integer()):
        # JavaScript reads 5.0 as the integer 5 and canonicalises "5"; pyld writes "5.0E0".
        raise InvalidInput(
            N_("%(path)s: write whole numbers without a fractional part.", path=path)
        )
