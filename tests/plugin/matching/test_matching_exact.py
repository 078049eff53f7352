"""The exact model against brute force, and the heuristic's pair re-split against the evaluator.

The exact model splits the search by team-size profile and drops columns by reduced cost, so
a wrong profile list or an over-eager filter would return a sub-optimal "optimum" that the
bench then trusts; an independent brute force on tiny pools with many profiles catches both.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from functools import cache
from itertools import combinations
from pathlib import Path

import pytest

from plugin.matching.candidates import Candidate, MatchRules, SoftWeights
from plugin.matching.exact import relaxation_bound, size_profiles, solve_exact
from plugin.matching.feasibility import team_violation
from plugin.matching.objective import team_score
from plugin.matching.problem import Problem, compile_problem
from plugin.matching.search import _better, _Evaluator, _recombine, _start, _State
from plugin.matching.synthetic import make_pool

ROOT = Path(__file__).resolve().parents[3]
SMALL_TEAMS = MatchRules(
    min_size=2,
    max_size=4,
    min_institutions=2,
    max_per_institution=2,
    min_shared_hours=1.0,
    weights=SoftWeights(isolation_groups=(("gender", "f"), ("gender", "m"))),
)
"""Sizes 2-4 give a 10-student pool five size profiles, so a profile bug has room to show."""


def _brute_force(p: Problem, profile: tuple[int, ...] | None = None) -> float | None:
    """Best partition (with that many teams per size, if given) by memoised recursion over
    bitmasks, sharing no code with the model."""
    lo = p.rules.min_size
    valid = [
        (sum(1 << i for i in team), size - lo, team_score(p, team))
        for size in range(lo, p.rules.max_size + 1)
        for team in combinations(range(p.n), size)
        if team_violation(p, team) == 0
    ]

    @cache
    def best(left: int, wanted: tuple[int, ...] | None) -> float:
        if left == 0:
            return 0.0 if wanted is None or not any(wanted) else float("-inf")
        low = left & -left
        found = float("-inf")
        for mask, k, score in valid:
            if mask & low and mask & left == mask:
                if wanted is None:
                    found = max(found, score + best(left ^ mask, None))
                elif wanted[k] > 0:
                    fewer = (*wanted[:k], wanted[k] - 1, *wanted[k + 1 :])
                    found = max(found, score + best(left ^ mask, fewer))
        return found

    value = best((1 << p.n) - 1, profile)
    return None if value == float("-inf") else value


def test_size_profiles_are_every_split_of_n_once() -> None:
    assert sorted(size_profiles(20, 4, 6)) == [(0, 4, 0), (1, 2, 1), (2, 0, 2), (5, 0, 0)]
    profiles = size_profiles(10, 2, 4)
    assert len(profiles) == len(set(profiles)) == 5
    assert all(sum((2 + k) * a for k, a in enumerate(prof)) == 10 for prof in profiles)
    assert size_profiles(7, 4, 6) == []


@pytest.mark.parametrize("seed", range(1, 7))
def test_exact_model_equals_brute_force_on_tiny_pools(seed: int) -> None:
    p = compile_problem(make_pool(10, seed), SMALL_TEAMS)
    truth = _brute_force(p)
    sol = solve_exact(p)
    if truth is None:
        assert sol is None
        return
    assert sol is not None
    assert sol.proven
    assert sol.objective == pytest.approx(truth, abs=1e-9)
    assert sorted(i for team in sol.teams for i in team) == list(range(p.n))
    assert all(team_violation(p, team) == 0 for team in sol.teams)
    assert sol.root_bound >= truth - 1e-9


@pytest.mark.parametrize("seed", [1, 3, 6])
def test_a_too_narrow_first_window_is_widened_until_proven(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a near-zero first reduced-cost window the first MIP sees almost no columns; the
    answer is only right if the widening loop keeps going until the window covers the gap."""
    import plugin.matching.exact as exact

    monkeypatch.setattr(exact, "_FIRST_WINDOW", 1e-9)
    p = compile_problem(make_pool(10, seed), SMALL_TEAMS)
    sol = solve_exact(p)
    assert sol is not None
    assert sol.proven
    assert sol.objective == pytest.approx(_brute_force(p), abs=1e-9)


@pytest.mark.parametrize("seed", [1, 6])
def test_each_profile_model_equals_brute_force_with_those_sizes(seed: int) -> None:
    """Per profile, so a wrong count row or size filter shows even off the optimal profile."""
    p = compile_problem(make_pool(10, seed), SMALL_TEAMS)
    for profile in size_profiles(p.n, p.rules.min_size, p.rules.max_size):
        truth = _brute_force(p, profile)
        sol = solve_exact(p, profiles=[profile])
        if truth is None:
            assert sol is None, profile
            continue
        assert sol is not None, profile
        assert sol.proven, profile
        assert sol.objective == pytest.approx(truth, abs=1e-9), profile
        sizes = [len(t) for t in sol.teams]
        assert [sizes.count(p.rules.min_size + k) for k in range(len(profile))] == list(profile)


def test_profile_rows_tighten_the_plain_relaxation_where_sizes_cannot_all_be_six() -> None:
    # 20 students cannot form teams of six only; the plain LP pretends they can.
    rules = MatchRules(
        min_institutions=3,
        max_per_institution=2,
        weights=SoftWeights(isolation_groups=(("gender", "f"), ("gender", "m"))),
    )
    p = compile_problem(make_pool(20, 1), rules)
    sol = solve_exact(p)
    assert sol is not None
    assert sol.proven
    plain = relaxation_bound(p)
    assert plain > sol.root_bound + 1.0 > sol.objective + 1.0 - 1e-6


def test_cached_optimum_still_matches_the_model() -> None:
    """The bench trusts the committed JSON; a changed generator or objective must show here."""
    from bench.matching import RULES

    data = json.loads((ROOT / "plugin" / "matching" / "data" / "exact_optima.json").read_text())
    case = min(data["instances"], key=lambda c: (c["columns"], c["n"], c["seed"]))
    sol = solve_exact(compile_problem(make_pool(case["n"], case["seed"]), RULES))
    assert sol is not None
    assert sol.proven
    assert sol.objective == pytest.approx(case["optimum"], abs=1e-6)


def _pair_rules(pool: Sequence[Candidate]) -> MatchRules:
    ids = [c.id for c in pool]
    return MatchRules(
        min_size=3,
        max_size=6,
        min_institutions=2,
        max_per_institution=3,
        keep_apart=((ids[0], ids[1]), (ids[2], ids[3])),
        keep_together=((ids[4], ids[5]),),
        locked=((ids[6], "a"), (ids[7], "b")),
        weights=SoftWeights(isolation_groups=(("gender", "f"),)),
    )


@pytest.mark.parametrize("seed", range(3))
def test_pair_resplit_only_applies_true_improvements(seed: int) -> None:
    """Every re-split the heuristic applies must really improve the two teams it touches.

    The pricing is vectorised and leaves out terms it argues are constant (locks, keep-
    together); the exact evaluator is the judge, on a pool with blocks, locks and keep-apart.
    """
    pool = make_pool(24, 5)
    p = compile_problem(pool, _pair_rules(pool))
    st = _State(p, 5, _Evaluator(p))
    rng = random.Random(seed)
    _start(st, "random", rng)
    applied = 0
    for _ in range(60):
        g, h = rng.sample(range(5), 2)
        before = [st.evaluate(st.members(x)) for x in (g, h)]
        locked_before = {u: st.where[u] for u in st.locked}
        outcome = _recombine(st, g, h)
        after = [st.evaluate(st.members(x)) for x in (g, h)]
        assert {u: st.where[u] for u in st.locked} == locked_before
        assert sorted(len(st.members(x)) for x in range(5)) == sorted(int(s) for s in st.sizes)
        if outcome:
            applied += 1
            dv = sum(c[0] for c in after) - sum(c[0] for c in before)
            ds = sum(c[1] for c in after) - sum(c[1] for c in before)
            assert _better(dv, ds)
        else:
            assert after == before
    assert applied > 0


def test_pair_resplit_finds_the_best_split_of_two_teams() -> None:
    """After a re-split no split of the two teams' free units scores better (brute force)."""
    pool = make_pool(24, 5)
    p = compile_problem(pool, _pair_rules(pool))
    st = _State(p, 4, _Evaluator(p))
    _start(st, "greedy", random.Random(1))
    r = p.rules
    for g, h in combinations(range(4), 2):
        while _recombine(st, g, h):
            pass
        fixed = [[u for u in st.groups[x] if u in st.locked] for x in (g, h)]
        free = [u for x in (g, h) for u in st.groups[x] if u not in st.locked]
        now = [st.evaluate(st.members(x)) for x in (g, h)]
        cur = (sum(c[0] for c in now), sum(c[1] for c in now))
        for k in range(len(free) + 1):
            for side in combinations(free, k):
                teams = [
                    [i for u in (*fixed[0], *side) for i in p.blocks[u]],
                    [
                        i
                        for u in (*fixed[1], *(u for u in free if u not in side))
                        for i in p.blocks[u]
                    ],
                ]
                if not all(r.min_size <= len(t) <= r.max_size for t in teams):
                    continue
                v = sum(team_violation(p, t) for t in teams)
                s = sum(team_score(p, t) for t in teams)
                assert not _better(v - cur[0], s - cur[1] - 1e-7)


def test_lazy_aggregates_catch_up_with_the_teams() -> None:
    """Re-splits with `lazy` aggregates, then `sync`, must leave what a full refresh leaves.

    The unit moves that follow a pair descent read the aggregates, so a team that `sync`
    missed would price moves against stale counts.
    """
    pool = make_pool(24, 5)
    p = compile_problem(pool, _pair_rules(pool))
    st = _State(p, 5, _Evaluator(p))
    rng = random.Random(2)
    _start(st, "random", rng)
    st.lazy = True
    for _ in range(30):
        g, h = rng.sample(range(5), 2)
        _recombine(st, g, h)
    assert st.stale
    st.sync()
    assert not st.stale
    fresh = _State(p, 5, _Evaluator(p))
    for g, units in enumerate(st.groups):
        for u in units:
            fresh.place(u, g)
        fresh.refresh(g)
    for name in ("team_of", "sizes", "inst", "counts", "iso", "level", "and_words", "loo"):
        assert (getattr(st.agg, name) == getattr(fresh.agg, name)).all(), name
    assert st.cost == fresh.cost
