"""Exact optimum of small pools by set partitioning, the bench's ground truth.

Because every hard rule and every soft term is a function of one team alone, the optimum is
"pick feasible teams covering each student once, maximising the sum of team scores": one
binary column per feasible team. Enumeration prunes on rules that only get harder as a team
grows (shared time, common language, institution caps, keep-apart), so n = 30 stays tractable.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import highspy
import numpy as np

from plugin.matching.feasibility import team_violation
from plugin.matching.objective import team_score
from plugin.matching.problem import Problem


@dataclass(frozen=True)
class ExactSolution:
    """The optimal teams (as indices), their objective, and whether HiGHS proved optimality."""

    teams: tuple[tuple[int, ...], ...]
    objective: float
    proven: bool
    columns: int


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


def solve_exact(p: Problem, *, time_limit: float = 600.0) -> ExactSolution | None:
    """Solve to proven optimality (None when no feasible partition exists)."""
    columns = list(feasible_teams(p))
    if not columns:
        return None
    h = highspy.Highs()  # type: ignore[no-untyped-call]
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit))
    h.setOptionValue("threads", 1)
    lp = highspy.HighsLp()
    lp.num_col_ = len(columns)
    lp.num_row_ = p.n
    lp.col_cost_ = np.array([-team_score(p, t) for t in columns], dtype=np.float64)
    lp.col_lower_ = np.zeros(len(columns))
    lp.col_upper_ = np.ones(len(columns))
    lp.row_lower_ = np.ones(p.n)
    lp.row_upper_ = np.ones(p.n)
    starts = np.zeros(len(columns) + 1, dtype=np.int32)
    starts[1:] = np.cumsum([len(t) for t in columns])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = starts
    lp.a_matrix_.index_ = np.array([i for t in columns for i in t], dtype=np.int32)
    lp.a_matrix_.value_ = np.ones(int(starts[-1]))
    lp.integrality_ = [highspy.HighsVarType.kInteger] * len(columns)
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return None
    values = h.getSolution().col_value
    chosen = tuple(t for t, x in zip(columns, values, strict=True) if x > 0.5)
    return ExactSolution(
        teams=chosen,
        objective=sum(team_score(p, t) for t in chosen),
        proven=status == highspy.HighsModelStatus.kOptimal,
        columns=len(columns),
    )
