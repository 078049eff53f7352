"""The pure health rules: each reason with its numbers, the status they add up to, and the
teachers' threshold form."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from plugin.health.signals import level, week_of, weeks_so_far
from plugin.health.status import (
    MemberFacts,
    Status,
    TeamFacts,
    Thresholds,
    assess,
    parse_thresholds,
    reason_text,
)

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)
FORMED = NOW - timedelta(days=40)


def _team(
    last_active_days: list[int | None], met_days_ago: int | None, **more: object
) -> TeamFacts:
    members = [
        MemberFacts(i, FORMED, None if d is None else NOW - timedelta(days=d))
        for i, d in enumerate(last_active_days)
    ]
    met = None if met_days_ago is None else NOW.date() - timedelta(days=met_days_ago)
    return TeamFacts(1, FORMED, members, met, **more)  # type: ignore[arg-type]


def test_an_active_team_that_meets_is_healthy() -> None:
    result = assess(_team([1, 2, 0], 3), Thresholds(), NOW)
    assert (result.status, result.reasons) == (Status.HEALTHY, ())


def test_no_meeting_for_twelve_days_is_a_watch_with_the_days_in_words() -> None:
    result = assess(_team([1, 1, 1], 12), Thresholds(), NOW)
    assert result.status is Status.WATCH
    (reason,) = result.reasons
    assert reason.key == "no_meeting"
    assert reason.params == {"days": 12}
    assert str(reason_text(reason.key, reason.params)) == "no team meeting for 12 days"


def test_twice_the_meeting_gap_is_at_risk() -> None:
    assert assess(_team([1, 1, 1], 20), Thresholds(), NOW).status is Status.AT_RISK
    assert assess(_team([1, 1, 1], 19), Thresholds(), NOW).status is Status.WATCH


def test_one_silent_member_is_a_watch_half_the_team_is_at_risk() -> None:
    one = assess(_team([1, 15, 0, 2], 1), Thresholds(), NOW)
    assert one.status is Status.WATCH
    assert str(reason_text(one.reasons[0].key, one.reasons[0].params)) == (
        "one member silent for 15 days"
    )
    two = assess(_team([1, 15, None, 2], 1), Thresholds(), NOW)
    assert two.status is Status.AT_RISK
    assert two.reasons[0].params == {"count": 2, "days": 15}


def test_two_watch_reasons_together_make_the_team_at_risk() -> None:
    result = assess(_team([1, 15, 0, 2], 12), Thresholds(), NOW)
    assert result.status is Status.AT_RISK
    assert {r.key for r in result.reasons} == {"no_meeting", "silent"}


def test_checkin_fall_and_low_average() -> None:
    fell = assess(_team([1, 1], 1, checkins=((3, 4.2), (4, 3.1))), Thresholds(), NOW)
    assert fell.status is Status.WATCH
    assert str(reason_text(fell.reasons[0].key, fell.reasons[0].params)) == (
        "check-in average fell from 4.2 to 3.1"
    )
    low = assess(_team([1, 1], 1, checkins=((3, 4.2), (4, 2.4))), Thresholds(), NOW)
    assert low.status is Status.AT_RISK
    assert [r.key for r in low.reasons] == ["checkin_low", "checkin_fell"]
    steady = assess(_team([1, 1], 1, checkins=((3, 4.2), (4, 3.5))), Thresholds(), NOW)
    assert steady.status is Status.HEALTHY


def test_ratings_split_by_university_is_a_reason() -> None:
    result = assess(_team([1, 1], 1, ratings_split=True), Thresholds(), NOW)
    assert result.status is Status.WATCH
    assert str(reason_text("ratings_split", {})) == "ratings split by university"


def test_thresholds_change_the_verdict() -> None:
    facts = _team([1, 1, 1], 12)
    assert assess(facts, Thresholds(meeting_gap_days=14), NOW).status is Status.HEALTHY


def test_a_new_team_is_not_blamed_for_not_having_met_yet() -> None:
    facts = TeamFacts(1, NOW - timedelta(days=3), [MemberFacts(1, NOW, None)], None)
    assert assess(facts, Thresholds(), NOW).status is Status.HEALTHY


def _numbers(**texts: str | None) -> dict[str, Decimal | None]:
    return {k: None if v is None else Decimal(v) for k, v in texts.items()}


def test_the_threshold_form_names_each_wrong_field() -> None:
    limits, errors = parse_thresholds(
        _numbers(meeting_gap_days=None, silent_days="2", checkin_drop="1.5", checkin_low="3.5")
    )
    assert limits is None
    assert set(errors) == {"meeting_gap_days", "silent_days"}
    assert str(errors["meeting_gap_days"]) == "Enter a number, for example 10."
    assert str(errors["silent_days"]) == "Enter a number from 3 to 60."
    limits, errors = parse_thresholds(
        _numbers(meeting_gap_days="7", silent_days="10", checkin_drop="1.5", checkin_low="2")
    )
    assert errors == {}
    assert limits == Thresholds(7, 10, 1.5, 2.0)
    _, errors = parse_thresholds(
        _numbers(meeting_gap_days="7.5", silent_days="10", checkin_drop="9", checkin_low=None)
    )
    assert set(errors) == {"meeting_gap_days", "checkin_drop", "checkin_low"}
    assert str(errors["checkin_drop"]) == "Enter a number from 0.5 to 4.0."
    assert str(errors["checkin_low"]) == "Enter a number, for example 2.5."
    # The bounds travel as numbers, so a Dutch page can write them "0,5" and "4,0".
    assert errors["checkin_drop"].params == {"low": Decimal("0.5"), "high": Decimal("4.0")}
    _, errors = parse_thresholds(
        _numbers(meeting_gap_days="NaN", silent_days="Infinity", checkin_drop="1", checkin_low="2")
    )
    assert set(errors) == {"meeting_gap_days", "silent_days"}


def test_weeks_and_heat_levels() -> None:
    start = date(2026, 2, 2)
    assert week_of(datetime(2026, 2, 2, 0, 0, tzinfo=UTC), start) == 0
    assert week_of(datetime(2026, 2, 8, 23, 59, tzinfo=UTC), start) == 0
    assert week_of(datetime(2026, 2, 9, 0, 0, tzinfo=UTC), start) == 1
    assert weeks_so_far(start, date(2026, 4, 30), datetime(2026, 2, 10, tzinfo=UTC)) == 2
    assert weeks_so_far(start, date(2026, 2, 20), datetime(2026, 6, 1, tzinfo=UTC)) == 3
    assert [level(v, 100) for v in (0, 1, 25, 26, 50, 75, 100)] == [0, 1, 1, 2, 2, 3, 4]
