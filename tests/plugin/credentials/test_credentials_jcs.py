"""RFC 8785: the W3C eddsa-jcs-2022 intermediate values and the RFC's own examples."""

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugin.errors import InvalidInput
from plugin.jcs import canonicalize

Loader = Callable[[str], Any]
FOLDER = "w3c/eddsa-jcs-2022/"


def test_w3c_jcs_vectors(vector: Loader) -> None:
    signed = vector(FOLDER + "signedJCS.json")
    document = {key: value for key, value in signed.items() if key != "proof"}
    options = vector(FOLDER + "proofConfigJCS.json")
    assert canonicalize(document).decode() == vector(FOLDER + "canonDocJCS.txt").strip()
    assert canonicalize(options).decode() == vector(FOLDER + "proofCanonJCS.txt").strip()
    document_hash = hashlib.sha256(canonicalize(document)).hexdigest()
    assert document_hash == vector(FOLDER + "docHashJCS.txt").strip()


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0.0, "0"),
        (-0.0, "0"),
        (5.0, "5"),
        (4.50, "4.5"),
        (2e-3, "0.002"),
        (1e-6, "0.000001"),
        (1e-7, "1e-7"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e30, "1e+30"),
        (333333333.33333329, "333333333.3333333"),
        (-1.5e-27, "-1.5e-27"),
        (9007199254740992, "9007199254740992"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (5e-324, "5e-324"),
    ],
)
def test_numbers_as_ecmascript_writes_them(number: float, text: str) -> None:
    assert canonicalize(number).decode() == text


def test_keys_sort_by_utf16_code_units() -> None:
    """RFC 8785 section 3.2.3's example: the emoji sorts before U+FB33, unlike code points."""
    keys = ["\u20ac", "\r", "\ufb33", "1", "\U0001f600", "\u0080", "\u00f6"]
    text = canonicalize(dict.fromkeys(keys, 0)).decode()
    order = list(json.loads(text))
    assert order == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


def test_strings_escape_only_what_json_requires() -> None:
    assert canonicalize('a"b\\c\nd\x01é€').decode() == '"a\\"b\\\\c\\nd\\u0001é€"'


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), 2**60 + 1, "\ud800", {1: "x"}, {"a": {1, 2}}]
)
def test_refuses_what_json_cannot_carry(value: Any) -> None:
    with pytest.raises(InvalidInput):
        canonicalize(value)


TEXT = st.text(alphabet=st.characters(exclude_categories=["Cs"]))
JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(TEXT, children, max_size=4),
    max_leaves=12,
)


def _numbers_as_doubles(value: Any) -> Any:
    """JSON numbers are doubles: 2.790065107865089e16 is written 27900651078650890."""
    if isinstance(value, dict):
        return {key: _numbers_as_doubles(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_numbers_as_doubles(item) for item in value]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return value


@settings(max_examples=200, deadline=None)
@given(JSON)
def test_round_trips_and_is_stable(value: Any) -> None:
    text = canonicalize(value)
    parsed = json.loads(text)
    assert _numbers_as_doubles(parsed) == _numbers_as_doubles(value)
    assert canonicalize(parsed) == text
