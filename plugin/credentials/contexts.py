"""The JSON-LD document loader: bundled context files only, never the network.

A verifier that fetches contexts lets whoever controls a context URL (or the network path to
it) change what a signed document means. So the only contexts that exist are the files in
``contexts/``, listed in ``contexts/urls.json``; any other URL is refused.
"""

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

from pyld.context_resolver import ContextResolver

from plugin.errors import InvalidInput
from plugin.i18n import N_

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0_3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"

#: Contexts a Tandem verifier accepts by default: VC 2.0, OB 3.0.x and the status list.
#: Examples and citizenship contexts are bundled for the W3C test vectors only.
OPEN_BADGES_CONTEXTS = frozenset(
    {
        VC_V2,
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
        OB_V3P0_3,
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
        "https://www.w3.org/ns/credentials/status/v1",
        "https://w3id.org/security/data-integrity/v2",
    }
)


@cache
def _url_to_file() -> Mapping[str, str]:
    text = resources.files(__package__).joinpath("contexts", "urls.json").read_text("utf-8")
    mapping: dict[str, str] = json.loads(text)
    return mapping


@cache
def _parsed(url: str) -> Any:
    """Parse each bundled context once; pyld never mutates a loaded document."""
    file_name = _url_to_file().get(url)
    if file_name is None:
        raise InvalidInput(
            N_("Unknown JSON-LD context %(url)s: contexts are never fetched.", url=repr(url))
        )
    text = resources.files(__package__).joinpath("contexts", file_name).read_text("utf-8")
    return json.loads(text)


def bundled_urls() -> frozenset[str]:
    """Every context URL the loader can serve."""
    return frozenset(_url_to_file())


def defines_vocab(url: str) -> bool:
    """Whether a context maps every otherwise undefined term through ``@vocab``."""
    context = _parsed(url).get("@context", {})
    return isinstance(context, dict) and context.get("@vocab") is not None


def load_document(url: str, _options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader: serve a bundled context or refuse."""
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": _parsed(url),
        # "static" lets pyld keep the processed context across operations (files never change).
        "tag": "static",
    }


#: Appended as the last context while checking a document, so that a term no context
#: defines turns into an IRI under this prefix instead of disappearing (see canonical.py).
UNDEFINED_TERM_PREFIX = "urn:tandem:undefined-term:"
UNDEFINED_TERM_CONTEXT: Mapping[str, str] = {"@vocab": UNDEFINED_TERM_PREFIX}


@cache
def _stable_context_ids() -> frozenset[int]:
    """Identities of the inline contexts that live as long as the process and never change."""
    ids = {id(UNDEFINED_TERM_CONTEXT)}
    for url in bundled_urls():
        stack = [_parsed(url)]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                inner = node.get("@context")
                if isinstance(inner, dict):
                    ids.add(id(inner))
                stack.extend(node.values())
    return frozenset(ids)


def is_stable_context(context: object) -> bool:
    """Whether ``context`` is one of the bundled inline contexts (safe to memoise by identity)."""
    return id(context) in _stable_context_ids()


class _BundledContextResolver(ContextResolver):  # type: ignore[misc]
    """pyld's resolver, minus re-serialising the same scoped context every time it is met.

    pyld keys each inline (type-scoped) context by its JCS serialisation, recomputed on every
    use: about a tenth of the cost of signing a credential. Bundled contexts are parsed once
    and never change, so their resolution is remembered by object identity. Checked documents
    carry no inline contexts of their own, so nothing else reaches the memo.
    """

    def __init__(self) -> None:
        from pyld.jsonld import _resolved_context_cache

        super().__init__(_resolved_context_cache, load_document)
        self._by_identity: dict[int, Any] = {}

    def resolve(self, active_ctx: Any, context: Any, base: Any, cycles: Any = None) -> Any:
        key = id(context)
        if key in self._by_identity:
            return self._by_identity[key]
        resolved = super().resolve(active_ctx, context, base, cycles)
        if is_stable_context(context):
            self._by_identity[key] = resolved
        return resolved


@cache
def resolver() -> ContextResolver:
    """One resolver for the process, so what it resolved once stays resolved."""
    return _BundledContextResolver()
