"""The vectorised move/swap pricing equals the exact team evaluator, and baselines get feasible."""

from __future__ import annotations

import random

import numpy as np
import pytest

from plugin.matching.candidates import MatchResult, MatchRules, SoftWeights
from plugin.matching.problem import compile_problem
from plugin.matching.search import _apply, _Evaluator, _start, _State
from plugin.matching.strategies import match
from plugin.matching.synthetic import make_pool
from plugin.matching.verify import broken_rules

RULES = MatchRules(
    min_institutions=3,
    max_per_institution=2,
    weights=SoftWeights(isolation_groups=(("gender", "f"), ("gender", "m"))),
)


def _exact(
    st: _State, old: tuple[int, int], new: tuple[list[int], list[int]]
) -> tuple[float, float]:
    a, b = st.evaluate(new[0]), st.evaluate(new[1])
    g, h = old
    return (
        a[0] + b[0] - st.cost[g][0] - st.cost[h][0],
        a[1] + b[1] - st.cost[g][1] - st.cost[h][1],
    )


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_vectorised_deltas_equal_exact_evaluation_along_a_random_walk(seed: int) -> None:
    pool = make_pool(70, seed)
    p = compile_problem(pool, RULES)
    st = _State(p, 14, _Evaluator(p))
    rng = random.Random(seed)
    _start(st, "random", rng)
    for _ in range(40):
        i = rng.randrange(p.n)
        g = int(st.agg.team_of[i])
        others = np.flatnonzero(st.agg.team_of != g)
        dv, ds = st.agg.price_swaps(i, others)
        for k in rng.sample(range(len(others)), 10):
            j = int(others[k])
            h = int(st.agg.team_of[j])
            new_g = [x for x in st.members(g) if x != i] + [j]
            new_h = [x for x in st.members(h) if x != j] + [i]
            assert (dv[k], ds[k]) == pytest.approx(_exact(st, (g, h), (new_g, new_h)))
        targets = np.asarray([t for t in range(14) if t != g])
        mv, ms = st.agg.price_moves(i, targets)
        for k, h in enumerate(targets.tolist()):
            new_g = [x for x in st.members(g) if x != i]
            new_h = [*st.members(h), i]
            assert (mv[k], ms[k]) == pytest.approx(_exact(st, (g, h), (new_g, new_h)))
        j = int(others[rng.randrange(len(others))])
        _apply(st, p.block[i], g, int(st.agg.team_of[j]), p.block[j])


@pytest.mark.parametrize("name", ["random", "round_robin"])
def test_baselines_become_feasible_on_a_bench_like_pool(name: str) -> None:
    pool = make_pool(300, 2026)
    result = match(pool, RULES, strategy=name, seed=0, seconds=10.0)
    assert isinstance(result, MatchResult), getattr(result, "summary", result)
    assert broken_rules(pool, RULES, result) == []
    optimised = match(pool, RULES, seed=0, seconds=1.0)
    assert isinstance(optimised, MatchResult)
    assert optimised.objective > result.objective
