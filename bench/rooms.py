"""Rooms benchmark: N Socket.IO clients in teams of 5 send chat lines at rising rates, against
Tandem (token auth, every line stored before its ack and broadcast) and, in the same run, a bare
python-socketio broadcast server in the same async mode (threading): the stack's own ceiling.

Each server runs in its own process on 127.0.0.1; the clients share this one. A stage offers a
rate of deliveries per second (a message to a team of five is four deliveries) for a few
seconds; a stage is *sustained* when at least 99% of its deliveries arrive and their p99
latency (send to teammate's receipt) stays under a second. Idle memory is the server's RSS
growth per connected, idle client.

Prints human lines, then one JSON line last: ``tandem_deliveries_per_s`` and
``bare_deliveries_per_s`` (highest sustained), ``ratio``, ``p50_ms_at_1000``/``p99_ms_at_1000``
(Tandem at the 1,000 deliveries/s stage), ``idle_kb_per_connection`` (Tandem).
``--quick`` (<= 60 s) uses fewer clients and shorter stages and says so.

Transport is long-polling (the python-socketio client has no websocket without the optional
websocket-client package), so the figures are a floor for browsers, which use websockets.
The per-person rate limit is lifted in the bench server (it exists to stop one person, not
to cap a benchmark); SQLite, as in the embedded default.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import socketio as socketio_client

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from migrations.runner import upgrade
from plugin.actors import Actor, Role
from plugin.courses.models import Course, CourseMembership
from plugin.db import make_engine, make_session_factory
from plugin.exchanges.models import Exchange, Seat, SeatStatus
from plugin.matching.teams import create_team
from plugin.people.models import Institution, Person
from plugin.rooms.service import open_team_room
from realtime import tokens
from tests.live import free_port

TEAM_SIZE = 5
SECRET = "b" * 40


def seed(database_url: str, clients: int) -> list[tuple[Actor, int]]:
    """People in teams of five; returns (actor, room id) per client."""
    factory = make_session_factory(make_engine(database_url))
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
        return out


TANDEM_SERVER = """
import logging, sys
from pathlib import Path
from werkzeug.serving import make_server
from realtime.ratelimit import RateLimiter
from realtime.state import EXTENSION
from web.app import create_app
from web.config import Settings
logging.getLogger("werkzeug").setLevel(logging.ERROR)
port, db, folder, secret = sys.argv[1:5]
app = create_app(Settings(env="test", instance_path=Path(folder), secret_key=secret,
                          database_url=db, async_mode="threading"))
app.extensions[EXTENSION].limiter = RateLimiter(capacity=1e9, per_second=1e9)
make_server("127.0.0.1", int(port), app, threaded=True).serve_forever()
"""
# The stack's ceiling: the same server library, mode and web server, no auth, no database.
BARE_SERVER = """
import logging, sys
import socketio
from werkzeug.serving import make_server
logging.getLogger("werkzeug").setLevel(logging.ERROR)
sio = socketio.Server(async_mode="threading")

@sio.on("connect", namespace="/rooms")
def connect(sid, environ, auth):
    sio.enter_room(sid, "team:%s" % auth["team"], namespace="/rooms")

@sio.on("send", namespace="/rooms")
def send(sid, data):
    room = [r for r in sio.rooms(sid, namespace="/rooms") if r.startswith("team:")][0]
    message = {"body": data["body"], "client_id": data["client_id"]}
    sio.emit("chat", message, room=room, skip_sid=sid, namespace="/rooms")
    return {"ok": True, "message": message}

make_server("127.0.0.1", int(sys.argv[1]), socketio.WSGIApp(sio), threaded=True).serve_forever()
"""


@dataclass
class Stage:
    offered: float  # deliveries per second
    sent: int = 0
    dropped: int = 0  # sends a disconnected client could not make
    acked: int = 0
    delivered: int = 0
    latencies: list[float] = field(default_factory=list)

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


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _start(code: str, args: list[str], port: int) -> subprocess.Popen[bytes]:
    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root)}
    process = subprocess.Popen([sys.executable, "-c", code, *args], env=env, cwd=root)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return process
        if process.poll() is not None:
            raise RuntimeError("the bench server did not start")
        time.sleep(0.1)
    raise TimeoutError("the bench server did not start")


class Swarm:
    """The clients, their teams, and the delivery clock."""

    def __init__(self, port: int, auths: list[dict[str, object]]) -> None:
        self.port = port
        self.stage: Stage | None = None
        self.lock = threading.Lock()
        self.clients: list[socketio_client.Client] = []
        with ThreadPoolExecutor(max_workers=32) as pool:
            self.clients = list(pool.map(self._connect, auths))

    def _connect(self, auth: dict[str, object]) -> socketio_client.Client:
        client = socketio_client.Client(reconnection=False)
        client.on("chat", self._on_chat, namespace="/rooms")
        client.connect(
            f"http://127.0.0.1:{self.port}",
            namespaces=["/rooms"],
            auth=auth,
            transports=["polling"],
            wait_timeout=30,
        )
        return client

    def _on_chat(self, data: dict[str, object]) -> None:
        sent_at = float(str(data["body"]).split()[-1])
        with self.lock:
            if self.stage is not None:
                self.stage.delivered += 1
                self.stage.latencies.append(time.perf_counter() - sent_at)

    def run_stage(self, offered: float, seconds: float, tag: str) -> Stage:
        stage = Stage(offered)
        self.stage = stage
        per_message = 1 / (offered / (TEAM_SIZE - 1))
        began = time.perf_counter()
        n = 0

        def acked(ack: dict[str, object] | None) -> None:
            if ack and ack.get("ok"):
                with self.lock:
                    stage.acked += 1

        while (now := time.perf_counter()) - began < seconds:
            due = began + n * per_message
            if due > now:
                time.sleep(due - now)
            client = self.clients[n % len(self.clients)]
            try:
                client.emit(
                    "send",
                    {"client_id": f"{tag}-{n}", "body": f"hello {time.perf_counter()!r}"},
                    namespace="/rooms",
                    callback=acked,
                )
            except socketio_client.exceptions.BadNamespaceError:
                stage.dropped += 1  # the server let this client time out: overloaded
            n += 1
            stage.sent += 1
        time.sleep(2.0)  # drain: late deliveries still count, and show in the latency
        self.stage = None
        return stage

    def close(self) -> None:
        with ThreadPoolExecutor(max_workers=32) as pool:
            list(pool.map(lambda c: c.disconnect(), self.clients))


def measure(
    name: str,
    process: subprocess.Popen[bytes],
    port: int,
    auths: list[dict[str, object]],
    rates: list[float],
    seconds: float,
) -> dict[str, object]:
    time.sleep(0.5)
    before = _rss_kb(process.pid)
    swarm = Swarm(port, auths)
    time.sleep(1.0)
    idle_kb = (_rss_kb(process.pid) - before) / len(auths)
    stages = []
    try:
        for rate in rates:
            stage = swarm.run_stage(rate, seconds, f"{name}{rate}")
            stages.append(stage)
            print(
                f"{name:6} offered {rate:6.0f}/s: delivered {stage.delivered / seconds:7.1f}/s "
                f"({stage.delivered}/{stage.sent * (TEAM_SIZE - 1)}), acked {stage.acked}/"
                f"{stage.sent} ({stage.dropped} on lost connections), "
                f"p50 {stage.percentile(0.5):7.1f} ms, p99 "
                f"{stage.percentile(0.99):7.1f} ms, sustained {stage.sustained()}",
                flush=True,
            )
            if not stage.sustained() and rate >= 1000:
                break  # beyond the ceiling (and past the 1,000/s stage the targets name)
    finally:
        swarm.close()
    best = max((s.delivered / seconds for s in stages if s.sustained()), default=0.0)
    at_1000 = next((s for s in stages if s.offered == 1000), None)
    return {"best": best, "idle_kb": idle_kb, "at_1000": at_1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="<= 60 s: 100 clients, 3 s stages")
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args()
    clients, seconds = (100, 3.0) if args.quick else (args.clients, args.seconds)
    rates = [250.0, 500.0, 1000.0, 2000.0] if args.quick else [250.0, 500.0, 1000.0, 2000.0, 4000.0]
    clients -= clients % TEAM_SIZE
    print(
        f"{clients} clients in teams of {TEAM_SIZE}, stages of {seconds:g} s at {rates} "
        f"deliveries/s, threading mode, long-polling"
        + (" (--quick: fewer clients than the issue's 1,000)" if args.quick else ""),
        flush=True,
    )
    folder = Path(tempfile.mkdtemp(prefix="tandem-bench-rooms-"))
    database_url = f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade(database_url)
    people = seed(database_url, clients)
    results = {}
    for name in ("tandem", "bare"):
        port = free_port()
        if name == "tandem":
            process = _start(TANDEM_SERVER, [str(port), database_url, str(folder), SECRET], port)
            auths: list[dict[str, object]] = [
                {"token": tokens.issue(SECRET, actor, room_id)} for actor, room_id in people
            ]
        else:
            process = _start(BARE_SERVER, [str(port)], port)
            auths = [{"team": room_id} for _, room_id in people]
        try:
            results[name] = measure(name, process, port, auths, rates, seconds)
        finally:
            process.terminate()
            process.wait(timeout=10)
    tandem, bare = results["tandem"], results["bare"]
    at_1000 = tandem["at_1000"]
    assert at_1000 is None or isinstance(at_1000, Stage)
    tandem_best, bare_best = float(str(tandem["best"])), float(str(bare["best"]))
    print(
        json.dumps(
            {
                "clients": clients,
                "quick": args.quick,
                "tandem_deliveries_per_s": round(tandem_best, 1),
                "bare_deliveries_per_s": round(bare_best, 1),
                "ratio": round(tandem_best / bare_best, 2) if bare_best else None,
                "p50_ms_at_1000": _finite(at_1000.percentile(0.5)) if at_1000 else None,
                "p99_ms_at_1000": _finite(at_1000.percentile(0.99)) if at_1000 else None,
                "idle_kb_per_connection": round(float(str(tandem["idle_kb"])), 1),
                "bare_idle_kb_per_connection": round(float(str(bare["idle_kb"])), 1),
            }
        )
    )


if __name__ == "__main__":
    main()
