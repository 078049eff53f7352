"""Team health at the scale of a large exchange.

`python bench/health.py --quick` builds, on a migrated SQLite file (the embedded default), an
exchange of 10,000 students in 2,000 teams of five (three Leiden, two Bologna) with twelve
weeks of room activity: about a million chat lines, note edits, tasks done, call attendance,
weekly check-ins, and two peer evaluation rounds in which everyone rated their team. Rows go
in through the DBAPI's executemany (chat lines) and SQLAlchemy Core, not the use cases: the
bench times health, not onboarding.

It then times, in the same run and on the same rows:

* `grouped_scan_seconds`: one `SELECT team, week, count(*) ... GROUP BY` over the chat lines
  (joined to their rooms, as any per-team count must be): the floor for any recount;
* `health_10k_seconds`: `refresh_exchange_health` as the periodic task runs it: every
  signal's grouped scan over the last two weeks, their member-week and team-week rows
  rewritten, all 2,000 teams assessed from those and the stored earlier weeks;
  `health_10k_full_seconds` is the first run, which counts all twelve weeks, writes every
  row and the alerts (`ratio_full` beside it);
* `dashboard_p95_ms`: the dashboard page (HTML through the Flask test client, signed in as
  a teacher), over sorts and pages, after the recount; `dashboard_data_p95_ms` is the use
  case alone;
* `peer_round_10k_seconds`: closing one peer round for all 10,000 students (results, flags,
  notices), the mean of the two rounds.

Prints one JSON line last. Targets: ratio (health over scan) <= 3; dashboard p95 < 300 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from flask import Flask  # noqa: E402
from flask import session as browser_state  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from migrations.runner import upgrade  # noqa: E402
from plugin.actors import Actor, Role  # noqa: E402
from plugin.calls.models import CallAttendance  # noqa: E402
from plugin.chat.models import Message  # noqa: E402
from plugin.checkins.models import CheckinAnswer  # noqa: E402
from plugin.courses.models import Course, CourseMembership  # noqa: E402
from plugin.db import make_engine, make_session_factory  # noqa: E402
from plugin.exchanges.models import Exchange, Seat, SeatStatus  # noqa: E402
from plugin.health.service import (  # noqa: E402
    _week_expr,
    health_dashboard,
    refresh_exchange_health,
)
from plugin.health.signals import exchange_start  # noqa: E402
from plugin.notes.models import NoteUpdate  # noqa: E402
from plugin.peer.models import PeerRating, PeerRound  # noqa: E402
from plugin.peer.service import close_round  # noqa: E402
from plugin.people.models import Institution, Person  # noqa: E402
from plugin.rooms.models import Room  # noqa: E402
from plugin.tasks.models import Task, TaskState  # noqa: E402
from plugin.teams.models import Team, TeamMembership  # noqa: E402
from web.app import create_app  # noqa: E402
from web.auth import start_web_session  # noqa: E402
from web.config import Settings  # noqa: E402

TEAMS = 2000
SIZE = 5
WEEKS = 12
LINES_PER_TEAM_WEEK = 42  # 2,000 x 12 x 42 = 1,008,000 chat lines


def _stamp(moment: datetime) -> str:
    """How SQLAlchemy stores a UTC datetime in SQLite (for the raw executemany)."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def build(db: Session, now: datetime, team_count: int) -> tuple[int, Actor, list[int]]:
    """The exchange; its Leiden teacher; the two peer rounds' ids."""
    rng = random.Random(18)
    starts_on = (now - timedelta(weeks=WEEKS) + timedelta(days=1)).date()
    start = exchange_start(starts_on)
    leiden = db.scalar(insert(Institution).returning(Institution.id), {"name": "Leiden"})
    bologna = db.scalar(insert(Institution).returning(Institution.id), {"name": "Bologna"})
    teacher_l = db.scalar(
        insert(Person).returning(Person.id), {"institution_id": leiden, "lms_name": "Tess"}
    )
    teacher_b = db.scalar(
        insert(Person).returning(Person.id), {"institution_id": bologna, "lms_name": "Paola"}
    )
    course_l = db.scalar(
        insert(Course).returning(Course.id),
        {"namespace": "b", "external_id": "L", "institution_id": leiden, "title": "L"},
    )
    course_b = db.scalar(
        insert(Course).returning(Course.id),
        {"namespace": "b", "external_id": "B", "institution_id": bologna, "title": "B"},
    )
    db.execute(
        insert(CourseMembership),
        [
            {"course_id": course_l, "person_id": teacher_l, "role": Role.TEACHER},
            {"course_id": course_b, "person_id": teacher_b, "role": Role.TEACHER},
        ],
    )
    exchange_id = db.scalar(
        insert(Exchange).returning(Exchange.id),
        {
            "title": "Bench",
            "starts_on": starts_on,
            "ends_on": starts_on + timedelta(weeks=WEEKS + 2),
            "owner_id": teacher_l,
        },
    )
    db.execute(
        insert(Seat),
        [
            {
                "exchange_id": exchange_id,
                "course_id": c,
                "status": SeatStatus.APPROVED,
                "is_owner": c == course_l,
                "requested_by_id": teacher_l,
            }
            for c in (course_l, course_b)
        ],
    )
    students = db.scalars(
        insert(Person).returning(Person.id, sort_by_parameter_order=True),
        [
            {"institution_id": leiden if k % SIZE < 3 else bologna, "lms_name": f"S{k}"}
            for k in range(team_count * SIZE)
        ],
    ).all()
    teams = db.scalars(
        insert(Team).returning(Team.id, sort_by_parameter_order=True),
        [
            {"exchange_id": exchange_id, "name": f"Team {t:04d}", "created_at": start}
            for t in range(team_count)
        ],
    ).all()
    members = {t: students[i * SIZE : (i + 1) * SIZE] for i, t in enumerate(teams)}
    db.execute(
        insert(TeamMembership),
        [
            {"team_id": t, "exchange_id": exchange_id, "person_id": p, "joined_at": start}
            for t, people in members.items()
            for p in people
        ],
    )
    rooms = db.scalars(
        insert(Room).returning(Room.id, sort_by_parameter_order=True),
        [{"team_id": t} for t in teams],
    ).all()
    room_of = dict(zip(teams, rooms, strict=True))
    # One team in ten stops meeting after week 7; one in ten has a member gone quiet at week 5.
    stops = set(rng.sample(teams, team_count // 10))
    quiet = {t: members[t][-1] for t in rng.sample(teams, team_count // 10)}

    # A pool of times per week (never after now) that chat lines draw from: building a
    # million datetimes one by one would dominate the bench.
    moments = [
        [
            _stamp(
                min(
                    start + timedelta(weeks=week, seconds=rng.randrange(7 * 86400)),
                    now - timedelta(minutes=1),
                )
            )
            for _ in range(2000)
        ]
        for week in range(WEEKS)
    ]
    lines: list[tuple[Any, ...]] = []
    notes: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    checkins: list[dict[str, Any]] = []
    for t in teams:
        room, people = room_of[t], members[t]
        seq = 0
        for week in range(WEEKS):
            base = start + timedelta(weeks=week)
            talkers = [p for p in people if not (quiet.get(t) == p and week >= 5)]
            stamps = rng.choices(moments[week], k=LINES_PER_TEAM_WEEK)
            authors = rng.choices(talkers, k=LINES_PER_TEAM_WEEK)
            for stamp, author in zip(stamps, authors, strict=True):
                seq += 1
                lines.append((room, seq, f"c{seq}", author, "…", stamp, seq))
            notes.extend(
                {
                    "room_id": room,
                    "data": b"u",
                    "merged": 1,
                    "author_id": rng.choice(talkers),
                    "created_at": min(base + timedelta(hours=rng.randrange(160)), now),
                }
                for _ in range(3)
            )
            tasks.append(
                {
                    "room_id": room,
                    "phase_key": "project",
                    "title": "T",
                    "state": TaskState.DONE,
                    "done_by_id": rng.choice(talkers),
                    "done_at": min(base + timedelta(days=3), now),
                }
            )
            if not (t in stops and week >= 7):
                meet = min(base + timedelta(days=2, hours=15), now - timedelta(hours=1))
                calls.extend(
                    {
                        "room_id": room,
                        "person_id": p,
                        "joined_at": meet,
                        "left_at": meet + timedelta(minutes=50),
                    }
                    for p in talkers[: rng.randint(3, len(talkers))]
                )
            monday = base.date() + timedelta(days=3)
            iso = monday.isocalendar()
            drop = 2 if t in stops and week >= 8 else 0
            for p in talkers:
                if rng.random() < 0.7:
                    score = max(1, rng.randint(3, 5) - drop)
                    checkins.append(
                        {
                            "exchange_id": exchange_id,
                            "team_id": t,
                            "person_id": p,
                            "week": f"{iso.year}-W{iso.week:02d}",
                            "teamwork": score,
                            "contribute": score,
                            "blockers": score,
                        }
                    )
    raw = db.connection().connection.driver_connection
    assert raw is not None
    raw.executemany(
        "INSERT INTO room_message (room_id, seq, client_id, author_id, body, created_at, "
        "changed_seq) VALUES (?, ?, ?, ?, ?, ?, ?)",
        lines,
    )
    db.execute(insert(NoteUpdate), notes)
    db.execute(insert(Task), tasks)
    db.execute(insert(CallAttendance), calls)
    db.execute(insert(CheckinAnswer), checkins)
    rounds = []
    for r, closes in enumerate((start + timedelta(weeks=6), now - timedelta(days=1))):
        round_id = db.scalar(
            insert(PeerRound).returning(PeerRound.id),
            {
                "exchange_id": exchange_id,
                "title": f"Round {r + 1}",
                "opens_at": closes - timedelta(days=7),
                "closes_at": closes,
                "created_by_id": teacher_l,
            },
        )
        rounds.append(round_id)
        ratings = []
        for t, people in members.items():
            for rater in people:
                for ratee in people:
                    s = rng.randint(2, 5)
                    ratings.append(
                        {
                            "round_id": round_id,
                            "team_id": t,
                            "rater_id": rater,
                            "ratee_id": ratee,
                            "contributing": s,
                            "interacting": s,
                            "on_track": s,
                            "quality": s,
                            "knowledge": s,
                        }
                    )
        db.execute(insert(PeerRating), ratings)
    db.commit()
    assert exchange_id is not None
    assert teacher_l is not None
    return exchange_id, Actor(teacher_l, Role.TEACHER, course_l), [r for r in rounds if r]


def grouped_scan(db: Session, exchange_id: int, start: datetime) -> float:
    week = _week_expr(db, Message.created_at, start)
    started = time.perf_counter()
    rows = db.execute(
        select(Room.team_id, week, func.count())
        .select_from(Message)
        .join(Room, Room.id == Message.room_id)
        .join(Team, Team.id == Room.team_id)
        .where(Team.exchange_id == exchange_id, Message.created_at >= start)
        .group_by(Room.team_id, week)
    ).all()
    seconds = time.perf_counter() - started
    assert len(rows) >= 100, len(rows)
    db.rollback()
    return seconds


def sign_in(app: Flask, client: FlaskClient, actor: Actor) -> None:
    with app.test_request_context():
        start_web_session(actor)
        state = dict(browser_state)
    with client.session_transaction() as cookie:
        cookie.clear()
        cookie.update(state)


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def run(teams: int = TEAMS, profile: bool = False) -> dict[str, Any]:
    now = datetime.now(UTC).replace(microsecond=0)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory() as db:
            started = time.perf_counter()
            exchange_id, teacher, rounds = build(db, now, teams)
            lines = db.scalar(select(func.count()).select_from(Message))
            print(
                f"built {lines} chat lines in {time.perf_counter() - started:.1f}s", file=sys.stderr
            )
            exchange = db.get_one(Exchange, exchange_id)
            start = exchange_start(exchange.starts_on)
            db.rollback()

            peer = []
            for round_id in rounds:
                started = time.perf_counter()
                close_round(db, teacher, round_id, now=now)
                peer.append(time.perf_counter() - started)

            scans = [grouped_scan(db, exchange_id, start) for _ in range(2)]
            profiler = None
            if profile:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            started = time.perf_counter()
            first = refresh_exchange_health(db, exchange_id, now)
            first_s = time.perf_counter() - started
            started = time.perf_counter()
            again = refresh_exchange_health(db, exchange_id, now + timedelta(minutes=5))
            health_s = time.perf_counter() - started
            if profiler is not None:
                import pstats

                profiler.disable()
                pstats.Stats(profiler, stream=sys.stderr).sort_stats("cumulative").print_stats(25)
            scans.append(grouped_scan(db, exchange_id, start))
            scan_s = min(scans)

            data_ms = []
            for k in range(40):
                sort = ("status", "name", "activity")[k % 3]
                started = time.perf_counter()
                health_dashboard(db, teacher, exchange_id, sort=sort, page=1 + k % 40, now=now)
                data_ms.append((time.perf_counter() - started) * 1000)
                db.rollback()

            settings = Settings(
                env="test", instance_path=Path(folder) / "instance", secret_key="x" * 40
            )
            app = create_app(settings, session_factory=lambda: db)
            client = app.test_client()
            sign_in(app, client, teacher)
            if profile:
                import cProfile
                import pstats

                page_profiler = cProfile.Profile()
                page_profiler.enable()
                client.get(f"/exchanges/{exchange_id}/health?sort=status&page=2")
                page_profiler.disable()
                pstats.Stats(page_profiler, stream=sys.stderr).sort_stats("tottime").print_stats(15)
            page_ms = []
            size = 0
            for k in range(40):
                sort = ("status", "name", "activity")[k % 3]
                started = time.perf_counter()
                answer = client.get(f"/exchanges/{exchange_id}/health?sort={sort}&page={1 + k}")
                page_ms.append((time.perf_counter() - started) * 1000)
                assert answer.status_code == 200, answer.status_code
                size = max(size, len(answer.data))
        engine.dispose()
    return {
        "students": teams * SIZE,
        "teams": teams,
        "chat_lines": lines,
        "at_risk_teams": again.at_risk,
        "alerts_first_run": first.alerted,
        "health_10k_seconds": round(health_s, 3),
        "grouped_scan_seconds": round(scan_s, 3),
        "ratio": round(health_s / scan_s, 2),
        "health_10k_full_seconds": round(first_s, 3),
        "ratio_full": round(first_s / scan_s, 2),
        "dashboard_p95_ms": round(p95(page_ms), 1),
        "dashboard_data_p95_ms": round(p95(data_ms), 1),
        "dashboard_page_kb": round(size / 1000, 1),
        "peer_round_10k_seconds": round(statistics.fmean(peer), 3),
        "peer_rounds_seconds": [round(s, 3) for s in peer],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the same run (it fits in 60 s)")
    parser.add_argument("--teams", type=int, default=TEAMS, help="fewer teams, for profiling")
    parser.add_argument("--profile", action="store_true", help="cProfile both recounts")
    args = parser.parse_args()
    print(json.dumps(run(args.teams, args.profile)))


if __name__ == "__main__":
    main()
