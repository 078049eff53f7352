"""Rate limits for anonymous heavy endpoints (PDF, POST /verify, /lti/login, status lists).

A fixed window per client address and bucket: simple, and good enough to stop one client
from keeping a worker busy. In-process by default; shared through Redis when
``TANDEM_REDIS_URL`` is set (several processes behind nginx must count together). Tests that
hammer set ``app.config["TANDEM_RATE_LIMITS"] = False``.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, Protocol, TypeVar

import redis
from flask import Flask, current_app, request
from flask_babel import gettext

from web import redis_client
from web.errors import error_response

logger = logging.getLogger(__name__)

P = ParamSpec("P")
R = TypeVar("R")

#: requests per window, per client address and bucket
LIMITS: dict[str, tuple[int, int]] = {"heavy": (60, 60)}


class Counter(Protocol):
    def hit(self, key: str, window_seconds: int) -> tuple[int, float]:
        """Count one request; return the count in this window and seconds until it ends."""


class MemoryCounter:
    """Counts in this process; old windows are dropped as new ones start."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._counts: dict[tuple[str, int], int] = {}
        self._lock = threading.Lock()

    def hit(self, key: str, window_seconds: int) -> tuple[int, float]:
        now = self._clock()
        window = int(now // window_seconds)
        with self._lock:
            if len(self._counts) > 10_000:  # bound memory: forget finished windows
                self._counts = {k: v for k, v in self._counts.items() if k[1] >= window}
            count = self._counts.get((key, window), 0) + 1
            self._counts[(key, window)] = count
        return count, (window + 1) * window_seconds - now


class RedisCounter:
    """Counts shared by every process: INCR and EXPIRE in one round trip."""

    def __init__(self, url: str, clock: Callable[[], float] = time.time) -> None:
        self._redis = redis_client.connect(url)
        self._clock = clock

    def hit(self, key: str, window_seconds: int) -> tuple[int, float]:
        """The count in this window; while Redis is away nothing is counted (a request let
        through beats a page that fails because its limit could not be read)."""
        now = self._clock()
        window = int(now // window_seconds)
        name = f"tandem:ratelimit:{key}:{window}"
        pipe = self._redis.pipeline()
        pipe.incr(name)
        pipe.expire(name, window_seconds + 1)
        try:
            count, _ = pipe.execute()
        except redis.RedisError as error:
            logger.warning("Rate limit not counted for now: %s", error)
            return 0, 0.0
        return int(count), (window + 1) * window_seconds - now


def _counter() -> Counter:
    counter: Counter = current_app.extensions["tandem.ratelimit"]
    return counter


def too_many(retry_after: float) -> Any:
    seconds = max(1, math.ceil(retry_after))
    body, status = error_response(
        429,
        gettext("Too many requests"),
        gettext("Too many requests. Please try again in %(seconds)s seconds.", seconds=seconds),
    )
    response = current_app.make_response((body, status))
    response.headers["Retry-After"] = str(seconds)
    return response


def rate_limited(bucket: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Limit a view per client address: past the bucket's limit a 429 with Retry-After."""
    limit, window = LIMITS[bucket]

    def decorate(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def wrapped(*args: P.args, **kwargs: P.kwargs) -> R:
            if current_app.config.get("TANDEM_RATE_LIMITS", True):
                key = f"{bucket}:{request.endpoint}:{request.remote_addr or '-'}"
                count, retry_after = _counter().hit(key, window)
                if count > limit:
                    result: R = too_many(retry_after)
                    return result
            return view(*args, **kwargs)

        return wrapped

    return decorate


def init_app(app: Flask, redis_url: str | None, *, enabled: bool = True) -> None:
    app.config["TANDEM_RATE_LIMITS"] = enabled
    app.extensions["tandem.ratelimit"] = RedisCounter(redis_url) if redis_url else MemoryCounter()
