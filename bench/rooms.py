"""Rooms benchmark: N Socket.IO clients in teams of 5 send chat lines at rising rates, against
Tandem (token auth, every line stored before its ack and broadcast) and, in the same run, a
bare python-socketio broadcast server in the same async mode: the stack's own ceiling.

Both servers run as production serves them (``--async-mode gevent``, the default unless
TANDEM_ASYNC_MODE says otherwise: ``gunicorn -k gevent -w 1``) or as the embedded server does
(``threading``: werkzeug's threaded server), each in its own process on 127.0.0.1, with the
same garbage-collector settings (web.gc_tuning, as wsgi.py has them); the clients share this
one and speak websocket, as browsers do (``--transport polling`` for the fallback). Tandem runs
on SQLite (the embedded default) and, when TANDEM_BENCH_DATABASE_URL or
TANDEM_TEST_DATABASE_URL names a PostgreSQL server, also on a fresh database made there for the
run (and dropped after), with the same clients and stages. All the servers run at once, and
take each rate in turn: every server's stage at one rate, then the next rate, so a ratio
compares servers measured moments apart, not minutes (this machine's speed moves: a whole run's
figures halved between sessions).

A stage offers a rate of deliveries per second (a message to a team of five is four deliveries)
for a few seconds; a stage is *sustained* when every send is acknowledged, at least 99% of its
deliveries arrive and their p99 latency (send to teammate's receipt) stays under a second. Idle
memory is the server's RSS growth per connected, idle client, measured with ``--idle``
connections (the issue's target: 2,000 per process) on top of the senders, before the stages.
Each stage also reports the server's own CPU per message (from /proc, so the rest of the
machine's load does not count), a figure that moves only when the send path does, and flags a
stage this process could not even offer (client-bound: the clients share the 2 cores), and
``bare_limited_by_clients`` says when the bare server's first failed stage left it under 80% of
a core, or the clients over 90% of theirs: then its "ceiling" is the clients', and the ratio
flatters Tandem (``tandem_limited_by_clients`` the same for Tandem's); ``bare_ceiling_found``
is false when the bare server sustained every stage (its ceiling lies above the plan's top
rate, and the ratio is an upper bound).

Prints human lines, then one JSON line last: ``tandem_deliveries_per_s`` and
``bare_deliveries_per_s`` (highest sustained), ``ratio``, ``p50_ms_at_1000``/``p99_ms_at_1000``
(Tandem at the 1,000 deliveries/s stage), ``idle_kb_per_connection`` (Tandem), all for SQLite;
``tandem_cpu_ms_per_message`` (at 500/s); the same with ``_pg`` for PostgreSQL (null when it
did not run). ``--quick`` (<= 60 s) uses fewer clients, connections and shorter stages and says
so; its highest stage (10,000/s) may not reach the bare server's ceiling, so its ratio is an
upper bound. The stages step by 500/s up to 2,000/s (3,000/s in a full run) and go to 16,000/s
in a full run, so a ratio is not rounded to a power of two. ``cpu_ratio`` is the bare server's
CPU per message over Tandem's at the highest rate both sustained: the ratio the two ceilings
would have if the servers, not the clients, were the limit. The clients are python-socketio's
asyncio client, all on one loop in this process.

The per-person rate limit is lifted in the bench server (it exists to stop one person, not to
cap a benchmark).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import socketio
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from migrations.runner import upgrade
from plugin.actors import Actor, Role
from plugin.courses.models import Course, CourseMembership
from plugin.db import make_engine, make_session_factory
from plugin.exchanges.models import Exchange, Seat, SeatStatus
from plugin.people.models import Institution, Person
from plugin.rooms.service import open_team_room
from plugin.teams.service import create_team
from realtime import tokens
from tests.live import free_port
from web.gc_tuning import tune_for_serving

ROOT = Path(__file__).resolve().parents[1]
TEAM_SIZE = 5
SECRET = "b" * 40
ASYNC_MODES = ("gevent", "threading")
NAMESPACE = "/rooms"


class PatientClient(socketio.AsyncClient):  # type: ignore[misc]
    """Waits for a room to connect as long as a browser does (socket.io-client's 20 s timeout).
    python-socketio's own reconnect waits its default of 1 s, so under load it walked away from
    connections the server was about to accept, and a client never came back."""

    async def connect(self, *args: Any, wait_timeout: float = 20, **kwargs: Any) -> None:
        await super().connect(*args, wait_timeout=wait_timeout, **kwargs)


def seed(database_url: str, clients: int) -> list[tuple[Actor, int]]:
    """People in teams of five; returns (actor, room id) per client."""
    engine = make_engine(database_url)
    factory = make_session_factory(engine)
    with factory() as db:
        uni = Institution(name="Bench University")
        db.add(uni)
        db.flush()
        teacher = Person(institution=uni, lms_name="Teacher")
        course = Course(namespace="bench", external_id="c", institution=uni)
        db.add_all([teacher, course])
        db.flush()
        db.add(CourseMembership(course_id=course.id, person_id=teacher.id, role=Role.TEACHER))
        exchange = Exchange(
            title="Bench", starts_on=date(2026, 1, 1), ends_on=date(2026, 6, 1), owner_id=teacher.id
        )
        db.add(exchange)
        db.flush()
        db.add(
            Seat(
                exchange_id=exchange.id,
                course_id=course.id,
                status=SeatStatus.APPROVED,
                requested_by_id=teacher.id,
            )
        )
        students = [Person(institution=uni, lms_name=f"S{i}") for i in range(clients)]
        db.add_all(students)
        db.commit()
        boss = Actor(teacher.id, Role.TEACHER, course.id)
        out = []
        for start in range(0, clients, TEAM_SIZE):
            members = students[start : start + TEAM_SIZE]
            team = create_team(db, boss, exchange.id, f"T{start}", [p.id for p in members])
            room = open_team_room(db, boss, team.id)
            out += [(Actor(p.id, Role.STUDENT), room.room_id) for p in members]
    engine.dispose()
    return out


# The servers: each a WSGI app factory, configured by the environment as wsgi.py is, served by
# gunicorn ("bench.rooms:tandem_app()") in gevent mode or by werkzeug in threading mode.


def tandem_app() -> Any:
    """Tandem as ``wsgi:app`` builds it (TANDEM_* settings), with the rate limit lifted."""
    from realtime.ratelimit import RateLimiter
    from realtime.state import EXTENSION
    from web.app import create_app

    app = create_app()
    app.extensions[EXTENSION].limiter = RateLimiter(capacity=1e9, per_second=1e9)
    tune_for_serving()
    return app


def bare_app() -> Any:
    """The stack's ceiling: the same server library, mode and web server; no auth, no storage."""
    sio = socketio.Server(async_mode=os.environ["TANDEM_ASYNC_MODE"])

    @sio.on("connect", namespace=NAMESPACE)  # type: ignore[untyped-decorator]
    def connect(sid: str, environ: dict[str, Any], auth: dict[str, Any]) -> None:
        sio.enter_room(sid, f"team:{auth['team']}", namespace=NAMESPACE)

    @sio.on("send", namespace=NAMESPACE)  # type: ignore[untyped-decorator]
    def send(sid: str, data: dict[str, Any]) -> dict[str, Any]:
        rooms = sio.rooms(sid, namespace=NAMESPACE)
        room = next(r for r in rooms if r.startswith("team:"))
        message = {"body": data["body"], "client_id": data["client_id"]}
        sio.emit("chat", message, room=room, skip_sid=sid, namespace=NAMESPACE)
        return {"ok": True, "message": message}

    app = socketio.WSGIApp(sio)
    tune_for_serving()  # the same process settings as Tandem's (wsgi.py)
    return app


def serve_threaded(factory: str, port: int) -> None:
    """The embedded server's shape: werkzeug, a thread per connection."""
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    app = globals()[factory]()
    make_server("127.0.0.1", port, app, threaded=True).serve_forever()


def _server_command(factory: str, mode: str, port: int) -> list[str]:
    if mode == "gevent":  # production: gunicorn -k gevent -w 1 (README)
        return [
            *(sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1"),
            *("--worker-connections", "10000", "--log-level", "warning"),
            *("-b", f"127.0.0.1:{port}", f"bench.rooms:{factory}()"),
        ]
    code = f"from bench.rooms import serve_threaded; serve_threaded({factory!r}, {port})"
    return [sys.executable, "-c", code]


@dataclass
class Stage:
    offered: float  # deliveries per second
    sent: int = 0
    dropped: int = 0  # sends a disconnected client could not make
    acked: int = 0
    delivered: int = 0
    latencies: list[float] = field(default_factory=list)
    server_cpu: float = 0.0  # seconds the server used for this stage, drain included
    client_cpu: float = 0.0  # seconds this process (every client) used, drain included
    seconds: float = 0.0
    wall: float = 0.0  # the stage's seconds, drain included

    @property
    def server_busy(self) -> float:
        """The share of one core the server used: near 1 when it, not the clients, is the limit
        (one process, one core: gevent's hub or threading's GIL)."""
        return self.server_cpu / self.wall if self.wall else 0.0

    @property
    def client_busy(self) -> float:
        """The share of one core the clients used: near 1, they (one process, one GIL) were
        the limit, whatever the server could have done."""
        return self.client_cpu / self.wall if self.wall else 0.0

    @property
    def cpu_ms_per_message(self) -> float:
        return 1000 * self.server_cpu / self.acked if self.acked else float("inf")

    @property
    def client_bound(self) -> bool:
        """This process could not even offer the rate: the stage measured the clients."""
        return self.sent < 0.95 * self.offered / (TEAM_SIZE - 1) * self.seconds

    @property
    def expected(self) -> int:
        return self.acked * (TEAM_SIZE - 1)

    def percentile(self, q: float) -> float:
        if not self.latencies:
            return float("inf")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def sustained(self) -> bool:
        return (
            self.sent > 0
            and self.acked == self.sent
            and self.delivered >= 0.99 * self.sent * (TEAM_SIZE - 1)
            and self.percentile(0.99) < 1000
        )


def _finite(ms: float) -> float | None:
    """No delivery at all has no latency (JSON has no Infinity)."""
    return round(ms, 1) if ms != float("inf") else None


def _serving_pid(pid: int) -> int:
    """The process that serves: gunicorn's worker, not its arbiter, when there is one."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    if children.exists() and (kids := children.read_text().split()):
        return int(kids[0])
    return pid


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{_serving_pid(pid)}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU the serving process has used (the machine's other load excluded)."""
    fields = Path(f"/proc/{_serving_pid(pid)}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _settle(pid: int, limit: float = 20.0) -> None:
    """Wait (bounded) until the server is nearly idle, e.g. done with a wave of disconnects."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        used = _cpu_seconds(pid)
        time.sleep(0.5)
        if _cpu_seconds(pid) - used < 0.05:  # under 10% of a core
            return


@contextmanager
def running(command: list[str], env: dict[str, str], port: int, log: Path) -> Iterator[int]:
    """A server process until the block ends; yields its pid once it listens."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env={**env, "PYTHONPATH": str(ROOT)}, cwd=ROOT, stdout=out, stderr=out
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the bench server did not start: {log.read_text()[-2000:]}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline:
                raise TimeoutError("the bench server did not start")
            time.sleep(0.1)
        yield process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


async def connect_all(
    port: int, auths: list[dict[str, object]], transport: str, on_chat: Callable[..., None] | None
) -> list[socketio.AsyncClient]:
    """Connect every client, 64 at a time (a server's accept backlog is finite)."""
    gate = asyncio.Semaphore(64)

    async def one(auth: dict[str, object]) -> socketio.AsyncClient:
        client = socketio.AsyncClient(reconnection=False)
        if on_chat is not None:
            client.on("chat", on_chat, namespace=NAMESPACE)
        async with gate:
            await client.connect(
                f"http://127.0.0.1:{port}",
                namespaces=[NAMESPACE],
                auth=auth,
                transports=[transport],
                wait_timeout=30,
            )
        if client.transport() != transport:
            raise RuntimeError(f"connected over {client.transport()}, not {transport}")
        return client

    return list(await asyncio.gather(*(one(auth) for auth in auths)))


async def disconnect_all(clients: list[socketio.AsyncClient]) -> None:
    await asyncio.gather(*(c.disconnect() for c in clients))


class Swarm:
    """The sending clients, their teams, and the delivery clock.

    All clients share one asyncio loop in this process: with a thread per client (two, with
    python-socketio's threaded client) the bench's own process was the limit at 1,000 clients
    near 1,000 deliveries/s, for the bare server as much as for Tandem.
    """

    def __init__(self, clients: list[socketio.AsyncClient]) -> None:
        self.stage: Stage | None = None
        self.clients = clients

    @classmethod
    async def connect(cls, port: int, auths: list[dict[str, object]], transport: str) -> Swarm:
        swarm = cls([])
        swarm.clients = await connect_all(port, auths, transport, swarm._on_chat)
        return swarm

    def _on_chat(self, data: dict[str, object]) -> None:
        sent_at = float(str(data["body"]).split()[-1])
        if self.stage is not None:
            self.stage.delivered += 1
            self.stage.latencies.append(time.perf_counter() - sent_at)

    async def run_stage(
        self, offered: float, seconds: float, tag: str, drain: float, pid: int
    ) -> Stage:
        stage = Stage(offered, seconds=seconds)
        cpu_before = _cpu_seconds(pid)
        client_before = time.process_time()
        self.stage = stage
        per_message = 1 / (offered / (TEAM_SIZE - 1))
        began = time.perf_counter()
        n = 0

        def acked(ack: dict[str, object] | None) -> None:
            if ack and ack.get("ok"):
                stage.acked += 1

        while (now := time.perf_counter()) - began < seconds:
            due = began + n * per_message
            if due > now:
                await asyncio.sleep(due - now)
            client = self.clients[n % len(self.clients)]
            try:
                await client.emit(
                    "send",
                    {"client_id": f"{tag}-{n}", "body": f"hello {time.perf_counter()!r}"},
                    namespace=NAMESPACE,
                    callback=acked,
                )
            except socketio.exceptions.BadNamespaceError:
                stage.dropped += 1  # the server let this client time out: overloaded
            n += 1
            stage.sent += 1
        # Drain: late deliveries still count, and show in the latency; stop early once all are in.
        deadline = time.perf_counter() + drain
        while time.perf_counter() < deadline:
            if stage.acked == stage.sent and stage.delivered >= stage.expected:
                break
            await asyncio.sleep(0.05)
        self.stage = None
        stage.server_cpu = _cpu_seconds(pid) - cpu_before
        stage.client_cpu = time.process_time() - client_before
        stage.wall = time.perf_counter() - began
        return stage

    async def close(self) -> None:
        await disconnect_all(self.clients)


@dataclass
class Plan:
    rates: list[float]
    seconds: float
    drain: float
    idle: int
    transport: str


@dataclass
class Result:
    best: float
    idle_kb: float
    idle_connected: int
    at_1000: Stage | None
    at_500: Stage | None
    limit: Stage | None  # the first stage not sustained
    stages: list[Stage] = field(default_factory=list)

    @property
    def clients_were_the_limit(self) -> bool | None:
        """Whether the stage that failed left the server under 80% of a core, or kept the
        clients over 90% of theirs: then the ceiling found is this process's clients', not
        the server's (None: no stage failed)."""
        if self.limit is None:
            return None
        return self.limit.server_busy < 0.8 or self.limit.client_busy > 0.9


@dataclass
class Server:
    """A server under test, listening: its name, process, port and the clients' auths."""

    name: str
    pid: int
    port: int
    auths: list[dict[str, object]]


def measure(servers: list[Server], plan: Plan) -> list[Result]:
    return asyncio.run(_measure(servers, plan))


async def _idle_kb(server: Server, plan: Plan) -> tuple[float, int]:
    """RSS growth per idle connection: plan.idle more connections (the same people in more
    tabs) on top of the senders, so the first connections' one-off costs (imports, caches) are
    not counted as theirs."""
    await asyncio.sleep(0.5)
    before = _rss_kb(server.pid)
    auths = server.auths
    extra = await connect_all(
        server.port, [auths[i % len(auths)] for i in range(plan.idle)], plan.transport, None
    )
    await asyncio.sleep(1.0)
    idle_kb = (_rss_kb(server.pid) - before) / max(1, len(extra))
    print(
        f"{server.name:9} {len(extra)} more idle connections (with {len(auths)} others): "
        f"{idle_kb:.1f} KB each",
        flush=True,
    )
    await disconnect_all(extra)
    # A wave of disconnects (presence) must not spill into the first stage.
    await asyncio.to_thread(_settle, server.pid)
    return idle_kb, len(extra)


def _report(name: str, stage: Stage, seconds: float) -> None:
    print(
        f"{name:9} offered {stage.offered:6.0f}/s: delivered {stage.delivered / seconds:7.1f}"
        f"/s ({stage.delivered}/{stage.sent * (TEAM_SIZE - 1)}), acked {stage.acked}/"
        f"{stage.sent} ({stage.dropped} on lost connections), "
        f"p50 {stage.percentile(0.5):7.1f} ms, p99 "
        f"{stage.percentile(0.99):7.1f} ms, server CPU {stage.cpu_ms_per_message:5.2f} ms/"
        f"message, server busy {stage.server_busy:4.0%}, clients busy "
        f"{stage.client_busy:4.0%}, sustained {stage.sustained()}"
        + (" (client-bound: this process could not offer the rate)" * stage.client_bound),
        flush=True,
    )


async def _measure(servers: list[Server], plan: Plan) -> list[Result]:
    """Every server's stage at one rate, one server after the other, then the next rate: the
    servers meet the same machine at nearly the same moment, so a ratio survives the machine
    getting slower or faster during the run (on this one, a whole run's figures moved by 2x
    between sessions), where whole runs one after the other would not."""
    swarms = [await Swarm.connect(s.port, s.auths, plan.transport) for s in servers]
    stages: list[list[Stage]] = [[] for _ in servers]
    try:
        idle = [await _idle_kb(server, plan) for server in servers]
        going = set(range(len(servers)))
        for rate in plan.rates:
            for i in sorted(going):
                server = servers[i]
                tag = f"{server.name}{rate}"
                stage = await swarms[i].run_stage(rate, plan.seconds, tag, plan.drain, server.pid)
                stages[i].append(stage)
                _report(server.name, stage, plan.seconds)
                if not stage.sustained() and rate >= 1000:
                    going.discard(i)  # beyond its ceiling (and past the stage the targets name)
            if not going:
                break
    finally:
        for swarm in swarms:
            await swarm.close()
    return [_result(ran, kb, n, plan) for ran, (kb, n) in zip(stages, idle, strict=True)]


def _result(stages: list[Stage], idle_kb: float, idle_connected: int, plan: Plan) -> Result:
    best = max((s.delivered / plan.seconds for s in stages if s.sustained()), default=0.0)
    at_1000 = next((s for s in stages if s.offered == 1000), None)
    at_500 = next((s for s in stages if s.offered == 500), None)
    limit = next((s for s in stages if not s.sustained()), None)
    return Result(best, idle_kb, idle_connected, at_1000, at_500, limit, stages)


@contextmanager
def postgres_database(server_url: str) -> Iterator[str]:
    """A fresh database on the given PostgreSQL server for this run, dropped afterwards."""
    admin_url = make_url(server_url)
    name = f"tandem_bench_{secrets.token_hex(6)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def tandem_server(
    database_url: str, name: str, folder: Path, mode: str, clients: int
) -> Iterator[Server]:
    upgrade(database_url)
    people = seed(database_url, clients)
    auths: list[dict[str, object]] = [
        {"token": tokens.issue(SECRET, actor, room_id)} for actor, room_id in people
    ]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TANDEM_")}
    env |= {
        "TANDEM_ENV": "test",
        "TANDEM_ASYNC_MODE": mode,
        "TANDEM_DATABASE_URL": database_url,
        "TANDEM_SECRET_KEY": SECRET,
        "TANDEM_INSTANCE_PATH": str(folder / name),
    }
    port = free_port()
    command = _server_command("tandem_app", mode, port)
    with running(command, env, port, folder / f"{name}.log") as pid:
        yield Server(name, pid, port, auths)


@contextmanager
def bare_server(folder: Path, mode: str, clients: int) -> Iterator[Server]:
    env = {**os.environ, "TANDEM_ASYNC_MODE": mode}
    auths: list[dict[str, object]] = [{"team": i // TEAM_SIZE} for i in range(clients)]
    port = free_port()
    with running(_server_command("bare_app", mode, port), env, port, folder / "bare.log") as pid:
        yield Server("bare", pid, port, auths)


def _cpu_ms(result: Result) -> float | None:
    """Server CPU per message at the 500/s stage, which every server here sustains."""
    return _finite(result.at_500.cpu_ms_per_message) if result.at_500 else None


def _cpu_ratio(bare: Result, tandem: Result) -> float | None:
    """Bare CPU per message over Tandem's at the highest rate both sustained: Tandem stores in
    groups under load (realtime.group_commit), so its cost per message falls as the rate
    rises, and a low stage would understate it."""
    both = [
        (ours, theirs)
        for ours, theirs in zip(tandem.stages, bare.stages, strict=False)
        if ours.offered == theirs.offered and ours.sustained() and theirs.sustained()
    ]
    if not both:
        return None
    ours, theirs = both[-1]
    return round(theirs.cpu_ms_per_message / ours.cpu_ms_per_message, 2)


def figures(result: Result | None, bare: Result, suffix: str) -> dict[str, object]:
    keys = ("tandem_deliveries_per_s", "ratio", "p50_ms_at_1000", "p99_ms_at_1000")
    if result is None:
        more = ("idle_kb_per_connection", "tandem_cpu_ms_per_message")
        return {f"{k}{suffix}": None for k in (*keys, *more)}
    at = result.at_1000
    return {
        f"tandem_deliveries_per_s{suffix}": round(result.best, 1),
        f"ratio{suffix}": round(result.best / bare.best, 2) if bare.best else None,
        f"p50_ms_at_1000{suffix}": _finite(at.percentile(0.5)) if at else None,
        f"p99_ms_at_1000{suffix}": _finite(at.percentile(0.99)) if at else None,
        f"idle_kb_per_connection{suffix}": round(result.idle_kb, 1),
        f"tandem_cpu_ms_per_message{suffix}": _cpu_ms(result),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="<= 60 s: 100 clients, short stages")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--idle", type=int, default=2000, help="idle connections for memory")
    parser.add_argument(
        "--async-mode",
        choices=ASYNC_MODES,
        default=os.environ.get("TANDEM_ASYNC_MODE") or "gevent",
        help="both servers' Socket.IO mode (default: TANDEM_ASYNC_MODE, else production's)",
    )
    parser.add_argument("--transport", choices=("websocket", "polling"), default="websocket")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("TANDEM_BENCH_DATABASE_URL")
        or os.environ.get("TANDEM_TEST_DATABASE_URL"),
        help="a PostgreSQL server URL to run Tandem on as well (a fresh database is made)",
    )
    args = parser.parse_args()
    began = time.monotonic()
    if args.quick:
        rates = [250.0, 500.0, 1000.0, 1500.0, 2000.0, 3000.0, 4000.0, 5000.0, 6000.0, 7000.0]
        rates += [8000.0, 10000.0]
        plan = Plan(rates, 1.5, 1.0, 300, args.transport)
        clients = 100
    else:
        rates = [250.0, 500.0, 1000.0, 1500.0, 2000.0, 2500.0, 3000.0, 4000.0, 5000.0, 6000.0]
        rates += [7000.0, 8000.0, 10000.0, 12000.0, 14000.0, 16000.0]
        plan = Plan(rates, args.seconds, 3.0, args.idle, args.transport)
        clients = args.clients
    clients -= clients % TEAM_SIZE
    print(
        f"{clients} clients in teams of {TEAM_SIZE}, stages of {plan.seconds:g} s at "
        f"{plan.rates} deliveries/s, {plan.idle} idle connections, {args.async_mode} mode, "
        f"{plan.transport}, Tandem on SQLite"
        + (" and PostgreSQL" if args.postgres else "")
        + (" (--quick: fewer clients and connections than the issue's)" if args.quick else ""),
        flush=True,
    )
    folder = Path(tempfile.mkdtemp(prefix="tandem-bench-rooms-"))
    mode = args.async_mode
    sqlite_url = f"sqlite:///{folder / 'bench.sqlite3'}"
    with ExitStack() as servers:
        ours = [servers.enter_context(tandem_server(sqlite_url, "tandem", folder, mode, clients))]
        if args.postgres:
            pg_url = servers.enter_context(postgres_database(args.postgres))
            ours.append(
                servers.enter_context(tandem_server(pg_url, "tandem-pg", folder, mode, clients))
            )
        theirs = servers.enter_context(bare_server(folder, mode, clients))
        tune_for_serving()  # the clients' own full collections would count as latency
        results = measure([*ours, theirs], plan)
    tandem, bare = results[0], results[-1]
    pg: Result | None = results[1] if args.postgres else None
    print(
        json.dumps(
            {
                "clients": clients,
                "quick": args.quick,
                "async_mode": mode,
                "transport": plan.transport,
                **figures(tandem, bare, ""),
                "bare_deliveries_per_s": round(bare.best, 1),
                "idle_connections": tandem.idle_connected,
                "bare_idle_kb_per_connection": round(bare.idle_kb, 1),
                "bare_cpu_ms_per_message": _cpu_ms(bare),
                "bare_limited_by_clients": bare.clients_were_the_limit,
                "tandem_limited_by_clients": tandem.clients_were_the_limit,
                "bare_ceiling_found": bare.limit is not None,
                "cpu_ratio": _cpu_ratio(bare, tandem),
                **figures(pg, bare, "_pg"),
                "seconds": round(time.monotonic() - began, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
