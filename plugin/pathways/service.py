"""Nano-degrees: registrars define pathways, students add credentials, Tandem awards.

A partner's credential is checked by ``open_partner_verifier``, the one seam to the open
verifier (``credentials.open_service``): everything else here only sees its verdict.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.credentials.document import Organisation
from plugin.credentials.models import Credential
from plugin.credentials.open_service import verify_open
from plugin.credentials.service import (
    IssuerContext,
    get_credential,
    issue_document,
    learner_email_hash_matches,
    signing_key,
)
from plugin.db import utcnow
from plugin.errors import Conflict, FieldErrors, InvalidInput, NotAllowed, NotFound
from plugin.exchanges.models import Exchange
from plugin.i18n import N_
from plugin.pathways import documents, jcs_proof, rules
from plugin.pathways.models import Pathway, PathwayAward, PathwayComponent, PathwayEntry
from plugin.people.models import Institution, Person
from plugin.registrars.service import registrar_institutions, require_registrar

MAX_NAME = 200
MAX_OUTCOMES = 20


# ---------------------------------------------------------------- the partner seam


@dataclass(frozen=True)
class PartnerVerdict:
    """What the verifier established about a partner's credential."""

    valid: bool
    issuer_id: str | None
    reasons: tuple[str, ...]


PartnerVerifier = Callable[[Mapping[str, Any], datetime], PartnerVerdict]


def open_partner_verifier(
    session: Session, ctx: IssuerContext, fetch: Callable[[str], bytes] | None
) -> PartnerVerifier:
    """The seam: a partner's credential is checked by the open verifier (every proof format,
    did:key and did:web, status fetched with its guard) and counts only when it is valid
    *and* its issuer is on the alliance's trusted list; "could not check" never counts."""

    def check(document: Mapping[str, Any], now: datetime) -> PartnerVerdict:
        report = verify_open(session, dict(document), ctx, fetch=fetch, now=now)
        reasons = [check.message for check in report.checks if not check.passed]
        if report.verdict == "valid_unknown_issuer":
            reasons.append(N_("The issuer is not on the alliance's list of trusted issuers."))
        return PartnerVerdict(report.verdict == "valid", report.issuer, tuple(reasons))

    return check


# ---------------------------------------------------------------- registrars


def _text(value: str, limit: int, message: str) -> str:
    text = value.strip()
    if not 1 <= len(text) <= limit:
        raise InvalidInput(message)
    return text


def create_pathway(
    session: Session,
    actor: Actor,
    institution_id: int,
    *,
    name: str,
    description: str,
    ects: float,
    eqf_level: int,
    outcomes: Sequence[str],
    electives_needed: int,
) -> Pathway:
    """A registrar defines a nano-degree; the same name again returns the existing one
    (a double submit creates nothing twice)."""
    require_registrar(session, actor, institution_id)
    errors = FieldErrors()  # every field checked, so a registrar sees all mistakes at once
    title = ""
    with errors.field("name"):
        title = _text(name, MAX_NAME, N_("Give the nano-degree a name of 1 to 200 characters."))
    if not 0 < ects <= 60:
        errors.add("ects", N_("A nano-degree's workload is more than 0 and at most 60 ECTS."))
    if not 1 <= eqf_level <= 8:
        errors.add("eqf_level", N_("The EQF level is a whole number from 1 to 8."))
    lines = [line.strip() for line in outcomes if line.strip()]
    if not 1 <= len(lines) <= MAX_OUTCOMES or any(len(line) > 500 for line in lines):
        errors.add(
            "outcomes", N_("State 1 to 20 learning outcomes of at most 500 characters each.")
        )
    if not 0 <= electives_needed <= 50:
        errors.add(
            "electives_needed",
            N_("The number of electives needed is a whole number from 0 to 50."),
        )
    errors.raise_if_any()
    existing = session.scalar(
        select(Pathway).where(Pathway.institution_id == institution_id, Pathway.name == title)
    )
    if existing is not None:
        return existing
    pathway = Pathway(
        institution_id=institution_id,
        name=title,
        description=description.strip()[:2000],
        ects=float(ects),
        eqf_level=eqf_level,
        outcomes=lines,
        electives_needed=electives_needed,
        created_by_id=actor.person_id,
    )
    session.add(pathway)
    session.commit()
    return pathway


def get_pathway(session: Session, pathway_id: int) -> Pathway:
    pathway = session.get(Pathway, pathway_id)
    if pathway is None:
        raise NotFound(N_("There is no nano-degree pathway with this id."))
    return pathway


def add_component(
    session: Session,
    actor: Actor,
    pathway_id: int,
    *,
    required: bool,
    exchange_id: int | None = None,
    issuer_id: str = "",
    achievement_id: str = "",
    achievement_name: str = "",
) -> PathwayComponent:
    """Add a Tandem exchange's micro-credential, or a partner issuer's achievement (matched
    by issuer id and achievement id, or name). Adding the same thing twice changes nothing."""
    pathway = get_pathway(session, pathway_id)
    require_registrar(session, actor, pathway.institution_id)
    if exchange_id is not None:
        exchange = session.get(Exchange, exchange_id)
        if exchange is None:
            raise InvalidInput(N_("This exchange does not exist."), field="exchange_id")
        key, title = f"exchange:{exchange.id}", exchange.title
        issuer = achievement = name = None
    else:
        errors = FieldErrors()
        issuer = ""
        with errors.field("issuer_id"):
            issuer = _text(issuer_id, 500, N_("Give the partner issuer's id (a DID or URL)."))
            if not issuer.startswith(("did:", "https://")):
                raise InvalidInput(N_("An issuer id is a DID or an https:// URL."))
        achievement = achievement_id.strip()[:1000] or None
        name = achievement_name.strip()[:300] or None
        if achievement is None and name is None:
            errors.add("achievement_id", N_("Give the achievement's id or its exact name."))
        errors.raise_if_any()
        key = f"partner:{issuer} {achievement or ''} {name or ''}"
        title = name or achievement or issuer
    existing = session.scalar(
        select(PathwayComponent).where(
            PathwayComponent.pathway_id == pathway.id, PathwayComponent.match_key == key
        )
    )
    if existing is not None:
        return existing
    component = PathwayComponent(
        pathway_id=pathway.id,
        required=required,
        title=title,
        exchange_id=exchange_id,
        issuer_id=issuer,
        achievement_id=achievement,
        achievement_name=name,
        match_key=key,
    )
    session.add(component)
    session.commit()
    return component


def registrar_pathways(session: Session, actor: Actor) -> list[Pathway]:
    """The pathways of the registrar's institutions."""
    own = registrar_institutions(session, actor.person_id)
    if not own:
        raise NotAllowed(N_("Only registrars can do this."))
    return list(
        session.scalars(
            select(Pathway).where(Pathway.institution_id.in_(own)).order_by(Pathway.name)
        )
    )


@dataclass(frozen=True)
class HolderProgress:
    person_id: int
    name: str
    progress: rules.Progress
    award: PathwayAward | None


def holders(session: Session, actor: Actor, pathway_id: int) -> list[HolderProgress]:
    """Every student who added a credential to the pathway, with their progress (the
    pathway's own institution's students only: rule 5)."""
    pathway = get_pathway(session, pathway_id)
    require_registrar(session, actor, pathway.institution_id)
    people = session.scalars(
        select(Person)
        .where(
            Person.id.in_(
                select(PathwayEntry.person_id).where(PathwayEntry.pathway_id == pathway.id)
            ),
            Person.institution_id == pathway.institution_id,
        )
        .order_by(Person.id)
    ).all()
    people = sorted(people, key=lambda person: ((person.display_name or "").lower(), person.id))
    return [
        HolderProgress(
            person.id,
            person.display_name or "",
            _progress(session, pathway, person, utcnow()),
            _active_award(session, pathway.id, person.id),
        )
        for person in people
    ]


# ---------------------------------------------------------------- students


def _student(session: Session, actor: Actor, pathway: Pathway) -> Person:
    person = session.get(Person, actor.person_id)
    if person is None or person.institution_id != pathway.institution_id:
        raise NotFound(N_("There is no nano-degree pathway with this id."))
    return person


def open_pathways(session: Session, actor: Actor) -> list[Pathway]:
    """The pathways a student may work towards: their own institution's."""
    person = session.get(Person, actor.person_id)
    if person is None:
        return []
    return list(
        session.scalars(
            select(Pathway)
            .where(Pathway.institution_id == person.institution_id)
            .order_by(Pathway.name)
        )
    )


def _entries(session: Session, pathway_id: int, person_id: int) -> list[PathwayEntry]:
    return list(
        session.scalars(
            select(PathwayEntry).where(
                PathwayEntry.pathway_id == pathway_id, PathwayEntry.person_id == person_id
            )
        )
    )


def _entry_valid(
    session: Session, entry: PathwayEntry, now: datetime, verifier: PartnerVerifier | None
) -> bool:
    """A Tandem credential counts while not revoked; a partner's while it verifies (checked
    again only when awarding: ``verifier`` None trusts the check made when it was added)."""
    if entry.credential_id is not None:
        credential = session.get(Credential, entry.credential_id)
        return credential is not None and credential.revoked_at is None
    if entry.document is None:
        return False
    return verifier is None or verifier(entry.document, now).valid


def _progress(
    session: Session,
    pathway: Pathway,
    person: Person,
    now: datetime,
    verifier: PartnerVerifier | None = None,
) -> rules.Progress:
    held = {
        entry.component_id
        for entry in _entries(session, pathway.id, person.id)
        if _entry_valid(session, entry, now, verifier)
    }
    slots = [rules.Slot(c.id, c.required) for c in pathway.components]
    return rules.evaluate(slots, held, pathway.electives_needed)


@dataclass(frozen=True)
class StudentView:
    pathway: Pathway
    progress: rules.Progress
    entries: dict[int, PathwayEntry]
    valid: set[int]
    award: PathwayAward | None
    candidates: list[Credential]


def student_view(session: Session, actor: Actor, pathway_id: int) -> StudentView:
    """What the student sees: each component, what they added, progress, their award."""
    pathway = get_pathway(session, pathway_id)
    person = _student(session, actor, pathway)
    now = utcnow()
    entries = {e.component_id: e for e in _entries(session, pathway.id, person.id)}
    valid = {cid for cid, e in entries.items() if _entry_valid(session, e, now, None)}
    exchanges = {c.exchange_id for c in pathway.components if c.exchange_id is not None}
    candidates = list(
        session.scalars(
            select(Credential)
            .where(
                Credential.person_id == person.id,
                Credential.exchange_id.in_(exchanges),
                Credential.revoked_at.is_(None),
            )
            .order_by(Credential.issued_at)
        )
    )
    return StudentView(
        pathway,
        _progress(session, pathway, person, now),
        entries,
        valid,
        _active_award(session, pathway.id, person.id),
        candidates,
    )


def _put_entry(
    session: Session,
    pathway: Pathway,
    person: Person,
    component: PathwayComponent,
    *,
    credential_id: str | None,
    document: dict[str, Any] | None,
) -> PathwayEntry:
    """One entry per student and component: adding again replaces what was there."""
    entry = session.scalar(
        select(PathwayEntry).where(
            PathwayEntry.pathway_id == pathway.id,
            PathwayEntry.person_id == person.id,
            PathwayEntry.component_id == component.id,
        )
    )
    if entry is None:
        entry = PathwayEntry(pathway_id=pathway.id, person_id=person.id, component_id=component.id)
        session.add(entry)
    entry.credential_id = credential_id
    entry.document = document
    entry.added_at = utcnow()
    return entry


def add_tandem_credential(
    session: Session, actor: Actor, pathway_id: int, credential_id: str
) -> PathwayEntry:
    """The student adds a micro-credential Tandem issued them."""
    pathway = get_pathway(session, pathway_id)
    person = _student(session, actor, pathway)
    credential = get_credential(session, credential_id)
    if credential.person_id != person.id:
        raise NotFound(N_("There is no credential with this id."))
    if credential.revoked_at is not None:
        raise Conflict(N_("This credential is revoked; it cannot count towards a nano-degree."))
    component = next(
        (
            c
            for c in pathway.components
            if c.exchange_id and c.exchange_id == credential.exchange_id
        ),
        None,
    )
    if component is None:
        raise InvalidInput(N_("This credential is not part of this nano-degree."))
    entry = _put_entry(
        session, pathway, person, component, credential_id=credential.id, document=None
    )
    session.commit()
    return entry


def _achievement(document: Mapping[str, Any]) -> Mapping[str, Any]:
    subject = document.get("credentialSubject")
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    return achievement if isinstance(achievement, Mapping) else {}


def _matches(component: PathwayComponent, issuer: str, achievement: Mapping[str, Any]) -> bool:
    if component.issuer_id != issuer:
        return False
    if component.achievement_id is not None:
        return achievement.get("id") == component.achievement_id
    return achievement.get("name") == component.achievement_name


def add_partner_credential(
    session: Session,
    actor: Actor,
    pathway_id: int,
    document: Any,
    *,
    verifier: PartnerVerifier,
) -> PathwayEntry:
    """The student uploads a partner university's credential: it must verify, come from an
    issuer the pathway names, match one of its achievements, and name the student."""
    pathway = get_pathway(session, pathway_id)
    person = _student(session, actor, pathway)
    if not isinstance(document, dict):
        raise InvalidInput(N_("A credential is a JSON object."))
    verdict = verifier(document, utcnow())
    if not verdict.valid:
        raise InvalidInput(
            N_("This credential did not verify: %(reasons)s", reasons=" ".join(verdict.reasons))
        )
    component = next(
        (
            c
            for c in pathway.components
            if c.issuer_id and _matches(c, verdict.issuer_id or "", _achievement(document))
        ),
        None,
    )
    if component is None:
        raise InvalidInput(N_("This credential is not part of this nano-degree."))
    if not learner_email_hash_matches(document, person.email):
        raise NotAllowed(N_("This credential does not name you, so you cannot add it."))
    entry = _put_entry(session, pathway, person, component, credential_id=None, document=document)
    session.commit()
    return entry


def _active_award(session: Session, pathway_id: int, person_id: int) -> PathwayAward | None:
    return session.scalar(
        select(PathwayAward)
        .join(Credential, Credential.id == PathwayAward.credential_id)
        .where(
            PathwayAward.pathway_id == pathway_id,
            PathwayAward.person_id == person_id,
            Credential.revoked_at.is_(None),
        )
        .order_by(PathwayAward.id.desc())
        .limit(1)
    )


def _component_link(
    session: Session, component: PathwayComponent, entry: PathwayEntry, ctx: IssuerContext
) -> documents.ComponentLink:
    if entry.credential_id is not None:
        credential = session.get(Credential, entry.credential_id)
        institution = session.get(Institution, credential.institution_id) if credential else None
        return documents.ComponentLink(
            ctx.credential_url(entry.credential_id),
            component.title,
            institution.name if institution else "",
            component.required,
        )
    document = entry.document or {}
    issuer = document.get("issuer")
    issuer_name = issuer.get("name") if isinstance(issuer, Mapping) else None
    url = document.get("id")
    name = _achievement(document).get("name")
    return documents.ComponentLink(
        url if isinstance(url, str) else f"urn:tandem:pathway-entry:{entry.id}",
        name if isinstance(name, str) and name.strip() else component.title,
        issuer_name if isinstance(issuer_name, str) else str(component.issuer_id),
        component.required,
    )


def claim_nano_degree(
    session: Session,
    actor: Actor,
    pathway_id: int,
    ctx: IssuerContext,
    *,
    verifier: PartnerVerifier,
    now: datetime | None = None,
) -> PathwayAward:
    """Issue the nano-degree when the pathway is satisfied now: no revoked component, every
    partner credential verifying again. Claiming twice returns the award already made."""
    pathway = get_pathway(session, pathway_id)
    person = _student(session, actor, pathway)
    existing = _active_award(session, pathway.id, person.id)
    if existing is not None:
        return existing
    moment = now or utcnow()
    progress = _progress(session, pathway, person, moment, verifier)
    if not progress.satisfied:
        raise Conflict(N_("This nano-degree's requirements are not met yet."))
    if not person.email:
        raise InvalidInput(N_("The learner has no email address to identify them in a credential."))
    institution = session.get(Institution, pathway.institution_id)
    if institution is None or not institution.country:
        raise InvalidInput(
            N_("The awarding institution has no country; an administrator must set it.")
        )
    entries = {e.component_id: e for e in _entries(session, pathway.id, person.id)}
    components = {c.id: c for c in pathway.components}
    links = tuple(
        _component_link(session, components[cid], entries[cid], ctx) for cid in progress.counted
    )
    email = person.email

    def build(url: str, status: dict[str, Any]) -> dict[str, Any]:
        return documents.nano_degree(
            documents.NanoDegreeFacts(
                credential_url=url,
                achievement_id=f"{ctx.base_url}/pathways/{pathway.id}/achievement",
                name=pathway.name,
                description=pathway.description,
                awarding_body=Organisation(
                    ctx.issuer_did(institution.id), institution.name, institution.country or ""
                ),
                issued_at=moment,
                learner_email=email,
                learner_salt=secrets.token_urlsafe(18),
                outcomes=tuple(pathway.outcomes),
                ects=pathway.ects,
                eqf_level=pathway.eqf_level,
                components=links,
                status=status,
                base_url=ctx.base_url,
            )
        )

    credential = issue_document(
        session, person=person, build=build, ctx=ctx, now=moment, issued_by_id=None
    )
    award = PathwayAward(
        pathway_id=pathway.id,
        person_id=person.id,
        credential_id=credential.id,
        components=list(progress.counted),
        awarded_at=moment,
    )
    session.add(award)
    session.commit()
    return award


def my_awards(session: Session, actor: Actor) -> list[PathwayAward]:
    return list(
        session.scalars(
            select(PathwayAward)
            .where(PathwayAward.person_id == actor.person_id)
            .order_by(PathwayAward.awarded_at.desc())
        )
    )


# ---------------------------------------------------------------- the learner record


def _component_documents(session: Session, award: PathwayAward) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for entry in _entries(session, award.pathway_id, award.person_id):
        if entry.component_id not in award.components:
            continue
        if entry.credential_id is not None:
            credential = session.get(Credential, entry.credential_id)
            if credential is not None and credential.document is not None:
                found.append(credential.document)
        elif entry.document is not None:
            found.append(entry.document)
    return found


def clr_for_award(
    session: Session, award: PathwayAward, ctx: IssuerContext, now: datetime
) -> dict[str, Any]:
    """The signed CLR of an award (a helper, no commit: reports and the bench call it)."""
    credential = get_credential(session, award.credential_id)
    if credential.document is None:
        raise NotFound(N_("There is no credential with this id."))
    nano = credential.document
    unsigned = documents.clr_credential(
        record_url=f"{ctx.credential_url(credential.id)}/clr",
        issuer=nano["issuer"],
        learner_identifiers=nano["credentialSubject"]["identifier"],
        nano_degree_credential=nano,
        components=_component_documents(session, award),
        issued_at=now,
    )
    private, method = signing_key(session, credential.institution_id, ctx)
    return jcs_proof.sign(unsigned, private, method, now)


def learner_record(
    session: Session, actor: Actor, award_id: int, ctx: IssuerContext
) -> dict[str, Any]:
    """The holder's Comprehensive Learner Record 2.0 of a nano-degree, signed now. A read:
    nothing is stored (the signing key exists already, made when the award was signed)."""
    award = session.get(PathwayAward, award_id)
    if award is None or award.person_id != actor.person_id:
        raise NotFound(N_("There is no nano-degree with this id."))
    return clr_for_award(session, award, ctx, utcnow())


def award_components(session: Session, award: PathwayAward) -> list[dict[str, Any]]:
    """The component credentials an award counted (ELMO's hasPart)."""
    return _component_documents(session, award)


def award_of_credential(session: Session, credential_id: str) -> PathwayAward | None:
    """The award a nano-degree credential belongs to, if it is one (the credential page)."""
    return session.scalar(select(PathwayAward).where(PathwayAward.credential_id == credential_id))
