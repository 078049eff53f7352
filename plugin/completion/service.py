"""Completion use cases: set the rule, record evidence, show progress, sign off, override.

Sign-off belongs to a teacher of the student's *own* institution: a partner teacher sees the
team at work but cannot award another university's students. Approval returns a
``GradeRequest`` for the web layer to hand to the LMS grade outbox after this commit, because
the domain knows nothing of LTI.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.completion.checks import completion_row, require_own_teacher, team_of
from plugin.completion.decisions import Decision, decide
from plugin.completion.evidence import record_contributions
from plugin.completion.models import (
    Completion,
    CompletionEvidence,
    CompletionRule,
    CompletionStatus,
    EvidenceKind,
)
from plugin.completion.rules import CompletionVerdict, Rule
from plugin.completion.verdicts import (
    log_evaluation,
    rule_row,
    rule_spec,
    shown_verdicts,
    verdict_of,
)
from plugin.db import get_or_create, utcnow
from plugin.errors import Conflict, InvalidInput
from plugin.exchanges.models import Exchange
from plugin.exchanges.service import get_exchange
from plugin.i18n import N_
from plugin.ledger.models import EventKind
from plugin.ledger.service import append
from plugin.people.models import Person
from plugin.people.service import get_person
from plugin.teams.models import Team, TeamMembership
from plugin.teams.service import require_exchange_teacher

MIN_REFLECTION = 20
MAX_REFLECTION = 10_000
MIN_REASON = 10
MAX_REASON = 1000


@dataclass(frozen=True)
class Progress:
    """What one student sees: the rule, what is done, what is missing, and the status."""

    exchange: Exchange
    rule: Rule
    verdict: CompletionVerdict
    completion: Completion


@dataclass(frozen=True)
class StudentRow:
    person_id: int
    name: str
    team: str
    verdict: CompletionVerdict
    completion: Completion


# ---------------------------------------------------------------- use cases


def current_rule(session: Session, exchange_id: int) -> Rule:
    """The rule in force (the defaults before a teacher set one); reads only."""
    return rule_spec(session, get_exchange(session, exchange_id))


def set_rule(
    session: Session,
    actor: Actor,
    exchange_id: int,
    *,
    min_meetings: int,
    min_contribution_weeks: int,
    required_phases: Iterable[str],
    reflection_required: bool,
) -> Rule:
    """A new version of the exchange's rule; earlier decisions keep the version they used."""
    exchange = require_exchange_teacher(session, actor, exchange_id)
    phases = tuple(required_phases)
    known = {str(p["key"]) for p in exchange.phases}
    if not set(phases) <= known:
        raise InvalidInput(N_("Choose phases of this exchange only."), "phase")
    latest = rule_row(session, exchange)
    rule = Rule(
        version=latest.version + 1,
        min_meetings=min_meetings,
        min_contribution_weeks=min_contribution_weeks,
        required_phases=phases,
        reflection_required=reflection_required,
    )
    session.add(
        CompletionRule(
            exchange_id=exchange_id,
            version=rule.version,
            min_meetings=rule.min_meetings,
            min_contribution_weeks=rule.min_contribution_weeks,
            required_phases=list(rule.required_phases),
            reflection_required=rule.reflection_required,
            created_by_id=actor.person_id,
        )
    )
    append(
        session,
        EventKind.RULE_SET,
        exchange_id=exchange_id,
        actor_id=actor.person_id,
        payload={
            "version": rule.version,
            "minMeetings": rule.min_meetings,
            "minContributionWeeks": rule.min_contribution_weeks,
            "requiredPhases": list(rule.required_phases),
            "reflectionRequired": rule.reflection_required,
        },
    )
    session.commit()
    return rule


def record_meeting(
    session: Session, actor: Actor, exchange_id: int, person_ids: Sequence[int], met_on: date
) -> int:
    """A teacher records who attended a team meeting; returns how many were new."""
    require_exchange_teacher(session, actor, exchange_id)
    added = 0
    for person_id in dict.fromkeys(person_ids):
        team_of(session, exchange_id, person_id)
        completion_row(session, exchange_id, person_id)
        _, created = get_or_create(
            session,
            CompletionEvidence,
            {
                "exchange_id": exchange_id,
                "person_id": person_id,
                "kind": EvidenceKind.MEETING,
                "key": met_on.isoformat(),
            },
            lambda pid=person_id: CompletionEvidence(  # type: ignore[misc]
                exchange_id=exchange_id,
                person_id=pid,
                kind=EvidenceKind.MEETING,
                key=met_on.isoformat(),
                source="teacher",
                recorded_by_id=actor.person_id,
            ),
        )
        if created:
            added += 1
            append(
                session,
                EventKind.EVIDENCE_RECORDED,
                exchange_id=exchange_id,
                subject_id=person_id,
                actor_id=actor.person_id,
                payload={"kind": "meeting", "date": met_on.isoformat()},
            )
    session.commit()
    return added


def refresh_evidence(session: Session, actor: Actor, exchange_id: int) -> int:
    """A teacher brings every student's contribution weeks up to date from the rooms."""
    require_exchange_teacher(session, actor, exchange_id)
    members = list(
        session.scalars(
            select(TeamMembership.person_id).where(TeamMembership.exchange_id == exchange_id)
        )
    )
    added = record_contributions(session, exchange_id, members)
    session.commit()
    return added


def submit_reflection(session: Session, actor: Actor, exchange_id: int, text: str) -> Completion:
    """The student's final reflection; a resubmission replaces the text, not the first date."""
    get_exchange(session, exchange_id)
    team_of(session, exchange_id, actor.person_id)
    body = text.strip()
    if not MIN_REFLECTION <= len(body) <= MAX_REFLECTION:
        raise InvalidInput(N_("A reflection must be 20 to 10000 characters."), "reflection")
    completion = completion_row(session, exchange_id, actor.person_id)
    if completion.status is CompletionStatus.APPROVED:
        raise Conflict(N_("Your completion is already approved."))
    first = completion.reflection_at is None
    completion.reflection = body
    completion.reflection_at = completion.reflection_at or utcnow()
    append(
        session,
        EventKind.EVIDENCE_RECORDED,
        exchange_id=exchange_id,
        subject_id=actor.person_id,
        actor_id=actor.person_id,
        payload={"kind": "reflection", "first": first},
    )
    session.commit()
    return completion


def _progress(session: Session, actor: Actor, exchange_id: int) -> Progress:
    """The checklist behind ``my_progress`` and ``request_completion``; the caller commits."""
    exchange = get_exchange(session, exchange_id)
    team_of(session, exchange_id, actor.person_id)
    record_contributions(session, exchange_id, [actor.person_id])
    verdict, completion = verdict_of(session, exchange, actor.person_id)
    return Progress(exchange, rule_row(session, exchange).spec(), verdict, completion)


def my_progress(session: Session, actor: Actor, exchange_id: int) -> Progress:
    """The student's own checklist, with their newest room contributions counted.

    A read that writes on purpose: the contribution weeks it finds are kept as evidence
    (so later edits to the room cannot erase them), hence its one commit.
    """
    progress = _progress(session, actor, exchange_id)
    session.commit()
    return progress


def request_completion(session: Session, actor: Actor, exchange_id: int) -> Progress:
    """The student asks their teacher to sign off; only when everything else is done."""
    progress = _progress(session, actor, exchange_id)
    completion = progress.completion
    if completion.status in (CompletionStatus.APPROVED, CompletionStatus.REQUESTED):
        session.commit()  # the evidence just recorded, as my_progress would keep it
        return progress
    if not progress.verdict.ready_for_sign_off:
        session.commit()  # the evidence just recorded stays, as my_progress would keep it
        raise Conflict(N_("Not everything is done yet; the checklist shows what is missing."))
    completion.status = CompletionStatus.REQUESTED
    completion.requested_at = utcnow()
    append(
        session,
        EventKind.COMPLETION_REQUESTED,
        exchange_id=exchange_id,
        subject_id=actor.person_id,
        actor_id=actor.person_id,
    )
    session.commit()
    return progress


def students_for_teacher(session: Session, actor: Actor, exchange_id: int) -> list[StudentRow]:
    """The verdict of every student of the teacher's own institution in the exchange's teams."""
    return student_page(session, actor, exchange_id, 0, None)[1]


def student_page(
    session: Session, actor: Actor, exchange_id: int, first: int, count: int | None
) -> tuple[int, list[StudentRow]]:
    """How many students the teacher has in teams, and the verdicts of ``count`` of them from
    ``first`` on, in a fixed number of statements (a page of 50 of 2,500 students reads 50).

    A read that writes nothing: verdicts are evaluated in memory (``shown_verdicts``), so the
    page never takes the ledger's lock beside teachers' sign-offs; the weeks it counts from the
    rooms are kept as evidence by a decision, the student's own page or ``keep_evidence``."""
    exchange = require_exchange_teacher(session, actor, exchange_id)
    institution_id = get_person(session, actor.person_id).institution_id
    mine = (TeamMembership.exchange_id == exchange_id, Person.institution_id == institution_id)
    total = session.scalar(
        select(func.count())
        .select_from(TeamMembership)
        .join(Person, Person.id == TeamMembership.person_id)
        .where(*mine)
    )
    query = (
        select(Person, Team.id, Team.name)
        .join(TeamMembership, TeamMembership.person_id == Person.id)
        .join(Team, Team.id == TeamMembership.team_id)
        .where(*mine)
        .order_by(Team.name, Person.id)
        .offset(first)
    )
    rows = session.execute(query if count is None else query.limit(count)).all()
    verdicts = shown_verdicts(
        session, exchange, rule_spec(session, exchange), {p.id: t for p, t, _ in rows}
    )
    return total or 0, [
        StudentRow(
            person.id, person.display_name or f"#{person.id}", team_name, *verdicts[person.id]
        )
        for person, _, team_name in rows
    ]


EVIDENCE_BATCH = 500
"""Students whose room contributions one ``keep_evidence`` call keeps: one commit (and one
hold of the ledger's lock) each, short enough to leave room for teachers' sign-offs."""


def exchanges_running(session: Session, today: date) -> list[int]:
    """Exchanges whose rooms may still gain contributions (and a week after the end)."""
    return list(
        session.scalars(
            select(Exchange.id).where(
                Exchange.starts_on <= today, Exchange.ends_on >= today - timedelta(days=7)
            )
        )
    )


def keep_evidence(session: Session, exchange_id: int, after: int = 0) -> tuple[int, int | None]:
    """The worker keeps the contribution weeks of the next ``EVIDENCE_BATCH`` members (by person
    id, after ``after``) as evidence, as the teacher's page once did on every view.

    Returns the weeks added and the person id to continue after (None when done); one commit."""
    members = list(
        session.scalars(
            select(TeamMembership.person_id)
            .where(TeamMembership.exchange_id == exchange_id, TeamMembership.person_id > after)
            .order_by(TeamMembership.person_id)
            .limit(EVIDENCE_BATCH)
        )
    )
    added = record_contributions(session, exchange_id, members)
    session.commit()
    return added, members[-1] if len(members) == EVIDENCE_BATCH else None


def approve_completion(
    session: Session, actor: Actor, exchange_id: int, person_id: int
) -> Decision:
    """Sign-off by the student's own teacher when every other requirement is met."""
    exchange, team = require_own_teacher(session, actor, exchange_id, person_id)
    completion = completion_row(session, exchange_id, person_id)
    record_contributions(session, exchange_id, [person_id])
    verdict, _ = verdict_of(session, exchange, person_id, team_id=team.id, completion=completion)
    if completion.status is CompletionStatus.APPROVED:
        raise Conflict(N_("This completion is already approved."))
    if not verdict.ready_for_sign_off:
        raise Conflict(
            N_("Not every requirement is met; record an override with a reason instead.")
        )
    log_evaluation(session, actor, exchange_id, person_id, verdict)
    decision = decide(session, actor, completion, verdict, approve=True, reason=None)
    session.commit()
    return decision


def override_completion(
    session: Session, actor: Actor, exchange_id: int, person_id: int, *, approve: bool, reason: str
) -> Decision:
    """The teacher decides against the rule (illness, a different contribution), with a reason."""
    exchange, team = require_own_teacher(session, actor, exchange_id, person_id)
    text = reason.strip()
    if not MIN_REASON <= len(text) <= MAX_REASON:
        raise InvalidInput(N_("Give a reason of 10 to 1000 characters for an override."), "reason")
    verdict, completion = verdict_of(session, exchange, person_id, team_id=team.id)
    log_evaluation(session, actor, exchange_id, person_id, verdict)
    decision = decide(session, actor, completion, verdict, approve=approve, reason=text)
    session.commit()
    return decision
