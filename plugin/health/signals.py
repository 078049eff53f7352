"""Activity signals in weeks: which week a moment falls in, and the shading of a heat-map
cell. Pure: the service brings the counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

WEEK_SECONDS = 7 * 24 * 3600
LEVELS = 5  # heat-map shades 0 (nothing) to 4 (the busiest weeks)


def exchange_start(starts_on: date) -> datetime:
    """Week 0 begins at midnight UTC of the exchange's first day."""
    return datetime.combine(starts_on, time(), UTC)


def week_of(moment: datetime, starts_on: date) -> int:
    return int((moment - exchange_start(starts_on)).total_seconds() // WEEK_SECONDS)


def weeks_so_far(starts_on: date, ends_on: date, now: datetime) -> int:
    """How many weeks the dashboard shows: up to this week, never past the exchange's end."""
    last = min(now, exchange_start(ends_on) + timedelta(days=1))
    return max(0, week_of(last, starts_on)) + 1


def week_starts(starts_on: date, week: int) -> date:
    return starts_on + timedelta(days=7 * week)


@dataclass
class Counts:
    """One member's (or team's) activity in one week."""

    lines: int = 0
    note_edits: int = 0
    tasks_done: int = 0
    calls: int = 0
    last_active_at: datetime | None = None

    @property
    def total(self) -> int:
        return self.lines + self.note_edits + self.tasks_done + self.calls

    def add(self, other: Counts) -> None:
        self.lines += other.lines
        self.note_edits += other.note_edits
        self.tasks_done += other.tasks_done
        self.calls += other.calls
        self.seen(other.last_active_at)

    def seen(self, moment: datetime | None) -> None:
        if moment is not None and (self.last_active_at is None or moment > self.last_active_at):
            self.last_active_at = moment


def level(value: int, busiest: int) -> int:
    """The shade of a cell: 0 for nothing, else 1..4 by its share of the busiest cell."""
    if value <= 0 or busiest <= 0:
        return 0
    return min(LEVELS - 1, 1 + (value * (LEVELS - 1) - 1) // busiest)


def trend_points(values: list[float | None], width: int = 100, height: int = 24) -> str:
    """An SVG polyline's points for check-in averages on a 1 to 5 scale (gaps skipped)."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if not known:
        return ""
    step = width / max(len(values) - 1, 1)
    return " ".join(f"{i * step:.1f},{height - (v - 1) / 4 * height:.1f}" for i, v in known)
