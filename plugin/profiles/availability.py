"""Weekly availability: a grid in the person's local time <-> UTC minute-of-week intervals.

Pure (no I/O). People think in local wall-clock time; matching compares people in different
zones, so storage is UTC. The conversion depends on the week: Europe and the Americas change
clocks on different dates, so a Monday 18:00 in Amsterdam is 17:00 UTC in winter and 16:00 in
summer. Every conversion therefore takes the Monday of the week it is about.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

from plugin.errors import InvalidInput
from plugin.i18n import N_

WEEK = 7 * 24 * 60
DAY = 24 * 60
SLOT_MINUTES = 120
GRID_FIRST_MINUTE = 6 * 60  # nobody is matched for a 02:00 meeting; the grid shows 06-24
GRID_STARTS = tuple(range(GRID_FIRST_MINUTE, DAY, SLOT_MINUTES))
MAX_INTERVALS = 7 * 24

LocalSlot = tuple[int, int]  # (weekday 0 = Monday, start minute in the local day)
Interval = tuple[int, int]  # [start, end) minutes since Monday 00:00 UTC


@lru_cache(maxsize=1)
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def check_time_zone(name: str) -> str:
    clean = name.strip()
    if clean not in _zones():
        raise InvalidInput(
            N_("Unknown time zone. Choose one from the list, e.g. Europe/Amsterdam.")
        )
    return clean


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


def reference_week(starts_on: date, today: date) -> date:
    """The week whose clocks the grid means: the exchange's first week, or this week once
    it has begun (the grid describes a typical week of the exchange)."""
    return monday_of(max(starts_on, today))


def check_slots(slots: Iterable[LocalSlot]) -> frozenset[LocalSlot]:
    """Every slot must be a cell of the grid: a weekday and one of the grid's start times."""
    clean = frozenset(slots)
    for day, start in clean:
        if not (0 <= day <= 6 and start in GRID_STARTS):
            raise InvalidInput(N_("Availability must be within the week's grid."))
    return clean


def check_intervals(intervals: Iterable[Iterable[int]]) -> list[Interval]:
    """Stored or submitted UTC intervals: integers inside one week, start before end."""
    result: list[Interval] = []
    for pair in intervals:
        values = list(pair)
        if len(values) != 2 or not all(isinstance(v, int) for v in values):
            raise InvalidInput(N_("Availability must be pairs of minutes within the week."))
        start, end = values
        if not 0 <= start < end <= WEEK:
            raise InvalidInput(N_("Availability must be within the week."))
        result.append((start, end))
    if len(result) > MAX_INTERVALS:
        raise InvalidInput(N_("Too many availability periods."))
    return merge(result)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[Interval] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _local_to_utc_span(
    day: int, start: int, minutes: int, zone: ZoneInfo, week: date
) -> list[Interval]:
    """One local span as UTC minute-of-week intervals (split where it crosses the week's end)."""
    origin = datetime.combine(week, time(), UTC)
    base = datetime.combine(week + timedelta(days=day), time())

    def minute(offset: int) -> int:
        wall = base + timedelta(minutes=offset)
        instant = wall.replace(tzinfo=zone).astimezone(UTC)
        return int((instant - origin).total_seconds()) // 60

    lo, hi = minute(start), minute(start + minutes)
    if hi <= lo:  # a span that the spring-forward gap swallowed entirely
        return []
    shift = (lo // WEEK) * WEEK
    lo, hi = lo - shift, hi - shift
    if hi <= WEEK:
        return [(lo, hi)]
    return [(lo, WEEK), (0, hi - WEEK)]


def local_to_utc(slots: Iterable[LocalSlot], time_zone: str, week: date) -> list[Interval]:
    """Grid cells ticked in local time → merged UTC intervals, using that week's offsets."""
    zone = ZoneInfo(check_time_zone(time_zone))
    monday = monday_of(week)
    spans: list[Interval] = []
    for day, start in check_slots(slots):
        spans.extend(_local_to_utc_span(day, start, SLOT_MINUTES, zone, monday))
    return merge(spans)


def utc_to_local(intervals: Iterable[Interval], time_zone: str, week: date) -> frozenset[LocalSlot]:
    """Which grid cells the stored intervals cover, seen from this zone in that week."""
    zone = ZoneInfo(check_time_zone(time_zone))
    monday = monday_of(week)
    stored = merge(intervals)

    def covered(span: Interval) -> bool:
        return any(s <= span[0] and span[1] <= e for s, e in stored)

    return frozenset(
        (day, start)
        for day in range(7)
        for start in GRID_STARTS
        if (spans := _local_to_utc_span(day, start, SLOT_MINUTES, zone, monday))
        and all(covered(span) for span in spans)
    )


def overlap_minutes(a: Iterable[Interval], b: Iterable[Interval]) -> int:
    """Minutes per week two people are both available: what a teammate may see of each other."""
    total = 0
    right = merge(b)
    for s1, e1 in merge(a):
        for s2, e2 in right:
            total += max(0, min(e1, e2) - max(s1, s2))
    return total
