"""A student's verdict under the exchange's current rule, and the ledger's note of it.

The machinery behind plugin.completion.service's progress, pages and decisions; no function
here commits (``rule_row`` makes version 1 on first use inside the caller's transaction).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.completion.checks import completion_row
from plugin.completion.evidence import facts_of
from plugin.completion.models import Completion, CompletionRule
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


def verdict_of(
    session: Session, exchange: Exchange, person_id: int
) -> tuple[CompletionVerdict, Completion]:
    completion = completion_row(session, exchange.id, person_id)
    rule = rule_row(session, exchange).spec()
    return evaluate(rule, facts_of(session, exchange.id, person_id, completion)), completion


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
