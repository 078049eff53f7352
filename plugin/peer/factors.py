"""Adjustment factors from peer ratings. Pure: ratings in, numbers out, no database or clock.

A student's adjustment factor is the mean rating they received divided by the team's average
of the members' received means, so a team's factors average exactly 1 before any cap. Two
factors are kept: with the student's own rating of themselves among those received, and
without it (peers only), because a generous self-rating should not lift a grade on its own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import fmean

from plugin.errors import InvalidInput
from plugin.i18n import N_

#: The five dimensions, in the order the form asks them.
DIMENSIONS: tuple[str, ...] = ("contributing", "interacting", "on_track", "quality", "knowledge")
LOWEST = 1
HIGHEST = 5
#: A cap below 1 would lower everyone; above 2 it caps nothing a 1-5 scale can produce.
MIN_CAP = 1.0
MAX_CAP = 2.0


@dataclass(frozen=True)
class Rating:
    """One rater's scores for one teammate (or themselves), one per dimension."""

    rater: int
    ratee: int
    scores: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.scores) != len(DIMENSIONS):
            raise InvalidInput(N_("Rate every one of the five dimensions."))
        if any(not LOWEST <= s <= HIGHEST for s in self.scores):
            raise InvalidInput(N_("Each rating is a number from 1 to 5."))

    @property
    def mean(self) -> float:
        return fmean(self.scores)

    @property
    def is_self(self) -> bool:
        return self.rater == self.ratee


@dataclass(frozen=True)
class MemberScore:
    """What the ratings say about one member; None where nobody rated them that way."""

    person_id: int
    raters: int  # teammates (not self) who rated this member
    peer_mean: float | None
    self_mean: float | None
    dimensions: Mapping[str, float]  # teammates' mean per dimension
    factor_with_self: float | None
    factor_without_self: float | None


def check_cap(cap: float | None) -> float | None:
    if cap is not None and not MIN_CAP <= cap <= MAX_CAP:
        raise InvalidInput(
            N_("The cap on adjustment factors must be between 1 and 2."), field="cap"
        )
    return cap


def adjustment_factors(received: Mapping[int, float], cap: float | None = None) -> dict[int, float]:
    """Each member's received mean over the team's average of received means, capped above."""
    check_cap(cap)
    if not received:
        return {}
    average = fmean(received.values())
    factors = {person: value / average for person, value in received.items()}
    if cap is not None:
        factors = {person: min(factor, cap) for person, factor in factors.items()}
    return factors


def team_ratings(members: Sequence[int], ratings: Iterable[Rating]) -> list[Rating]:
    """The ratings between current members only; one per rater and ratee (the last wins)."""
    inside = set(members)
    kept: dict[tuple[int, int], Rating] = {}
    for rating in ratings:
        if rating.rater in inside and rating.ratee in inside:
            kept[(rating.rater, rating.ratee)] = rating
    return [kept[key] for key in sorted(kept)]


def member_scores(
    members: Sequence[int], ratings: Iterable[Rating], cap: float | None = None
) -> dict[int, MemberScore]:
    """Every member's means and both factors; members nobody rated get no factor."""
    kept = team_ratings(members, ratings)
    with_self: dict[int, list[float]] = {}
    peers: dict[int, list[Rating]] = {}
    selves: dict[int, float] = {}
    for rating in kept:
        with_self.setdefault(rating.ratee, []).append(rating.mean)
        if rating.is_self:
            selves[rating.ratee] = rating.mean
        else:
            peers.setdefault(rating.ratee, []).append(rating)
    factors_with = adjustment_factors({p: fmean(v) for p, v in with_self.items()}, cap)
    factors_without = adjustment_factors(
        {p: fmean(r.mean for r in rs) for p, rs in peers.items()}, cap
    )
    scores: dict[int, MemberScore] = {}
    for person in sorted(set(members)):
        received = peers.get(person, [])
        scores[person] = MemberScore(
            person_id=person,
            raters=len(received),
            peer_mean=fmean(r.mean for r in received) if received else None,
            self_mean=selves.get(person),
            dimensions=(
                {d: fmean(r.scores[i] for r in received) for i, d in enumerate(DIMENSIONS)}
                if received
                else {}
            ),
            factor_with_self=factors_with.get(person),
            factor_without_self=factors_without.get(person),
        )
    return scores


def adjusted_grade(grade: float, factor: float | None, maximum: float) -> float:
    """A grade scaled by a factor, never above the grade's maximum (no factor: unchanged)."""
    if factor is None:
        return grade
    return min(maximum, grade * factor)
