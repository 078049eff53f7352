"""Pure completion rules: a versioned rule and the facts about one student give a verdict.

No database and no clock: the service gathers ``CompletionFacts`` from rooms and teachers'
records, so the same verdict can be recomputed (and audited) from the ledger's payloads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from plugin.errors import InvalidInput
from plugin.i18n import N_

MAX_MEETINGS = 52
MAX_WEEKS = 52

#: Requirement keys, in the order people read them.
MEETINGS = "meetings"
CONTRIBUTION = "contribution"
TASKS = "tasks"
REFLECTION = "reflection"
SIGN_OFF = "sign_off"
PEER = "peer"  # took part in every closed peer evaluation round, where required


@dataclass(frozen=True)
class Rule:
    """What teachers chose for an exchange; a new choice is a new version, never an edit."""

    version: int
    min_meetings: int = 3
    min_contribution_weeks: int = 4
    required_phases: tuple[str, ...] = ()
    reflection_required: bool = True

    def __post_init__(self) -> None:
        if self.version < 1:
            raise InvalidInput(N_("A rule version starts at 1."))
        if not 0 <= self.min_meetings <= MAX_MEETINGS:
            raise InvalidInput(
                N_("The number of meetings must be between 0 and 52."), "min_meetings"
            )
        if not 0 <= self.min_contribution_weeks <= MAX_WEEKS:
            raise InvalidInput(
                N_("The number of weeks must be between 0 and 52."), "min_contribution_weeks"
            )
        if len(set(self.required_phases)) != len(self.required_phases):
            raise InvalidInput(N_("A phase can be required only once."), "phase")


@dataclass(frozen=True)
class PhaseTasks:
    done: int
    total: int


@dataclass(frozen=True)
class CompletionFacts:
    """What is known about one student now (the team's tasks count for each member)."""

    meetings_attended: int = 0
    contribution_weeks: frozenset[str] = frozenset()
    phase_tasks: Mapping[str, PhaseTasks] = field(default_factory=dict)
    reflection_submitted: bool = False
    signed_off: bool = False
    # (rounds taken part in, rounds closed) when the exchange requires peer evaluation.
    peer_rounds: tuple[int, int] | None = None


@dataclass(frozen=True)
class Requirement:
    """One line of the checklist: ``have`` of ``need`` (1 of 1 for yes/no requirements)."""

    key: str
    done: bool
    have: int
    need: int
    phase: str | None = None


@dataclass(frozen=True)
class CompletionVerdict:
    rule_version: int
    requirements: tuple[Requirement, ...]

    @property
    def done(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if r.done)

    @property
    def missing(self) -> tuple[Requirement, ...]:
        return tuple(r for r in self.requirements if not r.done)

    @property
    def ready_for_sign_off(self) -> bool:
        """Everything but the teacher's sign-off is done."""
        return all(r.done for r in self.requirements if r.key != SIGN_OFF)

    @property
    def complete(self) -> bool:
        return all(r.done for r in self.requirements)


def _count(key: str, have: int, need: int) -> Requirement:
    return Requirement(key, have >= need, have, need)


def _flag(key: str, value: bool, phase: str | None = None) -> Requirement:
    return Requirement(key, value, int(value), 1, phase)


def _phase(key: str, tasks: PhaseTasks | None) -> Requirement:
    """A phase counts when its team planned at least one task and finished them all."""
    done, total = (tasks.done, tasks.total) if tasks else (0, 0)
    return Requirement(TASKS, total > 0 and done >= total, done, max(total, 1), key)


def evaluate(rule: Rule, facts: CompletionFacts) -> CompletionVerdict:
    requirements: list[Requirement] = []
    if rule.min_meetings:
        requirements.append(_count(MEETINGS, facts.meetings_attended, rule.min_meetings))
    if rule.min_contribution_weeks:
        weeks = len(facts.contribution_weeks)
        requirements.append(_count(CONTRIBUTION, weeks, rule.min_contribution_weeks))
    requirements += [_phase(key, facts.phase_tasks.get(key)) for key in rule.required_phases]
    if rule.reflection_required:
        requirements.append(_flag(REFLECTION, facts.reflection_submitted))
    if facts.peer_rounds is not None and facts.peer_rounds[1]:
        requirements.append(_count(PEER, *facts.peer_rounds))
    requirements.append(_flag(SIGN_OFF, facts.signed_off))
    return CompletionVerdict(rule.version, tuple(requirements))


def iso_week(year: int, week: int) -> str:
    """``2026-W07``: the key a week of contribution is recorded under (ISO 8601 weeks)."""
    return f"{year:04d}-W{week:02d}"
