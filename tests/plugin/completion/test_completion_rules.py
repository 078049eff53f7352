"""The pure rule: what counts as done, and what is reported missing."""

import pytest

from plugin.completion.rules import (
    CONTRIBUTION,
    MEETINGS,
    REFLECTION,
    SIGN_OFF,
    TASKS,
    CompletionFacts,
    PhaseTasks,
    Rule,
    evaluate,
)
from plugin.errors import InvalidInput

RULE = Rule(version=2, min_meetings=2, min_contribution_weeks=3, required_phases=("a", "b"))
DONE = CompletionFacts(
    meetings_attended=2,
    contribution_weeks=frozenset({"2026-W06", "2026-W07", "2026-W08"}),
    phase_tasks={"a": PhaseTasks(2, 2), "b": PhaseTasks(1, 1)},
    reflection_submitted=True,
)


def test_everything_but_sign_off_is_ready_and_not_complete() -> None:
    verdict = evaluate(RULE, DONE)
    assert verdict.ready_for_sign_off
    assert not verdict.complete
    assert [r.key for r in verdict.missing] == [SIGN_OFF]
    assert verdict.rule_version == 2


def test_signed_off_is_complete() -> None:
    facts = CompletionFacts(**{**DONE.__dict__, "signed_off": True})
    assert evaluate(RULE, facts).complete


def test_missing_items_say_how_far_along() -> None:
    facts = CompletionFacts(
        meetings_attended=1,
        contribution_weeks=frozenset({"2026-W06"}),
        phase_tasks={"a": PhaseTasks(1, 3)},
    )
    verdict = evaluate(RULE, facts)
    missing = {(r.key, r.phase): (r.have, r.need) for r in verdict.missing}
    assert missing == {
        (MEETINGS, None): (1, 2),
        (CONTRIBUTION, None): (1, 3),
        (TASKS, "a"): (1, 3),
        (TASKS, "b"): (0, 1),  # a phase with no tasks planned is not done
        (REFLECTION, None): (0, 1),
        (SIGN_OFF, None): (0, 1),
    }
    assert not verdict.ready_for_sign_off


def test_zero_thresholds_drop_the_requirement() -> None:
    rule = Rule(version=1, min_meetings=0, min_contribution_weeks=0, reflection_required=False)
    verdict = evaluate(rule, CompletionFacts())
    assert [r.key for r in verdict.requirements] == [SIGN_OFF]
    assert verdict.ready_for_sign_off


@pytest.mark.parametrize(
    "kwargs",
    [
        {"version": 0},
        {"version": 1, "min_meetings": -1},
        {"version": 1, "min_contribution_weeks": 53},
        {"version": 1, "required_phases": ("a", "a")},
    ],
)
def test_bad_rules_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        Rule(**kwargs)  # type: ignore[arg-type]
