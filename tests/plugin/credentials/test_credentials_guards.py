"""Each trap named in the vectors' README, shown to be real in pyld and refused here."""

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld

from plugin.credentials import contexts, signing
from plugin.credentials.canonical import canonicalize
from plugin.credentials.guards import Limits, load_json
from plugin.errors import InvalidInput

Loader = Callable[[str], Any]
ControllerFactory = Callable[[str, str, Ed25519PublicKey], dict[str, Any]]
Edit = Callable[[dict[str, Any]], None]
NOW = datetime(2024, 5, 1, tzinfo=UTC)


def _achievement(document: dict[str, Any]) -> dict[str, Any]:
    achievement: dict[str, Any] = document["credentialSubject"]["achievement"]
    return achievement


def _pyld_nquads(document: dict[str, Any]) -> str:
    """What plain pyld signs, for showing that a trap is real."""
    options = {"algorithm": "URDNA2015", "format": "application/n-quads"}
    options["documentLoader"] = contexts.load_document  # type: ignore[assignment]
    result: str = jsonld.normalize(document, options)
    return result


@pytest.fixture
def unsigned(vector: Loader) -> dict[str, Any]:
    document: dict[str, Any] = vector("ob3-spec/signed-ob3.json")
    del document["proof"]
    return document


SILENTLY_DROPPED: dict[str, Edit] = {
    "undefined top-level term": lambda d: d.update(grade="A+"),
    "undefined nested term": lambda d: _achievement(d).update(ectsCredits=5),
    "term defined only in another type's scope": lambda d: _achievement(d).update(salt="x"),
}

#: pyld resolves these against a base IRI the document never named.
REBASED: dict[str, tuple[Edit, str]] = {
    "relative id": (lambda d: _achievement(d).update(id="teamwork"), "teamwork"),
    "undefined type": (lambda d: d["type"].append("MicroCredential"), "MicroCredential"),
}

REFUSED_BEFORE_PYLD: dict[str, Edit] = {
    "null value": lambda d: d.update(description=None),
    "unknown keyword": lambda d: d.update({"@foo": "bar"}),
    "nested @context": lambda d: _achievement(d).update({"@context": {"@vocab": "urn:x:"}}),
    "inline top-level context": lambda d: d["@context"].append({"extra": "urn:x:extra"}),
    "unbundled context URL": lambda d: d["@context"].append("https://example.org/ctx.json"),
    "bell character": lambda d: d.update(name="Teamwork\x07Badge"),
    "escape character in a key": lambda d: d.update({"na\x1bme": "x"}),
    "lone surrogate": lambda d: d.update(name="Team\ud800work"),
    "whole number written as a float": lambda d: _achievement(d).update(creditsAvailable=5.0),
}


@pytest.mark.parametrize("edit", SILENTLY_DROPPED.values(), ids=SILENTLY_DROPPED.keys())
def test_pyld_alone_would_sign_without_the_change(unsigned: dict[str, Any], edit: Edit) -> None:
    changed = copy.deepcopy(unsigned)
    edit(changed)
    assert _pyld_nquads(changed) == _pyld_nquads(unsigned)


@pytest.mark.parametrize(("edit", "word"), REBASED.values(), ids=REBASED.keys())
def test_pyld_alone_would_sign_an_invented_iri(
    unsigned: dict[str, Any], edit: Edit, word: str
) -> None:
    edit(unsigned)
    nquads = _pyld_nquads(unsigned)
    assert f"{word}>" in nquads
    assert f"<{word}>" not in nquads


ALL_REFUSED: dict[str, Edit] = {
    **SILENTLY_DROPPED,
    **{name: edit for name, (edit, _) in REBASED.items()},
    **REFUSED_BEFORE_PYLD,
}


@pytest.mark.parametrize("edit", ALL_REFUSED.values(), ids=ALL_REFUSED.keys())
def test_refused_at_issue(unsigned: dict[str, Any], ob3_key: Ed25519PrivateKey, edit: Edit) -> None:
    edit(unsigned)
    with pytest.raises(InvalidInput):
        signing.sign(unsigned, ob3_key, unsigned["issuer"]["id"] + "#key-1", NOW)


@pytest.mark.parametrize("edit", ALL_REFUSED.values(), ids=ALL_REFUSED.keys())
def test_refused_at_verify_even_when_the_signature_still_matches(
    vector: Loader, ob3_key: Ed25519PrivateKey, controller_document: ControllerFactory, edit: Edit
) -> None:
    signed: dict[str, Any] = vector("ob3-spec/signed-ob3.json")
    method = signed["proof"]["verificationMethod"]
    issuer = controller_document(signed["issuer"]["id"], method, ob3_key.public_key())
    signing.verify(signed, issuer)
    edit(signed)
    with pytest.raises(InvalidInput):
        signing.verify(signed, issuer)


def test_tab_newline_and_return_are_allowed(unsigned: dict[str, Any]) -> None:
    """pyld escapes these three exactly as RDFC-1.0 does, so narratives may have lines."""
    _achievement(unsigned)["description"] = "Line one\nLine two\r\n\tindented"
    assert '"Line one\\nLine two\\r\\n\\tindented"' in canonicalize(unsigned)


def _blank_nodes(count: int) -> list[dict[str, Any]]:
    return [{"type": ["Alignment"], "targetName": "same"} for _ in range(count)]


def test_blank_node_count_is_bounded(unsigned: dict[str, Any]) -> None:
    _achievement(unsigned)["alignment"] = _blank_nodes(8)
    canonicalize(unsigned, limits=Limits(max_blank_nodes=10, max_indistinct_blank_nodes=8))
    with pytest.raises(InvalidInput, match="blank nodes"):
        canonicalize(unsigned, limits=Limits(max_blank_nodes=5))


def test_indistinguishable_blank_nodes_are_refused_before_n_factorial_work(
    unsigned: dict[str, Any],
) -> None:
    """Twelve look-alike nodes all linked to each other: 11! paths per N-degree step."""
    clique: list[dict[str, Any]] = [{"id": f"_:n{i}", "type": ["Alignment"]} for i in range(12)]
    for node in clique:
        node["alignment"] = [{"id": other["id"]} for other in clique if other is not node]
    _achievement(unsigned)["alignment"] = clique
    with pytest.raises(InvalidInput, match="indistinguishable"):
        canonicalize(unsigned)


def test_time_is_bounded(unsigned: dict[str, Any]) -> None:
    ring: list[dict[str, Any]] = [{"id": f"_:n{i}", "type": ["Alignment"]} for i in range(6)]
    for index, node in enumerate(ring):
        node["alignment"] = [{"id": f"_:n{(index + 1) % 6}"}]
    _achievement(unsigned)["alignment"] = ring
    canonicalize(unsigned)
    with pytest.raises(InvalidInput, match="too long"):
        canonicalize(unsigned, limits=Limits(max_seconds=0.0))


def test_size_and_depth_are_bounded(unsigned: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput, match="larger"):
        canonicalize(unsigned, limits=Limits(max_bytes=500))
    with pytest.raises(InvalidInput, match="deeper"):
        canonicalize(unsigned, limits=Limits(max_depth=3))


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('{"a": 1, "a": 2}', "twice"),
        ('{"a": NaN}', "not a JSON number"),
        ("[1, 2]", "JSON object"),
        ('{"a": ', "not valid JSON"),
        ("[" * 200_000 + "]" * 200_000, "larger"),
        ("[" * 10_000 + "]" * 10_000, "not valid JSON"),
    ],
)
def test_load_json_is_strict(text: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        load_json(text)


def test_load_json_accepts_a_credential(vector: Loader) -> None:
    text = json.dumps(vector("ob3-spec/signed-ob3.json"))
    assert load_json(text)["name"] == "Teamwork Badge"
