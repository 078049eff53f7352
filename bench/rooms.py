"""Rooms benchmark: N Socket.IO clients in teams of 5 send chat lines to Tandem on 127.0.0.1.

Each send is stored (sequence number, idempotency key), acknowledged and broadcast, exactly as
in production. Prints human lines, then one JSON line last: acknowledged messages per second,
p50/p95 ack latency, deliveries per second to teammates. ``--quick`` stays well under 60 s.

Transport is long-polling (the python-socketio client has no websocket without the optional
websocket-client package), so the figures are a floor for browsers, which use websockets.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import tempfile
import threading
import time
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
from realtime.ratelimit import RateLimiter
from realtime.state import EXTENSION
from tests.live import ServerThread, free_port
from web.app import create_app
from web.config import Settings

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


def run(clients: int, messages: int) -> dict[str, float]:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    folder = Path(tempfile.mkdtemp(prefix="tandem-bench-rooms-"))
    database_url = f"sqlite:///{folder / 'bench.sqlite3'}"
    upgrade(database_url)
    people = seed(database_url, clients)
    app = create_app(
        Settings(env="test", instance_path=folder, secret_key=SECRET, database_url=database_url)
    )
    app.extensions[EXTENSION].limiter = RateLimiter(capacity=1e9, per_second=1e9)
    port = free_port()
    server = ServerThread(app, port)
    latencies: list[float] = []
    delivered = [0]
    lock = threading.Lock()
    connected: list[socketio_client.Client] = []
    for actor, room_id in people:
        client = socketio_client.Client(reconnection=False)

        def on_chat(_data: object) -> None:
            with lock:
                delivered[0] += 1

        client.on("chat", on_chat, namespace="/rooms")
        client.connect(
            f"http://127.0.0.1:{port}",
            namespaces=["/rooms"],
            auth={"token": tokens.issue(SECRET, actor, room_id)},
            transports=["polling"],
            wait_timeout=10,
        )
        connected.append(client)
    failures = [0]

    def sender(index: int, client: socketio_client.Client) -> None:
        for n in range(messages):
            started = time.perf_counter()
            ack = client.call(
                "send",
                {"client_id": f"{index}-{n}", "body": f"hello {n}"},
                namespace="/rooms",
                timeout=30,
            )
            elapsed = time.perf_counter() - started
            with lock:
                if ack and ack.get("ok"):
                    latencies.append(elapsed)
                else:
                    failures[0] += 1

    threads = [threading.Thread(target=sender, args=(i, c)) for i, c in enumerate(connected)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - began
    time.sleep(0.5)  # let the last broadcasts land
    for client in connected:
        client.disconnect()
    server.stop()
    latencies.sort()
    return {
        "clients": clients,
        "messages_acked": len(latencies),
        "failures": failures[0],
        "acked_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 1),
        "deliveries_per_s": round(delivered[0] / wall, 1),
        "deliveries_expected": len(latencies) * (TEAM_SIZE - 1),
        "deliveries": delivered[0],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="20 clients, 15 messages each")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--messages", type=int, default=30)
    args = parser.parse_args()
    clients, messages = (20, 15) if args.quick else (args.clients, args.messages)
    result = run(clients, messages)
    print(f"{clients} clients x {messages} messages, teams of {TEAM_SIZE}, SQLite, threading mode")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
