"""Benchmark: the certificate PDF built on every request vs served from the content cache.

The cached path is what a repeat request costs after the view has read the credential: the
content digest (the cache key and ETag) plus a cache lookup. Prints ONE JSON line last:
``{"uncached_ms": ..., "cached_ms": ..., "ratio": ...}``.
Run: ``.venv/bin/python bench/pdf.py --quick``.
"""

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from plugin.credentials.certificate import CertificateCache
from plugin.credentials.sample import issue_sample
from plugin.credentials.service import CertificateContent


def _timed(action: Callable[[], object], rounds: int) -> float:
    """Median milliseconds of ``action()`` over ``rounds`` calls."""
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer rounds (under a minute)")
    args = parser.parse_args()
    rounds = 10 if args.quick else 40
    now = datetime(2027, 3, 28, 12, tzinfo=UTC)
    sample = issue_sample("tandem.example", now)
    content = CertificateContent("sample", sample.credential, "Alice Example", False, now)
    cache = CertificateCache()

    def cached() -> bytes:
        return cache.get((content.credential_id, content.digest), content.render)

    cached()  # the first request fills the cache
    uncached_ms = _timed(content.render, rounds)
    cached_ms = _timed(cached, rounds * 10)
    print(f"uncached {uncached_ms:.1f} ms, cached {cached_ms:.3f} ms", file=sys.stderr)
    print(
        json.dumps(
            {
                "uncached_ms": round(uncached_ms, 2),
                "cached_ms": round(cached_ms, 3),
                "ratio": round(uncached_ms / cached_ms, 1),
                "rounds": rounds,
            }
        )
    )


if __name__ == "__main__":
    main()
