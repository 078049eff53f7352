"""Long computations off a gevent process's loop.

A production process is one gevent loop serving every websocket it holds: a request that
computes for seconds (the matching engine searches for up to five) would freeze every room on
that process meanwhile. Under gevent such work runs on a real thread of gevent's pool instead;
the interpreter switches between it and the loop every few milliseconds, so the rooms slow
down a little rather than stop. Anywhere else (threading mode, tests, the CLI) it just runs.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def _on_gevent_loop() -> bool:
    monkey = sys.modules.get("gevent.monkey")
    return monkey is not None and bool(monkey.is_module_patched("threading"))


def off_the_loop(work: Callable[[], T]) -> T:
    """``work()``, on a thread of gevent's pool when this process runs on gevent's loop."""
    if not _on_gevent_loop():
        return work()
    from gevent import get_hub

    result: T = get_hub().threadpool.apply(work)
    return result
