"""did:web identifiers, DID documents, and the one safe way to find a verification key.

A proof names its key by URL, and a key URL like ``https://issuer.example#z6Mk...`` looks
self-describing: the fragment *is* a public key. Trusting that would let anyone sign as any
issuer. The key must instead come from the issuer's own controller (DID) document, which the
caller fetched from the issuer's domain, and be listed there under ``assertionMethod``.
"""

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import quote

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from plugin.credentials.multikey import public_key_from_multikey, public_key_to_multikey
from plugin.errors import InvalidInput
from plugin.i18n import N_

DID_CONTEXTS = ("https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1")
_KEY_TYPES = frozenset({"Multikey", "Ed25519VerificationKey2020"})
_SEGMENT = re.compile(r"^[A-Za-z0-9._~-]+$")


def did_web(host: str, path: Sequence[str] = ()) -> str:
    """``did:web`` for a host (``example.org`` or ``localhost:5000``) and path segments.

    The port colon is percent-encoded because ``:`` separates path segments in did:web.
    """
    name, _, port = host.partition(":")
    if not re.fullmatch(r"[A-Za-z0-9.-]+", name) or (port and not port.isdigit()):
        raise InvalidInput(N_("%(host)s is not a host name for did:web.", host=repr(host)))
    for segment in path:
        if not _SEGMENT.match(segment):
            raise InvalidInput(
                N_("%(segment)s cannot be a did:web path segment.", segment=repr(segment))
            )
    host_part = quote(host, safe=".-")
    return ":".join(["did", "web", host_part, *path])


def did_web_document_url(did: str) -> str:
    """Where a did:web document lives: ``https://host/path/did.json`` (or /.well-known)."""
    if not did.startswith("did:web:"):
        raise InvalidInput(N_("%(did)s is not a did:web identifier.", did=repr(did)))
    host, *path = did.removeprefix("did:web:").split(":")
    host = host.replace("%3A", ":").replace("%3a", ":")
    location = "/".join(path) if path else ".well-known"
    return f"https://{host}/{location}/did.json"


def did_document(did: str, keys: Iterable[tuple[str, Ed25519PublicKey]]) -> dict[str, Any]:
    """A DID document whose Multikey keys (fragment id, key) may all sign credentials."""
    methods = [
        {
            "id": f"{did}#{fragment}",
            "type": "Multikey",
            "controller": did,
            "publicKeyMultibase": public_key_to_multikey(key),
        }
        for fragment, key in keys
    ]
    if not methods:
        raise InvalidInput(N_("A DID document needs at least one key."))
    return {
        "@context": list(DID_CONTEXTS),
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def assertion_key(controller_document: Mapping[str, Any], method_id: str) -> Ed25519PublicKey:
    """The Ed25519 key ``method_id`` names, if the controller lists it under assertionMethod."""
    controller = controller_document.get("id")
    if not isinstance(controller, str) or not controller:
        raise InvalidInput(N_("The issuer's DID document has no id."))
    if not method_id.startswith(controller + "#"):
        raise InvalidInput(
            N_(
                "The key %(method_id)s does not belong to %(controller)s.",
                method_id=repr(method_id),
                controller=repr(controller),
            )
        )
    method = assertion_method(controller_document, controller, method_id)
    if not method:
        raise InvalidInput(
            N_(
                "The DID document does not describe the key %(method_id)s.",
                method_id=repr(method_id),
            )
        )
    if method.get("controller") != controller or method.get("type") not in _KEY_TYPES:
        raise InvalidInput(
            N_(
                "%(method_id)s is not an Ed25519 key controlled by %(controller)s.",
                method_id=repr(method_id),
                controller=repr(controller),
            )
        )
    multibase = method.get("publicKeyMultibase")
    if not isinstance(multibase, str):
        raise InvalidInput(
            N_("%(method_id)s has no publicKeyMultibase.", method_id=repr(method_id))
        )
    return public_key_from_multikey(multibase)


def assertion_method(
    controller_document: Mapping[str, Any], controller: str, method_id: str
) -> Mapping[str, Any] | None:
    """How ``controller``'s document describes ``method_id``, which it must list under
    ``assertionMethod`` (embedded there, or by reference to ``verificationMethod``); None when
    it is listed but described nowhere. The one reading of verification relationships that
    Tandem's own keys (``assertion_key``) and any issuer's (``resolve``) share."""
    listed = _methods(controller, controller_document.get("assertionMethod"))
    if method_id not in listed:
        raise InvalidInput(
            N_(
                "%(method_id)s is not an assertionMethod of %(controller)s.",
                method_id=repr(method_id),
                controller=repr(controller),
            )
        )
    return listed[method_id] or _methods(
        controller, controller_document.get("verificationMethod")
    ).get(method_id)


def _methods(controller: str, entries: Any) -> dict[str, Mapping[str, Any] | None]:
    """Map absolute method ids to their embedded description (None for a bare reference)."""
    if entries is None:
        return {}
    if not isinstance(entries, list):
        raise InvalidInput(N_("Verification relationships in a DID document must be lists."))
    result: dict[str, Mapping[str, Any] | None] = {}
    for entry in entries:
        if isinstance(entry, str):
            result[_absolute(controller, entry)] = None
        elif isinstance(entry, Mapping) and isinstance(entry.get("id"), str):
            result[_absolute(controller, entry["id"])] = entry
        else:
            raise InvalidInput(N_("A DID document lists a verification method without an id."))
    return result


def _absolute(controller: str, method_id: str) -> str:
    return controller + method_id if method_id.startswith("#") else method_id
