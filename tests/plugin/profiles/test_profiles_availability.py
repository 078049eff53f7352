"""Local weekly grid <-> UTC minute-of-week intervals, across DST changes and week ends."""

from __future__ import annotations

from datetime import date

import pytest

from plugin.errors import InvalidInput
from plugin.profiles.availability import (
    GRID_STARTS,
    WEEK,
    check_intervals,
    local_to_utc,
    overlap_minutes,
    reference_week,
    utc_to_local,
)

WINTER = date(2027, 1, 11)  # Amsterdam UTC+1, New York UTC-5
SUMMER = date(2027, 6, 14)  # Amsterdam UTC+2, New York UTC-4
# 2027-03-15: New York already on summer time (since 14 March), Amsterdam not until 28 March.
GAP = date(2027, 3, 15)
MONDAY_18 = (0, 18 * 60)


def test_the_same_local_slot_is_a_different_utc_time_in_winter_and_summer() -> None:
    assert local_to_utc([MONDAY_18], "Europe/Amsterdam", WINTER) == [(17 * 60, 19 * 60)]
    assert local_to_utc([MONDAY_18], "Europe/Amsterdam", SUMMER) == [(16 * 60, 18 * 60)]


def test_the_weeks_between_two_continents_clock_changes_are_honoured() -> None:
    amsterdam = local_to_utc([MONDAY_18], "Europe/Amsterdam", GAP)
    new_york = local_to_utc([(0, 12 * 60)], "America/New_York", GAP)
    assert amsterdam == [(17 * 60, 19 * 60)]  # still winter time
    assert new_york == [(16 * 60, 18 * 60)]  # already summer time
    assert overlap_minutes(amsterdam, new_york) == 60


def test_a_slot_that_crosses_the_utc_week_end_is_split() -> None:
    # Sunday 22:00-24:00 in Tokyo (UTC+9) is Sunday 13:00-15:00 UTC; Monday 06:00 Tokyo is
    # Sunday 21:00 UTC: the previous UTC week wraps to the end of this one.
    assert local_to_utc([(0, 6 * 60)], "Asia/Tokyo", WINTER) == [(WEEK - 3 * 60, WEEK - 60)]
    # Sunday 22:00-24:00 in Honolulu (UTC-10) is Monday 08:00-10:00 UTC of the next week.
    assert local_to_utc([(6, 22 * 60)], "Pacific/Honolulu", WINTER) == [(8 * 60, 10 * 60)]
    # Auckland Monday 06:00-08:00 (UTC+13 in January) spans Sunday 17:00-19:00 UTC.
    spans = local_to_utc([(0, 6 * 60), (0, 8 * 60)], "Pacific/Auckland", WINTER)
    assert spans == [(WEEK - 7 * 60, WEEK - 3 * 60)]


@pytest.mark.parametrize("zone", ["Europe/Amsterdam", "America/New_York", "Asia/Kolkata", "UTC"])
@pytest.mark.parametrize("week", [WINTER, GAP, SUMMER, date(2027, 10, 25)])
def test_round_trip_gives_back_the_grid(zone: str, week: date) -> None:
    grid = frozenset({(d, s) for d in range(7) for s in GRID_STARTS if (d + s // 60) % 3 == 0})
    assert utc_to_local(local_to_utc(grid, zone, week), zone, week) == grid


def test_a_neighbour_in_another_zone_sees_the_same_moments_on_their_own_clock() -> None:
    # Amsterdam 16:00-20:00 in winter is 15:00-19:00 UTC, which is London 15:00-19:00:
    # London's grid has only the whole cell 16:00-18:00 inside it.
    stored = local_to_utc([(0, 16 * 60), (0, 18 * 60)], "Europe/Amsterdam", WINTER)
    assert utc_to_local(stored, "Europe/London", WINTER) == {(0, 16 * 60)}
    assert utc_to_local(stored, "Europe/Amsterdam", WINTER) == {(0, 16 * 60), (0, 18 * 60)}


def test_cells_outside_the_grid_and_unknown_zones_are_refused() -> None:
    with pytest.raises(InvalidInput, match="within the week"):
        local_to_utc([(7, 18 * 60)], "Europe/Amsterdam", WINTER)
    with pytest.raises(InvalidInput, match="within the week"):
        local_to_utc([(0, 19 * 60)], "Europe/Amsterdam", WINTER)
    with pytest.raises(InvalidInput, match="Unknown time zone"):
        local_to_utc([MONDAY_18], "Mars/Olympus_Mons", WINTER)
    with pytest.raises(InvalidInput, match="within the week"):
        check_intervals([[0, WEEK + 1]])
    with pytest.raises(InvalidInput, match="within the week"):
        check_intervals([[60, 60]])
    assert check_intervals([[120, 180], [0, 60], [60, 90]]) == [(0, 90), (120, 180)]


def test_the_reference_week_is_the_exchanges_first_week_until_it_starts() -> None:
    assert reference_week(date(2027, 2, 3), today=date(2026, 12, 1)) == date(2027, 2, 1)
    assert reference_week(date(2027, 2, 3), today=date(2027, 3, 4)) == date(2027, 3, 1)
