"""Properties of the team-matching engine: hard rules hold, reports explain, seeds reproduce."""

from __future__ import annotations

import time
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from plugin.errors import InvalidInput
from plugin.matching.candidates import (
    Candidate,
    InfeasibilityReport,
    Matching,
    MatchResult,
    MatchRules,
    SoftWeights,
)
from plugin.matching.exact import solve_exact
from plugin.matching.feasibility import team_count_range
from plugin.matching.problem import compile_problem
from plugin.matching.rebalance import place_late_joiners, rebalance_after_dropouts
from plugin.matching.search import search
from plugin.matching.strategies import (
    STRATEGIES,
    _cannot_win,
    _most_unequal_sizes,
    _replan,
    match,
    objective_bound,
)
from plugin.matching.synthetic import make_pool
from plugin.matching.verify import broken_rules, recomputed_objective, team_problems

DAY = 24 * 60
TUE_14_18 = ((DAY + 14 * 60, DAY + 18 * 60),)
FAST = 0.5


def student(
    cid: str,
    institution: str,
    *,
    free: Sequence[tuple[int, int]] = TUE_14_18,
    level: str = "B2",
    discipline: str = "law",
    gender: str = "f",
) -> Candidate:
    """A student free Tue 14-18 UTC by default, so each test states only what it varies."""
    return Candidate(
        id=cid,
        institution=institution,
        country=institution[:2].upper(),
        availability=tuple(free),
        languages=(("en", level),),
        discipline=discipline,
        attributes=(("gender", gender),),
    )


def assert_valid(pool: Sequence[Candidate], rules: MatchRules, outcome: Matching) -> MatchResult:
    assert isinstance(outcome, MatchResult), getattr(outcome, "summary", outcome)
    assert broken_rules(pool, rules, outcome) == []
    assert outcome.objective == pytest.approx(recomputed_objective(pool, rules, outcome))
    return outcome


# --- generated pools -------------------------------------------------------------------------

WINDOWS = (
    (DAY + 14 * 60, DAY + 18 * 60),
    (DAY + 16 * 60, DAY + 20 * 60),
    (3 * DAY + 8 * 60, 3 * DAY + 11 * 60),
    (5 * DAY + 9 * 60, 5 * DAY + 17 * 60),
)


@st.composite
def pools(draw: st.DrawFn) -> tuple[list[Candidate], MatchRules]:
    n = draw(st.integers(min_value=0, max_value=14))
    pool = [
        student(
            f"s{k:02d}",
            draw(st.sampled_from(("Alpha", "Beta", "Gamma", "Delta"))),
            free=draw(st.lists(st.sampled_from(WINDOWS), min_size=1, max_size=3, unique=True)),
            level=draw(st.sampled_from(("A2", "B1", "B2", "C1"))),
            discipline=draw(st.sampled_from(("law", "art", "bio"))),
            gender=draw(st.sampled_from(("f", "m"))),
        )
        for k in range(n)
    ]
    ids = [c.id for c in pool]
    pairs = st.tuples(st.sampled_from(ids), st.sampled_from(ids)).filter(lambda p: p[0] != p[1])
    min_size = draw(st.integers(min_value=2, max_value=4))
    rules = MatchRules(
        min_size=min_size,
        max_size=min_size + draw(st.integers(min_value=0, max_value=2)),
        min_institutions=draw(st.integers(min_value=1, max_value=3)),
        max_per_institution=draw(st.sampled_from((None, 2, 3))),
        min_shared_hours=draw(st.sampled_from((0.0, 1.0, 2.0, 3.5))),
        min_level=draw(st.sampled_from(("A2", "B1", "B2"))),
        keep_apart=tuple(draw(st.lists(pairs, max_size=2))) if ids else (),
        keep_together=tuple(draw(st.lists(pairs, max_size=1))) if ids else (),
        locked=tuple(
            (cid, "L1") for cid in draw(st.lists(st.sampled_from(ids), max_size=2, unique=True))
        )
        if ids
        else (),
        weights=SoftWeights(isolation_groups=(("gender", "f"),)),
    )
    return pool, rules


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pools())
def test_every_outcome_is_valid_teams_or_a_report(case: tuple[list[Candidate], MatchRules]) -> None:
    pool, rules = case
    outcome = match(pool, rules, seed=3, seconds=FAST)
    if isinstance(outcome, InfeasibilityReport):
        assert outcome.problems
        assert all(p.reason and p.suggestion for p in outcome.problems)
    else:
        assert_valid(pool, rules, outcome)


@settings(max_examples=3, deadline=None)
@given(st.integers(min_value=10, max_value=16), st.integers(min_value=0, max_value=2**16))
def test_same_seed_gives_same_teams(n: int, seed: int) -> None:
    # Small pools still run every perturbation round to the end (never cut by the clock),
    # which is what makes a same-seed rerun a real test of determinism.
    pool = make_pool(n, seed)
    rules = MatchRules(min_institutions=3, max_per_institution=2)
    first = match(pool, rules, seed=seed, seconds=30)
    # Some random pools cannot meet the rules (e.g. seed 5548: too few universities for
    # "at least 3, at most 2 each"); determinism is about teams, so draw another pool.
    assume(isinstance(first, MatchResult))
    again = match(pool, rules, seed=seed, seconds=30)
    assert isinstance(first, MatchResult)
    assert not first.stopped_by_time
    assert first == again


@settings(max_examples=8, deadline=None)
@given(
    st.integers(min_value=12, max_value=30),
    st.integers(min_value=0, max_value=2**16),
    st.lists(st.integers(min_value=0, max_value=11), min_size=1, max_size=3, unique=True),
)
def test_locked_members_never_move_in_realistic_pools(
    n: int, seed: int, locked_positions: list[int]
) -> None:
    pool = make_pool(n, seed)
    locks = tuple((pool[k].id, "Locked") for k in locked_positions)
    rules = MatchRules(min_institutions=2, max_per_institution=3, min_shared_hours=1, locked=locks)
    outcome = match(pool, rules, seed=seed, seconds=FAST)
    if isinstance(outcome, InfeasibilityReport):
        assert outcome.problems
        return
    result = assert_valid(pool, rules, outcome)
    locked_team = next(t for t in result.teams if t.key == "Locked")
    assert {cid for cid, _ in locks} <= set(locked_team.member_ids)


# --- hard rules, examples ----------------------------------------------------------------------


def test_locked_members_stay_in_their_team() -> None:
    pool = make_pool(24, 5)
    locked = ((pool[0].id, "Pinned"), (pool[7].id, "Pinned"))
    rules = MatchRules(min_institutions=3, max_per_institution=2, locked=locked)
    result = assert_valid(pool, rules, match(pool, rules, seed=1, seconds=FAST))
    pinned = next(t for t in result.teams if t.key == "Pinned")
    assert {pool[0].id, pool[7].id} <= set(pinned.member_ids)


def test_report_names_students_without_cross_university_overlap() -> None:
    pool = [student(f"a{k}", "Alpha") for k in range(3)] + [
        student(f"b{k}", "Beta", free=((0, 60),)) for k in range(3)
    ]
    rules = MatchRules(min_size=2, max_size=3, min_institutions=2, min_shared_hours=2)
    report = match(pool, rules, seconds=FAST)
    assert isinstance(report, InfeasibilityReport)
    assert report.problems[0].rule == "shared hours"
    assert report.problems[0].reason == (
        "6 students have < 2 h overlap with anyone from another university"
    )
    assert "lower the minimum to 0 h" in report.problems[0].suggestion
    # ...and names them, with the hours each reaches, so the teacher knows whom to ask.
    named = dict(report.problems[0].students)
    assert set(named) == {s.id for s in pool}
    assert named["b0"] == 0.0  # the figure behind "lower the minimum to 0 h"


def test_report_names_language_level_and_the_level_that_would_admit_everyone() -> None:
    pool = [student(f"a{k}", "Alpha") for k in range(2)] + [
        student(f"b{k}", "Beta", level="A2") for k in range(2)
    ]
    rules = MatchRules(min_size=2, max_size=4, min_level="B2")
    report = match(pool, rules, seconds=FAST)
    assert isinstance(report, InfeasibilityReport)
    assert report.summary == "2 students have no en at B2 or above (lower the level to A2)."


def test_report_when_pool_cannot_be_split_into_sizes() -> None:
    pool = [student(f"a{k}", "Alpha" if k % 2 else "Beta") for k in range(7)]
    report = match(pool, MatchRules(min_size=4, max_size=5), seconds=FAST)
    assert isinstance(report, InfeasibilityReport)
    assert report.problems[0].rule == "team size"


def test_invalid_input_is_an_error_not_a_report() -> None:
    pool = [student("a", "Alpha"), student("a", "Beta")]
    with pytest.raises(InvalidInput, match="appears twice"):
        match(pool, MatchRules(min_size=2, max_size=2))


def test_keep_apart_and_keep_together_are_honoured() -> None:
    pool = make_pool(20, 11)
    rules = MatchRules(
        min_institutions=3,
        max_per_institution=2,
        keep_apart=((pool[0].id, pool[5].id),),
        keep_together=((pool[1].id, pool[2].id),),
    )
    result = assert_valid(pool, rules, match(pool, rules, seed=2, seconds=FAST))
    team_of = {cid: t.key for t in result.teams for cid in t.member_ids}
    assert team_of[pool[0].id] != team_of[pool[5].id]
    assert team_of[pool[1].id] == team_of[pool[2].id]


def test_explanation_reads_like_the_issue_example() -> None:
    pool = [
        student("a1", "Alpha", discipline="law"),
        student("b1", "Beta", discipline="art", gender="m"),
        student("c1", "Gamma", discipline="bio"),
        student("c2", "Gamma", discipline="law", gender="m"),
    ]
    rules = MatchRules(
        min_size=4,
        max_size=4,
        min_institutions=3,
        weights=SoftWeights(isolation_groups=(("gender", "f"),)),
    )
    result = assert_valid(pool, rules, match(pool, rules, seconds=FAST))
    team = result.teams[0]
    assert team.shared_hours == 4
    assert team.best_slots == ("Tue 14:00-18:00 UTC",)
    assert team.explanation == (
        "mixes 3 universities; 4 h weekly overlap, best Tue 14:00-18:00 UTC; "
        "no isolated member; works in en"
    )


# --- optimality and baselines -------------------------------------------------------------------


def test_heuristic_reaches_the_exact_optimum_on_a_small_pool() -> None:
    pool = make_pool(12, 3)
    rules = MatchRules(min_institutions=3, max_per_institution=2)
    exact = solve_exact(compile_problem(pool, rules))
    assert exact is not None
    assert exact.proven
    result = assert_valid(pool, rules, match(pool, rules, seed=0, seconds=2))
    assert result.objective == pytest.approx(exact.objective)


@pytest.mark.parametrize("name", sorted(STRATEGIES))
def test_every_registered_strategy_returns_valid_teams(name: str) -> None:
    pool = make_pool(40, 8)
    rules = MatchRules(min_institutions=3, max_per_institution=2)
    result = assert_valid(pool, rules, match(pool, rules, strategy=name, seed=1, seconds=1))
    assert result.strategy == name


# --- changing teams mid-exchange ----------------------------------------------------------------


def _teams(result: MatchResult) -> dict[str, tuple[str, ...]]:
    return {t.key: t.member_ids for t in result.teams}


def test_late_joiner_is_placed_without_moving_anyone() -> None:
    pool = make_pool(23, 4)
    rules = MatchRules(min_institutions=2, max_per_institution=3, min_shared_hours=1)
    before = _teams(assert_valid(pool[:20], rules, match(pool[:20], rules, seconds=FAST)))
    after = place_late_joiners(pool, rules, before, [c.id for c in pool[20:]])
    assert all(m.from_team is None for m in after.moves)
    for key, members in before.items():
        assert set(members) <= set(after.teams[key])
    placed = {m.candidate_id for m in after.moves}
    assert placed | set(after.unplaced) == {c.id for c in pool[20:]}


def test_dropouts_are_repaired_with_reported_moves_and_locked_teams_untouched() -> None:
    pool = [
        student(f"{inst}{k}", inst.capitalize())
        for inst in ("alpha", "beta", "gamma")
        for k in range(4)
    ] + [student("delta0", "Delta")]
    rules = MatchRules(
        min_size=4,
        max_size=5,
        min_institutions=2,
        max_per_institution=2,
        locked=(("alpha0", "T1"),),
    )
    teams = {
        "T1": ("alpha0", "alpha1", "beta0", "beta1"),
        "T2": ("alpha2", "beta2", "gamma0", "gamma1"),
        "T3": ("alpha3", "beta3", "delta0", "gamma2", "gamma3"),
    }
    out = rebalance_after_dropouts(pool, rules, teams, ["gamma0"])
    assert out.teams["T1"] == teams["T1"]
    assert out.unresolved == ()
    assert len(out.moves) == 1
    assert all(m.from_team != "T1" and m.to_team != "T1" for m in out.moves)
    remaining = [c for c in pool if c.id != "gamma0"]
    for members in out.teams.values():
        assert team_problems(remaining, rules, members) == []


# --- team-count pruning --------------------------------------------------------------------------


def test_most_unequal_sizes_fill_teams_then_take_the_rest() -> None:
    assert _most_unequal_sizes(22, 4, 4, 6) == [6, 6, 6, 4]
    assert _most_unequal_sizes(23, 4, 4, 6) == [6, 6, 6, 5]
    assert _most_unequal_sizes(24, 6, 4, 6) == [4] * 6
    assert _most_unequal_sizes(12, 3, 4, 4) == [4, 4, 4]
    assert _most_unequal_sizes(10, 3, 4, 6) is None
    assert _most_unequal_sizes(19, 3, 4, 6) is None


def test_objective_bound_by_hand_for_a_pool_of_24() -> None:
    # Two diversity attributes, one mutual request pair (weight 3). Four teams: 6+6+6+6 has
    # 4 * 15 = 60 member pairs, so 2 * 60 + 3 = 123. Five teams: the most unequal split is
    # 6+6+4+4+4 with 15+15+6+6+6 = 48 pairs, so 2 * 48 + 3 = 99. Six teams: all of size 4,
    # 6 * 6 = 36 pairs, so 75.
    rules = MatchRules(min_institutions=3, max_per_institution=2)
    p = compile_problem(make_pool(24, 1), rules)
    assert sum(len(m) for m in p.mutual) // 2 == 1
    assert objective_bound(p, 4) == pytest.approx(123.0)
    assert objective_bound(p, 5) == pytest.approx(99.0)
    assert objective_bound(p, 6) == pytest.approx(75.0)


def test_no_bound_is_claimed_when_a_penalty_weight_is_negative() -> None:
    rules = MatchRules(weights=SoftWeights(balance=-1.0))
    p = compile_problem(make_pool(24, 1), rules)
    assert objective_bound(p, 5) == float("inf")


@pytest.mark.parametrize(("n", "seed"), [(12, 1), (20, 2), (27, 3), (33, 4)])
def test_bound_is_never_below_what_a_team_count_reaches(n: int, seed: int) -> None:
    rules = MatchRules(min_institutions=3, max_per_institution=2)
    p = compile_problem(make_pool(n, seed), rules)
    for teams in list(team_count_range(p))[:3]:
        outcome = search(p, teams, seed=0, deadline=float("inf"), max_rounds=5)
        assert outcome.objective <= objective_bound(p, teams) + 1e-9


def test_only_a_feasible_incumbent_prunes_and_only_counts_that_cannot_beat_it() -> None:
    rules = MatchRules(min_institutions=3, max_per_institution=2)
    p = compile_problem(make_pool(20, 1), rules)
    feasible = search(p, 4, seed=0, deadline=float("inf"), max_rounds=0)
    assert feasible.violation == 0
    assert _cannot_win(feasible.objective - 0.01, feasible)
    # A tie is searched anyway: float round-off must never prune a count that could win.
    assert not _cannot_win(feasible.objective, feasible)
    assert not _cannot_win(feasible.objective + 0.01, feasible)
    assert not _cannot_win(float("inf"), feasible)
    assert not _cannot_win(0.0, None)
    broken = type(feasible)(feasible.teams, 1.0, feasible.objective, stopped_by_time=False)
    assert not _cannot_win(0.0, broken)


def test_a_first_descent_that_rules_out_later_counts_takes_their_budget() -> None:
    bounds = {4: 123.0, 5: 99.0, 6: 75.0}
    ends = time.perf_counter() + 30.0
    # 110 beats both later bounds: this count may run to the end of the whole budget.
    assert _replan(bounds, [5, 6], None, 3, ends, 0.0, 110.0, 1.0) == pytest.approx(ends, abs=1)
    # 80 only rules out six teams: two counts share what is left.
    half = _replan(bounds, [5, 6], None, 3, ends, 0.0, 80.0, 1.0)
    assert half == pytest.approx(ends - 15.0, abs=1)
    # 50 rules out nothing, and an infeasible result never prunes: the deadline stands.
    assert _replan(bounds, [5, 6], None, 3, ends, 0.0, 50.0, 1.0) == 1.0
    assert _replan(bounds, [5, 6], None, 3, ends, 2.0, 110.0, 1.0) == 1.0
