"""Matching strategies a teacher (or the bench) can pick by name.

Every strategy has the same contract: it returns a MatchResult whose teams satisfy every hard
rule, or an InfeasibilityReport; never a partial or silently broken matching. The two
baselines exist so that the optimiser's gain can be measured in the same run.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from functools import partial
from typing import Protocol

from plugin.matching.candidates import (
    Candidate,
    InfeasibilityReport,
    Matching,
    MatchResult,
    MatchRules,
    ScoreBreakdown,
)
from plugin.matching.explain import draft
from plugin.matching.feasibility import precheck, relaxations_from, team_count_range
from plugin.matching.problem import Problem, compile_problem
from plugin.matching.search import SearchOutcome, search

DEFAULT_SECONDS = 10.0
_TRIED_TEAM_COUNTS = 3
_ONE_COUNT_ABOVE = 2_000
"""Above this pool size one construction already fills the budget, so one team count."""


class Strategy(Protocol):
    """What the service layer calls; `seconds` is a wall-clock cap, `seed` fixes the result."""

    def __call__(
        self,
        candidates: Sequence[Candidate],
        rules: MatchRules,
        *,
        seed: int = 0,
        seconds: float = DEFAULT_SECONDS,
    ) -> Matching: ...


def _rounds_for(n: int) -> int:
    """Enough perturbation rounds to converge on small pools, a handful on huge ones."""
    return max(3, min(60, 20_000 // max(n, 1)))


def result_from(p: Problem, outcome: SearchOutcome, *, seed: int, strategy: str) -> Matching:
    """Turn a search outcome into drafts, or into a report when it broke a hard rule."""
    if outcome.violation > 0:
        return InfeasibilityReport(tuple(relaxations_from(p, outcome.teams)))
    ordered = sorted(outcome.teams, key=lambda t: min(p.candidates[i].id for i in t))
    unlocked = [all(p.lock[i] < 0 for i in members) for members in ordered]
    positions = [sum(unlocked[:k]) for k in range(len(ordered))]
    teams = tuple(draft(p, members, positions[k]) for k, members in enumerate(ordered))
    score = ScoreBreakdown()
    for team in teams:
        score = score + team.score
    return MatchResult(
        teams=teams,
        objective=score.total,
        score=score,
        seed=seed,
        strategy=strategy,
        stopped_by_time=outcome.stopped_by_time,
    )


def _run(
    candidates: Sequence[Candidate],
    rules: MatchRules,
    *,
    seed: int = 0,
    seconds: float = DEFAULT_SECONDS,
    name: str,
    start: str,
    optimise: bool,
) -> Matching:
    """Shared driver: precheck, then search each plausible team count and keep the best.

    Fewest teams come first because pair-based diversity favours large teams; smaller pools
    also try a few more counts, each with an equal share of the remaining budget.
    """
    began = time.perf_counter()
    p = compile_problem(candidates, rules)
    problems = precheck(p)
    if problems:
        return InfeasibilityReport(tuple(problems))
    several = optimise and p.n <= _ONE_COUNT_ABOVE
    counts = list(team_count_range(p))[: _TRIED_TEAM_COUNTS if several else 1]
    best: SearchOutcome | None = None
    for k, teams in enumerate(counts):
        share = (seconds - (time.perf_counter() - began)) / (len(counts) - k)
        outcome = search(
            p,
            teams,
            seed=seed,
            deadline=time.perf_counter() + share,
            max_rounds=_rounds_for(p.n),
            start=start,
            optimise=optimise,
        )
        if best is None or (outcome.violation, -outcome.objective) < (
            best.violation,
            -best.objective,
        ):
            best = outcome
    if best is None:  # unreachable: precheck guarantees at least one team count
        raise RuntimeError("no team count to search")
    return result_from(p, best, seed=seed, strategy=name)


STRATEGIES: dict[str, Strategy] = {
    "optimised": partial(_run, name="optimised", start="greedy", optimise=True),
    "round_robin": partial(_run, name="round_robin", start="round_robin", optimise=False),
    "random": partial(_run, name="random", start="random", optimise=False),
}
"""The registry the exchange settings refer to by name (CTFd's CHALLENGE_CLASSES pattern)."""


def match(
    candidates: Sequence[Candidate],
    rules: MatchRules,
    *,
    strategy: str = "optimised",
    seed: int = 0,
    seconds: float = DEFAULT_SECONDS,
) -> Matching:
    """Run a registered strategy by name; the one entry point the service layer needs."""
    return STRATEGIES[strategy](candidates, rules, seed=seed, seconds=seconds)
