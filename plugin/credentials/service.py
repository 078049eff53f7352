"""Issuing, revoking and verifying micro-credentials, with keys and status lists from the DB.

The pure modules (document, signing, status_list, verification) do the cryptography; this
module finds their inputs. ``IssuerContext`` carries what only the composition root knows:
the public base URL (for did:web and URLs inside credentials) and the application secret
that opens issuer keys.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.completion.models import Completion, CompletionStatus
from plugin.credentials import keys, signing, status_list
from plugin.credentials.certificate import certificate_pdf
from plugin.credentials.did_web import did_document, did_web
from plugin.credentials.document import (
    Concept,
    CredentialFacts,
    LearningOutcome,
    Organisation,
    build_credential,
)
from plugin.credentials.models import Credential, IssuerKey, StatusList
from plugin.credentials.multikey import public_key_from_multikey, public_key_to_multikey
from plugin.credentials.verification import Check, Report
from plugin.credentials.verification import verify_credential as verify_document
from plugin.db import utcnow
from plugin.errors import Conflict, InvalidInput, NotAllowed, NotFound
from plugin.exchanges.models import Exchange, Seat, SeatStatus
from plugin.i18n import N_
from plugin.jcs import canonicalize
from plugin.ledger.models import EventKind
from plugin.ledger.service import append
from plugin.notifications.service import notify
from plugin.people.models import Institution, Person
from plugin.registrars.service import registrar_institutions, require_registrar
from plugin.teams.service import is_exchange_teacher

HOURS_PER_ECTS = 28
DEFAULT_EQF = 6
MAX_REASON = 1000
_RANDOM = secrets.SystemRandom()

#: What a COIL exchange teaches, when the teachers have not written their own outcomes.
DEFAULT_OUTCOMES = (
    LearningOutcome("Collaborate in an international team across cultures and time zones."),
    LearningOutcome("Plan and deliver a shared project with partners online."),
    LearningOutcome("Reflect on one's own intercultural communication."),
)


@dataclass(frozen=True)
class IssuerContext:
    base_url: str
    secret: str

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).netloc

    def issuer_did(self, institution_id: int) -> str:
        return did_web(self.host, ["issuers", str(institution_id)])

    def status_url(self, list_id: int) -> str:
        return f"{self.base_url}/status/{list_id}"

    def credential_url(self, credential_id: str) -> str:
        return f"{self.base_url}/credentials/{credential_id}"

    def vocabulary(self, path: str) -> str:
        return f"{self.base_url}/vocab/{path}"


# ---------------------------------------------------------------- keys and lists (helpers)


def _new_key(session: Session, institution_id: int, ctx: IssuerContext) -> IssuerKey:
    private = Ed25519PrivateKey.generate()
    public = public_key_to_multikey(private.public_key())
    kid = public[:24]
    row = IssuerKey(
        institution_id=institution_id,
        kid=kid,
        public_multikey=public,
        private_sealed=keys.seal(private, kid, ctx.secret),
    )
    session.add(row)
    session.flush()
    return row


def active_key(session: Session, institution_id: int, ctx: IssuerContext) -> IssuerKey:
    """The key that signs now, made on first use (a helper: no commit)."""
    row = session.scalar(
        select(IssuerKey)
        .where(IssuerKey.institution_id == institution_id, IssuerKey.retired_at.is_(None))
        .order_by(IssuerKey.activated_at.desc(), IssuerKey.id.desc())
        .limit(1)
    )
    return row or _new_key(session, institution_id, ctx)


def _method(ctx: IssuerContext, key: IssuerKey) -> str:
    return f"{ctx.issuer_did(key.institution_id)}#{key.kid}"


def _sign(
    document: Mapping[str, Any], key: IssuerKey, ctx: IssuerContext, now: datetime
) -> dict[str, Any]:
    private = keys.unseal(key.private_sealed, key.kid, ctx.secret)
    return signing.sign(document, private, _method(ctx, key), now)


def _sign_list(session: Session, row: StatusList, ctx: IssuerContext, now: datetime) -> None:
    url = ctx.status_url(row.id)
    unsigned = status_list.status_list_credential(
        url, ctx.issuer_did(row.institution_id), row.bits, now
    )
    row.document = _sign(unsigned, active_key(session, row.institution_id, ctx), ctx, now)
    row.updated_at = now


def _list_with_room(
    session: Session, institution_id: int, ctx: IssuerContext, now: datetime
) -> StatusList:
    """The institution's newest list, or a new one when it is 90% used (random picks stay cheap)."""
    row = session.scalar(
        select(StatusList)
        .where(StatusList.institution_id == institution_id)
        .order_by(StatusList.id.desc())
        .limit(1)
        .with_for_update()
    )
    if row is not None and row.used < row.entries * 9 // 10:
        return row
    bits = status_list.new_list()
    row = StatusList(
        institution_id=institution_id, entries=len(bits) * 8, bits=bytes(bits), document={}
    )
    session.add(row)
    session.flush()
    _sign_list(session, row, ctx, now)
    return row


def _taken(session: Session, list_id: int) -> set[int]:
    return set(
        session.scalars(select(Credential.status_index).where(Credential.status_list_id == list_id))
    )


def document_hash(document: Mapping[str, Any]) -> str:
    """SHA-256 of the RFC 8785 form: what exports and the ledger quote."""
    return hashlib.sha256(canonicalize(dict(document))).hexdigest()


# ---------------------------------------------------------------- the facts of a credential


def _organisation(institution: Institution, ctx: IssuerContext) -> Organisation:
    if not institution.country:
        raise InvalidInput(
            N_("The awarding institution has no country; an administrator must set it.")
        )
    return Organisation(ctx.issuer_did(institution.id), institution.name, institution.country)


def _ects(exchange: Exchange) -> float:
    weeks = max(1, ((exchange.ends_on - exchange.starts_on).days + 1) // 7)
    halves = round(exchange.weekly_hours * weeks / HOURS_PER_ECTS * 2)
    return min(60.0, max(0.5, halves / 2))


def _partners(exchange: Exchange, own: int) -> list[Institution]:
    seen: dict[int, Institution] = {}
    for seat in exchange.seats:
        institution = seat.course.institution
        if seat.status is SeatStatus.APPROVED and institution.id != own and institution.country:
            seen.setdefault(institution.id, institution)
    return list(seen.values())


def _facts(
    completion: Completion,
    exchange: Exchange,
    person: Person,
    credential_id: str,
    ctx: IssuerContext,
    now: datetime,
    status: dict[str, Any],
) -> CredentialFacts:
    if not person.email:
        raise InvalidInput(N_("The learner has no email address to identify them in a credential."))
    institution = person.institution
    return CredentialFacts(
        credential_id=ctx.credential_url(credential_id),
        achievement_id=f"{ctx.base_url}/exchanges/{exchange.id}/achievement",
        title=f"Virtual exchange: {exchange.title}",
        description=exchange.description
        or "Completed a collaborative online international learning (COIL) exchange.",
        awarding_body=_organisation(institution, ctx),
        issued_at=now,
        learner_email=person.email,
        learner_salt=secrets.token_urlsafe(18),
        learning_outcomes=DEFAULT_OUTCOMES,
        ects=_ects(exchange),
        eqf_level=DEFAULT_EQF,
        assessment=Concept(
            "Documented participation, signed off by the learner's teacher",
            ctx.vocabulary("assessment/participation-sign-off"),
        ),
        quality_assurance=Concept(
            "Internal quality assurance of the awarding institution",
            ctx.vocabulary("quality-assurance/internal"),
        ),
        co_awarding=tuple(_organisation(p, ctx) for p in _partners(exchange, institution.id)),
        identity_verification=Concept(
            "Identity verified by the institution's learning platform sign-in",
            ctx.vocabulary("identity/lms-sign-in"),
        ),
        stackability="Can be combined with other virtual exchange credentials of the institution.",
        status=status,
    )


# ---------------------------------------------------------------- use cases


def _may_issue(session: Session, actor: Actor, completion: Completion, person: Person) -> None:
    if person.institution_id in registrar_institutions(session, actor.person_id):
        return
    teacher = session.get(Person, actor.person_id)
    if (
        teacher is not None
        and teacher.institution_id == person.institution_id
        and is_exchange_teacher(session, actor.person_id, completion.exchange_id)
    ):
        return
    raise NotAllowed(N_("Only the learner's own teacher or registrar can issue this credential."))


def _course_of(session: Session, exchange_id: int, institution_id: int) -> int | None:
    for seat in session.scalars(
        select(Seat).where(Seat.exchange_id == exchange_id, Seat.status == SeatStatus.APPROVED)
    ):
        if seat.course.institution_id == institution_id:
            return seat.course_id
    return None


def _issue(
    session: Session, actor: Actor, completion: Completion, ctx: IssuerContext, now: datetime
) -> Credential:
    if completion.status is not CompletionStatus.APPROVED:
        raise Conflict(N_("Only an approved completion earns a credential."))
    active = session.scalar(
        select(Credential.id).where(
            Credential.completion_id == completion.id, Credential.revoked_at.is_(None)
        )
    )
    if active is not None:
        raise Conflict(N_("This learner already holds a valid credential for this exchange."))
    person = session.get(Person, completion.person_id)
    exchange = session.get(Exchange, completion.exchange_id)
    if person is None or exchange is None:
        raise NotFound(N_("This completion does not exist."))
    _may_issue(session, actor, completion, person)
    institution_id = person.institution_id
    key = active_key(session, institution_id, ctx)
    status_row = _list_with_room(session, institution_id, ctx, now)
    index = status_list.allocate_index(_taken(session, status_row.id), _RANDOM, status_row.entries)
    credential_id = str(uuid.uuid4())
    status = status_list.status_entry(ctx.status_url(status_row.id), index)
    facts = _facts(completion, exchange, person, credential_id, ctx, now, status)
    signed = _sign(build_credential(facts), key, ctx, now)
    credential = Credential(
        id=credential_id,
        institution_id=institution_id,
        exchange_id=exchange.id,
        completion_id=completion.id,
        person_id=person.id,
        course_id=_course_of(session, exchange.id, institution_id),
        status_list_id=status_row.id,
        status_index=index,
        document=signed,
        sha256=document_hash(signed),
        issued_at=now,
        issued_by_id=actor.person_id,
    )
    status_row.used += 1
    session.add(credential)
    notify(
        session,
        [person.id],
        "credential_issued",
        {"exchange": exchange.title},
        dedupe_key=f"credential:{credential_id}",
        target=f"credential:{credential_id}",
    )
    append(
        session,
        EventKind.CREDENTIAL_ISSUED,
        exchange_id=exchange.id,
        subject_id=person.id,
        actor_id=actor.person_id,
        payload={"credential": credential_id, "sha256": credential.sha256, "kid": key.kid},
        now=now,
    )
    return credential


def issue_credential(
    session: Session,
    actor: Actor,
    completion_id: int,
    ctx: IssuerContext,
    *,
    now: datetime | None = None,
) -> Credential:
    completion = session.get(Completion, completion_id)
    if completion is None:
        raise NotFound(N_("This completion does not exist."))
    credential = _issue(session, actor, completion, ctx, now or utcnow())
    session.commit()
    return credential


def bulk_issue(
    session: Session, actor: Actor, exchange_id: int, institution_id: int, ctx: IssuerContext
) -> list[Credential]:
    """A registrar issues every approved, not yet credentialed completion of their students."""
    require_registrar(session, actor, institution_id)
    held = select(Credential.completion_id).where(
        Credential.revoked_at.is_(None), Credential.completion_id.is_not(None)
    )
    completions = session.scalars(
        select(Completion)
        .join(Person, Person.id == Completion.person_id)
        .where(
            Completion.exchange_id == exchange_id,
            Completion.status == CompletionStatus.APPROVED,
            Person.institution_id == institution_id,
            Completion.id.not_in(held),
        )
        .order_by(Completion.id)
    ).all()
    now = utcnow()
    issued = [_issue(session, actor, completion, ctx, now) for completion in completions]
    session.commit()
    return issued


def revoke_credential(
    session: Session, actor: Actor, credential_id: str, reason: str, ctx: IssuerContext
) -> Credential:
    """Set the credential's bit and mark its status list for publication (re-signing is the
    worker's ``publish_status_lists``); the reason stays off-chain."""
    credential = get_credential(session, credential_id)
    require_registrar(session, actor, credential.institution_id)
    text = reason.strip()
    if not 3 <= len(text) <= MAX_REASON:
        raise InvalidInput(N_("Give a reason of 3 to 1000 characters for the revocation."))
    if credential.revoked_at is not None:
        raise Conflict(N_("This credential is already revoked."))
    row = session.scalars(
        select(StatusList).where(StatusList.id == credential.status_list_id).with_for_update()
    ).one()
    bits = bytearray(row.bits)
    status_list.set_status(bits, credential.status_index)
    row.bits = bytes(bits)
    now = utcnow()
    row.pending_since = row.pending_since or now  # signed and published by the worker
    credential.revoked_at = now
    credential.revoked_by_id = actor.person_id
    credential.revocation_reason = text
    append(
        session,
        EventKind.CREDENTIAL_REVOKED,
        exchange_id=credential.exchange_id,
        subject_id=credential.person_id,
        actor_id=actor.person_id,
        payload={"credential": credential.id},
        private={"reason": text},
        now=now,
    )
    session.commit()
    return credential


def publish_status_lists(session: Session, ctx: IssuerContext) -> int:
    """Sign every status list whose bits changed since it was last signed (the worker's
    task, queued by a revocation and run every minute); returns how many were published."""
    rows = session.scalars(
        select(StatusList)
        .where(StatusList.pending_since.is_not(None))
        .order_by(StatusList.id)
        .with_for_update()
    ).all()
    now = utcnow()
    for row in rows:
        _sign_list(session, row, ctx, now)
        row.pending_since = None
    session.commit()
    return len(rows)


def rotate_issuer_key(
    session: Session, actor: Actor, institution_id: int, ctx: IssuerContext
) -> IssuerKey:
    """A new signing key; the old one is retired but stays published for old credentials."""
    require_registrar(session, actor, institution_id)
    now = utcnow()
    for old in session.scalars(
        select(IssuerKey).where(
            IssuerKey.institution_id == institution_id, IssuerKey.retired_at.is_(None)
        )
    ):
        old.retired_at = now
    key = _new_key(session, institution_id, ctx)
    session.commit()
    return key


# ---------------------------------------------------------------- reading and verifying


def get_credential(session: Session, credential_id: str) -> Credential:
    credential = session.get(Credential, credential_id)
    if credential is None:
        raise NotFound(N_("There is no credential with this id."))
    return credential


def my_credentials(session: Session, actor: Actor, exchange_id: int) -> list[Credential]:
    """The learner's own credentials for an exchange, newest first (their completion page)."""
    return list(
        session.scalars(
            select(Credential)
            .where(Credential.person_id == actor.person_id, Credential.exchange_id == exchange_id)
            .order_by(Credential.issued_at.desc(), Credential.id)
        )
    )


def held_credentials(session: Session, actor: Actor) -> list[Credential]:
    """Every credential the actor holds, newest first (the erase page offers them for download
    before erasure deletes Tandem's copy)."""
    return list(
        session.scalars(
            select(Credential)
            .where(Credential.person_id == actor.person_id, Credential.document.is_not(None))
            .order_by(Credential.issued_at.desc(), Credential.id)
        )
    )


HOLDER_ERASED = N_(
    "The holder's data was erased at their request, so Tandem no longer holds this "
    "credential or its certificate. A copy the holder presents can still be verified."
)


@dataclass(frozen=True)
class CertificateContent:
    """Everything a certificate PDF is made of; equal contents make byte-equal PDFs."""

    credential_id: str
    document: Mapping[str, Any]
    learner_name: str
    revoked: bool
    created: datetime

    @property
    def digest(self) -> str:
        """A hash of the content: the cache key and the HTTP ETag (changes on revocation)."""
        facts = canonicalize(
            {
                "document": dict(self.document),
                "name": self.learner_name,
                "revoked": self.revoked,
                "created": self.created.isoformat(),
            }
        )
        return hashlib.sha256(facts).hexdigest()

    def render(self) -> bytes:
        return certificate_pdf(
            self.document,
            learner_name=self.learner_name,
            revoked=self.revoked,
            created=self.created,
        )


def certificate_content(
    session: Session, actor: Actor | None, credential_id: str
) -> CertificateContent:
    """What the certificate shows this viewer. Anyone with the link gets the public facts (as
    on the public page); the learner's name is printed only for the learner and their
    institution's registrars."""
    credential = get_credential(session, credential_id)
    if credential.document is None:
        raise NotFound(HOLDER_ERASED)
    name = ""
    person = session.get(Person, credential.person_id) if credential.person_id else None
    if (
        actor is not None
        and person is not None
        and (
            actor.person_id == person.id
            or person.institution_id in registrar_institutions(session, actor.person_id)
        )
    ):
        name = person.display_name or ""
    return CertificateContent(
        credential.id,
        credential.document,
        name,
        credential.revoked_at is not None,
        credential.issued_at,
    )


def certificate(session: Session, actor: Actor | None, credential_id: str) -> bytes:
    """The PDF certificate (see ``certificate_content`` for what it shows to whom)."""
    return certificate_content(session, actor, credential_id).render()


def issuer_document(session: Session, institution_id: int, ctx: IssuerContext) -> dict[str, Any]:
    """The did:web document Tandem hosts for an institution (every key it ever signed with)."""
    rows = session.scalars(
        select(IssuerKey).where(IssuerKey.institution_id == institution_id).order_by(IssuerKey.id)
    ).all()
    if not rows:
        raise NotFound(N_("This institution does not issue credentials through Tandem."))
    return did_document(
        ctx.issuer_did(institution_id),
        [(row.kid, public_key_from_multikey(row.public_multikey)) for row in rows],
    )


def status_list_document(session: Session, list_id: int) -> dict[str, Any]:
    row = session.get(StatusList, list_id)
    if row is None:
        raise NotFound(N_("There is no status list with this id."))
    return row.document


def _hosted_institution(issuer: Any, ctx: IssuerContext) -> int | None:
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    prefix = ctx.issuer_did(0)[:-1]
    if isinstance(issuer_id, str) and issuer_id.startswith(prefix):
        rest = issuer_id.removeprefix(prefix)
        return int(rest) if rest.isdigit() else None
    return None


def _hosted_list(session: Session, document: Mapping[str, Any], ctx: IssuerContext) -> Any:
    url = status_list.status_list_url(document)
    prefix = f"{ctx.base_url}/status/"
    if url is None or not url.startswith(prefix) or not url.removeprefix(prefix).isdigit():
        return None
    row = session.get(StatusList, int(url.removeprefix(prefix)))
    return row.document if row is not None else None


def hosted_material(
    session: Session, document: Mapping[str, Any], ctx: IssuerContext
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The DID document and status list this Tandem hosts for ``document``'s issuer, if any:
    (documents by DID, status lists by URL), so the open verifier never fetches Tandem's own."""
    institution_id = _hosted_institution(document.get("issuer"), ctx)
    if institution_id is None:
        return {}, {}
    try:
        controller = issuer_document(session, institution_id, ctx)
    except NotFound:
        return {}, {}
    url = status_list.status_list_url(document)
    listed = _hosted_list(session, document, ctx)
    return {controller["id"]: controller}, ({url: listed} if url and listed else {})


def verify_credential(
    session: Session, document: Any, ctx: IssuerContext, *, now: datetime | None = None
) -> Report:
    """Anyone may ask; Tandem resolves only the issuers and status lists it hosts itself."""
    if not isinstance(document, Mapping):
        return Report((Check("format", False, "A credential is a JSON object."),))
    institution_id = _hosted_institution(document.get("issuer"), ctx)
    if institution_id is None:
        return Report(
            (
                Check(
                    "issuer",
                    False,
                    "The issuer is not hosted by this Tandem; verify it with its own DID document.",
                ),
            )
        )
    try:
        controller = issuer_document(session, institution_id, ctx)
    except NotFound as error:
        return Report((Check("issuer", False, error.message),))
    report = verify_document(
        document,
        controller,
        now or utcnow(),
        status_list_credential=_hosted_list(session, document, ctx),
    )
    return Report((Check("issuer", True, f"Issuer {controller['id']}."), *report.checks))
