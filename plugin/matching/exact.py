"""Exact optimum of small pools by set partitioning, the bench's ground truth.

Because every hard rule and every soft term is a function of one team alone, the optimum is
"pick feasible teams covering each student once, maximising the sum of team scores": one
binary column per feasible team. Enumeration prunes on rules that only get harder as a team
grows (shared time, common language, institution caps, keep-apart), so n = 30 stays tractable.

The plain LP relaxation is weak because diversity counts differing pairs, so a team's score
grows roughly quadratically with its size: the LP fills the pool with fractions of the best
size-6 teams even when no integer partition of n has that many of them (n = 20 has a root gap
above 10 %). So the model is solved once per team-size profile (how many teams of each size),
with one equality row per size. Each profile's LP is nearly integral; profiles are visited by
decreasing LP bound and dropped once their bound cannot beat the incumbent, and inside a
profile the reduced costs discard every column that cannot be part of a better partition, so
HiGHS only branches on a small residual model.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import highspy
import numpy as np
import numpy.typing as npt

from plugin.matching.feasibility import team_violation
from plugin.matching.objective import team_score
from plugin.matching.problem import Problem

Profile = tuple[int, ...]
"""Teams per size, indexed by size minus the rules' minimum size."""

_INTEGRAL = 1e-6
_MARGIN = 1e-6
"""Slack on reduced-cost filtering, so LP round-off can never discard a needed column."""
_FIRST_WINDOW = 0.005
"""The first profile's reduced-cost window as a share of its bound; widened until proven."""


@dataclass(frozen=True)
class ExactSolution:
    """The optimal teams (as indices), their objective, and whether optimality was proven.

    `root_bound` is the best profile LP bound, the figure to compare with the plain LP bound
    (`relaxation_bound` without a profile) when judging how tight the model is.
    """

    teams: tuple[tuple[int, ...], ...]
    objective: float
    proven: bool
    columns: int
    root_bound: float = float("nan")
    profiles: int = 0
    mip_columns: int = 0


def feasible_teams(p: Problem) -> Iterator[tuple[int, ...]]:
    """Every team (as sorted indices) that satisfies every hard rule."""
    r = p.rules
    cap = r.max_per_institution if r.max_per_institution is not None else r.max_size
    per_inst = [0] * len(p.institution_names)
    team: list[int] = []

    def extend(start: int, mask: int, lang: int) -> Iterator[tuple[int, ...]]:
        if len(team) >= r.min_size and team_violation(p, team) == 0:
            yield tuple(team)
        if len(team) == r.max_size:
            return
        for i in range(start, p.n):
            new_mask = mask & p.avail[i]
            new_lang = lang & p.language_mask[i]
            inst = p.institution[i]
            if (
                new_mask.bit_count() < p.need_slots
                or new_lang == 0
                or per_inst[inst] >= cap
                or any(j in p.apart[i] for j in team)
            ):
                continue
            team.append(i)
            per_inst[inst] += 1
            yield from extend(i + 1, new_mask, new_lang)
            per_inst[inst] -= 1
            team.pop()

    yield from extend(0, -1, -1)


def size_profiles(n: int, min_size: int, max_size: int) -> list[Profile]:
    """Every way to write n as a sum of team sizes, as counts per size (min_size first)."""
    out: list[Profile] = []
    counts = [0] * (max_size - min_size + 1)

    def fill(k: int, left: int) -> None:
        size = min_size + k
        if k == len(counts) - 1:
            if left % size == 0:
                counts[k] = left // size
                out.append(tuple(counts))
            return
        for a in range(left // size + 1):
            counts[k] = a
            fill(k + 1, left - a * size)

    fill(0, n)
    return out


@dataclass(frozen=True)
class _Columns:
    """All feasible teams with their sizes and scores, flattened once for the model builds."""

    teams: list[tuple[int, ...]]
    sizes: npt.NDArray[np.int64]
    scores: npt.NDArray[np.float64]

    @classmethod
    def of(cls, p: Problem) -> _Columns:
        teams = list(feasible_teams(p))
        return cls(
            teams=teams,
            sizes=np.array([len(t) for t in teams], dtype=np.int64),
            scores=np.array([team_score(p, t) for t in teams], dtype=np.float64),
        )


def _highs(threads: int, time_limit: float) -> highspy.Highs:
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    h.setOptionValue("time_limit", max(float(time_limit), 1.0))
    return h


def _model(
    p: Problem,
    cols: _Columns,
    chosen: npt.NDArray[np.int64],
    profile: Profile | None,
    integer: bool,
) -> highspy.HighsLp:
    """Partition rows (one per student) plus, given a profile, one count row per used size.

    Column bounds are [0, inf) in the LP: the partition rows already cap each column at 1,
    and with no upper bounds every reduced cost has one sign, which the filtering relies on.
    """
    min_size = p.rules.min_size
    used = [] if profile is None else [k for k, a in enumerate(profile) if a > 0]
    size_row = {min_size + k: p.n + r for r, k in enumerate(used)}
    entries: list[int] = []
    starts = [0]
    for c in chosen:
        team = cols.teams[int(c)]
        entries.extend(team)
        if profile is not None:
            entries.append(size_row[len(team)])
        starts.append(len(entries))
    lp = highspy.HighsLp()
    lp.num_col_ = len(chosen)
    lp.num_row_ = p.n + len(used)
    lp.col_cost_ = -cols.scores[chosen]
    lp.col_lower_ = np.zeros(len(chosen))
    lp.col_upper_ = np.full(len(chosen), 1.0 if integer else highspy.kHighsInf)
    bounds = np.array([1.0] * p.n + [float(profile[k]) for k in used] if profile else [1.0] * p.n)
    lp.row_lower_ = bounds
    lp.row_upper_ = bounds
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = np.array(starts, dtype=np.int32)
    lp.a_matrix_.index_ = np.array(entries, dtype=np.int32)
    lp.a_matrix_.value_ = np.ones(len(entries))
    if integer:
        lp.integrality_ = [highspy.HighsVarType.kInteger] * len(chosen)
    return lp


@dataclass(frozen=True)
class _Relaxation:
    bound: float
    values: npt.NDArray[np.float64]
    reduced: npt.NDArray[np.float64]
    """Loss of objective per unit of each column; a partition using column j is <= bound - it."""


def _relax(
    p: Problem, cols: _Columns, chosen: npt.NDArray[np.int64], profile: Profile | None
) -> _Relaxation | None:
    h = _highs(1, 3600.0)
    h.passModel(_model(p, cols, chosen, profile, integer=False))
    h.run()
    if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
        return None
    sol = h.getSolution()
    return _Relaxation(
        bound=-float(h.getInfo().objective_function_value),
        values=np.asarray(sol.col_value, dtype=np.float64),
        reduced=np.maximum(np.asarray(sol.col_dual, dtype=np.float64), 0.0),
    )


def _sized(cols: _Columns, p: Problem, profile: Profile) -> npt.NDArray[np.int64]:
    allowed = [p.rules.min_size + k for k, a in enumerate(profile) if a > 0]
    return np.flatnonzero(np.isin(cols.sizes, allowed)).astype(np.int64)


def relaxation_bound(
    p: Problem, teams: Sequence[tuple[int, ...]] | None = None, profile: Profile | None = None
) -> float:
    """LP upper bound with or without a size profile, to measure how much the profile rows buy."""
    cols = _Columns.of(p) if teams is None else _columns_from(p, teams)
    chosen = (
        np.arange(len(cols.teams), dtype=np.int64) if profile is None else _sized(cols, p, profile)
    )
    relaxed = _relax(p, cols, chosen, profile)
    return float("-inf") if relaxed is None else relaxed.bound


def _columns_from(p: Problem, teams: Sequence[tuple[int, ...]]) -> _Columns:
    listed = list(teams)
    return _Columns(
        teams=listed,
        sizes=np.array([len(t) for t in listed], dtype=np.int64),
        scores=np.array([team_score(p, t) for t in listed], dtype=np.float64),
    )


def _solve_restricted(
    p: Problem,
    cols: _Columns,
    chosen: npt.NDArray[np.int64],
    profile: Profile,
    *,
    threads: int,
    time_limit: float,
) -> tuple[list[int] | None, bool]:
    """Best partition using only `chosen` columns: (column ids or None, finished in time)."""
    h = _highs(threads, time_limit)
    h.setOptionValue("mip_rel_gap", 0.0)
    h.setOptionValue("mip_abs_gap", 1e-7)
    h.passModel(_model(p, cols, chosen, profile, integer=True))
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return None, True
    finished = status == highspy.HighsModelStatus.kOptimal
    if h.getInfo().primal_solution_status == 0:
        return None, finished
    values = h.getSolution().col_value
    return [int(c) for c, x in zip(chosen, values, strict=True) if x > 0.5], finished


def _value(cols: _Columns, picked: Sequence[int]) -> float:
    return float(sum(cols.scores[c] for c in picked))


def solve_exact(
    p: Problem,
    *,
    time_limit: float = 600.0,
    threads: int = 1,
    profiles: Sequence[Profile] | None = None,
) -> ExactSolution | None:
    """Solve to proven optimality (None when no feasible partition exists).

    `profiles` restricts the answer to those team-size profiles (all of them by default),
    which is also how the tests check each profile's model against brute force.

    Correctness of the pruning rests on LP duality: with duals of a profile's LP, any
    partition that uses column j is worth at most bound - reduced[j], so a partition beating
    the incumbent z only uses columns with reduced cost below bound - z, and a MIP over those
    columns alone decides the profile. `proven` is False only when the time limit cut a MIP.
    """
    began = time.perf_counter()
    cols = _Columns.of(p)
    if not cols.teams:
        return None
    relaxed: list[tuple[Profile, npt.NDArray[np.int64], _Relaxation]] = []
    wanted = size_profiles(p.n, p.rules.min_size, p.rules.max_size)
    for profile in wanted if profiles is None else [tuple(x) for x in profiles]:
        chosen = _sized(cols, p, profile)
        lp = _relax(p, cols, chosen, profile) if len(chosen) else None
        if lp is not None:
            relaxed.append((profile, chosen, lp))
    if not relaxed:
        return None
    relaxed.sort(key=lambda item: -item[2].bound)
    best: list[int] | None = None
    best_value = float("-inf")
    proven = True
    widest = 0
    for profile, chosen, lp in relaxed:
        if lp.bound <= best_value + 1e-9:
            break
        whole = np.all((lp.values < _INTEGRAL) | (lp.values > 1 - _INTEGRAL))
        if whole:
            picked = [int(c) for c, x in zip(chosen, lp.values, strict=True) if x > 0.5]
            if _value(cols, picked) > best_value:
                best, best_value = picked, _value(cols, picked)
            continue
        window = (
            lp.bound - best_value if best is not None else _FIRST_WINDOW * max(abs(lp.bound), 1)
        )
        while True:
            kept = chosen[lp.reduced <= window + _MARGIN]
            widest = max(widest, len(kept))
            left = time_limit - (time.perf_counter() - began)
            picked_or_none, finished = _solve_restricted(
                p, cols, kept, profile, threads=threads, time_limit=left
            )
            if picked_or_none is not None and _value(cols, picked_or_none) > best_value:
                best, best_value = picked_or_none, _value(cols, picked_or_none)
            if not finished:
                proven = False
                break
            # Decided once the window covers every column a better partition could use.
            if lp.bound - best_value <= window or len(kept) == len(chosen):
                break
            window = max(2 * window, lp.bound - best_value)
        if not proven:
            break
    if best is None:
        return None
    return ExactSolution(
        teams=tuple(cols.teams[c] for c in best),
        objective=sum(team_score(p, cols.teams[c]) for c in best),
        proven=proven,
        columns=len(cols.teams),
        root_bound=relaxed[0][2].bound,
        profiles=len(relaxed),
        mip_columns=widest,
    )
