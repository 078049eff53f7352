"""A credential's verification as a list of named checks, the form people and machines read.

Each check is independent so that a verifier page can say *what* is wrong (expired, revoked,
signature) instead of a bare "invalid". The proof check runs first because the other checks
read fields that only the proof makes trustworthy.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from plugin.credentials import contexts, signing, status_list
from plugin.credentials.guards import DEFAULT_LIMITS, Limits
from plugin.errors import InvalidInput
from plugin.i18n import N_

OB_CREDENTIAL_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})

#: Where Open Badges 3.0 expects a node of a given type, by property path from the root.
_TYPED_NODES: dict[tuple[str, ...], str] = {
    ("issuer",): "Profile",
    ("issuer", "parentOrg"): "Profile",
    ("issuer", "otherIdentifier"): "IdentifierEntry",
    ("credentialSubject",): "AchievementSubject",
    ("credentialSubject", "identifier"): "IdentityObject",
    ("credentialSubject", "source"): "Profile",
    ("credentialSubject", "result"): "Result",
    ("credentialSubject", "achievement"): "Achievement",
    ("credentialSubject", "achievement", "alignment"): "Alignment",
    ("credentialSubject", "achievement", "resultDescription"): "ResultDescription",
    ("credentialSubject", "achievement", "creator"): "Profile",
    ("evidence",): "Evidence",
}


@dataclass(frozen=True)
class Check:
    """One named verification step and its outcome, with a reason people can read."""

    name: str
    passed: bool
    message: str


@dataclass(frozen=True)
class Report:
    checks: tuple[Check, ...]

    @property
    def valid(self) -> bool:
        return all(check.passed for check in self.checks)


def check_open_badge(document: Mapping[str, Any]) -> None:
    """The structural rules of an OB 3.0 credential that JSON-LD alone does not enforce."""
    context = document.get("@context")
    if not isinstance(context, list) or context[:1] != [contexts.VC_V2]:
        raise InvalidInput(N_("The first @context must be the VC Data Model 2.0 context."))
    if not any(
        url.startswith("https://purl.imsglobal.org/spec/ob/v3p0/context") for url in context
    ):
        raise InvalidInput(N_("The Open Badges 3.0 context is missing."))
    types = _types(document)
    if "VerifiableCredential" not in types or not types & OB_CREDENTIAL_TYPES:
        raise InvalidInput(
            N_("The type must include VerifiableCredential and OpenBadgeCredential.")
        )
    if not isinstance(document.get("issuer"), Mapping | str):
        raise InvalidInput(N_("The credential has no issuer."))
    if "credentialSubject" not in document:
        raise InvalidInput(N_("The credential has no credentialSubject."))
    for path, expected in _TYPED_NODES.items():
        for node in _nodes_at(document, path):
            if expected not in _types(node):
                raise InvalidInput(
                    N_(
                        "%(path)s must have type %(expected)s.",
                        path=".".join(path),
                        expected=expected,
                    )
                )


def check_validity_period(document: Mapping[str, Any], now: datetime) -> None:
    """``validFrom`` has come and ``validUntil`` has not (VC 1.1 names accepted too)."""
    start = _moment(document, "validFrom") or _moment(document, "issuanceDate")
    end = _moment(document, "validUntil") or _moment(document, "expirationDate")
    if start is not None and start > now:
        raise InvalidInput(
            N_("The credential is not valid before %(start)s.", start=start.isoformat())
        )
    if end is not None and end <= now:
        raise InvalidInput(N_("The credential expired on %(end)s.", end=end.isoformat()))


def verify_credential(
    document: Mapping[str, Any],
    controller_document: Mapping[str, Any],
    now: datetime,
    *,
    status_list_credential: Mapping[str, Any] | None = None,
    allowed_contexts: frozenset[str] = contexts.OPEN_BADGES_CONTEXTS,
    limits: Limits = DEFAULT_LIMITS,
) -> Report:
    """Run every check; the status list, when given, must be signed by the same issuer."""

    def proof() -> str:
        verified = signing.verify(
            document, controller_document, allowed_contexts=allowed_contexts, limits=limits
        )
        return N_("Signed by %(method)s.", method=verified.verification_method)

    def status() -> str:
        if status_list.status_list_url(document) is None:
            return N_("The credential has no revocation status.")
        if status_list_credential is None:
            raise InvalidInput(N_("The credential's status list was not available."))
        signing.verify(
            status_list_credential,
            controller_document,
            allowed_contexts=allowed_contexts,
            limits=limits,
        )
        if status_list.is_revoked(document, status_list_credential):
            raise InvalidInput(N_("The issuer has revoked this credential."))
        return N_("Not revoked.")

    steps: list[tuple[str, Callable[[], str]]] = [
        ("proof", proof),
        ("open_badge", lambda: _passed(check_open_badge, document)),
        ("validity_period", lambda: _passed(check_validity_period, document, now)),
        ("status", status),
    ]
    return Report(tuple(_run(name, step) for name, step in steps))


def _passed(check: Callable[..., None], *args: Any) -> str:
    check(*args)
    return ""  # the verdict "passed" says it all; no second "Passed."


def _run(name: str, step: Callable[[], str]) -> Check:
    try:
        return Check(name, True, step())
    except InvalidInput as error:
        return Check(name, False, error.message)


def _types(node: Any) -> set[str]:
    if not isinstance(node, Mapping):
        return set()
    value = node.get("type")
    return set(value) if isinstance(value, list) else {value} if isinstance(value, str) else set()


def _nodes_at(document: Mapping[str, Any], path: tuple[str, ...]) -> list[Any]:
    nodes: list[Any] = [document]
    for key in path:
        found: list[Any] = []
        for node in nodes:
            value = node.get(key) if isinstance(node, Mapping) else None
            found.extend(value if isinstance(value, list) else [] if value is None else [value])
        nodes = found
    return [node for node in nodes if isinstance(node, Mapping)]


def _moment(document: Mapping[str, Any], key: str) -> datetime | None:
    value = document.get(key)
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(N_("%(key)s is not a date and time.", key=key)) from None
    if moment.tzinfo is None:
        raise InvalidInput(N_("%(key)s must carry a time zone.", key=key))
    return moment
