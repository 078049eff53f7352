"""Turn index teams into the drafts a teacher reads: keys, hours, slots and one English line."""

from __future__ import annotations

from collections.abc import Sequence

from plugin.matching.availability import best_slots, hours
from plugin.matching.candidates import ScoreBreakdown, TeamDraft
from plugin.matching.objective import team_breakdown
from plugin.matching.problem import Problem


def shared_mask(p: Problem, members: Sequence[int]) -> int:
    """Slots every member has free (0 for an empty team)."""
    mask = -1 if members else 0
    for i in members:
        mask &= p.avail[i]
    return mask


def working_language(p: Problem, members: Sequence[int]) -> str:
    """The first configured working language every member speaks well enough ("" if none)."""
    common = -1
    for i in members:
        common &= p.language_mask[i]
    for k, lang in enumerate(p.rules.working_languages):
        if common >> k & 1:
            return lang
    return ""


def _isolation_text(p: Problem, members: Sequence[int]) -> str:
    groups = p.rules.weights.isolation_groups
    alone = [
        f"{attr}={value}"
        for k, (attr, value) in enumerate(groups)
        if sum(p.isolation_flags[i][k] for i in members) == 1
    ]
    if not alone:
        return "no isolated member"
    return f"{len(alone)} isolated member{'s' if len(alone) > 1 else ''} ({', '.join(alone)})"


def explain(p: Problem, members: Sequence[int], score: ScoreBreakdown) -> str:
    """One line that says why this team is a good one, in the terms the rules use."""
    institutions = len({p.institution[i] for i in members})
    mask = shared_mask(p, members)
    slots = best_slots(mask, limit=1)
    parts = [
        f"mixes {institutions} universit{'y' if institutions == 1 else 'ies'}",
        f"{hours(mask):g} h weekly overlap" + (f", best {slots[0]}" if slots else ""),
        _isolation_text(p, members),
    ]
    if score.requests > 0:
        honoured = sum(1 for x in members for y in p.mutual[x] if y in members and x < y)
        parts.append(f"honours {honoured} mutual request{'s' if honoured > 1 else ''}")
    language = working_language(p, members)
    if language:
        parts.append(f"works in {language}")
    return "; ".join(parts)


def team_key(p: Problem, members: Sequence[int], position: int) -> str:
    """A locked team keeps its key so the teacher's lock survives a re-run; others are T01...

    `position` counts unlocked teams only, and numbers a lock key already uses are skipped, so
    an unlocked team can never take the key of a locked one.
    """
    locks = sorted({p.lock_keys[p.lock[i]] for i in members if p.lock[i] >= 0})
    if locks:
        return locks[0]
    return free_key(position, p.lock_keys)


def free_key(position: int, taken: Sequence[str]) -> str:
    """The `position`-th (from 0) of T01, T02, ... that no lock uses, in O(locks).

    Listing the free keys per team cost O(n) each, O(n^2/size) in all: half the wall time
    of a 10,000-student run.
    """
    k = position + 1
    for number in sorted({int(key[1:]) for key in taken if _is_numbered(key)}):
        if number > k:
            break
        k += 1
    return f"T{k:02d}"


def _is_numbered(key: str) -> bool:
    return key[1:].isdigit() and key == f"T{int(key[1:]):02d}"


def draft(p: Problem, members: Sequence[int], position: int) -> TeamDraft:
    """Build one team's draft; every figure in it is recomputed from the members."""
    ordered = sorted(members, key=lambda i: p.candidates[i].id)
    score = team_breakdown(p, ordered)
    mask = shared_mask(p, ordered)
    return TeamDraft(
        key=team_key(p, ordered, position),
        member_ids=tuple(p.candidates[i].id for i in ordered),
        score=score,
        shared_hours=hours(mask),
        best_slots=best_slots(mask),
        working_language=working_language(p, ordered),
        explanation=explain(p, ordered, score),
    )
