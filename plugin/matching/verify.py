"""Independent re-checks of a matching, for audit and for tests.

These recompute everything from the candidate list and the rules, sharing nothing with the
search but the rule definitions, so a bug in the search's bookkeeping cannot hide here.
"""

from __future__ import annotations

from collections.abc import Sequence

from plugin.matching.candidates import Candidate, MatchResult, MatchRules
from plugin.matching.feasibility import team_violations
from plugin.matching.objective import matching_breakdown
from plugin.matching.problem import compile_problem


def team_problems(
    pool: Sequence[Candidate], rules: MatchRules, member_ids: Sequence[str]
) -> list[str]:
    """The hard rules one team (given by ids) breaks, e.g. after a manual move or a rebalance."""
    p = compile_problem(pool, rules)
    index = {c.id: i for i, c in enumerate(pool)}
    return sorted(team_violations(p, [index[cid] for cid in member_ids]))


def broken_rules(pool: Sequence[Candidate], rules: MatchRules, result: MatchResult) -> list[str]:
    """Every hard rule a result breaks, plus coverage errors; empty means the result is valid."""
    p = compile_problem(pool, rules)
    index = {c.id: i for i, c in enumerate(pool)}
    placed = [cid for team in result.teams for cid in team.member_ids]
    problems = []
    if sorted(placed) != sorted(index):
        problems.append("not every student is placed exactly once")
    for team in result.teams:
        members = [index[cid] for cid in team.member_ids]
        problems += [f"{team.key}: {rule}" for rule in team_violations(p, members)]
    locked_to = dict(rules.locked)
    problems += [
        f"{cid} left locked team {locked_to[cid]}"
        for team in result.teams
        for cid in team.member_ids
        if cid in locked_to and locked_to[cid] != team.key
    ]
    return problems


def recomputed_objective(
    pool: Sequence[Candidate], rules: MatchRules, result: MatchResult
) -> float:
    """The objective from the teams alone, bypassing everything the search cached."""
    p = compile_problem(pool, rules)
    index = {c.id: i for i, c in enumerate(pool)}
    teams = [[index[cid] for cid in team.member_ids] for team in result.teams]
    return matching_breakdown(p, teams).total
