"""The two pretend universities of the demo LMS and the LTI 1.3 messages they send.

Each platform imitates one real LMS closely enough that Tandem meets the same quirks it will
meet in production: Brightspace (opaque ``sub``, institution roles next to context roles,
``CourseOffering`` context type, optional anonymous mode) and Moodle (numeric ``sub``,
context roles only, the short context type ``CourseSection``). The differences live in one
:class:`LmsProfile` per LMS so that no method branches on the LMS's name.
"""

from __future__ import annotations

import secrets
import string
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from lti1p3platform.constants import LTI_BASE_MESSAGE

from .keys import KeyRing

LmsStyle = Literal["brightspace", "moodle"]
Role = Literal["teacher", "student"]
DocumentTarget = Literal["iframe", "window"]

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTITUTION_PERSON = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#"
COURSE_OFFERING = "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"

ID_TOKEN_LIFETIME_S = 300


@dataclass(frozen=True)
class DemoUser:
    """A person enrolled in a demo course. ``user_id`` is what the platform sends as ``sub``."""

    user_id: str
    given_name: str
    family_name: str
    email: str
    role: Role
    country: str

    @property
    def name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def username(self) -> str:
        return self.email.split("@", 1)[0]


@dataclass(frozen=True)
class DemoCourse:
    """The one course of a demo platform, with the Tandem link placed in it."""

    context_id: str
    title: str
    label: str
    resource_link_id: str
    resource_link_title: str


@dataclass
class DemoLink:
    """A Tandem placement in the course (a resource link), e.g. one made by deep linking."""

    resource_link_id: str
    title: str
    custom: dict[str, str] = field(default_factory=dict)
    lineitem_id: str | None = None


@dataclass
class LineItem:
    id: str
    label: str
    score_maximum: float
    resource_link_id: str | None = None
    resource_id: str | None = None
    tag: str | None = None
    scores: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Every score POST as received, repeats included: what a test counts to see that a
    # resent score changes nothing (the same timestamp) or that none was sent twice.
    received: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self, lineitems_url: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": f"{lineitems_url}/{self.id}",
            "label": self.label,
            "scoreMaximum": self.score_maximum,
        }
        optional = {
            "resourceLinkId": self.resource_link_id,
            "resourceId": self.resource_id,
            "tag": self.tag,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        return body


@dataclass
class Services:
    """The platform's NRPS/AGS data and the faults a test can switch on.

    ``failures`` holds HTTP statuses the next service calls answer with (one each, in order);
    ``down`` makes every service call, the token endpoint included, answer 503.
    """

    lineitems: dict[str, LineItem] = field(default_factory=dict)
    extra_members: list[dict[str, Any]] = field(default_factory=list)
    departed: set[str] = field(default_factory=set)
    failures: list[int] = field(default_factory=list)
    down: bool = False
    requests: int = 0
    page_size: int = 100
    deep_link_responses: list[dict[str, Any]] = field(default_factory=list)
    # Dynamic registration: an issuer to announce instead of the real one (a test of
    # Tandem's issuer check), and the tool configurations Tandem posted.
    announced_issuer: str | None = None
    tool_registrations: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class LmsProfile:
    """What differs between the LMSs the demo imitates, as data rather than ``if``s."""

    product_family_code: str
    product_version: str
    context_type: str
    roles: dict[Role, list[str]]
    extension_claims: Callable[[DemoPlatform, DemoUser], dict[str, Any]]
    # Moodle makes a grade column for every placement; Brightspace's LTI 1.3 links get none.
    lineitem_per_link: bool
    # How the NRPS Link header names the next page: Moodle quotes rel, Brightspace does not.
    quoted_rel: bool
    # LTI Client Side postMessage storage (Brightspace offers it, Moodle does not).
    platform_storage: bool
    # Moodle keeps a dynamically registered tool pending until its admin activates it.
    registration_pending: bool


def _brightspace_extension(platform: DemoPlatform, user: DemoUser) -> dict[str, Any]:
    """Brightspace's own claim; it carries the username, so anonymous mode drops that part."""
    claim: dict[str, Any] = {"tenant_id": platform.guid, "Context.id.history": ""}
    if not platform.anonymous:
        claim.update(user_id=int(user.user_id.rsplit("_", 1)[-1]), username=user.username)
    return {"http://www.brightspace.com": claim}


def _moodle_extension(platform: DemoPlatform, user: DemoUser) -> dict[str, Any]:
    ext: dict[str, Any] = {"lms": "moodle-2"}
    if not platform.anonymous:
        ext["user_username"] = user.username
    return {
        f"{LTI}ext": ext,
        f"{LTI}lis": {"person_sourcedid": "", "course_section_sourcedid": ""},
    }


PROFILES: dict[LmsStyle, LmsProfile] = {
    "brightspace": LmsProfile(
        product_family_code="desire2learn",
        product_version="20.25.1",
        context_type=COURSE_OFFERING,
        roles={
            "teacher": [f"{MEMBERSHIP}Instructor", f"{INSTITUTION_PERSON}Instructor"],
            "student": [f"{MEMBERSHIP}Learner", f"{INSTITUTION_PERSON}Student"],
        },
        extension_claims=_brightspace_extension,
        lineitem_per_link=False,
        quoted_rel=False,
        platform_storage=True,
        registration_pending=False,
    ),
    "moodle": LmsProfile(
        product_family_code="moodle",
        product_version="2024100700",
        context_type="CourseSection",
        roles={
            "teacher": [f"{MEMBERSHIP}Instructor"],
            "student": [f"{MEMBERSHIP}Learner"],
        },
        extension_claims=_moodle_extension,
        lineitem_per_link=True,
        quoted_rel=True,
        platform_storage=False,
        registration_pending=True,
    ),
}


@dataclass(eq=False)
class DemoPlatform:
    """One pretend LMS: its registration data, its people, its keys and its launch messages."""

    slug: str
    name: str
    lms_style: LmsStyle
    country: str
    """The university's ISO 3166 country, which its credentials name."""
    base_url: str
    client_id: str
    deployment_id: str
    guid: str
    locale: str
    course: DemoCourse
    users: list[DemoUser]
    keys: KeyRing = field(repr=False)
    anonymous: bool = False
    """Brightspace's per-deployment privacy setting: when True no name, email or username."""
    links: dict[str, DemoLink] = field(default_factory=dict)
    services: Services = field(default_factory=Services)
    tool_status: Literal["active", "pending", "deleted"] = "active"
    """Whether this LMS lets Tandem launch: "pending" after a Moodle-style registration,
    "deleted" after its admin deleted the tool (its token endpoint then answers
    ``invalid_client``, and registering again hands out a new client id)."""
    registration_tokens: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        default = DemoLink(self.course.resource_link_id, self.course.resource_link_title)
        self.links.setdefault(default.resource_link_id, default)
        if self.profile.lineitem_per_link:
            item = self.add_lineitem(
                label=default.title, score_maximum=100, resource_link_id=default.resource_link_id
            )
            default.lineitem_id = item.id

    def new_tool_identity(self) -> None:
        """A tool added again after it was deleted gets a new client id and deployment id, as
        in Moodle (a new tool type: its id, the deployment id, goes up by one)."""
        alphabet = string.ascii_letters + string.digits  # Moodle: random_string(15)
        self.client_id = "".join(secrets.choice(alphabet) for _ in range(15))
        if self.deployment_id.isdigit():
            self.deployment_id = str(int(self.deployment_id) + 1)
        else:
            self.deployment_id = str(uuid.uuid4())

    def add_lineitem(self, *, label: str, score_maximum: float, **extra: Any) -> LineItem:
        item = LineItem(str(len(self.services.lineitems) + 1), label, score_maximum, **extra)
        self.services.lineitems[item.id] = item
        return item

    @property
    def memberships_url(self) -> str:
        return f"{self.issuer}/memberships"

    @property
    def lineitems_url(self) -> str:
        return f"{self.issuer}/lineitems"

    @property
    def deep_link_return_url(self) -> str:
        return f"{self.issuer}/deep-link-return"

    def service_claims(self, link: DemoLink | None) -> dict[str, Any]:
        """NRPS and AGS claims: where the roster and gradebook of this course live."""
        ags: dict[str, Any] = {
            "scope": [
                "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
                "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
                "https://purl.imsglobal.org/spec/lti-ags/scope/score",
            ],
            "lineitems": self.lineitems_url,
        }
        if link is not None and link.lineitem_id is not None:
            ags["lineitem"] = f"{self.lineitems_url}/{link.lineitem_id}"
        return {
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": self.memberships_url,
                "service_versions": ["2.0"],
            },
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": ags,
        }

    @property
    def profile(self) -> LmsProfile:
        return PROFILES[self.lms_style]

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/{self.slug}"

    @property
    def auth_login_url(self) -> str:
        """The OIDC authorization endpoint the tool sends the browser to."""
        return f"{self.issuer}/auth"

    @property
    def auth_token_url(self) -> str:
        return f"{self.issuer}/token"

    @property
    def key_set_url(self) -> str:
        return f"{self.issuer}/jwks"

    @property
    def home_url(self) -> str:
        """The course page; also the ``return_url`` a launch offers."""
        return f"{self.issuer}/"

    @property
    def teacher(self) -> DemoUser:
        return next(user for user in self.users if user.role == "teacher")

    @property
    def students(self) -> list[DemoUser]:
        return [user for user in self.users if user.role == "student"]

    def user(self, user_id: str) -> DemoUser | None:
        return next((user for user in self.users if user.user_id == user_id), None)

    @property
    def kid(self) -> str:
        return self.keys.current.kid

    def jwks(self) -> dict[str, list[dict[str, str]]]:
        return self.keys.jwks()

    def sign(
        self,
        claims: dict[str, Any],
        *,
        kid: str | None = None,
        headers: dict[str, Any] | None = None,
    ) -> str:
        """RS256-sign ``claims`` with the current key; see :meth:`KeyRing.sign` for forging."""
        return self.keys.sign(claims, kid=kid, headers=headers)

    def rotate_key(self) -> str:
        """Switch to a new key, keep publishing the previous one, and return the new kid."""
        return self.keys.rotate().kid

    def registration_args(self, tool_base_url: str) -> dict[str, Any]:
        """What Tandem must store to accept this platform's launches.

        ``tool_base_url`` is accepted so that callers state which Tandem they register with;
        none of the values depends on it today (the platform's own URLs are fixed by the demo).
        """
        del tool_base_url
        return {
            "issuer": self.issuer,
            "client_id": self.client_id,
            "name": self.name,
            "auth_login_url": self.auth_login_url,
            "auth_token_url": self.auth_token_url,
            "key_set_url": self.key_set_url,
            "deployment_ids": [self.deployment_id],
            "institution_name": self.name,
            "country": self.country,
        }

    def launch_claims(
        self,
        user: DemoUser,
        *,
        nonce: str,
        target_link_uri: str,
        document_target: DocumentTarget,
        link: DemoLink | None = None,
    ) -> dict[str, Any]:
        """The full ``LtiResourceLinkRequest`` body this LMS would sign for ``user``."""
        link = link or self.links[self.course.resource_link_id]
        now = int(time.time())
        profile = self.profile
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": self.client_id,
            "azp": self.client_id,
            "sub": user.user_id,
            "nonce": nonce,
            "iat": now,
            "exp": now + ID_TOKEN_LIFETIME_S,
            **LTI_BASE_MESSAGE,
            f"{LTI}deployment_id": self.deployment_id,
            f"{LTI}target_link_uri": target_link_uri,
            f"{LTI}resource_link": {"id": link.resource_link_id, "title": link.title},
            f"{LTI}context": {
                "id": self.course.context_id,
                "label": self.course.label,
                "title": self.course.title,
                "type": [profile.context_type],
            },
            f"{LTI}roles": list(profile.roles[user.role]),
            f"{LTI}launch_presentation": {
                "document_target": document_target,
                "locale": self.locale,
                "return_url": self.home_url,
            },
            f"{LTI}tool_platform": {
                "name": self.name,
                "guid": self.guid,
                "product_family_code": profile.product_family_code,
                "version": profile.product_version,
            },
            f"{LTI}custom": dict(link.custom),
            **self.service_claims(link),
        }
        if not self.anonymous:
            claims.update(
                name=user.name,
                given_name=user.given_name,
                family_name=user.family_name,
                email=user.email,
            )
        claims.update(profile.extension_claims(self, user))
        return claims


# --- the demo's data -----------------------------------------------------------------------
# Thirteen people per course (a teacher and twelve students, students appended at the end so
# that tests' ``students[i]`` stay who they were); demo/seed.py onboards every student.
# Client and deployment ids are constants so that a Tandem registered once keeps working
# after the demo restarts; only the keys are generated (and kept out of git).

LEIDEN_TENANT = "6f1c2b9e-7d4a-4c3e-9a51-2e8b7f0d4c61"


def _leiden_id(number: int) -> str:
    """Brightspace's opaque ``sub``: tenant GUID, underscore, internal user number."""
    return f"{LEIDEN_TENANT}_{number}"


def _people(domain: str, rows: list[tuple[str, str, str, str, Role, str]]) -> list[DemoUser]:
    """Rows of (user_id, given, family, mailbox, role, country) -> users with demo addresses."""
    return [
        DemoUser(user_id, given, family, f"{mailbox}@{domain}", role, country)
        for user_id, given, family, mailbox, role, country in rows
    ]


LEIDEN_USERS = _people("leiden.example.org", [
    (_leiden_id(169), "Sanne", "de Vries", "s.devries", "teacher", "Netherlands"),
    (_leiden_id(1042), "Daan", "Bakker", "d.bakker", "student", "Netherlands"),
    (_leiden_id(1043), "Yasmina", "El Amrani", "y.elamrani", "student", "Netherlands"),
    (_leiden_id(1044), "Putri", "Wulandari", "p.wulandari", "student", "Indonesia"),
    (_leiden_id(1045), "Emre", "Yılmaz", "e.yilmaz", "student", "Turkey"),  # noqa: RUF001 (Turkish dotless i)
    (_leiden_id(1046), "Lena", "Schäfer", "l.schafer", "student", "Germany"),
    (_leiden_id(1047), "Chidi", "Okafor", "c.okafor", "student", "Nigeria"),
    (_leiden_id(1048), "Noah", "Visser", "n.visser", "student", "Netherlands"),
    (_leiden_id(1049), "Ananya", "Iyer", "a.iyer", "student", "India"),
    (_leiden_id(1050), "Mateo", "García López", "m.garcialopez", "student", "Spain"),
    (_leiden_id(1051), "Lucía", "Hernández", "l.hernandez", "student", "Mexico"),
    (_leiden_id(1052), "Kwame", "Mensah", "k.mensah", "student", "Ghana"),
    (_leiden_id(1053), "Hana", "Kobayashi", "h.kobayashi", "student", "Japan"),
])  # fmt: skip

BOLOGNA_USERS = _people("unibo.example.org", [
    ("3", "Giulia", "Romano", "giulia.romano", "teacher", "Italy"),
    ("17", "Marco", "Esposito", "marco.esposito", "student", "Italy"),
    ("18", "Beatriz", "Oliveira Santos", "beatriz.oliveira", "student", "Brazil"),
    ("19", "Ngozi", "Adeyemi", "ngozi.adeyemi", "student", "Nigeria"),
    ("20", "Jonas", "Müller", "jonas.muller", "student", "Germany"),
    ("21", "Aylin", "Demir", "aylin.demir", "student", "Turkey"),
    ("22", "Chiara", "Ferrari", "chiara.ferrari", "student", "Italy"),
    ("23", "Luca", "Bianchi", "luca.bianchi", "student", "Italy"),
    ("24", "Sofia", "Ricci", "sofia.ricci", "student", "Italy"),
    ("25", "Amara", "Diallo", "amara.diallo", "student", "Senegal"),
    ("26", "Tomás", "Silva", "tomas.silva", "student", "Portugal"),
    ("27", "Elif", "Kaya", "elif.kaya", "student", "Turkey"),
    ("28", "Wei", "Zhang", "wei.zhang", "student", "China"),
])  # fmt: skip


def make_platforms(base_url: str, key_dir: Path) -> list[DemoPlatform]:
    """Build Leiden (Brightspace-like) and Bologna (Moodle-like) under ``base_url``.

    Keys are created lazily in ``key_dir`` on first use, so building the platforms is cheap.
    """
    base = base_url.rstrip("/")
    return [
        DemoPlatform(
            slug="leiden",
            name="Universiteit Leiden",
            lms_style="brightspace",
            country="NL",
            base_url=base,
            client_id="5b1d7f0e-3c2a-4f9b-8e61-0a4d2c9b7e13",
            deployment_id="b5f2c7a1-94d0-4e6b-a3c8-1f7e2d9c0b54",
            guid=LEIDEN_TENANT,
            locale="nl-NL",
            course=DemoCourse(
                context_id="_12345_1",
                title="Climate and Cities: a Virtual Exchange",
                label="CLIM2026",
                resource_link_id="8c2f1e4a-6b3d-4f70-9e15-d2a7c4b1f389",
                resource_link_title="Tandem exchange",
            ),
            users=list(LEIDEN_USERS),
            keys=KeyRing(key_dir, "leiden"),
        ),
        DemoPlatform(
            slug="bologna",
            name="Università di Bologna",
            lms_style="moodle",
            country="IT",
            base_url=base,
            client_id="Xq7Lk2Pz9wR4tYb",
            deployment_id="3",
            guid="unibo.example.org",
            locale="it-IT",
            course=DemoCourse(
                context_id="42",
                title="Città e clima: scambio virtuale",
                label="CLIMA-VE",
                resource_link_id="7",
                resource_link_title="Tandem exchange",
            ),
            users=list(BOLOGNA_USERS),
            keys=KeyRing(key_dir, "bologna"),
        ),
    ]


def deep_linking_claims(platform: DemoPlatform, claims: dict[str, Any]) -> dict[str, Any]:
    """Turn a launch body into the ``LtiDeepLinkingRequest`` the activity picker sends."""
    claims = dict(claims)
    claims.pop(f"{LTI}resource_link", None)
    claims.pop(f"{LTI}custom", None)
    claims[f"{LTI}message_type"] = "LtiDeepLinkingRequest"
    claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = {
        "deep_link_return_url": platform.deep_link_return_url,
        "accept_types": ["ltiResourceLink"],
        "accept_presentation_document_targets": ["iframe", "window"],
        "accept_multiple": False,
        "accept_lineitem": True,
        "auto_create": True,
        "title": "Tandem",
        "data": f"picker-{platform.slug}",
    }
    return claims
