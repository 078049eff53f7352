"""A teacher's decision on a completion: its status, the ledger, the student's notice and
the grade the LMS should get. The machinery behind approve_completion and override_completion
(plugin.completion.service); nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.completion.models import Completion, CompletionStatus
from plugin.completion.rules import CompletionVerdict
from plugin.courses.models import CourseMembership
from plugin.db import utcnow
from plugin.exchanges.models import Exchange, Seat, SeatStatus
from plugin.ledger.models import EventKind
from plugin.ledger.service import append
from plugin.notifications.service import notify
from plugin.peer.factors import adjusted_grade
from plugin.peer.service import grade_factor

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


def grade_course(session: Session, exchange_id: int, person_id: int) -> int | None:
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


def grade_request(session: Session, completion: Completion, comment: str) -> GradeRequest | None:
    course_id = grade_course(session, completion.exchange_id, completion.person_id)
    if course_id is None:
        return None
    # Where the exchange chose it, the peer adjustment factor scales the grade (never above full).
    factor = grade_factor(session, completion.exchange_id, completion.person_id)
    score = adjusted_grade(FULL_SCORE, factor, FULL_SCORE)
    return GradeRequest(course_id, completion.person_id, score, comment)


def decide(
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
    grade = grade_request(session, completion, "Tandem: exchange completed") if approve else None
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
