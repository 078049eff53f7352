"""web.offload: under gevent (production) a long computation runs on a real thread, so the loop
keeps serving everyone else meanwhile; anywhere else it simply runs. The gevent case runs in a
process of its own, monkey-patched as gunicorn's gevent worker is."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from web.offload import off_the_loop

ROOT = Path(__file__).resolve().parents[2]
# A greenlet ticks every 10 ms while the request's greenlet computes for 0.6 s, first right on
# the loop, then through off_the_loop.
PROBE = """
from gevent import monkey
monkey.patch_all()
import json, time, gevent
from web.offload import off_the_loop

def busy():
    end = time.perf_counter() + 0.6
    n = 0
    while time.perf_counter() < end:
        n += 1
    return n

def ticks_during(run):
    ticks = []
    def ticker():
        while True:
            ticks.append(time.perf_counter())
            gevent.sleep(0.01)
    watcher = gevent.spawn(ticker)
    gevent.sleep(0.05)
    before = len(ticks)
    result = run(busy)
    watcher.kill()
    return len(ticks) - before, result > 0

print(json.dumps({"on_loop": ticks_during(lambda work: work()),
                  "off_loop": ticks_during(off_the_loop)}))
"""


def test_under_gevent_the_loop_keeps_serving_while_it_computes() -> None:
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    on_loop, computed_on = figures["on_loop"]
    off_loop, computed_off = figures["off_loop"]
    assert computed_on
    assert computed_off
    assert on_loop <= 2  # the loop stood still for the whole 0.6 s
    assert off_loop >= 15  # it kept ticking (about 60 when the machine is quiet)


def test_elsewhere_it_just_runs_here() -> None:
    import threading

    assert off_the_loop(threading.get_ident) == threading.get_ident()
