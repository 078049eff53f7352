"""Soak: the production shape under a busy week's chat and launches, with its parts broken while
it runs.

The shape is the README's: a PostgreSQL database of its own (made for the run, dropped after), a
Redis of its own (a private ``redis-server`` with an append-only file, so it can be restarted
without touching the machine's Redis), four gunicorn/gevent app processes behind nginx with the
README's own config (two rooms processes A and B taking ``/socket.io/``, sticky on the room
page's ``affinity`` parameter, and two pages processes taking the rest), one ``tandem worker``
and the demo LMS (served from this process, so the run reads the scores its AGS endpoint
received and can take it down). Students sit in teams of five; each keeps a Socket.IO
connection through nginx and chats at a realistic pace, then at a peak pace; launch clients go
through the demo LMS (login, signed id_token, landing page) meanwhile, each launched demo
student getting a score in the grade outbox (a batch at the worker fault, more during the LMS
outage and at the end), which the worker sends to the LMS's gradebook.

The run chats in a steady state first (``steady``: 120 s, 5 s quick; the figures the targets
are about, with nothing broken), then breaks one part after another. Faults, each timed
(``recovered_seconds``: from the fault until a chat line sent from a member pinned to rooms
process A reaches a teammate pinned to rooms process B, and a launch succeeds, again):

- ``app_killed``: rooms process A's gunicorn (master and worker) gets SIGKILL; its clients
  reconnect through nginx to B and catch up with ``sync``; A is started again afterwards.
- ``redis_restarted``: the private Redis is stopped and started on the same port and file.
- ``pg_backends_terminated``: every backend of the run's database is terminated.
- ``worker_killed``: a batch of scores is queued, the worker gets SIGKILL once some (not all)
  reached the LMS, and is started again (``detail.mid_flight``).
- ``lms_down``: the demo LMS stops for 60 s (10 s quick): launches fail at the LMS (counted
  as ``launches_failed_at_lms``, not as Tandem's 5xx), scores decided meanwhile fail and wait;
  after it is back, the time until they reached the gradebook (quick: after a teacher's
  "send again"; full: the periodic retry).

The last teams (20; 10 quick) chat from a process of their own, at the realistic pace all
run long: the driver's 2,000 clients share one GIL with the demo LMS, the launch clients and the
people, so its event loop runs late when they are busy (``driver_loop_lag_p99_ms``) and a line
is timed late with it. ``observed_delivery_p99_ms`` is those teams' deliveries, on a loop with
nothing else to do (``observer_loop_lag_p99_ms``): the shape's own latency.

A chat line counts as *acknowledged* when the server's ack said ok. A client whose send failed
or timed out sends it again with the same client id (as room.js's outbox does). At the end every
acknowledged client id must be stored exactly once: ``lost_lines`` and ``duplicated_lines`` must
be 0. Every score queued must reach the gradebook once: ``scores_missing`` and
``scores_duplicated`` (a student's score arriving with two timestamps, that is two grade changes)
must be 0; a score sent again after the kill carries its first timestamp and is counted in
``scores_posted_again_same_timestamp``. Rows a killed worker had claimed wait for their
two-minute lease; at the end the run moves that time on (``scores_lease_fast_forwarded``).
Every HTTP answer with a 5xx status is counted, inside and outside the fault windows, and
a 5xx page that shows a traceback is counted apart.

In the peak phase's second half one user floods (chat lines and typing events at 50/s each):
``flood`` gives what the server accepted and the other students' delivery p99 before and
during the flood.

Meanwhile (bench/soak_people.py) the demo LMS's two courses are one exchange of 500 students
(100 with ``--quick``; they are every student the launch load launches): each university's
teacher opens their dashboards again and again (``teacher_page_p99_ms``, per page in
``teacher_page_p99_ms_by_page``), Leiden's teacher proposes teams and publishes them
(``matching_seconds``), the teachers' decisions approve every completion, each university's
registrar bulk-issues its students' credentials from the console through the worker
(``bulk_issue_seconds``; ``credentials_issued``, ``credentials_duplicated`` must be 0),
students answer the weekly check-in (``checkins``) and note writers edit their rooms' shared
notes over Socket.IO (``notes``). Their 5xx answers are in ``errors_5xx``.

``--with-benches`` then runs bench/launch.py --quick and bench/rooms.py --quick against the
same PostgreSQL server (``launch_ratio_pg``, ``rooms_ratio_pg``) and bench/teacher_pages.py
--quick (``largest_teacher_page_kb_5000``); null and a reason in ``not_covered`` otherwise.

    python bench/soak.py [--quick] [--students N] [--seconds S]
                         [--rooms-processes R] [--pages-processes P]

``--quick`` (at most 90 s of load): 300 students. The full run: 2,000 students for about ten
minutes.
Needs PostgreSQL (TANDEM_BENCH_DATABASE_URL, TANDEM_TEST_DATABASE_URL or 127.0.0.1:5432/test),
``redis-server`` and nginx. Prints human lines, then one JSON line last.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, func, select, text, update

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from bench import soak_people  # noqa: E402
from bench.launch import demo_env, free_port, registrations, wait_until_up  # noqa: E402
from bench.rooms import NAMESPACE, TEAM_SIZE, PatientClient, postgres_database, seed  # noqa: E402
from demo.app import create_demo_app  # noqa: E402
from demo.platforms import DemoPlatform, DemoUser, make_platforms  # noqa: E402
from demo.testing import launch_form_fields  # noqa: E402
from realtime import tokens  # noqa: E402
from tests.live import ServerThread, nginx_binary, nginx_conf  # noqa: E402

SECRET = "soak-secret-" + "x" * 40
# -- the production shape ------------------------------------------------------------------


class DemoLms:
    """The demo LMS served from this process, so the run can read every score its AGS
    endpoint received (repeats included) and take it down and up again with its state kept."""

    def __init__(self, port: int, tool_url: str, key_dir: Path, extra_students: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.platforms: list[DemoPlatform] = make_platforms(self.url, key_dir)
        for platform in self.platforms:  # launched students whose scores the run sends
            country = "NL" if platform.slug == "leiden" else "IT"
            first = platform.users[0].user_id  # keep the platform's id shape (Brightspace's
            prefix = first.rsplit("_", 1)[0] + "_" if "_" in first else ""  # "<guid>_<n>")
            platform.users[1:1] = [
                DemoUser(f"{prefix}{90000 + n}", "Soak", f"Student{n}",
                         f"soak{n}@{platform.slug}.example", "student", country)
                for n in range(extra_students)
            ]  # fmt: skip
        self.app = create_demo_app(
            base_url=self.url, tool_url=tool_url, key_dir=key_dir, platforms=self.platforms
        )
        self.server: ServerThread | None = None

    def start(self) -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        self.server = ServerThread(self.app, self.port)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server.server.server_close()  # refuse connections: the LMS is down
            self.server = None

    def users(self) -> list[tuple[str, str]]:
        """(platform, user) pairs, the run's own students first, interleaved by platform."""
        pairs = [[(p.slug, u.user_id) for u in p.users] for p in self.platforms]
        return [pair for group in zip(*pairs, strict=False) for pair in group]

    def score_posts(self) -> dict[str, list[str]]:
        """Every score POST received, as userId -> timestamps (repeats included)."""
        posts: dict[str, list[str]] = {}
        for platform in self.platforms:
            for item in list(platform.services.lineitems.values()):
                for post in list(item.received):
                    posts.setdefault(str(post["userId"]), []).append(str(post["timestamp"]))
        return posts


ROOMS, PAGES = "abcdefgh", "pqrstuvw"  # the app processes' names, by role
_BEGAN = time.perf_counter()


def say(what: str) -> None:
    """Progress on stdout, with the seconds since the soak began."""
    print(f"[{time.perf_counter() - _BEGAN:6.1f} s] {what}", flush=True)


@dataclass
class Shape:
    """The running processes, by role, so a fault can break one and start it again."""

    work: Path
    database_url: str
    redis_port: int
    nginx_url: str
    app_ports: dict[str, int]
    demo_url: str
    env: dict[str, str]
    lms: DemoLms
    rooms_connections: int = 20  # each rooms process's PostgreSQL pool (pages keep the default)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        log = (self.work / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            command,
            env={**self.env, **(env or {})},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a SIGKILL to the group takes gunicorn's worker too
        )

    def kill(self, name: str) -> None:
        process = self.procs.pop(name)
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in reversed(list(self.procs.values())):
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.procs.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)

    def start_redis(self) -> None:
        self.start(
            "redis",
            [
                shutil.which("redis-server") or "redis-server",
                "--port", str(self.redis_port), "--bind", "127.0.0.1",
                "--dir", str(self.work), "--appendonly", "yes", "--appendfsync", "everysec",
                "--save", "",
            ],
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            probe = subprocess.run(
                ["redis-cli", "-p", str(self.redis_port), "ping"], capture_output=True, text=True
            )
            if probe.stdout.strip() == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError("the private redis-server did not start")

    def start_app(self, name: str, wait: bool = True) -> None:
        port = self.app_ports[name]
        self.start(
            f"app-{name}",
            [
                str(BIN / "gunicorn"), "-k", "gevent", "-w", "1", "-b", f"127.0.0.1:{port}",
                "--log-level", "warning", "wsgi:app",
            ],
            {"TANDEM_DATABASE_CONNECTIONS": str(self.rooms_connections)} if name in ROOMS else None,
        )  # fmt: skip
        if wait:
            wait_until_up(f"http://127.0.0.1:{port}/lti/jwks", timeout=60)

    def start_worker(self) -> None:
        self.start("worker", [str(BIN / "tandem"), "worker"])


def _nginx() -> str:
    found = nginx_binary()
    if found is None:
        sys.exit("nginx is not installed (Debian: apt-get install nginx; `make nginx` as root)")
    return found


@contextmanager
def production_shape(
    work: Path,
    database_url: str,
    extra_students: int,
    rooms: int = 2,
    pages: int = 2,
    rooms_connections: int = 20,
) -> Iterator[Shape]:
    nginx_port, demo_port = free_port(), free_port()
    nginx_url = f"http://127.0.0.1:{nginx_port}"
    redis_port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env |= {
        # Plain HTTP on 127.0.0.1: production refuses an http base URL and sets Secure cookies,
        # so the processes run in the default environment with production's async mode.
        "TANDEM_SECRET_KEY": SECRET,
        "TANDEM_DATABASE_URL": database_url,
        "TANDEM_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "TANDEM_BASE_URL": nginx_url,
        "TANDEM_ASYNC_MODE": "gevent",
        "TANDEM_INSTANCE_PATH": str(work / "instance"),
        # One address (this process) plays a whole campus: the per-address limits stay off; the
        # per-person room limits stay on.
        "TANDEM_RATE_LIMITS": "off",
    }
    shape = Shape(
        work=work,
        database_url=database_url,
        redis_port=redis_port,
        nginx_url=nginx_url,
        # Rooms processes a, b, ... (the fault kills a), pages processes p, q, ...
        app_ports={name: free_port() for name in [*ROOMS[:rooms], *PAGES[:pages]]},
        demo_url=f"http://127.0.0.1:{demo_port}",
        env=env,
        lms=DemoLms(demo_port, nginx_url, work / "demo-keys", extra_students),
        rooms_connections=rooms_connections,
    )
    demo = demo_env(demo_port, nginx_url, work / "demo-keys")
    subprocess.run([str(BIN / "tandem"), "db", "upgrade"], env=env, cwd=ROOT, check=True,
                   capture_output=True)  # fmt: skip
    try:
        shape.start_redis()
        for name in shape.app_ports:  # all at once, and the LMSs registered meanwhile
            shape.start_app(name, wait=False)
        subprocess.run(
            [str(BIN / "tandem"), "platform", "import", "--allow-http", "-"],
            input=registrations(demo), env=env, cwd=ROOT, check=True, capture_output=True,
            text=True,
        )  # fmt: skip
        for port in shape.app_ports.values():
            wait_until_up(f"http://127.0.0.1:{port}/lti/jwks", timeout=60)
        conf = work / "nginx.conf"
        conf.write_text(
            nginx_conf(
                work,
                nginx_port,
                rooms=[shape.app_ports[name] for name in ROOMS[:rooms]],
                pages=[shape.app_ports[name] for name in PAGES[:pages]],
                connections=8192,
            )
        )
        shape.start("nginx", [_nginx(), "-p", str(work), "-c", str(conf), "-g", "daemon off;"])
        shape.start_worker()
        shape.lms.start()
        wait_until_up(nginx_url + "/lti/jwks")
        wait_until_up(shape.demo_url + "/")
        yield shape
    finally:
        shape.lms.stop()
        shape.stop_all()


# -- the load ------------------------------------------------------------------------------


@dataclass
class Figures:
    acked: dict[str, int] = field(default_factory=dict)  # client id -> message id
    delivered: Counter[tuple[int, int]] = field(default_factory=Counter)  # (receiver, message)
    latencies: list[tuple[float, float]] = field(default_factory=list)  # (when, seconds)
    pages: list[tuple[float, float]] = field(default_factory=list)  # Tandem's answers
    launches: list[tuple[float, float]] = field(default_factory=list)  # LMS click to landing
    drops: list[float] = field(default_factory=list)  # when a client lost its connection
    reconnects: list[tuple[float, float]] = field(default_factory=list)  # dropped, back
    refusals: Counter[str] = field(default_factory=Counter)  # connects refused, by code
    statuses: list[tuple[float, int, bool]] = field(default_factory=list)  # when, status, trace
    send_failures: int = 0
    lms_failures: int = 0  # launches the LMS itself could not start (it was down)
    samples: list[str] = field(default_factory=list)  # the first 5xx answers, for the log
    windows: list[tuple[float, float]] = field(default_factory=list)
    loop_lags: list[tuple[float, float]] = field(default_factory=list)  # when, seconds late

    def in_window(self, when: float) -> bool:
        return any(start <= when <= end for start, end in self.windows)


def _affinity_for(shape: Shape, backend: str) -> str:
    """A tab key that nginx routes to ``backend`` (it names its pick in a header)."""
    want = f"127.0.0.1:{shape.app_ports[backend]}"
    for n in range(500):
        probe = requests.get(
            f"{shape.nginx_url}/socket.io/?EIO=4&transport=polling&affinity=soak{n}", timeout=10
        )
        if probe.headers.get("X-Tandem-Upstream") == want:
            return f"soak{n}"
    raise RuntimeError(f"nginx never picked backend {backend}")


class Student:
    """One chat client with room.js's habits: reconnect with backoff, resend with the same
    client id until acknowledged, catch up with ``sync`` after a reconnect."""

    def __init__(self, index: int, auth: dict[str, object], affinity: str, figures: Figures):
        self.index = index
        self.auth = auth
        self.affinity = affinity
        self.figures = figures
        self.client = PatientClient(  # room.js's reconnection settings
            reconnection=True,
            reconnection_delay=1,
            reconnection_delay_max=10,
            randomization_factor=0.5,
        )
        self.client.on("chat", self._on_chat, namespace=NAMESPACE)
        self.client.on("connect", self._on_connect, namespace=NAMESPACE)
        self.client.on("disconnect", self._on_disconnect, namespace=NAMESPACE)
        self.client.on("connect_error", self._on_refused, namespace=NAMESPACE)
        self.dropped_at: float | None = None
        self.cursor = 0
        self.sent = 0

    async def connect(self, url: str) -> None:
        await self.client.connect(
            f"{url}/?affinity={self.affinity}",
            namespaces=[NAMESPACE],
            auth=self.auth,
            transports=["websocket"],
            wait_timeout=30,
        )

    def _on_chat(self, data: dict[str, Any]) -> None:
        self.figures.delivered[(self.index, int(data["id"]))] += 1
        parts = str(data.get("body", "")).split()
        if len(parts) == 3 and parts[0] == "soak":
            now = time.perf_counter()
            self.figures.latencies.append((now, now - float(parts[2])))

    def _on_disconnect(self, *_reason: Any) -> None:
        self.dropped_at = time.perf_counter()
        self.figures.drops.append(self.dropped_at)

    def _on_refused(self, data: Any = None) -> None:
        detail = data.get("data") if isinstance(data, dict) else None
        code = detail.get("code") if isinstance(detail, dict) else None
        self.figures.refusals[str(code or "no answer")] += 1

    async def _on_connect(self) -> None:
        if self.dropped_at is not None:
            self.figures.reconnects.append((self.dropped_at, time.perf_counter()))
            self.dropped_at = None
        if self.cursor:  # a reconnect: catch up on what was said meanwhile
            asyncio.get_running_loop().create_task(self._catch_up())

    async def _catch_up(self) -> None:
        try:
            answer = await self.client.call(
                "sync", {"after": self.cursor}, namespace=NAMESPACE, timeout=10
            )
        except Exception:
            return
        if isinstance(answer, dict):
            for line in answer.get("messages", []):
                self.figures.delivered[(self.index, int(line["id"]))] += 0  # seen, not counted
            self.cursor = max(self.cursor, int(answer.get("cursor") or 0))

    async def say(self, deadline: float) -> None:
        """One line, resent with the same client id until acknowledged or ``deadline``."""
        self.sent += 1
        client_id = f"s{self.index}-{self.sent}"
        while time.perf_counter() < deadline:
            try:
                ack = await self.client.call(
                    "send",
                    {"client_id": client_id, "body": f"soak {client_id} {time.perf_counter()!r}"},
                    namespace=NAMESPACE,
                    timeout=min(10.0, max(0.5, deadline - time.perf_counter())),
                )
            except Exception:
                ack = None
            if isinstance(ack, dict) and ack.get("ok"):
                message = ack["message"]
                self.figures.acked[client_id] = int(message["id"])
                self.cursor = max(self.cursor, int(message.get("cursor") or 0))
                return
            self.figures.send_failures += 1
            # room.js's outbox: again after the server's retry_after, or 5 s (not connected,
            # no answer, the server could not store it this moment).
            error = ack.get("error", {}) if isinstance(ack, dict) else {}
            wait = max(1.0, float(error.get("retry_after") or 5.0))
            await asyncio.sleep(min(wait, max(0.0, deadline - time.perf_counter())))


def _launch(shape: Shape, slug: str, user_id: str, figures: Figures) -> None:
    started = time.perf_counter()
    http = requests.Session()
    try:
        form_page = http.get(f"{shape.demo_url}/{slug}/launch/{user_id}?target=window", timeout=30)
        form = launch_form_fields(form_page.text)
    except (requests.RequestException, ValueError):
        figures.lms_failures += 1  # the LMS's own page failed: not an answer of Tandem's
        return
    try:
        landing = http.post(form.pop("action"), data=form, timeout=30)
    except (requests.RequestException, ValueError) as error:
        figures.statuses.append((time.perf_counter(), 599, False))
        if len(figures.samples) < 5:
            figures.samples.append(f"no answer: {type(error).__name__}: {str(error)[:200]}")
        return
    trace = "Traceback" in landing.text
    figures.statuses.append((time.perf_counter(), landing.status_code, trace))
    if landing.status_code >= 500 and len(figures.samples) < 5:
        figures.samples.append(f"{landing.status_code} {landing.url}: {landing.text[-300:]!r}")
    if landing.status_code == 200:
        figures.launches.append((started, time.perf_counter() - started))
        # Each answer of Tandem's on the way (OIDC login, launch, landing page), as its client
        # waited for it; the demo LMS's own pages are not Tandem's.
        for answer in (*form_page.history, form_page, *landing.history, landing):
            if answer.url.startswith(shape.nginx_url):
                figures.pages.append((started, answer.elapsed.total_seconds()))


def launch_load(shape: Shape, figures: Figures, stop: threading.Event, clients: int) -> None:
    users = shape.lms.users()

    def run(offset: int) -> None:
        i = offset
        while not stop.is_set():
            slug, user = users[i % len(users)]
            i += clients
            _launch(shape, slug, user, figures)
            stop.wait(0.2)

    threads = [threading.Thread(target=run, args=(n,), daemon=True) for n in range(clients)]
    for thread in threads:
        thread.start()
    stop.wait()
    for thread in threads:
        thread.join(timeout=40)


async def chat_load(
    students: list[Student],
    seconds: float,
    per_student_interval: float,
    until: asyncio.Event | None = None,
) -> None:
    """Each student says a line every ``per_student_interval`` seconds (with jitter), for
    ``seconds`` and, if ``until`` is given, until it is set too."""
    finished = asyncio.Event()

    async def finish() -> None:
        await asyncio.sleep(seconds)
        if until is not None:
            await until.wait()
        finished.set()

    async def pause(delay: float) -> None:
        """Until the next line, or less if the load ends meanwhile (not a whole interval
        more, which at the realistic pace is up to half a minute)."""
        with suppress(TimeoutError):
            async with asyncio.timeout(delay):
                await finished.wait()

    async def one(student: Student) -> None:
        await pause(random.random() * per_student_interval)
        while not finished.is_set():
            await student.say(time.perf_counter() + 30)
            await pause(per_student_interval * (0.5 + random.random()))

    ending = asyncio.create_task(finish())
    await asyncio.gather(*(one(s) for s in students))
    await ending


async def flood(
    student: Student, delay: float, seconds: float, rate: float = 50.0
) -> dict[str, object]:
    """One user floods: chat lines and typing events at ``rate`` each per second, without
    waiting for answers (the server's per-person buckets must refuse the excess)."""
    await asyncio.sleep(delay)
    answers: Counter[str] = Counter()

    def answered(*args: Any) -> None:
        ack = args[0] if args else None
        if isinstance(ack, dict) and ack.get("ok"):
            answers["accepted"] += 1
        else:
            error = ack.get("error") if isinstance(ack, dict) else None
            answers[str(error.get("code")) if isinstance(error, dict) else "other"] += 1

    began = time.perf_counter()
    sent = 0
    while time.perf_counter() - began < seconds:
        sent += 1
        with suppress(Exception):
            await student.client.emit(
                "send", {"client_id": f"flood-{sent}", "body": f"flood {sent}"},
                namespace=NAMESPACE, callback=answered,
            )  # fmt: skip
            await student.client.emit("typing", {"typing": sent % 2 == 0}, namespace=NAMESPACE)
        await asyncio.sleep(max(0.0, began + sent / rate - time.perf_counter()))
    ended = time.perf_counter()
    return {
        "began": began,
        "ended": ended,
        "lines_sent": sent,
        "typing_sent": sent,
        "rate_per_s": round(sent / (ended - began), 1),
        "line_answers": dict(answers),
    }


def _clients_per_fault(
    report: list[dict[str, object]], figures: Figures, end: float, origin: float
) -> None:
    """Each fault's dropped clients (until the next fault) and how soon they were back: the
    probe times one pair, this every student the fault cut off. ``at_s``: when it began,
    counted from ``origin`` (the timeline's start)."""
    timed = [entry for entry in report if "began" in entry]
    starts = [float(entry.pop("began")) for entry in timed]  # type: ignore[arg-type]
    for entry, began, until in zip(timed, starts, [*starts[1:], end], strict=True):
        entry["at_s"] = round(began - origin)
        dropped = [t for t in figures.drops if began <= t < until]
        back = sorted(up - down for down, up in figures.reconnects if began <= down < until)
        if not dropped:
            continue
        entry["clients"] = {
            "dropped": len(dropped),
            "back": len(back),
            "back_within_10s": sum(1 for b in back if b <= 10),
            "back_p50_s": _round(back[len(back) // 2]) if back else None,
            "back_p90_s": _round(back[int(len(back) * 0.9)]) if back else None,
            "back_max_s": _round(back[-1]) if back else None,
        }


async def probe(sender: Student, receiver: Student, timeout: float = 3.0) -> str | None:
    """A line from ``sender`` reaches ``receiver`` (the cross-process path) within ``timeout``:
    None, or what failed."""
    if not sender.client.connected:
        return "sender not connected"
    if not receiver.client.connected:
        return "receiver not connected"
    before = sum(1 for (who, _), _n in receiver.figures.delivered.items() if who == receiver.index)
    acked = len(sender.figures.acked)
    await sender.say(time.perf_counter() + timeout)
    if len(sender.figures.acked) == acked:
        return "line not acknowledged"
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        now = sum(1 for (who, _), _n in receiver.figures.delivered.items() if who == receiver.index)
        if now > before:
            return None
        await asyncio.sleep(0.05)
    return "line not delivered"


async def recovered_after(
    shape: Shape,
    sender: Student,
    receiver: Student,
    began: float,
    limit: float,
    why: Counter[str],
) -> float | None:
    """Seconds from ``began`` until a probe line and a launch both succeed again; ``why``
    counts what failed meanwhile."""
    platform = shape.lms.platforms[0]
    user = platform.users[0].user_id
    while time.perf_counter() - began < limit:
        scratch = Figures()
        failed = await probe(sender, receiver)
        if failed is None:
            await asyncio.to_thread(_launch, shape, platform.slug, user, scratch)
            if scratch.statuses and scratch.statuses[0][1] == 200:
                return time.perf_counter() - began
            failed = f"launch {scratch.statuses[0][1] if scratch.statuses else 'not started'}"
        why[failed] += 1
        await asyncio.sleep(0.2)
    return None


class Grades:
    """Scores for launched students, queued in the grade outbox as a teacher's decisions
    would, and sent by the worker to the demo LMS's AGS endpoint (the task asked through the
    shared Redis queue, as the app processes ask it)."""

    def __init__(self, shape: Shape) -> None:
        from dataclasses import replace

        from sqlalchemy.orm import sessionmaker

        from web.app import create_app
        from web.config import Settings

        settings = replace(Settings.from_env(shape.env), async_mode="threading")
        self.tasks = create_app(settings).extensions["tandem.tasks"]
        self.engine = create_engine(shape.database_url, pool_pre_ping=True)
        self.sessions = sessionmaker(self.engine)
        self.queued: dict[int, int] = {}  # outbox id -> person id
        self.fast_forwarded = 0

    def queue_launched(self, every: int = 1) -> list[int]:
        """Queue one score for every ``every``-th launched student without one (the rest wait
        for a later decision); ask the worker to send."""
        from lti.grades import queue_score
        from lti.models import ServiceEndpoints
        from plugin.actors import Role
        from plugin.courses.models import CourseMembership

        new: list[int] = []
        with self.sessions() as db:
            rows = db.execute(
                select(CourseMembership.course_id, CourseMembership.person_id)
                .join(ServiceEndpoints, ServiceEndpoints.course_id == CourseMembership.course_id)
                .where(
                    CourseMembership.launched_at.is_not(None),
                    CourseMembership.role == Role.STUDENT,
                )
            ).all()
            scored = set(self.queued.values())
            for index, (course_id, person_id) in enumerate(rows):
                if person_id not in scored and index % every == 0:
                    scored.add(person_id)
                    row = queue_score(db, course_id, person_id, score_given=random.randint(50, 100))
                    self.queued[row.id] = person_id
                    new.append(row.id)
        if new:
            self.tasks.send_grades()
        return new

    def delivered(self, ids: list[int] | None = None) -> int:
        from lti.models import GradeOutbox

        query = select(func.count(GradeOutbox.id)).where(GradeOutbox.delivered_at.is_not(None))
        if ids is not None:
            query = query.where(GradeOutbox.id.in_(ids))
        with self.sessions() as db:
            return int(db.scalar(query) or 0)

    def retry(self, ids: list[int]) -> None:
        """What a teacher's "send again" does, for the scores that failed while the LMS was
        down (not the whole course: a killed worker's leased rows keep their lease)."""
        from lti.grades import retry_now
        from lti.models import GradeOutbox

        with self.sessions() as db:
            for outbox_id, course_id in db.execute(
                select(GradeOutbox.id, GradeOutbox.course_id).where(
                    GradeOutbox.id.in_(ids), GradeOutbox.delivered_at.is_(None)
                )
            ).all():
                retry_now(db, course_id, outbox_id)
        self.tasks.send_grades()

    def settle(self, limit: float) -> None:
        """At the end: rows a killed worker had claimed wait for their two-minute lease, and
        rows that failed wait for their next attempt; the run moves that time on (as
        tests/web/test_web_tasks.py does) and lets them go out, rather than wait it out. A row
        claimed in the last 15 s is the live worker's, sending now: it is left alone."""
        from lti.grades import LEASE
        from lti.models import GradeOutbox
        from plugin.db import utcnow

        deadline = time.monotonic() + limit
        self.tasks.send_grades()
        while time.monotonic() < deadline and self.delivered() < len(self.queued):
            now = utcnow()
            with self.sessions() as db:
                moved = list(
                    db.scalars(
                        update(GradeOutbox)
                        .where(
                            GradeOutbox.id.in_(list(self.queued)),
                            GradeOutbox.delivered_at.is_(None),
                            (
                                GradeOutbox.leased_until.is_(None)
                                & (GradeOutbox.next_attempt_at > now)
                            )
                            | (GradeOutbox.leased_until < now + LEASE - timedelta(seconds=15)),
                        )
                        .values(next_attempt_at=now, leased_until=None)
                        .returning(GradeOutbox.id)
                    )
                )
                db.commit()
            if moved:
                self.fast_forwarded += len(moved)
                self.tasks.send_grades()
            time.sleep(0.5)

    def figures(self, lms: DemoLms) -> dict[str, object]:
        """Every queued score must reach the gradebook once: one timestamp per row's student
        (a row sent again after a kill repeats its first timestamp, which the LMS keeps once)."""
        from lti.models import GradeOutbox

        with self.sessions() as db:
            rows = db.execute(
                select(GradeOutbox.id, GradeOutbox.user_id, GradeOutbox.attempts).where(
                    GradeOutbox.id.in_(list(self.queued))
                )
            ).all()
        posts = lms.score_posts()
        received = [posts.get(str(user_id), []) for _id, user_id, _attempts in rows]
        again = [
            {"outbox_id": outbox_id, "posts": len(got), "attempts": attempts}
            for (outbox_id, _user, attempts), got in zip(rows, received, strict=True)
            if len(got) > len(set(got))
        ]
        return {
            "scores_queued": len(rows),
            "scores_sent": sum(1 for got in received if got),
            "scores_missing": sum(1 for got in received if not got),
            "scores_duplicated": sum(1 for got in received if len(set(got)) > 1),
            "scores_posted_again_same_timestamp": len(again),
            "scores_posted_again": again[:10],
            "scores_marked_delivered": self.delivered(),
            "scores_lease_fast_forwarded": self.fast_forwarded,
        }


def terminate_backends(database_url: str) -> int:
    name = database_url.rsplit("/", 1)[-1]
    admin = create_engine(
        database_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT"
    )
    try:
        with admin.connect() as connection:
            rows = connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = :name AND pid <> pg_backend_pid()"
                ),
                {"name": name},
            ).all()
    finally:
        admin.dispose()
    return len(rows)


async def faults(
    shape: Shape,
    sender: Student,
    receiver: Student,
    figures: Figures,
    grades: Grades,
    gap: float,
    lms_down: float,
    teacher_retry: bool,
) -> list[dict[str, object]]:
    """Break one part at a time; time each recovery; leave the shape whole again."""
    report: list[dict[str, object]] = []

    async def fault(
        name: str, breaking: Any, mending: Any = None, preparing: Any = None
    ) -> dict[str, object]:
        await asyncio.sleep(gap)
        ready = await asyncio.to_thread(preparing) if preparing is not None else None
        began = time.perf_counter()
        detail = await asyncio.to_thread(breaking, *(() if preparing is None else (ready,)))
        why: Counter[str] = Counter()
        recovered = await recovered_after(shape, sender, receiver, began, 30, why)
        figures.windows.append((began, time.perf_counter()))
        if mending is not None:
            await asyncio.to_thread(mending)
            figures.windows.append((began, time.perf_counter() + 5))
        entry: dict[str, object] = {"fault": name, "recovered_seconds": _round(recovered)}
        entry["began"] = began  # for the clients' figures, taken at the end of the run
        if why:
            entry["probes_failed"] = dict(why)
        if detail is not None:
            entry["detail"] = detail
        report.append(entry)
        say(f"fault {name}: recovered in {entry['recovered_seconds']} s {why or ''}")
        return entry

    def restart_redis() -> None:
        shape.kill("redis")
        shape.start_redis()

    def queue_a_batch() -> list[int]:
        """Scores queued in a batch (a teacher's decisions at the end of term); the fault
        waits until some, not all, have reached the LMS."""
        batch = grades.queue_launched(every=2)  # the other half is decided while the LMS is down
        deadline = time.monotonic() + 10
        while grades.delivered(batch) < min(3, len(batch)) and time.monotonic() < deadline:
            time.sleep(0.005)
        return batch

    def kill_worker_mid_send(batch: list[int]) -> dict[str, object]:
        at_kill = grades.delivered(batch)
        shape.kill("worker")
        shape.start_worker()
        grades.tasks.send_grades()  # the next decision (or the periodic run) asks again
        return {"scores_in_batch": len(batch), "scores_delivered_at_kill": at_kill,
                "mid_flight": 0 < at_kill < len(batch)}  # fmt: skip

    await fault("app_killed", lambda: shape.kill("app-a"), lambda: shape.start_app("a"))
    await fault("redis_restarted", restart_redis)
    await fault(
        "pg_backends_terminated",
        lambda: {"terminated": terminate_backends(shape.database_url)},
    )
    await fault("worker_killed", kill_worker_mid_send, preparing=queue_a_batch)

    # The LMS down: launches fail at the LMS, scores decided meanwhile wait and go out after.
    await asyncio.sleep(gap)
    began = time.perf_counter()
    failed_before = figures.lms_failures
    await asyncio.to_thread(shape.lms.stop)
    waiting: list[int] = []
    while time.perf_counter() - began < lms_down:
        waiting += await asyncio.to_thread(grades.queue_launched)  # fail: the LMS is down
        await asyncio.sleep(1.0)
    await asyncio.to_thread(shape.lms.start)
    back = time.perf_counter()
    recovered = await recovered_after(shape, sender, receiver, back, 30, Counter())
    if teacher_retry:
        await asyncio.to_thread(grades.retry, waiting)
    while grades.delivered(waiting) < len(waiting) and time.perf_counter() - back < 150:
        await asyncio.sleep(0.2)
    grades_back = time.perf_counter() - back
    figures.windows.append((began, time.perf_counter()))
    entry: dict[str, object] = {
        "fault": "lms_down",
        "recovered_seconds": _round(recovered),
        "detail": {
            "down_seconds": round(back - began, 1),
            "launches_failed_at_lms": figures.lms_failures - failed_before,
            "scores_waiting": len(waiting),
            "scores_delivered_after": grades.delivered(waiting),
            "scores_delivered_seconds": _round(grades_back),
            "sent_after": "a teacher's send-again" if teacher_retry else "the periodic retry",
        },
    }
    report.append(entry)
    say(f"fault lms_down: recovered in {entry['recovered_seconds']} s; {entry['detail']}")
    return report


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(value, digits)


def _p99_ms(values: list[float]) -> float | None:
    if len(values) < 2:
        return None
    return round(statistics.quantiles(values, n=100)[98] * 1000, 1)


def stored_lines(database_url: str, client_ids: list[str]) -> Counter[str]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT client_id, count(*) FROM room_message GROUP BY client_id")
            ).all()
    finally:
        engine.dispose()
    wanted = set(client_ids)
    return Counter({row[0]: int(row[1]) for row in rows if row[0] in wanted})


def observe(
    url: str,
    members: list[tuple[int, dict[str, object], str]],
    interval: float,
    stop: Any,
    out: Any,
) -> None:
    """A few teams chatting from a process of their own, whose loop has nothing else to do:
    their delivery times are the shape's, not the driver's (whose 2,000 clients share a GIL
    with the demo LMS, the launches and the people). Run with multiprocessing's spawn;
    ``members`` are (index, auth, affinity); the figures go back through ``out``."""
    out.put(asyncio.run(_observe(url, members, interval, stop)))


async def _observe(
    url: str, members: list[tuple[int, dict[str, object], str]], interval: float, stop: Any
) -> dict[str, object]:
    figures = Figures()
    students = [Student(index, auth, affinity, figures) for index, auth, affinity in members]
    await asyncio.gather(*(s.connect(url) for s in students))
    watching = asyncio.create_task(watch_loop(figures))
    done = asyncio.Event()

    async def wait_for_stop() -> None:
        await asyncio.to_thread(stop.wait)
        done.set()

    await asyncio.gather(chat_load(students, 0.0, interval, until=done), wait_for_stop())
    watching.cancel()
    await asyncio.sleep(3)  # late deliveries
    await asyncio.gather(*(s.client.disconnect() for s in students), return_exceptions=True)
    return {
        "latencies": figures.latencies,
        "loop_lags": figures.loop_lags,
        "acked": figures.acked,
        "drops": figures.drops,
        "reconnects": figures.reconnects,
        "send_failures": figures.send_failures,
    }


class Observer:
    """The observing teams' process, started before the load and read after it."""

    def __init__(
        self, url: str, members: list[tuple[int, dict[str, object], str]], interval: float
    ):
        context = multiprocessing.get_context("spawn")
        self.stop = context.Event()
        self.out = context.Queue()
        self.process = context.Process(
            target=observe, args=(url, members, interval, self.stop, self.out), daemon=True
        )
        self.process.start()

    def finish(self, figures: Figures) -> dict[str, Any]:
        """Stop the teams and take their figures; acknowledged lines join the run's (lost and
        duplicated lines count theirs too), deliveries stay apart."""
        self.stop.set()
        got: dict[str, Any] = self.out.get(timeout=120)
        self.process.join(timeout=30)
        figures.acked.update(got["acked"])
        figures.send_failures += int(got["send_failures"])
        return got


async def watch_loop(figures: Figures, tick: float = 0.01) -> None:
    """How late the driver's own event loop runs its callbacks (its clients, and the demo LMS,
    launch and people threads beside them, share one GIL): a delivery is timed on this loop,
    so a delivery p99 near this lag's p99 is the driver's, not the shape's."""
    while True:
        before = time.perf_counter()
        await asyncio.sleep(tick)
        figures.loop_lags.append((before, time.perf_counter() - before - tick))


async def drive(
    shape: Shape,
    people: list[tuple[Any, int]],
    args: argparse.Namespace,
    crowd: soak_people.Crowd | None = None,
) -> dict[str, object]:
    figures = Figures()
    driver_began, driver_cpu = time.perf_counter(), time.process_time()

    affinities = [_affinity_for(shape, "a"), _affinity_for(shape, "b")]
    # The last teams chat from a process of their own (``observed``); the rest from here.
    watched = len(people) - args.observed_teams * TEAM_SIZE
    students = [
        Student(
            n,
            {"token": tokens.issue(SECRET, actor, room_id)},
            affinities[n % 2] if n < 2 else f"soak-tab-{n}",
            figures,
        )
        for n, (actor, room_id) in enumerate(people[:watched])
    ]
    observer = Observer(  # chatting before the others connect, so warm when measured
        shape.nginx_url,
        [
            (n, {"token": tokens.issue(SECRET, actor, room_id)}, f"soak-tab-{n}")
            for n, (actor, room_id) in enumerate(people[watched:], start=watched)
        ],
        args.interval,
    )
    gate = asyncio.Semaphore(50)

    async def connect(student: Student) -> None:
        async with gate:
            await student.connect(shape.nginx_url)

    began = time.perf_counter()
    await asyncio.gather(*(connect(s) for s in students))
    say(f"{len(students)} students connected in {time.perf_counter() - began:.1f} s")
    # Students 0 (pinned to A) and 1 (pinned to B) share the first team: the fault probe.
    sender, receiver = students[0], students[1]

    grades = await asyncio.to_thread(Grades, shape)
    stop = threading.Event()
    launcher = threading.Thread(
        target=launch_load, args=(shape, figures, stop, args.launch_clients), daemon=True
    )
    launcher.start()
    staff = soak_people.Staff(shape, figures, crowd, args.quick) if crowd is not None else None
    if staff is not None:  # teachers, registrars, check-ins and notes (bench/soak_people.py)
        staff.begin(people, lambda actor, room_id: tokens.issue(SECRET, actor, room_id))
    started = time.perf_counter()
    realistic = args.seconds * 0.6
    peak = args.seconds - realistic
    chatting, flooder = students[2:-1], students[-1]
    faults_done = asyncio.Event()

    faults_began = started + args.steady

    async def run_faults() -> list[dict[str, object]]:
        await asyncio.sleep(args.steady)  # the steady state first: realistic chat, no fault
        try:
            return await faults(
                shape, sender, receiver, figures, grades,
                gap=args.fault_gap, lms_down=args.lms_down, teacher_retry=args.quick,
            )  # fmt: skip
        finally:
            faults_done.set()

    watching = asyncio.create_task(watch_loop(figures))
    chat = asyncio.gather(
        chat_load(chatting, realistic, per_student_interval=args.interval, until=faults_done),
        run_faults(),
    )
    _, fault_report = await chat
    say("peak phase; one user floods in its second half")
    peak_began = time.perf_counter()
    _, flooding = await asyncio.gather(
        chat_load(chatting, peak, per_student_interval=max(args.interval / 5, 1.0)),
        flood(flooder, delay=peak / 2, seconds=peak / 2),
    )
    stop.set()
    watching.cancel()
    say("load stopped")
    launcher.join(timeout=60)
    staffed = await staff.end() if staff is not None else {}
    say("people's work finished")
    await asyncio.sleep(3)  # late deliveries
    observed = await asyncio.to_thread(observer.finish, figures)
    seconds = time.perf_counter() - started
    for sample in figures.samples:
        print("error sample:", sample, file=sys.stderr)
    _clients_per_fault(fault_report, figures, time.perf_counter(), started)  # before they leave
    await asyncio.gather(*(s.client.disconnect() for s in students), return_exceptions=True)
    await asyncio.to_thread(grades.queue_launched)  # students who launched since
    await asyncio.to_thread(grades.settle, 30.0)
    say("scores settled")
    flood_began, flood_ended = float(flooding.pop("began")), float(flooding.pop("ended"))  # type: ignore[arg-type]
    flooding["others_delivery_p99_ms_before"] = _p99_ms(
        [lat for when, lat in figures.latencies if peak_began <= when < flood_began]
    )
    flooding["others_delivery_p99_ms_during"] = _p99_ms(
        [lat for when, lat in figures.latencies if flood_began <= when <= flood_ended]
    )

    stored = stored_lines(shape.database_url, list(figures.acked))
    lost = [c for c in figures.acked if stored.get(c, 0) == 0]
    duplicated = [c for c, n in stored.items() if n > 1]
    outside = [lat for when, lat in figures.latencies if not figures.in_window(when)]
    pages_outside = [lat for when, lat in figures.pages if not figures.in_window(when)]
    launches_outside = [lat for when, lat in figures.launches if not figures.in_window(when)]
    errors_5xx = [(w, s) for w, s, _t in figures.statuses if 500 <= s < 599]

    def phase(began: float, ended: float) -> dict[str, object]:
        """Deliveries outside the fault windows between two moments: their rate and p99."""
        found = [
            lat for when, lat in figures.latencies
            if began <= when < ended and not figures.in_window(when)
        ]  # fmt: skip
        lags = [lag for when, lag in figures.loop_lags if began <= when < ended]
        seen = [
            lat for when, lat in observed["latencies"]
            if began <= when < ended and not figures.in_window(when)
        ]  # fmt: skip
        quiet_lags = [lag for when, lag in observed["loop_lags"] if began <= when < ended]
        return {"deliveries_per_s": round(len(found) / max(ended - began, 1e-9), 1),
                "delivery_p99_ms": _p99_ms(found),
                "driver_loop_lag_p99_ms": _p99_ms(lags),
                "observed_deliveries": len(seen),
                "observed_delivery_p99_ms": _p99_ms(seen),
                "observer_loop_lag_p99_ms": _p99_ms(quiet_lags)}  # fmt: skip

    wall = time.perf_counter() - driver_began
    return {
        "students": len(people),
        "processes": {
            "rooms": args.rooms_processes,
            "pages": args.pages_processes,
            "rooms_connections": args.rooms_connections,
        },
        "observed_students": len(people) - watched,
        "seconds": round(seconds, 1),
        "page_p99_ms": _p99_ms(pages_outside),
        "pages": len(pages_outside),
        "launch_p99_ms": _p99_ms(launches_outside),
        "launches": len(figures.launches),
        "delivery_p99_ms": _p99_ms(outside),
        "observed_delivery_p99_ms": _p99_ms(
            [lat for when, lat in observed["latencies"] if not figures.in_window(when)]
        ),
        "steady": phase(started + min(5.0, args.steady / 2), faults_began),
        "realistic": phase(started, peak_began),
        "peak_before_flood": phase(peak_began, flood_began),
        # What measures it shares the machine: the driver's own CPU (its 2,000 clients) and the
        # load, so a reader can tell the shape's limit from the machine's.
        "driver_cpu_share": round((time.process_time() - driver_cpu) / wall, 2),
        "load_average_1m": round(os.getloadavg()[0], 1),
        # Every 20 s from the start of the chat: when delivery slowed, beside which fault.
        "timeline": [
            {
                "at_s": round(at - started),
                "deliveries": len(part),
                "delivery_p99_ms": _p99_ms(part),
                "observed_delivery_p99_ms": _p99_ms(
                    [lat for when, lat in observed["latencies"] if at <= when < at + 20]
                ),
                "in_fault": any(figures.in_window(t) for t in (at, at + 10, at + 19.9)),
            }
            for at in [started + 20 * n for n in range(int(seconds // 20) + 1)]
            for part in [[lat for when, lat in figures.latencies if at <= when < at + 20]]
        ],
        "delivery_p99_ms_all": _p99_ms([lat for _w, lat in figures.latencies]),
        "deliveries": len(figures.latencies),
        "errors_5xx": sum(1 for w, _s in errors_5xx if not figures.in_window(w)),
        "errors_5xx_in_faults": sum(1 for w, _s in errors_5xx if figures.in_window(w)),
        "error_statuses": dict(Counter(str(s) for _w, s, _t in figures.statuses if s >= 400)),
        "tracebacks_shown": sum(1 for _w, _s, t in figures.statuses if t),
        "connects_refused": dict(figures.refusals),
        "send_retries": figures.send_failures,
        "acked_lines": len(figures.acked),
        "stored_lines": sum(stored.values()),
        "lost_lines": len(lost),
        "duplicated_lines": len(duplicated),
        "delivered_twice": sum(1 for n in figures.delivered.values() if n > 1),
        "faults": fault_report,
        "launches_failed_at_lms": figures.lms_failures,
        **grades.figures(shape.lms),
        "flood": flooding,
        **staffed,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="about 90 s with 300 students")
    parser.add_argument("--students", type=int, default=None)
    parser.add_argument("--seconds", type=float, default=None, help="length of the chat load")
    parser.add_argument("--interval", type=float, default=None,
                        help="seconds between a student's lines, realistic pace")  # fmt: skip
    parser.add_argument("--launch-clients", type=int, default=4)
    parser.add_argument("--steady", type=float, default=None,
                        help="seconds of chat before the first fault (120; quick 5)")  # fmt: skip
    parser.add_argument("--keep", action="store_true", help="keep the logs' folder and say where")
    parser.add_argument("--rooms-processes", type=int, default=2, choices=range(2, 9),
                        help="gunicorn processes nginx sends /socket.io/ to (2)")  # fmt: skip
    parser.add_argument("--pages-processes", type=int, default=2, choices=range(1, 9),
                        help="gunicorn processes for everything else (2), each with a pool "
                             "of 20 PostgreSQL connections")  # fmt: skip
    parser.add_argument("--rooms-connections", type=int, default=20, choices=range(2, 101),
                        metavar="N", help="each rooms process's PostgreSQL pool "
                        "(TANDEM_DATABASE_CONNECTIONS, 20)")  # fmt: skip
    parser.add_argument("--without-people", action="store_true",
                        help="no teachers, registrars, check-ins, notes")  # fmt: skip
    parser.add_argument("--with-benches", action="store_true",
                        help="then run bench/launch.py --quick and bench/rooms.py --quick "
                             "against the same PostgreSQL server, for their ratios, and "
                             "bench/teacher_pages.py --quick")  # fmt: skip
    args = parser.parse_args()
    args.fault_gap = 1.0 if args.quick else 20.0
    args.steady = args.steady if args.steady is not None else (5.0 if args.quick else 120.0)
    args.lms_down = 10.0 if args.quick else 60.0
    args.students = args.students or (300 if args.quick else 2000)
    args.seconds = args.seconds or (50.0 if args.quick else 540.0)  # faults lengthen it
    args.interval = args.interval or (10.0 if args.quick else 20.0)
    args.observed_teams = 10 if args.quick else 20
    args.students -= args.students % TEAM_SIZE
    server = (
        os.environ.get("TANDEM_BENCH_DATABASE_URL")
        or os.environ.get("TANDEM_TEST_DATABASE_URL")
        or "postgresql://127.0.0.1:5432/test"
    )
    if shutil.which("redis-server") is None:
        sys.exit("redis-server is not installed: the soak runs its own Redis")
    began = time.perf_counter()
    phases: dict[str, float] = {}

    def done(phase: str) -> None:
        """How long each part took (stderr as it goes, ``phase_seconds`` in the JSON)."""
        phases[phase] = round(time.perf_counter() - began - sum(phases.values()), 1)
        print(f"soak: {phase} {phases[phase]} s", file=sys.stderr, flush=True)

    with ExitStack() as stack:
        work = Path(tempfile.mkdtemp(prefix="tandem-soak-"))
        if not args.keep:
            stack.callback(shutil.rmtree, work, ignore_errors=True)
        try:
            database_url = stack.enter_context(postgres_database(server))
        except Exception as error:  # no server: say so, exit 2
            sys.exit(f"PostgreSQL at {server} is not reachable: {type(error).__name__}")
        extra = soak_people.demo_students_per_platform(args.quick)
        shape = stack.enter_context(
            production_shape(
                work,
                database_url,
                extra,
                args.rooms_processes,
                args.pages_processes,
                args.rooms_connections,
            )
        )
        done("shape_started")
        people = seed(database_url, args.students)
        crowd = None if args.without_people else soak_people.prepare(shape, args.quick)
        done("seeded")
        result = asyncio.run(drive(shape, people, args, crowd))
        done("driven")
        if args.keep:
            print(f"logs kept in {work}", file=sys.stderr)
    done("stopped")
    result["quick"] = args.quick
    not_covered = ["teachers, registrars, check-ins, notes (--without-people)"] if not crowd else []
    result["largest_teacher_page_kb_5000"] = None
    result["launch_ratio_pg"] = result["rooms_ratio_pg"] = None
    if args.with_benches:
        result |= other_benches(server)
        result |= soak_people.teacher_pages_bench(_last_json)
    else:
        not_covered.append("launch_ratio_pg and rooms_ratio_pg: run with --with-benches")
        not_covered.append("largest_teacher_page_kb_5000: run with --with-benches")
    result["not_covered"] = not_covered
    done("benches")
    result["phase_seconds"] = phases
    result["wall_seconds"] = round(time.perf_counter() - began, 1)
    print(json.dumps(result))


def _last_json(command: list[str], env: dict[str, str]) -> dict[str, Any] | str:
    """The JSON line a bench prints last, or why there is none."""
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    lines = done.stdout.strip().splitlines()
    try:
        found = json.loads(lines[-1]) if lines else None
    except json.JSONDecodeError:
        found = None
    if done.returncode != 0 or not isinstance(found, dict):
        return f"exit {done.returncode}: {done.stderr.strip()[-300:]}"
    return found


def other_benches(server: str) -> dict[str, object]:
    """bench/launch.py and bench/rooms.py, quick, against the soak's PostgreSQL server (each
    on a fresh database of its own); their PostgreSQL ratios, or null and the reason."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    figures: dict[str, object] = {}
    with postgres_database(server) as launch_db:
        launch = _last_json(
            [str(BIN / "python"), "bench/launch.py", "--quick"],
            env | {"TANDEM_BENCH_DATABASE_URL": launch_db},
        )
    if isinstance(launch, dict) and launch.get("database") == "postgresql":
        figures["launch_ratio_pg"] = launch.get("ratio")
        figures["launch_pg"] = launch
    else:
        figures["launch_ratio_pg"] = None
        figures["launch_ratio_pg_reason"] = launch if isinstance(launch, str) else "not on PG"
    rooms = _last_json(
        [str(BIN / "python"), "bench/rooms.py", "--quick"],
        env | {"TANDEM_BENCH_DATABASE_URL": server, "TANDEM_TEST_DATABASE_URL": server},
    )
    if isinstance(rooms, dict) and rooms.get("ratio_pg") is not None:
        figures["rooms_ratio_pg"] = rooms["ratio_pg"]
        figures["rooms_p99_ms_at_1000_pg"] = rooms.get("p99_ms_at_1000_pg")
    else:
        figures["rooms_ratio_pg"] = None
        figures["rooms_ratio_pg_reason"] = rooms if isinstance(rooms, str) else "no PG stage"
    return figures


if __name__ == "__main__":
    main()
