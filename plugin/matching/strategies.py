"""Matching strategies a teacher (or the bench) can pick by name.

Every strategy has the same contract: it returns a MatchResult whose teams satisfy every hard
rule, or an InfeasibilityReport; never a partial or silently broken matching. The two
baselines exist so that the optimiser's gain can be measured in the same run.
"""

from __future__ import annotations

import math
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
_PROBE_UP_TO = 100
"""Pools up to this size probe the first team count before searching it (see `_run`): one
construction and descent is a few hundredths of the budget there, but a large share of it on
1,000 students, whose team counts are too close in bound to prune anyway."""
_MARGIN = 1e-6
"""Slack on the bound comparison, so float round-off in a sum can never prune a winner."""


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


_SMALL_POOL = 36
"""Pools up to this size get `_SMALL_ROUNDS` rounds; against the exact optima at n = 20-30
the iterated search still found new optima between round 60 and round 150."""
_SMALL_ROUNDS = 150


def _rounds_for(n: int) -> int:
    """Enough perturbation rounds to converge on small pools, a handful on huge ones."""
    if n <= _SMALL_POOL:
        return _SMALL_ROUNDS
    return max(3, min(60, 20_000 // max(n, 1)))


def _most_unequal_sizes(n: int, teams: int, low: int, high: int) -> list[int] | None:
    """The size split of n into `teams` sizes in [low, high] that majorises every other one.

    As many teams as possible are full, one takes the remainder and the rest are minimal;
    None if no split exists. Any sum of a convex function of the sizes (such as the member
    pairs) is largest on this split.
    """
    if teams < 1 or not teams * low <= n <= teams * high:
        return None
    extra = n - teams * low
    span = high - low
    if span == 0:
        return [low] * teams
    full, rest = divmod(extra, span)
    sizes = [high] * full + ([low + rest] if rest else [])
    return sizes + [low] * (teams - len(sizes))


def objective_bound(p: Problem, teams: int) -> float:
    """An upper bound on the objective of any feasible matching into `teams` teams.

    Diversity counts differing pairs, at most every member pair per attribute, and the pairs
    are most numerous on the most unequal size split; isolation and balance are penalties
    (at most 0); honoured requests are at most all mutual pairs. The driver skips team counts
    whose bound cannot beat a feasible matching already found, because pair counting makes
    fewer, larger teams win by a margin and the other counts' budget is better spent there.
    Negative weights turn penalties into rewards, so then no bound is claimed (infinity).
    """
    r = p.rules
    w = r.weights
    if min(w.diversity, w.isolation, w.balance, w.requests) < 0:
        return math.inf
    sizes = _most_unequal_sizes(p.n, teams, r.min_size, r.max_size)
    if sizes is None:
        return math.inf
    pairs = sum(s * (s - 1) // 2 for s in sizes)
    attributes = len(w.diversity_attributes)
    mutual_pairs = sum(len(partners) for partners in p.mutual) // 2
    return w.diversity * attributes * pairs + w.requests * mutual_pairs


def _cannot_win(bound: float, best: SearchOutcome | None) -> bool:
    """True when a count bounded by `bound` can neither lower best's violation nor beat it.

    Only a feasible incumbent prunes: any other count might still be the first feasible one.
    A later count replaces the incumbent only with a strictly higher objective, and its
    objective is at most the bound, so a bound below the incumbent means it cannot win; the
    bound must be `_MARGIN` below, so that round-off in either sum never prunes a winner.
    """
    return best is not None and best.violation <= 0 and bound <= best.objective - _MARGIN


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
    also try a few more counts, each with an equal share of the remaining budget. Counts
    whose objective bound cannot beat the best feasible matching so far are skipped, and on
    small pools a probe of the first count (construction and one descent, no perturbation
    rounds) prunes before its own search, so that a count which cannot win takes no budget.
    """
    began = time.perf_counter()
    p = compile_problem(candidates, rules)
    problems = precheck(p)
    if problems:
        return InfeasibilityReport(tuple(problems))
    several = optimise and p.n <= _ONE_COUNT_ABOVE
    counts = list(team_count_range(p))[: _TRIED_TEAM_COUNTS if several else 1]
    bounds = {teams: objective_bound(p, teams) for teams in counts}
    best: SearchOutcome | None = None
    if len(counts) > 1 and p.n <= _PROBE_UP_TO:
        # The probe is the first count's search without rounds: a feasible objective that
        # only ever grows, so whatever it prunes the full search would have pruned too.
        best = search(
            p,
            counts[0],
            seed=seed,
            deadline=began + seconds / len(counts),
            max_rounds=0,
            start=start,
            optimise=optimise,
        )
    for teams in list(counts):
        left = [k for k in counts if k >= teams and not _cannot_win(bounds[k], best)]
        if teams not in left:
            continue
        share = (seconds - (time.perf_counter() - began)) / len(left)
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
