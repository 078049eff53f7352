"""Vectorised pricing of every move and swap of one student, from per-team aggregates.

The profile of the per-pair Python pricing spent almost all of its time rebuilding member
lists and re-scoring them; here one student's whole neighbourhood is priced with a few NumPy
operations over team aggregates (institution counts, attribute counts, availability ANDs, and
each student's "AND of my teammates but me"). The figures equal the exact evaluator's for
every rule but keep-apart, which the caller re-checks exactly before it applies a move.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from plugin.matching.availability import SLOTS_PER_HOUR
from plugin.matching.problem import Problem

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
WordArray = npt.NDArray[np.uint64]
_ALL = np.int64(-1)


class Aggregates:
    """Per-team sums and ANDs, and per-student leave-one-out ANDs, kept in step with teams."""

    def __init__(self, p: Problem, teams: int, words: WordArray) -> None:
        r = p.rules
        self.p = p
        self.words = words
        self.teams = teams
        self.cap = r.max_per_institution if r.max_per_institution is not None else p.n + 1
        self.inst_of = np.asarray(p.institution, dtype=np.int64)
        self.lang_of = np.asarray(p.language_mask, dtype=np.int64)
        self.level_of = np.asarray(p.level, dtype=np.float64)
        n_codes = 1 + max((c for codes in p.diversity_codes for c in codes), default=0)
        self.codes = np.asarray(p.diversity_codes, dtype=np.int64).reshape(p.n, -1)
        self.flags = np.asarray(p.isolation_flags, dtype=np.int64).reshape(p.n, -1)
        self.team_of = np.full(p.n, -1, dtype=np.int64)
        self.sizes = np.zeros(teams, dtype=np.int64)
        self.inst = np.zeros((teams, len(p.institution_names)), dtype=np.int64)
        self.counts = np.zeros((teams, n_codes), dtype=np.float64)
        self.iso = np.zeros((teams, self.flags.shape[1]), dtype=np.int64)
        self.level = np.zeros(teams, dtype=np.float64)
        full = np.iinfo(np.uint64).max
        self.and_words = np.full((teams, words.shape[1]), full, dtype=np.uint64)
        self.loo = np.full_like(words, full)
        self.lang = np.full(teams, _ALL, dtype=np.int64)
        self.loo_lang = np.full(p.n, _ALL, dtype=np.int64)
        self.distinct = np.zeros(teams, dtype=np.int64)
        self.over = np.zeros(teams, dtype=np.int64)
        self.base_v = np.zeros(teams, dtype=np.float64)
        self.partners = {a: tuple(sorted(p.mutual[a])) for a in range(p.n) if p.mutual[a]}
        self.has_partner = np.asarray([bool(p.mutual[a]) for a in range(p.n)], dtype=bool)

    def refresh(self, g: int, members: list[int]) -> None:
        """Recompute team g's aggregates after its membership changed."""
        idx = np.asarray(members, dtype=np.int64)
        self.team_of[idx] = g
        self.sizes[g] = len(members)
        self.inst[g] = np.bincount(self.inst_of[idx], minlength=self.inst.shape[1])
        self.counts[g] = np.bincount(self.codes[idx].ravel(), minlength=self.counts.shape[1])
        self.iso[g] = self.flags[idx].sum(axis=0)
        self.level[g] = float(self.level_of[idx].sum())
        full = np.iinfo(np.uint64).max
        rows = self.words[idx]
        self.and_words[g] = np.bitwise_and.reduce(rows, axis=0, initial=full)
        langs = self.lang_of[idx]
        self.lang[g] = int(np.bitwise_and.reduce(langs, initial=_ALL))
        if members:
            # Leave-one-out ANDs from prefix and suffix ANDs: two passes, not one per member.
            pad = np.full((1, rows.shape[1]), full, dtype=np.uint64)
            before = np.bitwise_and.accumulate(np.vstack([pad, rows[:-1]]), axis=0)
            after = np.bitwise_and.accumulate(np.vstack([pad, rows[:0:-1]]), axis=0)[::-1]
            self.loo[idx] = before & after
            lang_pad = np.asarray([_ALL])
            lang_before = np.bitwise_and.accumulate(np.concatenate([lang_pad, langs[:-1]]))
            lang_after = np.bitwise_and.accumulate(np.concatenate([lang_pad, langs[:0:-1]]))[::-1]
            self.loo_lang[idx] = lang_before & lang_after
        self.distinct[g] = int((self.inst[g] > 0).sum())
        self.over[g] = int(np.maximum(self.inst[g] - self.cap, 0).sum())
        shared = int(np.bitwise_count(self.and_words[g]).sum())
        self.base_v[g] = float(
            self._violation(
                np.asarray([len(members)]),
                np.asarray([self.distinct[g]]),
                np.asarray([self.over[g]]),
                np.asarray([shared]),
                np.asarray([self.lang[g]]),
            )[0]
        )

    def _violation(
        self, size: IntArray, distinct: IntArray, over: IntArray, shared: IntArray, lang: IntArray
    ) -> FloatArray:
        """team_violation's terms that aggregates determine (all but pairs and locks)."""
        r = self.p.rules
        v = np.maximum(np.maximum(r.min_size - size, size - r.max_size), 0).astype(np.float64)
        v += np.maximum(r.min_institutions - distinct, 0)
        v += over
        v += np.maximum(self.p.need_slots - shared, 0) / SLOTS_PER_HOUR
        v += lang == 0
        return v

    def _balance(self, size: IntArray | int, total: FloatArray | float) -> FloatArray:
        w = self.p.rules.weights.balance
        size_f = np.asarray(size, dtype=np.float64)
        gap = np.asarray(total, dtype=np.float64) - size_f * self.p.mean_level
        return np.where(size_f > 0, -w * gap * gap / np.maximum(size_f, 1.0), 0.0)

    def _isolated(self, counts: IntArray) -> IntArray:
        return np.asarray((counts == 1).sum(axis=-1), dtype=np.int64)

    def _requests_of(self, u: int) -> FloatArray:
        """How many of u's mutual partners sit in each team."""
        partners = np.asarray(self.partners.get(u, ()), dtype=np.int64)
        return np.bincount(self.team_of[partners], minlength=self.teams).astype(np.float64)

    def price_swaps(self, u: int, others: IntArray) -> tuple[FloatArray, FloatArray]:
        """(violation delta, score delta) of swapping student u with each student in `others`."""
        w = self.p.rules.weights
        g = int(self.team_of[u])
        h = self.team_of[others]
        iu, iv = int(self.inst_of[u]), self.inst_of[others]
        # Team g loses u and gains v.
        cg = self.inst[g].copy()
        cg[iu] -= 1
        distinct_gu = int((cg > 0).sum())
        over_gu = int(np.maximum(cg - self.cap, 0).sum())
        d_g2 = distinct_gu + (cg[iv] == 0)
        o_g2 = over_gu + (cg[iv] >= self.cap)
        s_g2 = np.bitwise_count(self.words[others] & self.loo[u]).sum(axis=1, dtype=np.int64)
        l_g2 = self.lang_of[others] & self.loo_lang[u]
        size_g = np.full(len(others), self.sizes[g])
        # Team h loses v and gains u.
        ch_v = self.inst[h, iv]
        c_hu = self.inst[h, iu] - (iv == iu)
        d_h2 = self.distinct[h] - (ch_v == 1) + (c_hu == 0)
        o_h2 = self.over[h] - (ch_v > self.cap) + (c_hu >= self.cap)
        s_h2 = np.bitwise_count(self.loo[others] & self.words[u]).sum(axis=1, dtype=np.int64)
        l_h2 = self.loo_lang[others] & self.lang_of[u]
        dv = (
            self._violation(size_g, d_g2, o_g2, s_g2, l_g2)
            + self._violation(self.sizes[h], d_h2, o_h2, s_h2, l_h2)
            - self.base_v[g]
            - self.base_v[h]
        )
        cu, cv = self.codes[u], self.codes[others]
        same = (cv == cu).sum(axis=1)
        attrs = self.codes.shape[1]
        div = self.counts[g, cu].sum() - attrs - self.counts[g][cv].sum(axis=1) + same
        div += (
            np.take_along_axis(self.counts[h], cv, axis=1).sum(axis=1)
            - attrs
            - self.counts[h][:, cu].sum(axis=1)
            + same
        )
        fu, fv = self.flags[u], self.flags[others]
        iso = (
            self._isolated(self.iso[g] - fu + fv)
            - self._isolated(self.iso[g])
            + self._isolated(self.iso[h] - fv + fu)
            - self._isolated(self.iso[h])
        )
        lu, lv = self.level_of[u], self.level_of[others]
        bal = (
            self._balance(self.sizes[g], self.level[g] - lu + lv)
            - self._balance(int(self.sizes[g]), float(self.level[g]))
            + self._balance(self.sizes[h], self.level[h] - lv + lu)
            - self._balance(self.sizes[h], self.level[h])
        )
        req = self._swap_requests(u, g, others, h)
        ds = w.diversity * div - w.isolation * iso + bal + w.requests * req
        return dv, ds

    def _swap_requests(self, u: int, g: int, others: IntArray, h: IntArray) -> FloatArray:
        if not self.partners:
            return np.zeros(len(others))
        of_u = self._requests_of(u)
        req = of_u[h] - of_u[g]
        for k in np.flatnonzero(self.has_partner[others]):
            v = int(others[k])
            # v's own partners: gained in g (less u), lost in v's old team.
            for y in self.partners[v]:
                ty = int(self.team_of[y])
                req[k] += int(ty == g and y != u) - int(ty == h[k])
            req[k] -= int(v in self.partners.get(u, ()))
        return np.asarray(req, dtype=np.float64)

    def price_moves(self, u: int, targets: IntArray) -> tuple[FloatArray, FloatArray]:
        """(violation delta, score delta) of moving student u alone into each target team."""
        w = self.p.rules.weights
        g = int(self.team_of[u])
        iu = int(self.inst_of[u])
        cg = self.inst[g].copy()
        cg[iu] -= 1
        size_g2 = np.asarray([self.sizes[g] - 1])
        v_g2 = self._violation(
            size_g2,
            np.asarray([(cg > 0).sum()]),
            np.asarray([np.maximum(cg - self.cap, 0).sum()]),
            np.asarray([np.bitwise_count(self.loo[u]).sum(dtype=np.int64)]),
            np.asarray([self.loo_lang[u]]),
        )[0]
        c_h = self.inst[targets, iu]
        size_h = self.sizes[targets]
        v_h2 = self._violation(
            size_h + 1,
            self.distinct[targets] + (c_h == 0),
            self.over[targets] + (c_h >= self.cap),
            np.bitwise_count(self.and_words[targets] & self.words[u]).sum(axis=1, dtype=np.int64),
            self.lang[targets] & self.lang_of[u],
        )
        dv = v_g2 + v_h2 - self.base_v[g] - self.base_v[targets]
        cu = self.codes[u]
        attrs = self.codes.shape[1]
        div = -(self.sizes[g] * attrs - self.counts[g, cu].sum()) + (
            size_h * attrs - self.counts[targets][:, cu].sum(axis=1)
        )
        fu = self.flags[u]
        iso = (
            self._isolated(self.iso[g] - fu)
            - self._isolated(self.iso[g])
            + self._isolated(self.iso[targets] + fu)
            - self._isolated(self.iso[targets])
        )
        lu = float(self.level_of[u])
        bal = (
            self._balance(int(self.sizes[g]) - 1, float(self.level[g]) - lu)
            - self._balance(int(self.sizes[g]), float(self.level[g]))
            + self._balance(size_h + 1, self.level[targets] + lu)
            - self._balance(size_h, self.level[targets])
        )
        req = np.zeros(len(targets))
        if self.partners:
            of_u = self._requests_of(u)
            req = of_u[targets] - of_u[g]
        ds = w.diversity * div - w.isolation * iso + bal + w.requests * req
        return dv, ds
