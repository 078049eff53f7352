"""The soft objective of one team; a matching's objective is the sum over its teams.

Keeping the objective a sum of per-team terms is a design choice, not an accident: it lets the
local search price a move by re-scoring two teams, and lets the exact set-partitioning model
give every feasible team one column with one cost.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from plugin.matching.candidates import ScoreBreakdown
from plugin.matching.problem import Problem


def team_breakdown(p: Problem, members: Sequence[int]) -> ScoreBreakdown:
    """Score one team term by term.

    Diversity counts, per attribute, the member pairs that differ; isolation is minus one per
    member who is alone in an isolation group; balance is minus the team's size times the
    squared distance of its mean language level from the pool's mean; requests count the
    mutual requests the team honours.
    """
    w = p.rules.weights
    size = len(members)
    if size == 0:
        return ScoreBreakdown()
    differing = 0
    for a in range(len(w.diversity_attributes)):
        counts = Counter(p.diversity_codes[i][a] for i in members)
        differing += (size * size - sum(c * c for c in counts.values())) // 2
    isolated = 0
    for k in range(len(w.isolation_groups)):
        if sum(p.isolation_flags[i][k] for i in members) == 1:
            isolated += 1
    mean = sum(p.level[i] for i in members) / size
    honoured = sum(1 for x in members for y in p.mutual[x] if y in members and x < y)
    return ScoreBreakdown(
        diversity=w.diversity * differing,
        isolation=-w.isolation * isolated,
        balance=-w.balance * size * (mean - p.mean_level) ** 2,
        requests=w.requests * honoured,
        # A term switched off (weight 0) counts nothing, as its score says.
        differing=differing if w.diversity else 0,
        isolated=isolated if w.isolation else 0,
        honoured=honoured if w.requests else 0,
    )


def team_score(p: Problem, members: Sequence[int]) -> float:
    """The team's contribution to the one number being maximised."""
    return team_breakdown(p, members).total


def matching_breakdown(p: Problem, teams: Iterable[Sequence[int]]) -> ScoreBreakdown:
    """Recompute a whole matching's score from its teams (the audit path, never cached)."""
    total = ScoreBreakdown()
    for members in teams:
        total = total + team_breakdown(p, members)
    return total
