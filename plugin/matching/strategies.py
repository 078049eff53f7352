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


def _replan(
    bounds: dict[int, float],
    later: list[int],
    best: SearchOutcome | None,
    left: int,
    ends: float,
    violation: float,
    objective: float,
    deadline: float,
) -> float:
    """The deadline for a count's rounds, once its first descent has a result.

    That result already prunes later counts whose bound it beats (it only improves in the
    rounds), and their share of the budget goes to this count; `left` is how many counts,
    this one included, the budget was shared by. Nothing pruned keeps the deadline as is.
    """
    first = SearchOutcome((), violation, objective, stopped_by_time=False)
    incumbent = first if _wins(first, best) else best
    still = 1 + sum(not _cannot_win(bounds[c], incumbent) for c in later)
    if still == left:
        return deadline
    now = time.perf_counter()
    return now + (ends - now) / still


def _wins(outcome: SearchOutcome, best: SearchOutcome | None) -> bool:
    """Lexicographic: fewer violations first, then a strictly higher objective."""
    return best is None or (outcome.violation, -outcome.objective) < (
        best.violation,
        -best.objective,
    )


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
    whose objective bound cannot beat the best feasible matching so far are skipped; a
    count's first descent already prunes, so its rounds get the budget of the counts it ruled
    out (on the n = 20-30 pools only the fewest teams can win, by ~15 %).
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
    for k, teams in enumerate(counts):
        later = counts[k + 1 :]
        if _cannot_win(bounds[teams], best):
            continue
        left = 1 + sum(not _cannot_win(bounds[c], best) for c in later)
        share = (seconds - (time.perf_counter() - began)) / left

        outcome = search(
            p,
            teams,
            seed=seed,
            deadline=time.perf_counter() + share,
            max_rounds=_rounds_for(p.n),
            start=start,
            optimise=optimise,
            replan=partial(_replan, bounds, later, best, left, began + seconds),
        )
        if _wins(outcome, best):
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
