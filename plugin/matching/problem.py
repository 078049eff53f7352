"""Candidates and rules compiled to small integers once, so the search never touches strings.

Every hard rule and every soft term is a function of one team's members alone (the balance
term's pool mean is fixed per run), which is what lets the search, the exact model and the
score recomputation share one team evaluator.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from plugin.errors import InvalidInput
from plugin.i18n import N_
from plugin.matching.availability import slots_needed, to_mask
from plugin.matching.candidates import Candidate, MatchRules, cefr_rank


@dataclass(frozen=True)
class Problem:
    """The compiled instance; index i everywhere means `candidates[i]`."""

    candidates: tuple[Candidate, ...]
    rules: MatchRules
    institution: tuple[int, ...]
    institution_names: tuple[str, ...]
    avail: tuple[int, ...]
    language_mask: tuple[int, ...]
    level: tuple[float, ...]
    mean_level: float
    diversity_codes: tuple[tuple[int, ...], ...]
    isolation_flags: tuple[tuple[bool, ...], ...]
    mutual: tuple[frozenset[int], ...]
    block: tuple[int, ...]
    blocks: tuple[tuple[int, ...], ...]
    apart: tuple[frozenset[int], ...]
    lock: tuple[int, ...]
    lock_keys: tuple[str, ...]
    need_slots: int

    @property
    def n(self) -> int:
        """Pool size."""
        return len(self.candidates)


def _union_find_blocks(n: int, pairs: Sequence[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in pairs:
        parent[root(a)] = root(b)
    return [root(i) for i in range(n)]


def _pair_indices(
    pairs: Sequence[tuple[str, str]], index: dict[str, int], rule: str
) -> list[tuple[int, int]]:
    out = []
    for a, b in pairs:
        if a not in index or b not in index:
            raise InvalidInput(
                N_(
                    "%(rule)s names a student who is not in the pool: %(a)s, %(b)s.",
                    rule=rule,
                    a=repr(a),
                    b=repr(b),
                )
            )
        if a == b:
            raise InvalidInput(N_("%(rule)s pairs %(a)s with themself.", rule=rule, a=repr(a)))
        out.append((index[a], index[b]))
    return out


def _validate_rules(rules: MatchRules) -> None:
    if not 1 <= rules.min_size <= rules.max_size:
        raise InvalidInput(N_("Team size range must satisfy 1 <= minimum <= maximum."), "max_size")
    if rules.min_institutions < 1:
        raise InvalidInput(
            N_("At least one institution per team is the weakest possible rule."),
            "min_institutions",
        )
    if rules.max_per_institution is not None and rules.max_per_institution < 1:
        raise InvalidInput(
            N_("The maximum per institution must be at least 1."), "max_per_institution"
        )
    if rules.min_shared_hours < 0:
        raise InvalidInput(N_("Shared hours cannot be negative."), "min_hours")
    if not rules.working_languages:
        raise InvalidInput(N_("Name at least one working language."), "working_languages")
    if cefr_rank(rules.min_level) == 0:
        raise InvalidInput(
            N_("Unknown CEFR level %(min_level)s.", min_level=repr(rules.min_level)), "min_level"
        )


def compile_problem(candidates: Sequence[Candidate], rules: MatchRules) -> Problem:
    """Validate the input (raising InvalidInput) and encode it for the search."""
    _validate_rules(rules)
    index: dict[str, int] = {}
    for i, c in enumerate(candidates):
        if c.id in index:
            raise InvalidInput(N_("Student %(id)s appears twice in the pool.", id=repr(c.id)))
        index[c.id] = i
    n = len(candidates)
    institution_names = tuple(sorted({c.institution for c in candidates}))
    inst_code = {name: k for k, name in enumerate(institution_names)}
    min_rank = cefr_rank(rules.min_level)
    lang_masks, levels = [], []
    for c in candidates:
        ranks = [c.level_in(lang) for lang in rules.working_languages]
        lang_masks.append(sum(1 << k for k, r in enumerate(ranks) if r >= min_rank))
        levels.append(float(max(ranks)))
    value_code: dict[tuple[str, str], int] = {}
    diversity_codes = tuple(
        tuple(
            value_code.setdefault((attr, c.attribute(attr)), len(value_code))
            for attr in rules.weights.diversity_attributes
        )
        for c in candidates
    )
    isolation_flags = tuple(
        tuple(c.attribute(attr) == value for attr, value in rules.weights.isolation_groups)
        for c in candidates
    )
    wanted = [{index[r] for r in c.requests if r in index} for c in candidates]
    mutual = tuple(frozenset(j for j in wanted[i] if i in wanted[j]) for i in range(n))
    together = _pair_indices(rules.keep_together, index, "Keep-together")
    roots = _union_find_blocks(n, together)
    block_ids: dict[int, int] = {}
    members: dict[int, list[int]] = {}
    for i, r in enumerate(roots):
        members.setdefault(r, []).append(i)
    block = [block_ids.setdefault(r, len(block_ids)) for r in roots]
    blocks = tuple(tuple(members[r]) for r in sorted(block_ids, key=block_ids.__getitem__))
    apart_sets: list[set[int]] = [set() for _ in range(n)]
    for a, b in _pair_indices(rules.keep_apart, index, "Keep-apart"):
        apart_sets[a].add(b)
        apart_sets[b].add(a)
    lock_keys = tuple(sorted({key for _, key in rules.locked}))
    lock = [-1] * n
    for cid, key in rules.locked:
        if cid not in index:
            raise InvalidInput(N_("Locked student %(cid)s is not in the pool.", cid=repr(cid)))
        lock[index[cid]] = lock_keys.index(key)
    return Problem(
        candidates=tuple(candidates),
        rules=rules,
        institution=tuple(inst_code[c.institution] for c in candidates),
        institution_names=institution_names,
        avail=tuple(to_mask(c.availability) for c in candidates),
        language_mask=tuple(lang_masks),
        level=tuple(levels),
        mean_level=sum(levels) / n if n else 0.0,
        diversity_codes=diversity_codes,
        isolation_flags=isolation_flags,
        mutual=mutual,
        block=tuple(block),
        blocks=blocks,
        apart=tuple(frozenset(s) for s in apart_sets),
        lock=tuple(lock),
        lock_keys=lock_keys,
        need_slots=slots_needed(rules.min_shared_hours),
    )
