"""LTI role URIs to Tandem roles: the one place role URIs appear.

pylti1p3's helpers misclassify some roles (e.g. institution Faculty as a teacher in every
course), so the mapping is ours. Context roles decide; institution and system roles only
count for administrators. Moodle sends context roles only; Brightspace adds institution roles.
"""

from __future__ import annotations

from collections.abc import Iterable

from plugin.actors import Role

_MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
_SYSTEM = "http://purl.imsglobal.org/vocab/lis/v2/system/person#"
_INSTITUTION = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"

_TEACHING = frozenset({"Instructor", "ContentDeveloper", "Administrator"})
_LEARNING = frozenset({"Learner"})
_ADMIN_SYSTEM = frozenset({"Administrator", "SysAdmin"})
_ADMIN_INSTITUTION = frozenset({"Administrator"})


def _context_role(uri: str) -> str | None:
    """The principal context role named by a full URI, a sub-role URI or a short form."""
    if uri.startswith(_MEMBERSHIP):
        rest = uri[len(_MEMBERSHIP) :]
    elif uri.startswith("http://purl.imsglobal.org/vocab/lis/v2/membership/"):
        # Sub-roles: .../membership/Instructor#TeachingAssistant -> principal "Instructor".
        rest = uri.rsplit("/", 1)[-1].split("#", 1)[0]
    elif ":" not in uri and "/" not in uri:
        rest = uri  # LTI 1.1 short form, still sent by some platforms: "Instructor"
    else:
        return None
    return rest.split("#", 1)[0]


def _is_admin(uri: str) -> bool:
    if uri.startswith(_SYSTEM):
        return uri[len(_SYSTEM) :] in _ADMIN_SYSTEM
    return uri.startswith(_INSTITUTION) and uri[len(_INSTITUTION) :] in _ADMIN_INSTITUTION


def map_roles(uris: Iterable[str]) -> Role:
    """The most capable Tandem role the URIs grant; no or unknown roles make a guest."""
    found: set[Role] = set()
    for uri in uris:
        uri = uri.strip()
        principal = _context_role(uri)
        if principal in _TEACHING:
            found.add(Role.TEACHER)
        elif principal in _LEARNING:
            found.add(Role.STUDENT)
        elif _is_admin(uri):
            found.add(Role.ADMIN)
    for role in (Role.TEACHER, Role.STUDENT, Role.ADMIN):
        if role in found:
            return role
    return Role.GUEST
