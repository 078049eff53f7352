"""Weekly availability as bit masks of 30-minute UTC slots.

A team's shared time is the AND of its members' masks, so checking "at least h hours together"
costs one integer AND and a popcount instead of interval arithmetic in the search's inner loop.
"""

from __future__ import annotations

from collections.abc import Iterable

from plugin.errors import InvalidInput
from plugin.i18n import N_
from plugin.matching.candidates import MINUTES_PER_WEEK

SLOT_MINUTES = 30
SLOTS_PER_WEEK = MINUTES_PER_WEEK // SLOT_MINUTES
SLOTS_PER_HOUR = 60 // SLOT_MINUTES
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def to_mask(intervals: Iterable[tuple[int, int]]) -> int:
    """Keep only slots wholly inside an interval: a half-free slot is no slot to meet in."""
    mask = 0
    for start, end in intervals:
        if not 0 <= start < end <= MINUTES_PER_WEEK:
            raise InvalidInput(
                N_(
                    "Availability %(start)s-%(end)s is not inside one week in minutes.",
                    start=start,
                    end=end,
                )
            )
        first = -(-start // SLOT_MINUTES)
        last = end // SLOT_MINUTES
        if last > first:
            mask |= ((1 << (last - first)) - 1) << first
    return mask


def hours(mask: int) -> float:
    """Hours in a mask; shown to teachers and compared with the rule's minimum."""
    return mask.bit_count() / SLOTS_PER_HOUR


def slots_needed(min_hours: float) -> int:
    """Round up so that "2.2 h" cannot be met by 2 h of slots."""
    return -int(-min_hours * SLOTS_PER_HOUR // 1)


def runs(mask: int) -> list[tuple[int, int]]:
    """Contiguous free runs as (first slot, slot count), the longest first, ties by time."""
    found: list[tuple[int, int]] = []
    slot = 0
    while mask >> slot:
        if (mask >> slot) & 1:
            start = slot
            while (mask >> slot) & 1:
                slot += 1
            found.append((start, slot - start))
        else:
            slot += 1
    found.sort(key=lambda run: (-run[1], run[0]))
    return found


def _clock(slot: int) -> str:
    minutes = (slot * SLOT_MINUTES) % (24 * 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def describe_run(start: int, length: int) -> str:
    """Render a run like "Tue 15:00-17:00 UTC" (an end at midnight shows as 24:00)."""
    day = _DAYS[(start * SLOT_MINUTES) // (24 * 60)]
    end = start + length
    end_text = _clock(end)
    if end_text == "00:00":
        end_text = "24:00"
    return f"{day} {_clock(start)}-{end_text} UTC"


def best_slots(mask: int, limit: int = 3) -> tuple[str, ...]:
    """The longest shared windows, because a teacher wants one good meeting time, not a grid."""
    return tuple(describe_run(start, length) for start, length in runs(mask)[:limit])
