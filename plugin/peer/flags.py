"""Exceptional-condition flags from peer ratings. Pure, like ``plugin.peer.factors``.

Person flags say something about one member (rated far below the team, rates self far above
what teammates say); team flags say something about how the team rates (one rater's scores
spread wide, own-university teammates rated systematically higher). Every flag compares
ratings with ratings, so a team whose ratings are all alike raises none.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean

from plugin.i18n import N_, Text
from plugin.peer.factors import MemberScore, Rating, team_ratings

OVERCONFIDENT = "overconfident"
UNDERCONFIDENT = "underconfident"
MANIPULATOR = "manipulator"
CONFLICT = "conflict"
LOW_PERFORMER = "low_performer"
HIGH_PERFORMER = "high_performer"
INSTITUTION_SPLIT = "institution_split"

#: What each flag means, for teachers' pages (person flags and team flags).
LABELS: dict[str, Text] = {
    OVERCONFIDENT: N_("Rates self well above what teammates say"),
    UNDERCONFIDENT: N_("Rates self well below what teammates say"),
    MANIPULATOR: N_("Rates self high and every teammate low"),
    CONFLICT: N_("One member's ratings of teammates are widely spread"),
    LOW_PERFORMER: N_("Rated well below the team by teammates"),
    HIGH_PERFORMER: N_("Rated well above the team by teammates"),
    INSTITUTION_SPLIT: N_("Members rate teammates from their own university higher"),
}


@dataclass(frozen=True)
class Thresholds:
    """Where a difference becomes a flag, on the 1-5 scale (factors as ratios)."""

    confidence_gap: float = 1.0  # self mean vs teammates' mean
    manipulator_self: float = 4.0  # self mean at least this ...
    manipulator_gap: float = 1.5  # ... and this far above the mean given to every teammate
    conflict_spread: float = 2.0  # highest minus lowest mean one rater gives teammates
    low_factor: float = 0.8
    high_factor: float = 1.2
    institution_gap: float = 0.75  # own minus partner university, mean over raters
    split_raters: int = 2  # raters who rate both kinds of teammates, at least


DEFAULT_THRESHOLDS = Thresholds()


def _given(ratings: Sequence[Rating]) -> dict[int, list[Rating]]:
    given: dict[int, list[Rating]] = {}
    for rating in ratings:
        if not rating.is_self:
            given.setdefault(rating.rater, []).append(rating)
    return given


def member_flags(
    members: Sequence[int],
    ratings: Iterable[Rating],
    scores: Mapping[int, MemberScore],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> dict[int, list[str]]:
    """Each member's flags, in a fixed order; members without any keep an empty list."""
    kept = team_ratings(members, ratings)
    given = _given(kept)
    flags: dict[int, list[str]] = {}
    for person in sorted(set(members)):
        score = scores.get(person)
        mine: list[str] = []
        if score is not None and score.self_mean is not None and score.peer_mean is not None:
            gap = score.self_mean - score.peer_mean
            if gap >= thresholds.confidence_gap:
                mine.append(OVERCONFIDENT)
            elif -gap >= thresholds.confidence_gap:
                mine.append(UNDERCONFIDENT)
        out = given.get(person, [])
        if score is not None and score.self_mean is not None and out:
            highest_given = max(r.mean for r in out)
            if (
                score.self_mean >= thresholds.manipulator_self
                and score.self_mean - highest_given >= thresholds.manipulator_gap
            ):
                mine.append(MANIPULATOR)
        if len(out) >= 2:
            means = [r.mean for r in out]
            if max(means) - min(means) >= thresholds.conflict_spread:
                mine.append(CONFLICT)
        factor = score.factor_without_self if score is not None else None
        if factor is not None:
            if factor <= thresholds.low_factor:
                mine.append(LOW_PERFORMER)
            elif factor >= thresholds.high_factor:
                mine.append(HIGH_PERFORMER)
        flags[person] = mine
    return flags


def institution_gap(
    members: Sequence[int],
    ratings: Iterable[Rating],
    institutions: Mapping[int, int],
) -> tuple[float | None, int]:
    """Mean over raters of (own-university teammates' mean - partner teammates' mean).

    Returns the gap and how many raters rated both kinds; None when nobody did.
    """
    kept = team_ratings(members, ratings)
    gaps: list[float] = []
    for rater, out in sorted(_given(kept).items()):
        home = institutions.get(rater)
        own = [r.mean for r in out if institutions.get(r.ratee) == home]
        partner = [r.mean for r in out if institutions.get(r.ratee) != home]
        if own and partner:
            gaps.append(fmean(own) - fmean(partner))
    return (fmean(gaps) if gaps else None), len(gaps)


def team_flags(
    members: Sequence[int],
    ratings: Iterable[Rating],
    institutions: Mapping[int, int],
    person_flags: Mapping[int, Sequence[str]],
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> list[str]:
    """The team's flags: a conflict when any member's ratings spread wide; an institution split."""
    kept = team_ratings(members, ratings)
    flags: list[str] = []
    if any(CONFLICT in f for f in person_flags.values()):
        flags.append(CONFLICT)
    gap, raters = institution_gap(members, kept, institutions)
    if gap is not None and raters >= thresholds.split_raters and gap >= thresholds.institution_gap:
        flags.append(INSTITUTION_SPLIT)
    return flags
