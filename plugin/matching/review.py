"""Score and check any teams, not just the engine's: what a teacher sees after a hand move.

A teacher may move people in ways the engine would not; the preview must still show each
team's score breakdown and explanation, and name any hard rule the move broke.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from plugin.errors import InvalidInput
from plugin.i18n import N_
from plugin.matching.availability import SLOT_MINUTES, runs
from plugin.matching.candidates import Candidate, MatchRules, ScoreBreakdown, SoftWeights, TeamDraft
from plugin.matching.explain import draft, shared_mask
from plugin.matching.feasibility import team_violations
from plugin.matching.problem import compile_problem

WINDOWS_SHOWN = 3


@dataclass(frozen=True)
class TeamReview:
    """One team's draft (score, hours, explanation) and the hard rules it breaks, if any."""

    draft: TeamDraft
    broken: tuple[str, ...]
    windows: tuple[tuple[int, int], ...] = ()
    """The best shared weekly windows as (start, end) minutes since Monday 00:00 UTC, longest
    first, so that pages can show them in the viewer's own time zone and language."""


@dataclass(frozen=True)
class Review:
    """Every team reviewed, and the total score the teacher watches while editing."""

    teams: tuple[TeamReview, ...]
    score: ScoreBreakdown

    @property
    def valid(self) -> bool:
        """True when no team breaks a hard rule."""
        return not any(t.broken for t in self.teams)


def review(
    pool: Sequence[Candidate], rules: MatchRules, teams: Mapping[str, Sequence[str]]
) -> Review:
    """Recompute every figure from the members; keys are kept as the teacher sees them."""
    p = compile_problem(pool, rules)
    index = {c.id: i for i, c in enumerate(pool)}
    out = []
    total = ScoreBreakdown()
    for position, (key, ids) in enumerate(sorted(teams.items())):
        members = [index[cid] for cid in ids if cid in index]
        made = replace(draft(p, members, position), key=key)
        total = total + made.score
        windows = tuple(
            (start * SLOT_MINUTES, (start + length) * SLOT_MINUTES)
            for start, length in runs(shared_mask(p, members))[:WINDOWS_SHOWN]
        )
        out.append(TeamReview(made, tuple(sorted(team_violations(p, members))), windows))
    return Review(tuple(out), total)


def within_pool(rules: MatchRules, ids: Collection[str]) -> MatchRules:
    """Drop pairs and locks that name someone no longer in the pool.

    A student who leaves must not make stored rules unreadable: their pairs simply lapse.
    """
    return replace(
        rules,
        keep_together=tuple(p for p in rules.keep_together if p[0] in ids and p[1] in ids),
        keep_apart=tuple(p for p in rules.keep_apart if p[0] in ids and p[1] in ids),
        locked=tuple(lock for lock in rules.locked if lock[0] in ids),
    )


def placement_blockers(
    pool: Sequence[Candidate],
    rules: MatchRules,
    teams: Mapping[str, Sequence[str]],
    candidate_id: str,
    closed: Collection[str] = (),
) -> tuple[str, ...]:
    """Why a student fits no open team: the hard rules broken by the closest miss.

    The closest miss is the open team where adding them breaks the fewest rules (then the
    smallest amount), so the teacher sees the one relaxation most likely to let them in.
    Empty when every team is closed (locked) and none could take anyone.
    """
    p = compile_problem(pool, rules)
    index = {c.id: i for i, c in enumerate(pool)}
    newcomer = index[candidate_id]
    tries = [
        team_violations(p, [*(index[cid] for cid in ids if cid in index), newcomer])
        for key, ids in sorted(teams.items())
        if key not in closed
    ]
    if not tries:
        return ()
    closest = min(tries, key=lambda broken: (len(broken), sum(broken.values())))
    return tuple(sorted(closest))


def rules_to_json(rules: MatchRules) -> dict[str, Any]:
    """Rules as plain JSON for the audit trail."""
    return asdict(rules)


def rules_from_json(data: Mapping[str, Any]) -> MatchRules:
    """Rebuild stored rules (lists back to tuples); a malformed record is invalid input."""
    try:
        weights = dict(data["weights"])
        weights["diversity_attributes"] = tuple(weights["diversity_attributes"])
        weights["isolation_groups"] = tuple(tuple(g) for g in weights["isolation_groups"])
        fields = {k: v for k, v in data.items() if k != "weights"}
        for name in ("working_languages",):
            fields[name] = tuple(fields[name])
        for name in ("keep_together", "keep_apart", "locked"):
            fields[name] = tuple(tuple(pair) for pair in fields[name])
        return MatchRules(**fields, weights=SoftWeights(**weights))
    except (KeyError, TypeError, ValueError) as error:
        raise InvalidInput(N_("These matching rules cannot be read.")) from error
