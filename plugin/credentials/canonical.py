"""RDFC-1.0 canonical N-Quads of a JSON-LD document, with the guards pyld lacks.

pyld's URDNA2015 is RDFC-1.0 for every document ``guards`` lets through (the two differ only
in how control characters are escaped). What pyld does not do is refuse: undefined terms and
relative IRIs vanish from its output, and a "poison" graph of look-alike blank nodes makes its
N-degree hashing run for hours. This module refuses both.
"""

import re
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.identifier_issuer import IdentifierIssuer

from plugin.credentials import contexts
from plugin.credentials.guards import DEFAULT_LIMITS, Limits, check_document
from plugin.errors import InvalidInput
from plugin.i18n import N_

_UNDEFINED = contexts.UNDEFINED_TERM_PREFIX
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:")
_NQUADS = {"format": "application/n-quads"}


def canonicalize(
    document: Mapping[str, Any],
    *,
    allowed_contexts: frozenset[str] = contexts.OPEN_BADGES_CONTEXTS,
    limits: Limits = DEFAULT_LIMITS,
) -> str:
    """Return the canonical N-Quads of ``document``, or raise ``InvalidInput`` saying why not."""
    deadline = time.monotonic() + limits.max_seconds
    urls = check_document(document, allowed_contexts, limits)
    expanded = _expand(document, urls)
    _check_expanded(expanded)
    dataset = _to_dataset(expanded)
    _check_blank_nodes(dataset, limits)
    result: str = _BoundedCanonicalizer(limits, deadline).main(dataset, _NQUADS)
    return result


def _pyld_options() -> dict[str, Any]:
    return {
        "documentLoader": contexts.load_document,
        "contextResolver": contexts.resolver(),
        "base": None,
    }


def _expand(document: Mapping[str, Any], urls: list[str]) -> list[Any]:
    probe = dict(document)
    if not any(contexts.defines_vocab(url) for url in urls):
        probe["@context"] = [*urls, contexts.UNDEFINED_TERM_CONTEXT]
    try:
        expanded: list[Any] = _Processor().expand(probe, _pyld_options())
    except jsonld.JsonLdError as error:
        raise InvalidInput(
            N_("The document is not valid JSON-LD: %(error)s", error=_cause(error))
        ) from None
    return expanded


def _cause(error: BaseException) -> str:
    """pyld wraps the real reason (often our own InvalidInput) several levels deep."""
    while error.__cause__ is not None:
        error = error.__cause__
    return str(error)


def _check_expanded(expanded: list[Any]) -> None:
    """Every predicate, type and node id must be an absolute IRI that a context defined."""
    stack: list[Any] = list(expanded)
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
            continue
        if not isinstance(node, dict) or "@value" in node:
            continue
        for key, value in node.items():
            if key == "@type":
                for type_iri in value if isinstance(value, list) else [value]:
                    _check_iri(type_iri, "type")
            elif key == "@id":
                _check_iri(value, "id")
            elif not key.startswith("@"):
                _check_iri(key, "property")
            stack.append(value)


def _check_iri(iri: str, role: str) -> None:
    if iri.startswith(_UNDEFINED):
        name = iri.removeprefix(_UNDEFINED)
        raise InvalidInput(
            N_(
                "The %(role)s %(name)s is not defined by the document's contexts.",
                role=role,
                name=repr(name),
            )
        )
    if not (iri.startswith("_:") or _ABSOLUTE_IRI.match(iri)):
        raise InvalidInput(
            N_("The %(role)s %(iri)s is not an absolute IRI.", role=role, iri=repr(iri))
        )


def _to_dataset(expanded: list[Any]) -> dict[str, Any]:
    """pyld's ``to_rdf`` minus its first step, which would expand the document a second time.

    The two private calls are the rest of ``JsonLdProcessor.to_rdf`` (pyld 2.0-3.3); the
    W3C vectors fail loudly if a pyld release changes them.
    """
    processor = _Processor()
    issuer = IdentifierIssuer("_:b")
    node_map: dict[str, Any] = {"@default": {}}
    options = {
        **_pyld_options(),
        "processingMode": "json-ld-1.1",
        "produceGeneralizedRdf": False,
        "rdfDirection": None,
    }
    try:
        processor._create_node_map(expanded, node_map, "@default", issuer)
        return {
            name: processor._graph_to_rdf(graph, issuer, options)
            for name, graph in sorted(node_map.items())
            if name == "@default" or _ABSOLUTE_IRI.match(name)
        }
    except jsonld.JsonLdError as error:
        raise InvalidInput(
            N_("The document has no RDF form: %(error)s", error=_cause(error))
        ) from None


def _check_blank_nodes(dataset: dict[str, Any], limits: Limits) -> None:
    blank = {
        term["value"]
        for quads in dataset.values()
        for quad in quads
        for term in (quad["subject"], quad["object"])
        if term["type"] == "blank node"
    }
    if len(blank) > limits.max_blank_nodes:
        raise InvalidInput(
            N_(
                "The document has more than %(max_blank_nodes)s blank nodes.",
                max_blank_nodes=limits.max_blank_nodes,
            )
        )


class _Processor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """pyld's processor, remembering type-scoped contexts it has already applied.

    For a type-scoped context (``Achievement``, ``Profile``...) pyld clones the active
    context and gives the clone a new id, so its own cache never hits and the same dozen term
    definitions are rebuilt at every typed node: four tenths of the time to sign. Processed
    contexts are frozen (immutable), and bundled scoped contexts never change, so the result
    for (active context id, scoped context, flags) can be reused.
    """

    _memo: ClassVar[dict[tuple[str | None, int, bool, bool], Any]] = {}
    _MEMO_LIMIT = 4096

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        uuid = active_ctx.get("_uuid") if isinstance(active_ctx, Mapping) else None
        key = (uuid, id(local_ctx), override_protected, propagate)
        stable = uuid is not None and contexts.is_stable_context(local_ctx) and validate_scoped
        if stable and key in self._memo:
            return self._memo[key]
        result = super()._process_context(
            active_ctx, local_ctx, options, override_protected, propagate, validate_scoped, cycles
        )
        if stable:
            if len(self._memo) >= self._MEMO_LIMIT:
                self._memo.clear()
            self._memo[key] = result
        return result


class _BoundedCanonicalizer(URDNA2015):  # type: ignore[misc]
    """URDNA2015 that gives up, instead of hanging, on graphs built to be expensive.

    ``create_hash_to_related`` runs once per N-degree hash step, before the permutations of
    the related blank nodes are tried, so it is where the clock and the n! fan-out are checked.
    """

    def __init__(self, limits: Limits, deadline: float) -> None:
        super().__init__()
        self._limits = limits
        self._deadline = deadline

    def create_hash_to_related(self, id_: str, issuer: Any) -> dict[str, list[str]]:
        if time.monotonic() > self._deadline:
            raise InvalidInput(N_("Canonicalising the document took too long."))
        related: dict[str, list[str]] = super().create_hash_to_related(id_, issuer)
        largest = max((len(nodes) for nodes in related.values()), default=0)
        if largest > self._limits.max_indistinct_blank_nodes:
            raise InvalidInput(N_("The document has too many indistinguishable blank nodes."))
        return related
