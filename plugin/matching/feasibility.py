"""Hard rules: how far a team is from satisfying them, and why a whole pool cannot.

The violation amount is graded (missing hours, missing institutions) rather than a yes/no, so
that the search's repair phase can walk towards feasibility instead of searching blindly.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from plugin.matching.availability import SLOTS_PER_HOUR, SLOTS_PER_WEEK
from plugin.matching.candidates import CEFR_LEVELS, Relaxation
from plugin.matching.problem import Problem

_WORDS = (SLOTS_PER_WEEK + 63) // 64


def _shared(p: Problem, members: Sequence[int]) -> int:
    mask = -1
    for i in members:
        mask &= p.avail[i]
    return mask if members else 0


def team_violations(p: Problem, members: Sequence[int]) -> dict[str, float]:
    """Each broken hard rule of one team with how badly it is broken (empty means valid)."""
    r = p.rules
    out: dict[str, float] = {}
    size = len(members)
    if size < r.min_size or size > r.max_size:
        out["team size"] = float(max(r.min_size - size, size - r.max_size))
    per_inst = Counter(p.institution[i] for i in members)
    if len(per_inst) < r.min_institutions:
        out["institutions per team"] = float(r.min_institutions - len(per_inst))
    if r.max_per_institution is not None:
        over = sum(max(0, c - r.max_per_institution) for c in per_inst.values())
        if over:
            out["members per institution"] = float(over)
    short = p.need_slots - _shared(p, members).bit_count()
    if short > 0:
        out["shared hours"] = short / SLOTS_PER_HOUR
    lang = -1
    for i in members:
        lang &= p.language_mask[i]
    if lang == 0:
        out["working language"] = 1.0
    inside = set(members)
    apart = sum(1 for i in members for j in p.apart[i] if j in inside and i < j)
    if apart:
        out["keep apart"] = float(apart)
    split = sum(1 for i in members for j in p.blocks[p.block[i]] if j not in inside)
    if split:
        out["keep together"] = float(split)
    locks = {p.lock[i] for i in members if p.lock[i] >= 0}
    if len(locks) > 1:
        out["locked teams"] = float(len(locks) - 1)
    return out


def team_violation(p: Problem, members: Sequence[int]) -> float:
    """The total amount by which a team breaks the hard rules; the repair phase minimises it."""
    return sum(team_violations(p, members).values())


def mask_words(p: Problem) -> npt.NDArray[np.uint64]:
    """Each person's availability as 64-bit words; shared with the search, which ANDs them."""
    words = np.zeros((p.n, _WORDS), dtype=np.uint64)
    low = (1 << 64) - 1
    for i, mask in enumerate(p.avail):
        for w in range(_WORDS):
            words[i, w] = (mask >> (64 * w)) & low
    return words


def best_cross_overlap(p: Problem, need: int | None = None) -> npt.NDArray[np.int64]:
    """Each student's largest slot overlap with any one student of another institution.

    This is the necessary condition behind the shared-hours rule when teams must mix
    institutions; a 10,000-student pool makes it 10^8 pairs. With `need`, a figure is exact
    only below `need` (a student is settled as soon as any partner reaches it): rows are
    first checked against a strided sample, in blocks, and only the unsettled rest scans all.
    """
    words = mask_words(p)
    inst = np.asarray(p.institution)
    best = np.full(p.n, -1, dtype=np.int64)
    if p.n < 2:
        return best
    todo = np.arange(p.n)
    if need is not None and p.n > _SAMPLE:
        sample = np.arange(0, p.n, max(1, p.n // _SAMPLE))
        for start in range(0, p.n, _BLOCK):
            rows = np.arange(start, min(p.n, start + _BLOCK))
            both = words[rows][:, None, :] & words[sample][None, :, :]
            overlap = np.bitwise_count(both).sum(axis=2, dtype=np.int64)
            overlap[inst[rows][:, None] == inst[sample][None, :]] = -1
            best[rows] = overlap.max(axis=1)
        todo = np.flatnonzero(best < need)
    for i in todo:
        overlap = np.bitwise_count(words & words[i]).sum(axis=1, dtype=np.int64)
        overlap[inst == inst[i]] = -1
        best[i] = int(overlap.max())
    return best


_SAMPLE = 256
_BLOCK = 64
_NAMED = 20  # students named per problem; the reason still counts them all


def _plural(k: int, word: str) -> str:
    return f"{k} {word}" if k == 1 else f"{k} {word}s"


def team_count_range(p: Problem) -> range:
    """Team counts whose size range can hold the whole pool and every locked team."""
    r = p.rules
    low = max(math.ceil(p.n / r.max_size), len(p.lock_keys), 1)
    return range(low, p.n // r.min_size + 1)


def _size_problems(p: Problem) -> list[Relaxation]:
    r = p.rules
    if team_count_range(p):
        return []
    return [
        Relaxation(
            "team size",
            f"{p.n} students cannot be split into teams of {r.min_size}-{r.max_size}",
            f"allow teams of {max(1, r.min_size - 1)}-{r.max_size} or add students",
        )
    ]


def _language_problems(p: Problem) -> list[Relaxation]:
    r = p.rules
    lacking = [i for i in range(p.n) if p.language_mask[i] == 0]
    if not lacking:
        return []
    lowest = min(int(p.level[i]) for i in lacking)
    langs = "/".join(r.working_languages)
    fix = (
        f"lower the level to {CEFR_LEVELS[lowest - 1]}"
        if lowest
        else f"add a working language they speak or leave them out ({_plural(len(lacking), 'id')}"
        f" e.g. {p.candidates[lacking[0]].id})"
    )
    return [
        Relaxation(
            "working language",
            f"{_plural(len(lacking), 'student')} {'has' if len(lacking) == 1 else 'have'} "
            f"no {langs} at {r.min_level} or above",
            fix,
            students=tuple((p.candidates[i].id, float(p.level[i])) for i in lacking[:_NAMED]),
        )
    ]


def _institution_problems(p: Problem) -> list[Relaxation]:
    r = p.rules
    out: list[Relaxation] = []
    counts = Counter(p.institution)
    if len(counts) < r.min_institutions:
        out.append(
            Relaxation(
                "institutions per team",
                f"the pool has only {_plural(len(counts), 'institution')}",
                f"require at most {len(counts)} institutions per team",
            )
        )
        return out
    teams = team_count_range(p)
    if not teams:
        return out
    per_team = r.max_size - r.min_institutions + 1
    if r.max_per_institution is not None:
        per_team = min(per_team, r.max_per_institution)
    code, largest = counts.most_common(1)[0]
    if largest > teams[-1] * per_team:
        out.append(
            Relaxation(
                "members per institution",
                f"{p.institution_names[code]} has {largest} students but at most "
                f"{teams[-1]} teams x {per_team} can hold them",
                f"allow up to {math.ceil(largest / teams[-1])} per institution "
                "or fewer institutions per team",
            )
        )
    return out


def _hours_problems(p: Problem) -> list[Relaxation]:
    r = p.rules
    if p.need_slots == 0:
        return []
    if r.min_institutions >= 2:
        best = best_cross_overlap(p, p.need_slots)
        who = "anyone from another university"
    else:
        best = np.array([m.bit_count() for m in p.avail], dtype=np.int64)
        who = "their own availability"
    short = np.flatnonzero(best < p.need_slots)
    if short.size == 0:
        return []
    worst = max(0, int(best[short].min()))
    return [
        Relaxation(
            "shared hours",
            f"{_plural(int(short.size), 'student')} {'has' if short.size == 1 else 'have'} "
            f"< {r.min_shared_hours:g} h overlap with {who}",
            f"lower the minimum to {worst / SLOTS_PER_HOUR:g} h or ask "
            f"{'it' if short.size == 1 else 'them'} to add availability",
            students=tuple(
                (p.candidates[int(i)].id, max(0, int(best[i])) / SLOTS_PER_HOUR)
                for i in short[:_NAMED]
            ),
        )
    ]


def _pair_problems(p: Problem) -> list[Relaxation]:
    r = p.rules
    out: list[Relaxation] = []
    for members in p.blocks:
        if len(members) == 1:
            continue
        names = ", ".join(p.candidates[i].id for i in members[:4])
        broken = team_violations(p, members)
        broken.pop("team size", None)
        broken.pop("institutions per team", None)
        broken.pop("shared hours", None)
        broken.pop("working language", None)
        if len(members) > r.max_size:
            broken["team size"] = 1.0
        out.extend(
            Relaxation(
                rule,
                f"keep-together group ({names}) breaks '{rule}' on its own",
                "remove one keep-together pair or lock",
            )
            for rule in sorted(broken)
        )
    lock_sizes = Counter(k for k in p.lock if k >= 0)
    for key, size in lock_sizes.items():
        if size > r.max_size:
            out.append(
                Relaxation(
                    "locked teams",
                    f"team {p.lock_keys[key]} has {size} locked members",
                    f"unlock {size - r.max_size} of them or allow teams of {size}",
                )
            )
    return out


def precheck(p: Problem) -> list[Relaxation]:
    """Cheap necessary conditions, so that most impossible pools are explained without search."""
    if p.n == 0:
        return [Relaxation("team size", "the pool is empty", "add students")]
    return (
        _size_problems(p)
        + _language_problems(p)
        + _institution_problems(p)
        + _pair_problems(p)
        + _hours_problems(p)
    )


def relaxations_from(p: Problem, teams: Sequence[Sequence[int]]) -> list[Relaxation]:
    """Explain a search that found no feasible matching by the rules its best attempt broke.

    The suggestion is the relaxation that makes that attempt feasible, which is the smallest
    one we can vouch for without proving optimality.
    """
    broken: dict[str, list[float]] = {}
    shared: list[float] = []
    for members in teams:
        for rule, amount in team_violations(p, members).items():
            broken.setdefault(rule, []).append(amount)
        shared.append(_shared(p, members).bit_count() / SLOTS_PER_HOUR)
    r = p.rules
    out = []
    for rule, amounts in sorted(broken.items()):
        teams_text = _plural(len(amounts), "team")
        if rule == "shared hours":
            fix = f"lower the minimum to {min(shared):g} h"
        elif rule == "institutions per team":
            fix = f"require {r.min_institutions - int(max(amounts))} institutions per team"
        elif rule == "members per institution" and r.max_per_institution is not None:
            fix = f"allow {r.max_per_institution + int(max(amounts))} per institution"
        else:
            fix = f"relax '{rule}'"
        reason = f"the best matching found still has {teams_text} breaking '{rule}'"
        out.append(Relaxation(rule, reason, fix))
    return out
