"""Completion use cases: set the rule, record evidence, show progress, sign off, override.

Sign-off belongs to a teacher of the student's *own* institution: a partner teacher sees the
team at work but cannot award another university's students. Approval returns a
``GradeRequest`` for the web layer to hand to the LMS grade outbox after this commit, because
the domain knows nothing of LTI.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.completion.models import (
    Completion,
    CompletionEvidence,
    CompletionRule,
    CompletionStatus,
    EvidenceKind,
)
from plugin.completion.rules import (
    CompletionFacts,
    CompletionVerdict,
    PhaseTasks,
    Rule,
    evaluate,
    iso_week,
)
from plugin.courses.models import CourseMembership
from plugin.db import get_or_create, utcnow
from plugin.errors import Conflict, InvalidInput, NotAllowed, NotFound
from plugin.exchanges.models import Exchange, Seat, SeatStatus
from plugin.i18n import N_
from plugin.ledger.models import EventKind
from plugin.ledger.service import append
from plugin.notifications.service import notify
from plugin.people.models import Person
from plugin.rooms.models import Message, Note, Room, Task, TaskState
from plugin.teams.models import Team, TeamMembership
from plugin.teams.service import is_exchange_teacher

MIN_REFLECTION = 20
MAX_REFLECTION = 10_000
MIN_REASON = 10
MAX_REASON = 1000
FULL_SCORE = 100.0


@dataclass(frozen=True)
class GradeRequest:
    """What the web layer passes to ``lti.grades.queue_score`` once the decision is committed."""

    course_id: int
    person_id: int
    score_given: float
    comment: str


@dataclass(frozen=True)
class Decision:
    completion: Completion
    verdict: CompletionVerdict
    grade: GradeRequest | None


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


# ---------------------------------------------------------------- helpers (never commit)


def _exchange(session: Session, exchange_id: int) -> Exchange:
    exchange = session.get(Exchange, exchange_id)
    if exchange is None:
        raise NotFound(N_("This exchange does not exist."))
    return exchange


def _require_exchange_teacher(session: Session, actor: Actor, exchange_id: int) -> Exchange:
    exchange = _exchange(session, exchange_id)
    if not is_exchange_teacher(session, actor.person_id, exchange_id):
        raise NotAllowed(N_("Only teachers of this exchange can do this."))
    return exchange


def _person(session: Session, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None:
        raise NotFound(N_("This person is not known to Tandem."))
    return person


def _require_own_teacher(
    session: Session, actor: Actor, exchange_id: int, student_id: int
) -> Person:
    """A teacher of the exchange from the student's own institution."""
    _require_exchange_teacher(session, actor, exchange_id)
    student = _person(session, student_id)
    if _person(session, actor.person_id).institution_id != student.institution_id:
        raise NotAllowed(N_("Only a teacher of the student's own institution can decide this."))
    _team_of(session, exchange_id, student_id)
    return student


def _team_of(session: Session, exchange_id: int, person_id: int) -> Team:
    team = session.scalar(
        select(Team)
        .join(TeamMembership, TeamMembership.team_id == Team.id)
        .where(TeamMembership.exchange_id == exchange_id, TeamMembership.person_id == person_id)
    )
    if team is None:
        raise NotFound(N_("This student is not in a team of this exchange."))
    return team


def _rule_row(session: Session, exchange: Exchange) -> CompletionRule:
    """The newest version; version 1 (the COIL defaults over every phase) on first use."""
    row = session.scalar(
        select(CompletionRule)
        .where(CompletionRule.exchange_id == exchange.id)
        .order_by(CompletionRule.version.desc())
        .limit(1)
    )
    if row is not None:
        return row
    default = Rule(version=1, required_phases=tuple(str(p["key"]) for p in exchange.phases))
    row, _ = get_or_create(
        session,
        CompletionRule,
        {"exchange_id": exchange.id, "version": 1},
        lambda: CompletionRule(
            exchange_id=exchange.id,
            version=1,
            min_meetings=default.min_meetings,
            min_contribution_weeks=default.min_contribution_weeks,
            required_phases=list(default.required_phases),
            reflection_required=default.reflection_required,
        ),
    )
    return row


def current_rule(session: Session, exchange_id: int) -> Rule:
    return _rule_row(session, _exchange(session, exchange_id)).spec()


def _completion(session: Session, exchange_id: int, person_id: int) -> Completion:
    completion, created = get_or_create(
        session,
        Completion,
        {"exchange_id": exchange_id, "person_id": person_id},
        lambda: Completion(exchange_id=exchange_id, person_id=person_id),
    )
    if created:
        append(session, EventKind.ENROLLED, exchange_id=exchange_id, subject_id=person_id)
    return completion


def _week(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return iso_week(year, week)


def _room_contributions(
    session: Session, exchange_id: int, person_ids: Sequence[int]
) -> dict[int, dict[str, str]]:
    """Person → {ISO week: source} from chat lines, the last note save and finished tasks."""
    found: dict[int, dict[str, str]] = defaultdict(dict)
    rooms = (
        select(Room.id).join(Team, Team.id == Room.team_id).where(Team.exchange_id == exchange_id)
    )
    chat = session.execute(
        select(Message.author_id, Message.created_at).where(
            Message.room_id.in_(rooms),
            Message.author_id.in_(person_ids),
            Message.deleted_at.is_(None),
            Message.hidden_at.is_(None),
        )
    )
    notes = session.execute(
        select(Note.updated_by_id, Note.updated_at).where(
            Note.room_id.in_(rooms), Note.updated_by_id.in_(person_ids)
        )
    )
    tasks = session.execute(
        select(Task.done_by_id, Task.done_at).where(
            Task.room_id.in_(rooms), Task.done_by_id.in_(person_ids), Task.done_at.is_not(None)
        )
    )
    for source, rows in (("chat", chat), ("note", notes), ("task", tasks)):
        for person_id, moment in rows:
            if person_id is not None and moment is not None:
                found[person_id].setdefault(_week(moment), source)
    return found


def _record_contributions(session: Session, exchange_id: int, person_ids: Sequence[int]) -> int:
    """Keep every week a person contributed in, so later edits to the room cannot erase it."""
    if not person_ids:
        return 0
    known = {
        (p, k)
        for p, k in session.execute(
            select(CompletionEvidence.person_id, CompletionEvidence.key).where(
                CompletionEvidence.exchange_id == exchange_id,
                CompletionEvidence.kind == EvidenceKind.CONTRIBUTION,
                CompletionEvidence.person_id.in_(person_ids),
            )
        )
    }
    added = 0
    for person_id, weeks in _room_contributions(session, exchange_id, person_ids).items():
        new = {week: source for week, source in weeks.items() if (person_id, week) not in known}
        if not new:
            continue
        _completion(session, exchange_id, person_id)
        for week, source in sorted(new.items()):
            session.add(
                CompletionEvidence(
                    exchange_id=exchange_id,
                    person_id=person_id,
                    kind=EvidenceKind.CONTRIBUTION,
                    key=week,
                    source=source,
                )
            )
        append(
            session,
            EventKind.EVIDENCE_RECORDED,
            exchange_id=exchange_id,
            subject_id=person_id,
            payload={"kind": "contribution", "weeks": sorted(new)},
        )
        added += len(new)
    session.flush()
    return added


def _phase_tasks(session: Session, team_id: int) -> dict[str, PhaseTasks]:
    rows = session.execute(
        select(Task.phase_key, Task.state, func.count())
        .join(Room, Room.id == Task.room_id)
        .where(Room.team_id == team_id)
        .group_by(Task.phase_key, Task.state)
    )
    done: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for phase, state, count in rows:
        total[phase] += count
        if state is TaskState.DONE:
            done[phase] += count
    return {phase: PhaseTasks(done[phase], total[phase]) for phase in total}


def _facts(
    session: Session, exchange_id: int, person_id: int, completion: Completion
) -> CompletionFacts:
    evidence = session.execute(
        select(CompletionEvidence.kind, CompletionEvidence.key).where(
            CompletionEvidence.exchange_id == exchange_id,
            CompletionEvidence.person_id == person_id,
        )
    ).all()
    team = _team_of(session, exchange_id, person_id)
    return CompletionFacts(
        meetings_attended=sum(1 for kind, _ in evidence if kind is EvidenceKind.MEETING),
        contribution_weeks=frozenset(
            k for kind, k in evidence if kind is EvidenceKind.CONTRIBUTION
        ),
        phase_tasks=_phase_tasks(session, team.id),
        reflection_submitted=completion.reflection_at is not None,
        signed_off=completion.status is CompletionStatus.APPROVED,
    )


def _verdict(
    session: Session, exchange: Exchange, person_id: int
) -> tuple[CompletionVerdict, Completion]:
    completion = _completion(session, exchange.id, person_id)
    rule = _rule_row(session, exchange).spec()
    return evaluate(rule, _facts(session, exchange.id, person_id, completion)), completion


def _log_evaluation(
    session: Session, actor: Actor, exchange_id: int, person_id: int, verdict: CompletionVerdict
) -> None:
    append(
        session,
        EventKind.RULE_EVALUATED,
        exchange_id=exchange_id,
        subject_id=person_id,
        actor_id=actor.person_id,
        payload={
            "ruleVersion": verdict.rule_version,
            "done": [_label(r.key, r.phase) for r in verdict.done],
            "missing": [_label(r.key, r.phase) for r in verdict.missing],
        },
    )


def _label(key: str, phase: str | None) -> str:
    return f"{key}:{phase}" if phase else key


def _course_of(session: Session, exchange_id: int, person_id: int) -> int | None:
    """The student's own course in the exchange: where their grade goes."""
    return session.scalar(
        select(Seat.course_id)
        .join(CourseMembership, CourseMembership.course_id == Seat.course_id)
        .where(
            Seat.exchange_id == exchange_id,
            Seat.status == SeatStatus.APPROVED,
            CourseMembership.person_id == person_id,
        )
        .order_by(Seat.id)
        .limit(1)
    )


def _grade(session: Session, completion: Completion, comment: str) -> GradeRequest | None:
    course_id = _course_of(session, completion.exchange_id, completion.person_id)
    if course_id is None:
        return None
    return GradeRequest(course_id, completion.person_id, FULL_SCORE, comment)


# ---------------------------------------------------------------- use cases


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
    exchange = _require_exchange_teacher(session, actor, exchange_id)
    phases = tuple(required_phases)
    known = {str(p["key"]) for p in exchange.phases}
    if not set(phases) <= known:
        raise InvalidInput(N_("Choose phases of this exchange only."))
    latest = _rule_row(session, exchange)
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
    _require_exchange_teacher(session, actor, exchange_id)
    added = 0
    for person_id in dict.fromkeys(person_ids):
        _team_of(session, exchange_id, person_id)
        _completion(session, exchange_id, person_id)
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
    _require_exchange_teacher(session, actor, exchange_id)
    members = list(
        session.scalars(
            select(TeamMembership.person_id).where(TeamMembership.exchange_id == exchange_id)
        )
    )
    added = _record_contributions(session, exchange_id, members)
    session.commit()
    return added


def submit_reflection(session: Session, actor: Actor, exchange_id: int, text: str) -> Completion:
    """The student's final reflection; a resubmission replaces the text, not the first date."""
    _exchange(session, exchange_id)
    _team_of(session, exchange_id, actor.person_id)
    body = text.strip()
    if not MIN_REFLECTION <= len(body) <= MAX_REFLECTION:
        raise InvalidInput(N_("A reflection must be 20 to 10000 characters."))
    completion = _completion(session, exchange_id, actor.person_id)
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
    exchange = _exchange(session, exchange_id)
    _team_of(session, exchange_id, actor.person_id)
    _record_contributions(session, exchange_id, [actor.person_id])
    verdict, completion = _verdict(session, exchange, actor.person_id)
    return Progress(exchange, _rule_row(session, exchange).spec(), verdict, completion)


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
    ``first`` on: a page of 50 of 2,500 students then costs 50 verdicts, not 2,500."""
    exchange = _require_exchange_teacher(session, actor, exchange_id)
    institution_id = _person(session, actor.person_id).institution_id
    rows = session.execute(
        select(Person, Team.name)
        .join(TeamMembership, TeamMembership.person_id == Person.id)
        .join(Team, Team.id == TeamMembership.team_id)
        .where(TeamMembership.exchange_id == exchange_id, Person.institution_id == institution_id)
        .order_by(Team.name, Person.id)
    ).all()
    total = len(rows)
    rows = rows[first:] if count is None else rows[first : first + count]
    ids = [person.id for person, _ in rows]
    _record_contributions(session, exchange_id, ids)
    result = []
    for person, team_name in rows:
        verdict, completion = _verdict(session, exchange, person.id)
        result.append(
            StudentRow(
                person.id, person.display_name or f"#{person.id}", team_name, verdict, completion
            )
        )
    session.commit()
    return total, result


def approve_completion(
    session: Session, actor: Actor, exchange_id: int, person_id: int
) -> Decision:
    """Sign-off by the student's own teacher when every other requirement is met."""
    _require_own_teacher(session, actor, exchange_id, person_id)
    exchange = _exchange(session, exchange_id)
    _record_contributions(session, exchange_id, [person_id])
    verdict, completion = _verdict(session, exchange, person_id)
    if completion.status is CompletionStatus.APPROVED:
        raise Conflict(N_("This completion is already approved."))
    if not verdict.ready_for_sign_off:
        raise Conflict(
            N_("Not every requirement is met; record an override with a reason instead.")
        )
    _log_evaluation(session, actor, exchange_id, person_id, verdict)
    decision = _decide(session, actor, completion, verdict, approve=True, reason=None)
    session.commit()
    return decision


def override_completion(
    session: Session, actor: Actor, exchange_id: int, person_id: int, *, approve: bool, reason: str
) -> Decision:
    """The teacher decides against the rule (illness, a different contribution), with a reason."""
    _require_own_teacher(session, actor, exchange_id, person_id)
    text = reason.strip()
    if not MIN_REASON <= len(text) <= MAX_REASON:
        raise InvalidInput(N_("Give a reason of 10 to 1000 characters for an override."))
    exchange = _exchange(session, exchange_id)
    verdict, completion = _verdict(session, exchange, person_id)
    _log_evaluation(session, actor, exchange_id, person_id, verdict)
    decision = _decide(session, actor, completion, verdict, approve=approve, reason=text)
    session.commit()
    return decision


def _decide(
    session: Session,
    actor: Actor,
    completion: Completion,
    verdict: CompletionVerdict,
    *,
    approve: bool,
    reason: str | None,
) -> Decision:
    completion.status = CompletionStatus.APPROVED if approve else CompletionStatus.DECLINED
    completion.approved_by_id = actor.person_id
    completion.decided_at = utcnow()
    completion.rule_version = verdict.rule_version
    completion.overridden = reason is not None
    completion.override_reason = reason
    append(
        session,
        EventKind.COMPLETION_OVERRIDDEN if reason else EventKind.COMPLETION_DECIDED,
        exchange_id=completion.exchange_id,
        subject_id=completion.person_id,
        actor_id=actor.person_id,
        payload={"status": completion.status.value, "ruleVersion": verdict.rule_version},
        private={"reason": reason} if reason else None,
    )
    grade = _grade(session, completion, "Tandem: exchange completed") if approve else None
    exchange = session.get(Exchange, completion.exchange_id)
    notify(
        session,
        [completion.person_id],
        "completion_approved" if approve else "completion_declined",
        {"exchange": exchange.title if exchange else ""},
        dedupe_key=f"completion:{completion.id}:{completion.decided_at.isoformat()}",
        target=f"completion:{completion.exchange_id}",
    )
    return Decision(completion, verdict, grade)
