"""Adjustment factors and flags: the properties the issue asks for, and worked examples."""

from __future__ import annotations

import random
from dataclasses import asdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plugin.errors import InvalidInput
from plugin.peer.factors import (
    DIMENSIONS,
    Rating,
    adjusted_grade,
    adjustment_factors,
    member_scores,
)
from plugin.peer.flags import (
    CONFLICT,
    HIGH_PERFORMER,
    INSTITUTION_SPLIT,
    LOW_PERFORMER,
    MANIPULATOR,
    OVERCONFIDENT,
    UNDERCONFIDENT,
    institution_gap,
    member_flags,
    team_flags,
)

SCORES = st.tuples(*[st.integers(1, 5) for _ in DIMENSIONS])


@st.composite
def teams(draw: st.DrawFn) -> tuple[list[int], list[Rating], dict[int, int]]:
    """A team of 2-6 members from one or two universities; each pair rated or not."""
    size = draw(st.integers(2, 6))
    members = list(range(10, 10 + size))
    institutions = {m: draw(st.sampled_from([1, 2])) for m in members}
    ratings = [
        Rating(rater, ratee, draw(SCORES))
        for rater in members
        for ratee in members
        if draw(st.booleans()) or rater != ratee
    ]
    return members, ratings, institutions


def _everything(
    members: list[int], ratings: list[Rating], institutions: dict[int, int]
) -> tuple[dict[int, object], dict[int, list[str]], list[str]]:
    scores = member_scores(members, ratings)
    flags = member_flags(members, ratings, scores)
    return dict(scores), flags, team_flags(members, ratings, institutions, flags)


@settings(max_examples=60, deadline=None)
@given(teams())
def test_without_a_cap_a_teams_factors_average_one(
    team: tuple[list[int], list[Rating], dict[int, int]],
) -> None:
    members, ratings, _ = team
    scores = member_scores(members, ratings)
    for attr in ("factor_with_self", "factor_without_self"):
        factors = [getattr(s, attr) for s in scores.values() if getattr(s, attr) is not None]
        assert factors, attr
        assert sum(factors) / len(factors) == pytest.approx(1.0)


@settings(max_examples=60, deadline=None)
@given(teams(), st.floats(1.0, 2.0))
def test_a_cap_bounds_every_factor(
    team: tuple[list[int], list[Rating], dict[int, int]], cap: float
) -> None:
    members, ratings, _ = team
    for score in member_scores(members, ratings, cap).values():
        for factor in (score.factor_with_self, score.factor_without_self):
            assert factor is None or factor <= cap


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 6), SCORES, st.lists(st.sampled_from([1, 2]), min_size=6, max_size=6))
def test_a_uniform_team_raises_no_flag(
    size: int, scores: tuple[int, ...], universities: list[int]
) -> None:
    """Everyone gives everyone (themselves too) the same scores: nothing stands out."""
    members = list(range(size))
    ratings = [Rating(a, b, scores) for a in members for b in members]
    institutions = dict(zip(members, universities, strict=False))
    computed, flags, team = _everything(members, ratings, institutions)
    assert all(not f for f in flags.values())
    assert team == []
    for score in computed.values():
        assert score.factor_without_self == pytest.approx(1.0)  # type: ignore[attr-defined]


@settings(max_examples=60, deadline=None)
@given(teams(), st.data())
def test_swapping_two_raters_changes_nothing(
    team: tuple[list[int], list[Rating], dict[int, int]], data: st.DataObject
) -> None:
    """Who is called what and in which order ratings arrive does not change anyone's result:
    swap two members' ids everywhere (and shuffle the ratings) and each result moves with
    its person, unchanged."""
    members, ratings, institutions = team
    a, b = data.draw(st.permutations(members))[:2]

    def swap(p: int) -> int:
        return b if p == a else a if p == b else p

    swapped = [Rating(swap(r.rater), swap(r.ratee), r.scores) for r in ratings]
    random.Random(data.draw(st.integers(0, 1000))).shuffle(swapped)
    swapped_institutions = {swap(p): i for p, i in institutions.items()}
    before_scores, before_flags, before_team = _everything(members, ratings, institutions)
    after_scores, after_flags, after_team = _everything(members, swapped, swapped_institutions)
    assert before_team == after_team
    for person in members:
        assert before_flags[person] == after_flags[swap(person)]
        old, new = before_scores[person], after_scores[swap(person)]
        assert _plain(old) == pytest.approx(_plain(new))


def _plain(score: object) -> dict[str, float | None]:
    """A member's result as flat numbers (person id left out), comparable approximately."""
    fields = asdict(score)  # type: ignore[call-overload]
    flat = {k: v for k, v in fields.items() if k not in ("person_id", "dimensions")}
    return flat | {f"dim_{k}": v for k, v in fields["dimensions"].items()}


def _r(rater: int, ratee: int, value: int) -> Rating:
    return Rating(rater, ratee, (value,) * len(DIMENSIONS))


def test_worked_example_factors_and_performers() -> None:
    """A rated 5 by both others, B 3, C 1: factors 5/3, 1, 1/3 without self; capped at 1.1."""
    members = [1, 2, 3]
    ratings = [_r(r, e, v) for e, v in ((1, 5), (2, 3), (3, 1)) for r in members if r != e]
    scores = member_scores(members, ratings)
    assert scores[1].factor_without_self == pytest.approx(5 / 3)
    assert scores[2].factor_without_self == pytest.approx(1.0)
    assert scores[3].factor_without_self == pytest.approx(1 / 3)
    assert scores[1].raters == 2
    assert scores[1].self_mean is None
    assert member_scores(members, ratings, 1.1)[1].factor_without_self == pytest.approx(1.1)
    flags = member_flags(members, ratings, scores)
    assert HIGH_PERFORMER in flags[1]
    assert LOW_PERFORMER in flags[3]
    # Each rater gives one teammate 5 and the other 1 (or 3): a wide spread too.
    assert flags[2] == [CONFLICT]


def test_confidence_and_manipulator_flags() -> None:
    members = [1, 2, 3]
    ratings = [_r(a, b, 3) for a in members for b in members if a != b]
    ratings += [_r(1, 1, 5), _r(2, 2, 1), _r(3, 3, 3)]
    flags = member_flags(members, ratings, member_scores(members, ratings))
    assert OVERCONFIDENT in flags[1]
    assert UNDERCONFIDENT in flags[2]
    assert flags[3] == []
    # 1 now also rates both teammates 2: self high, everyone else low.
    ratings += [_r(1, 2, 2), _r(1, 3, 2)]
    flags = member_flags(members, ratings, member_scores(members, ratings))
    assert MANIPULATOR in flags[1]
    assert MANIPULATOR not in flags[2]


def test_conflict_is_one_raters_spread() -> None:
    members = [1, 2, 3, 4]
    ratings = [_r(a, b, 3) for a in members for b in members if a != b]
    ratings += [_r(1, 2, 5), _r(1, 3, 1)]
    flags = member_flags(members, ratings, member_scores(members, ratings))
    assert CONFLICT in flags[1]
    assert CONFLICT not in flags[2]
    assert CONFLICT in team_flags(members, ratings, dict.fromkeys(members, 1), flags)


def test_institution_split_needs_a_systematic_gap() -> None:
    """Leiden (1, 2) and Bologna (3, 4) each rate their own 5 and the others 3."""
    members = [1, 2, 3, 4]
    institutions = {1: 1, 2: 1, 3: 2, 4: 2}
    ratings = [
        _r(a, b, 5 if institutions[a] == institutions[b] else 3)
        for a in members
        for b in members
        if a != b
    ]
    flags = member_flags(members, ratings, member_scores(members, ratings))
    assert institution_gap(members, ratings, institutions) == (2.0, 4)
    assert INSTITUTION_SPLIT in team_flags(members, ratings, institutions, flags)
    # One rater alone is not a pattern.
    one = [r for r in ratings if r.rater == 1] + [
        _r(a, b, 4) for a in (2, 3, 4) for b in members if a != b
    ]
    assert INSTITUTION_SPLIT not in team_flags(members, one, institutions, {})


def test_bad_input_is_refused_in_words() -> None:
    with pytest.raises(InvalidInput):
        Rating(1, 2, (1, 2, 3))
    with pytest.raises(InvalidInput):
        Rating(1, 2, (0, 2, 3, 4, 5))
    with pytest.raises(InvalidInput):
        adjustment_factors({1: 3.0}, cap=0.5)
    assert adjusted_grade(0.8, 1.5, 1.0) == 1.0
    assert adjusted_grade(0.8, None, 1.0) == 0.8
    assert adjusted_grade(0.5, 0.5, 1.0) == 0.25
