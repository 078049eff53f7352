"""Per-person token buckets: a burst is fine, a flood gets a clear "slow down" instead of
rows and broadcasts. In-process on purpose: with sticky sessions a person's connection lives
on one process, and the check must cost nothing on the hot path."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    def __init__(
        self,
        capacity: float = 10,
        per_second: float = 2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self.clock = clock
        self._buckets: dict[object, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key: object) -> float:
        """0 when allowed (and counted); otherwise the seconds to wait before trying again."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = _Bucket(self.capacity, now)
            bucket.tokens = min(
                self.capacity, bucket.tokens + (now - bucket.updated) * self.per_second
            )
            bucket.updated = now
            if bucket.tokens >= 1:
                bucket.tokens -= 1
                return 0.0
            return (1 - bucket.tokens) / self.per_second


# Room events other than chat sends, each with a bucket of its own per person (a flood of one
# kind does not stop the others). Sized from what the room's own client sends at its fastest:
# typing at most every 2 s plus a "stopped" per chat line; a note change at most every 150 ms
# while someone types (web/static/src/notes.js); tasks by hand.
EVENT_LIMITS: dict[str, tuple[float, float]] = {
    "typing": (10, 3),
    "tasks": (20, 1),
    "notes": (40, 10),
}


class EventLimits:
    """One token bucket per (kind, person) for the room events that make the server work or
    store; per person, so several tabs share one allowance and one person's flood never
    spends another's."""

    def __init__(
        self,
        limits: dict[str, tuple[float, float]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limiters = {
            kind: RateLimiter(capacity, per_second, clock)
            for kind, (capacity, per_second) in (limits or EVENT_LIMITS).items()
        }

    def take(self, kind: str, person_id: int) -> float:
        """0 when allowed; otherwise the seconds to wait (see RateLimiter.take)."""
        return self.limiters[kind].take(person_id)
