"""Greedy construction + iterated local search over team assignments.

Solutions are compared lexicographically: first the total hard-rule violation, then the soft
objective. One search therefore repairs and optimises, and a result with violation 0 is
feasible by construction of the comparison, not by a separate filter that could drift.

Units, not students, move: a keep-together group is one unit, and a unit holding a locked
student never moves, which is how "locked members stay where they are" is guaranteed.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from plugin.matching.delta import Aggregates
from plugin.matching.feasibility import _mask_words, team_violation
from plugin.matching.objective import team_score
from plugin.matching.problem import Problem

Accept = Callable[[float, float], bool]
_EPS = 1e-9
_SCREEN_ALL_BELOW = 24
_SCREEN_KEEP = 6
_PRICE_ALL_BELOW = 400
"""Teams up to which the vectorised pricing looks at every team; above, at a screened few."""
_PRICE_KEEP = 16
_VERIFY = 4
_CACHE_LIMIT = 400_000


@dataclass(frozen=True)
class SearchOutcome:
    """Teams as index lists with their total violation and objective."""

    teams: tuple[tuple[int, ...], ...]
    violation: float
    objective: float
    stopped_by_time: bool


class _Evaluator:
    """Scores teams by their sorted member tuple, since local search revisits the same teams."""

    def __init__(self, p: Problem) -> None:
        self.p = p
        self.cache: dict[tuple[int, ...], tuple[float, float]] = {}

    def __call__(self, members: Sequence[int]) -> tuple[float, float]:
        key = tuple(sorted(members))
        hit = self.cache.get(key)
        if hit is None:
            if len(self.cache) > _CACHE_LIMIT:
                self.cache.clear()
            hit = (team_violation(self.p, key), team_score(self.p, key))
            self.cache[key] = hit
        return hit


class _State:
    """A mutable assignment plus the per-team aggregates the vectorised pricing reads."""

    def __init__(self, p: Problem, teams: int, evaluate: _Evaluator) -> None:
        self.p = p
        self.evaluate = evaluate
        self.groups: list[list[int]] = [[] for _ in range(teams)]
        self.where = [-1] * len(p.blocks)
        self.cost: list[tuple[float, float]] = [(0.0, 0.0)] * teams
        self.words = _mask_words(p)
        self.agg = Aggregates(p, teams, self.words)
        self.and_words = self.agg.and_words
        self.codes = self.agg.codes
        self.counts = self.agg.counts
        self.inst = self.agg.inst
        self.sizes = self.agg.sizes
        self.locked = _locked_units(p)
        self.swappable = np.asarray(
            [len(p.blocks[p.block[i]]) == 1 and p.block[i] not in self.locked for i in range(p.n)],
            dtype=bool,
        )

    def unit_size(self, u: int) -> int:
        return len(self.p.blocks[u])

    def members(self, g: int) -> list[int]:
        return [i for u in self.groups[g] for i in self.p.blocks[u]]

    def refresh(self, g: int) -> None:
        members = self.members(g)
        self.cost[g] = self.evaluate(members)
        self.agg.refresh(g, members)

    def place(self, u: int, g: int) -> None:
        self.groups[g].append(u)
        self.where[u] = g

    def totals(self) -> tuple[float, float]:
        return (sum(c[0] for c in self.cost), sum(c[1] for c in self.cost))

    def snapshot(self) -> list[list[int]]:
        return [list(g) for g in self.groups]


def _better(delta_v: float, delta_s: float) -> bool:
    return delta_v < -_EPS or (abs(delta_v) <= _EPS and delta_s > _EPS)


def _repairs(delta_v: float, _delta_s: float) -> bool:
    """Baselines only repair: the soft objective must not improve them behind our back."""
    return delta_v < -_EPS


def _locked_units(p: Problem) -> dict[int, int]:
    """Units that hold a locked student, mapped to the team index of their lock key."""
    return {
        u: next(p.lock[i] for i in members if p.lock[i] >= 0)
        for u, members in enumerate(p.blocks)
        if any(p.lock[i] >= 0 for i in members)
    }


def _construct(p: Problem, st: _State, rng: random.Random) -> None:
    """Place the hardest units first into the group that keeps rules most intact.

    "Hardest" is least available time, because shared hours is the rule greedy breaks most;
    the choice of group is vectorised over all groups since a 10,000-student pool has ~2,000.
    """
    r = p.rules
    teams = len(st.groups)
    locked = _place_locked(st)
    capacity = np.array([math.ceil(p.n / teams)] * teams, dtype=np.int64)
    free = [u for u in range(len(p.blocks)) if u not in locked]
    jitter = {u: rng.random() for u in free}
    free.sort(key=lambda u: (min(p.avail[i].bit_count() for i in p.blocks[u]), jitter[u]))
    max_inst = r.max_per_institution if r.max_per_institution is not None else p.n
    weight = p.rules.weights.diversity
    for u in free:
        members = p.blocks[u]
        i = members[0]
        room = capacity - st.sizes >= len(members)
        if not room.any():
            room = st.sizes + len(members) <= r.max_size
        overlap = np.bitwise_count(st.and_words & st.words[i]).sum(axis=1, dtype=np.int64)
        fits = (overlap >= p.need_slots) & (st.inst[:, p.institution[i]] < max_inst) & room
        gain = weight * (st.sizes[:, None] - st.counts[:, st.codes[i]]).sum(axis=1)
        gain = gain + 10.0 * (st.inst[:, p.institution[i]] == 0) + 1e-3 * overlap
        seed_first = st.sizes == 0
        if seed_first.any() and (fits & seed_first).any():
            choice = np.flatnonzero(fits & seed_first)[0]
        elif fits.any():
            choice = int(np.argmax(np.where(fits, gain, -np.inf)))
        else:
            choice = int(np.argmax(np.where(room, overlap, -1)))
        st.place(u, int(choice))
        st.refresh(int(choice))


def _place_locked(st: _State) -> dict[int, int]:
    for u, g in st.locked.items():
        st.place(u, g)
    for g in range(len(st.groups)):
        st.refresh(g)
    return st.locked


def _deal(st: _State, order: list[int]) -> None:
    """Deal units like cards to the currently smallest team (ties: next in turn)."""
    _place_locked(st)
    sizes = [int(x) for x in st.sizes]
    turn = 0
    teams = len(st.groups)
    for u in order:
        g = min(range(teams), key=lambda h: (sizes[h], (h - turn) % teams))
        st.place(u, g)
        sizes[g] += st.unit_size(u)
        turn = (g + 1) % teams
    for g in range(teams):
        st.refresh(g)


def _start(st: _State, start: str, rng: random.Random) -> None:
    p = st.p
    free = [u for u in range(len(p.blocks)) if u not in st.locked]
    if start == "greedy":
        _construct(p, st, rng)
    elif start == "random":
        rng.shuffle(free)
        _deal(st, free)
    elif start == "round_robin":
        free.sort(key=lambda u: (p.institution[p.blocks[u][0]], u))
        _deal(st, free)
    else:
        raise ValueError(f"unknown start {start!r}")


def _candidate_groups(
    st: _State, u: int, rng: random.Random, keep: int = _SCREEN_KEEP
) -> list[int]:
    """All other groups for small pools; for large ones a vectorised top few plus one random."""
    g = st.where[u]
    teams = len(st.groups)
    if teams <= max(_SCREEN_ALL_BELOW, keep + 1):
        return [h for h in range(teams) if h != g]
    p = st.p
    i = p.blocks[u][0]
    overlap = np.bitwise_count(st.and_words & st.words[i]).sum(axis=1, dtype=np.int64)
    gain = (st.sizes[:, None] - st.counts[:, st.codes[i]]).sum(axis=1)
    gain = gain + 100.0 * (overlap >= p.need_slots) + 5.0 * (st.inst[:, p.institution[i]] == 0)
    gain[g] = -np.inf
    top = np.argpartition(-gain, keep)[:keep]
    picked = [int(h) for h in top if h != g]
    extra = rng.randrange(teams)
    if extra != g and extra not in picked:
        picked.append(extra)
    return picked


def _try_unit(st: _State, u: int, rng: random.Random, accept: Accept) -> bool:
    """Apply the best accepted move or swap of unit u, if there is one."""
    if st.unit_size(u) == 1:
        return _try_student(st, u, rng, accept)
    return _try_block(st, u, rng, accept)


def _try_student(st: _State, u: int, rng: random.Random, accept: Accept) -> bool:
    """Price every move and swap of a lone student at once, then verify the best exactly.

    The exact re-check costs two cached team evaluations and catches the one rule (keep-apart)
    that aggregates do not see, so the vectorised screen can never accept a broken team.
    """
    p = st.p
    r = p.rules
    i = p.blocks[u][0]
    g = st.where[u]
    teams = len(st.groups)
    if teams <= _PRICE_ALL_BELOW:
        pool = np.arange(teams)
        others = np.flatnonzero(st.swappable & (st.agg.team_of != g))
    else:
        picked = _candidate_groups(st, u, rng, keep=_PRICE_KEEP)
        pool = np.asarray(picked, dtype=np.int64)
        near = np.asarray([x for h in picked for x in st.members(h)], dtype=np.int64)
        others = near[st.swappable[near]]
    targets = pool[(pool != g) & (st.sizes[pool] + 1 <= r.max_size)]
    if st.sizes[g] - 1 < r.min_size:
        targets = targets[:0]
    mv, ms = st.agg.price_moves(i, targets)
    sv, ss = st.agg.price_swaps(i, others)
    dv = np.concatenate([mv, sv])
    ds = np.concatenate([ms, ss])
    ok = dv < -_EPS
    if accept is _better:
        ok |= (np.abs(dv) <= _EPS) & (ds > _EPS)
    picks = np.flatnonzero(ok)
    if picks.size == 0:
        return False
    order = picks[np.lexsort((-ds[picks], dv[picks]))][:_VERIFY]
    base_g = [x for x in st.members(g) if x != i]
    vg, sg = st.cost[g]
    for k in order:
        if k < len(targets):
            h, v = int(targets[k]), -1
            ng = st.evaluate(base_g)
            nh = st.evaluate([*st.members(h), i])
        else:
            j = int(others[k - len(targets)])
            h, v = int(st.agg.team_of[j]), p.block[j]
            ng = st.evaluate([*base_g, j])
            nh = st.evaluate([*(x for x in st.members(h) if x != j), i])
        vh, sh = st.cost[h]
        if accept(ng[0] + nh[0] - vg - vh, ng[1] + nh[1] - sg - sh):
            _apply(st, u, g, h, v)
            return True
    return False


def _try_block(st: _State, u: int, rng: random.Random, accept: Accept) -> bool:
    """Apply the best accepted move or swap of a keep-together unit, priced team by team."""
    p = st.p
    r = p.rules
    g = st.where[u]
    su = st.unit_size(u)
    size_g = int(st.sizes[g])
    vg, sg = st.cost[g]
    without_u = [x for x in st.groups[g] if x != u]
    base_g = [i for x in without_u for i in p.blocks[x]]
    best: tuple[float, float, int, int] | None = None
    for h in _candidate_groups(st, u, rng):
        vh, sh = st.cost[h]
        size_h = int(st.sizes[h])
        members_h = st.members(h)
        if size_g - su >= r.min_size and size_h + su <= r.max_size:
            ng = st.evaluate(base_g)
            nh = st.evaluate([*members_h, *p.blocks[u]])
            dv, ds = ng[0] + nh[0] - vg - vh, ng[1] + nh[1] - sg - sh
            if accept(dv, ds) and (best is None or (dv, -ds) < (best[0], -best[1])):
                best = (dv, ds, h, -1)
        for v in st.groups[h]:
            if v in st.locked:
                continue
            sv = st.unit_size(v)
            if sv != su and not (
                r.min_size <= size_g - su + sv <= r.max_size
                and r.min_size <= size_h - sv + su <= r.max_size
            ):
                continue
            ng = st.evaluate([*base_g, *p.blocks[v]])
            rest_h = [i for x in st.groups[h] if x != v for i in p.blocks[x]]
            nh = st.evaluate([*rest_h, *p.blocks[u]])
            dv, ds = ng[0] + nh[0] - vg - vh, ng[1] + nh[1] - sg - sh
            if accept(dv, ds) and (best is None or (dv, -ds) < (best[0], -best[1])):
                best = (dv, ds, h, v)
    if best is None:
        return False
    _, _, h, v = best
    _apply(st, u, g, h, v)
    return True


def _apply(st: _State, u: int, g: int, h: int, v: int) -> None:
    st.groups[g].remove(u)
    st.place(u, h)
    if v >= 0:
        st.groups[h].remove(v)
        st.place(v, g)
    st.refresh(g)
    st.refresh(h)


def _descend(
    st: _State, movable: list[int], rng: random.Random, deadline: float, accept: Accept
) -> bool:
    """Repair, then sweep until no unit improves; False if the deadline cut it short.

    Only a move touching a rule-breaking team can lower the violation, so the repair phase
    tries just the units of such teams; a repair-only search (the baselines) stops there.
    """
    if not _focus(st, movable, rng, deadline, accept):
        return False
    if accept is _repairs:
        return True
    improved = True
    while improved:
        improved = False
        order = list(movable)
        rng.shuffle(order)
        for u in order:
            if time.perf_counter() > deadline:
                return False
            if _try_unit(st, u, rng, accept):
                improved = True
    return True


def _focus(
    st: _State, movable: list[int], rng: random.Random, deadline: float, accept: Accept
) -> bool:
    """Try only the units of teams that break a hard rule, until none of them can improve."""
    while True:
        hot = [u for u in movable if st.cost[st.where[u]][0] > _EPS]
        if not hot:
            return True
        rng.shuffle(hot)
        improved = False
        for u in hot:
            if time.perf_counter() > deadline:
                return False
            if st.cost[st.where[u]][0] > _EPS and _try_unit(st, u, rng, accept):
                improved = True
        if not improved:
            return True


def _perturb(st: _State, movable: list[int], rng: random.Random, strength: int) -> None:
    """Random size-preserving swaps, to leave a local optimum without undoing all of it."""
    if len(st.groups) < 2:
        return
    for _ in range(strength):
        u = rng.choice(movable)
        g = st.where[u]
        h = rng.randrange(len(st.groups) - 1)
        h = h + 1 if h >= g else h
        same = [
            v for v in st.groups[h] if v not in st.locked and st.unit_size(v) == st.unit_size(u)
        ]
        if same:
            _apply(st, u, g, h, rng.choice(same))


def _restore(st: _State, groups: list[list[int]]) -> None:
    st.groups = [list(g) for g in groups]
    for g, units in enumerate(st.groups):
        for u in units:
            st.where[u] = g
        st.refresh(g)


def search(
    p: Problem,
    teams: int,
    *,
    seed: int,
    deadline: float,
    max_rounds: int,
    start: str = "greedy",
    optimise: bool = True,
) -> SearchOutcome:
    """Construct, descend, then perturb-and-descend for `max_rounds` rounds or until deadline.

    The round limit, not the clock, ends a normal run, so a seed reproduces its teams; the
    deadline is the safety net whose use the outcome reports. With `optimise=False` the
    search only repairs hard-rule violations, which is what the baselines need.
    """
    accept: Accept = _better if optimise else _repairs
    rng = random.Random(seed)
    evaluate = _Evaluator(p)
    st = _State(p, teams, evaluate)
    locked = st.locked
    _start(st, start, rng)
    movable = [u for u in range(len(p.blocks)) if u not in locked]
    finished = _descend(st, movable, rng, deadline, accept) if movable else True
    best_groups, best_cost = st.snapshot(), st.totals()
    current = best_cost
    strength = max(2, len(movable) // 10)
    rounds = 0
    while finished and movable and rounds < max_rounds and (optimise or best_cost[0] > 0):
        rounds += 1
        saved = st.snapshot()
        _perturb(st, movable, rng, rng.randint(2, strength))
        finished = _descend(st, movable, rng, deadline, accept)
        cost = st.totals()
        if _better(cost[0] - best_cost[0], cost[1] - best_cost[1]):
            best_groups, best_cost = st.snapshot(), cost
        if _better(cost[0] - current[0], cost[1] - current[1]) or (
            abs(cost[0] - current[0]) <= _EPS and abs(cost[1] - current[1]) <= _EPS
        ):
            current = cost
        else:
            _restore(st, saved)
    _restore(st, best_groups)
    violation, objective = st.totals()
    return SearchOutcome(
        teams=tuple(tuple(sorted(st.members(g))) for g in range(teams)),
        violation=violation,
        objective=objective,
        stopped_by_time=not finished,
    )
