"""Greedy construction + iterated local search over team assignments.

Solutions are compared lexicographically: first the total hard-rule violation, then the soft
objective. One search therefore repairs and optimises, and a result with violation 0 is
feasible by construction of the comparison, not by a separate filter that could drift.

Units, not students, move: a keep-together group is one unit, and a unit holding a locked
student never moves, which is how "locked members stay where they are" is guaranteed.

On pools of a few teams the descent re-splits pairs of teams exhaustively instead of moving
units one at a time: with pair-counting diversity the better pair of teams is often several
swaps away through worse ones, and against the exact optima at n = 20-30 the one-unit moves
stalled 1-3.6 % below the optimum within the 1 s budget.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import numpy.typing as npt

from plugin.matching.availability import SLOTS_PER_HOUR
from plugin.matching.delta import Aggregates
from plugin.matching.feasibility import mask_words, team_violation
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
_RECOMBINE_TEAMS = 12
"""Pools of at most this many teams descend by re-splitting pairs of teams exhaustively."""
_RECOMBINE_UNITS = 13
"""Largest number of free units in a pair of teams that is re-split (2**13 subsets at most)."""


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
        self.words = mask_words(p)
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
        self.pricer: _Pricer | None = None
        self.splits: dict[tuple[tuple[int, ...], int, int], Splits] = {}
        self.settled: set[tuple[tuple[int, ...], tuple[int, ...]]] = set()
        self.lazy = False
        self.stale: set[int] = set()

    def unit_size(self, u: int) -> int:
        return len(self.p.blocks[u])

    def members(self, g: int) -> list[int]:
        return [i for u in self.groups[g] for i in self.p.blocks[u]]

    def refresh(self, g: int) -> None:
        members = self.members(g)
        self.cost[g] = self.evaluate(members)
        if self.lazy:
            self.stale.add(g)
        else:
            self.agg.refresh(g, members)

    def sync(self) -> None:
        """Bring the aggregates of teams changed while `lazy` up to date.

        Pair re-splitting reads only team costs, and on small pools refreshing the aggregates
        after every re-split was a sixth of the run time; the unit moves, which do read them,
        call this first.
        """
        for g in sorted(self.stale):
            self.agg.refresh(g, self.members(g))
        self.stale.clear()

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
    if accept is not _repairs and len(st.groups) <= _RECOMBINE_TEAMS:
        # Re-splitting pairs repairs too (violation is compared first), and covers every
        # move and swap, so small pools skip the unit-by-unit phases when it reached all pairs.
        done = _descend_by_pairs(st, rng, deadline)
        if done is None:
            return False
        if done:
            return True
    st.sync()
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


def _descend_by_pairs(st: _State, rng: random.Random, deadline: float) -> bool | None:
    """Re-split pairs of teams until every pair is optimal as a pair.

    Returns True when that neighbourhood covered every pair (it contains every move and swap,
    so the unit sweep has nothing left to find), False when some pair was too large to
    re-split and the caller should sweep units, and None when the deadline cut it short.
    """
    teams = len(st.groups)
    pairs = list(combinations(range(teams), 2))
    rng.shuffle(pairs)
    clean: set[tuple[int, int]] = set()
    skipped = False
    changed = True
    while changed:
        changed = False
        for g, h in pairs:
            if (g, h) in clean:
                continue
            if time.perf_counter() > deadline:
                return None
            outcome = _recombine(st, g, h)
            if outcome is None:
                skipped = True
            elif outcome:
                changed = True
                clean = {q for q in clean if g not in q and h not in q}
            clean.add((g, h))
    return not skipped


Splits = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]


def _splits(
    unit_sizes: tuple[int, ...], fixed_g: int, fixed_h: int, min_size: int, max_size: int
) -> Splits:
    """Every size-valid split of a pair's free units, as unit bits and as member rows.

    The pair's members are laid out as g's locked members, h's locked members, then the free
    units in order; `sides` holds team g's rows of every split followed by team h's rows.
    Without locks the sides are interchangeable, so free unit 0 always stays with g.
    """
    f = len(unit_sizes)
    sizes = np.asarray(unit_sizes, dtype=np.int64)
    bits = (np.arange(1 << f)[:, None] >> np.arange(f)) & 1
    if not fixed_g and not fixed_h:
        bits = bits[bits[:, 0] == 1]
    size_g = fixed_g + bits @ sizes
    size_h = fixed_h + int(sizes.sum()) - (size_g - fixed_g)
    ok = (size_g >= min_size) & (size_g <= max_size) & (size_h >= min_size) & (size_h <= max_size)
    bits = bits[ok]
    width = fixed_g + fixed_h + int(sizes.sum())
    expand = np.zeros((f, width), dtype=np.int64)
    col = fixed_g + fixed_h
    for x, size in enumerate(unit_sizes):
        expand[x, col : col + size] = 1
        col += size
    side_g = bits @ expand
    side_g[:, :fixed_g] = 1
    side_h = 1 - side_g
    side_h[:, :fixed_g] = 0
    side_h[:, fixed_g : fixed_g + fixed_h] = 1
    return bits, expand, np.vstack([side_g, side_h])


def _recombine(st: _State, g: int, h: int) -> bool | None:
    """Re-split two teams' free units in the best way; True if that beat the current split.

    Moves and swaps change one or two units at a time, and with pair-counting diversity a
    better pair of teams is often several swaps away through worse ones; on small pools the
    union of two teams is small enough (a few thousand splits) to price every split at once
    with NumPy. The vectorised figures only rank splits: the best few are re-scored by the
    exact evaluator before one is applied, as in the move and swap pricing. None means the
    pair holds too many free units to enumerate.
    """
    p = st.p
    r = p.rules
    fixed_g = [u for u in st.groups[g] if u in st.locked]
    fixed_h = [u for u in st.groups[h] if u in st.locked]
    free = [u for u in (*st.groups[g], *st.groups[h]) if u not in st.locked]
    if len(free) > _RECOMBINE_UNITS:
        return None
    if len(free) < 2:
        return False
    one, two = tuple(sorted(st.members(g))), tuple(sorted(st.members(h)))
    settled = (one, two) if one < two else (two, one)
    if settled in st.settled:
        return False
    people = [i for u in (*fixed_g, *fixed_h, *free) for i in p.blocks[u]]
    key = (
        tuple(st.unit_size(u) for u in free),
        sum(st.unit_size(u) for u in fixed_g),
        sum(st.unit_size(u) for u in fixed_h),
    )
    if key not in st.splits:
        st.splits[key] = _splits(key[0], key[1], key[2], r.min_size, r.max_size)
    bits, expand, sides = st.splits[key]
    weights = 1 << np.arange(len(free), dtype=np.int64)
    codes = bits @ weights
    if len(bits) == 0:
        return False
    current = np.asarray([u in st.groups[g] for u in free], dtype=np.int64)
    now_g = current @ expand
    now_g[: key[1]] = 1
    if st.pricer is None:
        st.pricer = _Pricer(st)
    half = len(bits)
    v, sc = st.pricer.price(p, people, np.vstack([now_g, sides[:half]]))
    code_g = np.concatenate([[int(current @ weights)], codes])
    code_h = ((1 << len(free)) - 1) ^ code_g
    units = [p.blocks[u] for u in free]
    in_g, in_h = st.pricer.shortfalls(
        p, (people[: key[1]], people[key[1] : key[1] + key[2]]), units, (code_g, code_h)
    )
    # Rows: g now, g in every split, h now, h in every split.
    v += np.concatenate([in_g, in_h])
    dv = v[1 : 1 + half] + v[2 + half :] - (v[0] + v[1 + half])
    ds = sc[1 : 1 + half] + sc[2 + half :] - (sc[0] + sc[1 + half])
    good = (dv < -_EPS) | ((np.abs(dv) <= _EPS) & (ds > _EPS))
    picks = np.flatnonzero(good)
    if picks.size == 0:
        _settle(st, settled)
        return False
    order = picks[np.lexsort((-ds[picks], np.round(dv[picks], 9)))][:_VERIFY]
    cur_v = st.cost[g][0] + st.cost[h][0]
    cur_s = st.cost[g][1] + st.cost[h][1]
    for k in order:
        team_g = [i for i, inside in zip(people, sides[k], strict=True) if inside]
        team_h = [i for i, inside in zip(people, sides[half + k], strict=True) if inside]
        ng, nh = st.evaluate(team_g), st.evaluate(team_h)
        if _better(ng[0] + nh[0] - cur_v, ng[1] + nh[1] - cur_s):
            st.groups[g] = [*fixed_g, *(u for x, u in enumerate(free) if bits[k, x])]
            st.groups[h] = [*fixed_h, *(u for x, u in enumerate(free) if not bits[k, x])]
            for u in st.groups[g]:
                st.where[u] = g
            for u in st.groups[h]:
                st.where[u] = h
            st.refresh(g)
            st.refresh(h)
            return True
    _settle(st, settled)
    return False


def _settle(st: _State, pair: tuple[tuple[int, ...], tuple[int, ...]]) -> None:
    """Remember a pair of teams no re-split improves; the search keeps revisiting such pairs."""
    if len(st.settled) > _CACHE_LIMIT:
        st.settled.clear()
    st.settled.add(pair)


class _Pricer:
    """Dense per-student tables for pricing many candidate teams of a small pool at once."""

    def __init__(self, st: _State) -> None:
        p = st.p
        agg = st.agg
        n = p.n
        codes = st.counts.shape[1]
        flags = agg.flags.shape[1]
        institutions = len(p.institution_names)
        # One feature matrix, so a batch of teams needs one product: attribute-value counts,
        # isolation-group counts, institution counts, then the level sum.
        self.features = np.zeros((n, codes + flags + institutions + 1))
        for a in range(agg.codes.shape[1]):
            self.features[np.arange(n), agg.codes[:, a]] = 1.0
        self.features[:, codes : codes + flags] = agg.flags
        self.features[np.arange(n), codes + flags + agg.inst_of] = 1.0
        self.features[:, -1] = agg.level_of
        self.slices = (codes, codes + flags, codes + flags + institutions)
        self.attributes = agg.codes.shape[1]
        self.cap = agg.cap
        self.mutual = np.zeros((n, n))
        self.apart = np.zeros((n, n))
        for i in range(n):
            self.mutual[i, sorted(p.mutual[i])] = 1.0
            self.apart[i, sorted(p.apart[i])] = 1.0
        self.paired = {i for i in range(n) if p.mutual[i] or p.apart[i]}
        # Availability words plus the language mask as one more word: one AND table for both.
        self.ext = np.hstack([st.words, agg.lang_of.astype(np.int64).view(np.uint64)[:, None]])

    def price(
        self, p: Problem, people: list[int], inside: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """(violation, score) of every split `inside[s]` makes of `people`, up to constants.

        Row s selects team g's side of split s; team h gets everyone else, so h's feature
        totals are the pair's totals minus g's (one matrix product for both sides). The
        result holds g's figures for every row, then h's.

        Keep-together and locks are left out: units move whole and locked units stay, so
        those terms are equal for every split and cancel in the differences the caller takes.
        Shared hours and language are `shortfalls`, priced per unit subset instead.
        """
        r = p.rules
        w = r.weights
        idx = np.asarray(people, dtype=np.int64)
        features = self.features[idx]
        x_g = inside.astype(np.float64)
        totals_g = x_g @ features
        totals = np.vstack([totals_g, features.sum(axis=0) - totals_g])
        # Row sums as products with ones: NumPy's axis-1 reductions over a few columns cost
        # about three times as much, and this is the small-pool search's innermost loop.
        size_g = x_g @ np.ones(len(people))
        size = np.concatenate([size_g, len(people) - size_g])
        one, two, three = self.slices
        counts = totals[:, :one]
        squares = np.einsum("ij,ij->i", counts, counts)
        differing = (self.attributes * size * size - squares) / 2
        isolated = (totals[:, one:two] == 1) @ np.ones(two - one)
        gap = totals[:, -1] - size * p.mean_level
        balance = np.where(size > 0, gap * gap / np.maximum(size, 1.0), 0.0)
        score = w.diversity * differing - w.isolation * isolated - w.balance * balance
        inst = totals[:, two:three]
        across = np.ones(three - two)
        violation = np.maximum(r.min_institutions - (inst > 0) @ across, 0.0)
        violation += np.maximum(inst - self.cap, 0) @ across
        if self.paired.intersection(people):
            sub = np.ix_(idx, idx)
            x = np.vstack([x_g, 1.0 - x_g])
            mutual, apart = self.mutual[sub], self.apart[sub]
            if mutual.any():
                score += w.requests * ((x @ mutual) * x).sum(axis=1) / 2
            if apart.any():
                violation += ((x @ apart) * x).sum(axis=1) / 2
        return violation, score

    def shortfalls(
        self,
        p: Problem,
        fixed: Sequence[Sequence[int]],
        units: Sequence[Sequence[int]],
        codes: Sequence[npt.NDArray[np.int64]],
    ) -> list[npt.NDArray[np.float64]]:
        """Shared-hours and language violation of each `fixed[t]` plus the units `codes[t]` pick.

        An AND over members does not vectorise as a matrix product, so the AND of every
        subset of units is tabulated once (2**units rows, built by doubling) and looked up;
        both teams of a pair share the table.
        """
        full = np.uint64(np.iinfo(np.uint64).max)
        ext = self.ext
        if all(len(members) == 1 for members in units):
            unit_rows = ext[[members[0] for members in units]]
        else:
            unit_rows = np.stack([np.bitwise_and.reduce(ext[list(m)], axis=0) for m in units])
        table = np.empty((1 << len(units), ext.shape[1]), dtype=np.uint64)
        table[0] = full
        for x in range(len(units)):
            np.bitwise_and(table[: 1 << x], unit_rows[x], out=table[1 << x : 2 << x])
        out = []
        words = np.ones(ext.shape[1] - 1)
        for members, picked in zip(fixed, codes, strict=True):
            rows = table[picked]
            if len(members):
                rows = rows & np.bitwise_and.reduce(ext[list(members)], axis=0)
            shared = np.bitwise_count(rows[:, :-1]) @ words
            short = np.maximum(p.need_slots - shared, 0) / SLOTS_PER_HOUR
            no_language = (rows[:, -1] == 0).astype(np.float64)
            out.append(np.asarray(short + no_language, dtype=np.float64))
        return out


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
    replan: Callable[[float, float, float], float] | None = None,
) -> SearchOutcome:
    """Construct, descend, then perturb-and-descend for `max_rounds` rounds or until deadline.

    The round limit, not the clock, ends a normal run, so a seed reproduces its teams; the
    deadline is the safety net whose use the outcome reports. With `optimise=False` the
    search only repairs hard-rule violations, which is what the baselines need. `replan`
    sees (violation, objective, deadline) after the first descent and returns the deadline
    for the rounds: the driver extends it when that first result rules other team counts out.
    """
    accept: Accept = _better if optimise else _repairs
    rng = random.Random(seed)
    evaluate = _Evaluator(p)
    st = _State(p, teams, evaluate)
    locked = st.locked
    _start(st, start, rng)
    movable = [u for u in range(len(p.blocks)) if u not in locked]
    # Small pools descend by pair re-splits, which need no aggregates (see `_State.sync`).
    st.lazy = optimise and teams <= _RECOMBINE_TEAMS
    finished = _descend(st, movable, rng, deadline, accept) if movable else True
    best_groups, best_cost = st.snapshot(), st.totals()
    if replan is not None and finished:
        deadline = replan(best_cost[0], best_cost[1], deadline)
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
