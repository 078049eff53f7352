"""A student's verdict under the exchange's current rule, and the ledger's note of it.

The machinery behind plugin.completion.service's progress, pages and decisions; no function
here commits (``rule_row`` makes version 1 on first use inside the caller's transaction).
``rule_spec`` and ``shown_verdicts`` only read: a teacher's page evaluates verdicts in memory.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.completion.checks import completion_row
from plugin.completion.evidence import facts_for, facts_of, room_contributions
from plugin.completion.models import Completion, CompletionRule, CompletionStatus
from plugin.completion.rules import CompletionVerdict, Rule, evaluate
from plugin.db import get_or_create
from plugin.exchanges.models import Exchange
from plugin.ledger.models import EventKind
from plugin.ledger.service import append


def rule_row(session: Session, exchange: Exchange) -> CompletionRule:
    """The newest version; version 1 (the COIL defaults over every phase) on first use."""
    row = session.scalar(
        select(CompletionRule)
        .where(CompletionRule.exchange_id == exchange.id)
        .order_by(CompletionRule.version.desc())
        .limit(1)
    )
    if row is not None:
        return row
    default = _default(exchange)
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


def rule_spec(session: Session, exchange: Exchange) -> Rule:
    """The rule ``rule_row`` would give, without making version 1 (for pages, which only read)."""
    row = session.scalar(
        select(CompletionRule)
        .where(CompletionRule.exchange_id == exchange.id)
        .order_by(CompletionRule.version.desc())
        .limit(1)
    )
    return row.spec() if row is not None else _default(exchange)


def _default(exchange: Exchange) -> Rule:
    return Rule(version=1, required_phases=tuple(str(p["key"]) for p in exchange.phases))


def shown_verdicts(
    session: Session, exchange: Exchange, rule: Rule, teams: Mapping[int, int]
) -> dict[int, tuple[CompletionVerdict, Completion]]:
    """Each student's (person → team id) verdict as a decision now would reach it, read in a
    fixed number of statements and written nowhere.

    A student without a completion row gets an unsaved one (in progress); weeks the rooms show
    but evidence does not hold yet count as they will once kept (by the student's own page, a
    decision, or the worker's ``keep_evidence``)."""
    person_ids = list(teams)
    completions = {
        c.person_id: c
        for c in session.scalars(
            select(Completion).where(
                Completion.exchange_id == exchange.id, Completion.person_id.in_(person_ids)
            )
        )
    }
    for person_id in person_ids:
        if person_id not in completions:
            completions[person_id] = Completion(
                exchange_id=exchange.id,
                person_id=person_id,
                status=CompletionStatus.IN_PROGRESS,
                overridden=False,
            )
    weeks = room_contributions(session, exchange.id, person_ids)
    facts = facts_for(session, exchange.id, teams, completions, weeks)
    return {p: (evaluate(rule, facts[p]), completions[p]) for p in person_ids}


def verdict_of(
    session: Session,
    exchange: Exchange,
    person_id: int,
    *,
    team_id: int | None = None,
    completion: Completion | None = None,
) -> tuple[CompletionVerdict, Completion]:
    """The verdict a decision records; ``team_id`` and ``completion`` when the caller has them
    (a sign-off has both), so they are not read again."""
    completion = completion or completion_row(session, exchange.id, person_id)
    rule = rule_row(session, exchange).spec()
    if team_id is None:
        return evaluate(rule, facts_of(session, exchange.id, person_id, completion)), completion
    facts = facts_for(session, exchange.id, {person_id: team_id}, {person_id: completion})
    return evaluate(rule, facts[person_id]), completion


def log_evaluation(
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
