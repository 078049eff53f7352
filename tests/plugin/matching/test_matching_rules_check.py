"""MatchRules.check refuses choices that mean nothing for a pool, first mistake first, and a
score carries the counts its weighted terms stand for."""

from __future__ import annotations

import pytest

from plugin.errors import InvalidInput
from plugin.matching.candidates import Candidate, MatchRules, SoftWeights
from plugin.matching.objective import team_breakdown
from plugin.matching.problem import compile_problem

POOL = {"7", "12", "30"}


def _refusal(rules: MatchRules, isolation: str = "") -> str:
    with pytest.raises(InvalidInput) as caught:
        rules.check(POOL, ("en", "it"), isolation)
    return str(caught.value.message)


def test_pairs_are_ordered_by_id_and_repeats_dropped() -> None:
    rules = MatchRules(
        working_languages=("en",),
        keep_together=(("30", "7"), ("7", "30")),
        keep_apart=(("12", "30"),),
    ).check(POOL, ("en",))
    assert rules.keep_together == (("7", "30"),)
    assert rules.keep_apart == (("12", "30"),)


def test_the_first_mistake_in_form_order_is_the_one_reported() -> None:
    everything_wrong = MatchRules(
        working_languages=("fr",),
        min_level="Z9",
        keep_together=(("7", "7"),),
        keep_apart=(("7", "99"),),
    )
    assert _refusal(everything_wrong, "shoe size") == "Choose working languages of this exchange."
    no_language = MatchRules(working_languages=(), min_level="Z9")
    assert _refusal(no_language, "shoe size") == "Name at least one working language."
    bad_level = MatchRules(working_languages=("en",), min_level="Z9")
    assert _refusal(bad_level, "shoe size") == "Choose a CEFR level from the list."
    bad_isolation = MatchRules(working_languages=("en",), keep_together=(("7", "7"),))
    assert (
        _refusal(bad_isolation, "shoe size")
        == "Choose how no student should be left alone from the list."
    )
    same_student = MatchRules(working_languages=("en",), keep_together=(("7", "7"),))
    assert _refusal(same_student) == "Choose two different students for a pair."
    outsider = MatchRules(working_languages=("en",), keep_apart=(("7", "99"),))
    assert _refusal(outsider) == "Choose students from this exchange's pool."
    both = MatchRules(
        working_languages=("en",), keep_together=(("7", "12"),), keep_apart=(("12", "7"),)
    )
    assert _refusal(both) == "A pair cannot be both kept together and kept apart."


def test_a_score_keeps_the_counts_behind_its_terms() -> None:
    pool = [
        Candidate("1", "Leiden", country="NL", discipline="law", requests=("2",)),
        Candidate("2", "Bologna", country="IT", discipline="law", requests=("1",)),
        Candidate("3", "Leiden", country="NL", discipline="art"),
    ]
    rules = MatchRules(
        min_size=3,
        max_size=3,
        min_institutions=1,
        min_shared_hours=0,
        weights=SoftWeights(isolation_groups=(("institution", "Bologna"),)),
    )
    score = team_breakdown(compile_problem(pool, rules), [0, 1, 2])
    # countries differ in 2 pairs, disciplines in 2; Bologna's one student is alone.
    assert (score.differing, score.isolated, score.honoured) == (4, 1, 1)
    assert score.diversity == pytest.approx(rules.weights.diversity * 4)
    assert score.requests == pytest.approx(rules.weights.requests * 1)
    switched_off = MatchRules(
        min_size=3,
        max_size=3,
        min_institutions=1,
        min_shared_hours=0,
        weights=SoftWeights(requests=0.0),
    )
    assert team_breakdown(compile_problem(pool, switched_off), [0, 1, 2]).honoured == 0
