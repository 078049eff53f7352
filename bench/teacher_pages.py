"""Teacher and registrar pages at the scale the matching engine handles.

`python bench/teacher_pages.py [--quick]` builds exchanges of 1,000 and 5,000 students on a
migrated SQLite file through the plugin's use cases (onboarded profiles, a matching proposal,
published teams), renders each teacher page with the Flask test client (bytes, server time)
and loads it in headless chromium (time until the page's main control takes typed input), and
prints one JSON line last. `interactive_s` includes the server's render time (`server_s`);
`browser_s` is the part spent in chromium. `--quick` measures only the 5,000-student exchange
and skips the browser (about two minutes, most of it onboarding students). The target:
every page under 500 KB and interactive within 1 s at 5,000 students.

Each student has chat lines in four weeks, so the completion list counts contributions as in
a running exchange; each page's figures include its SQL ``statements`` (a second view), and
``sign_off`` times a teacher's decision on one student: the use case alone (``server_s``,
``statements``) and the whole POST (``post_s``, which in this test configuration also signs
the credential inline, the worker's job in production).
"""

from __future__ import annotations

import argparse
import json
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
from sqlalchemy import Engine, event, insert, select  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from migrations.runner import upgrade  # noqa: E402
from plugin.actors import Actor, Role  # noqa: E402
from plugin.chat.models import Message  # noqa: E402
from plugin.completion.service import approve_completion, set_rule  # noqa: E402
from plugin.db import make_engine, make_session_factory  # noqa: E402
from plugin.exchanges.service import (  # noqa: E402
    create_exchange,
    decide_seat,
    issue_join_code,
    request_seat,
)
from plugin.matching.candidates import MatchRules  # noqa: E402
from plugin.matching.service import propose_teams, publish_teams  # noqa: E402
from plugin.people.models import Person  # noqa: E402
from plugin.registrars.models import Registrar  # noqa: E402
from plugin.rooms.models import Room  # noqa: E402
from plugin.teams.models import Team, TeamMembership  # noqa: E402
from tests.plugin.exchanges.world import DRAFT, make_world  # noqa: E402
from tests.plugin.matching.test_matching_service import _student  # noqa: E402
from web.app import create_app  # noqa: E402
from web.auth import start_web_session  # noqa: E402
from web.config import Settings  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ORIGIN = "http://tandem.bench"
RULES = MatchRules(min_size=5, max_size=5, min_institutions=2, max_per_institution=3)
MAIN_CONTROL = {
    "matching_proposal": 'input[list="team-keys"]',
    "teams_list": "main a[href], main button",
    "participants": "main a[href], main button",
    "completion": "main a[href], main button",
    "registrar_console": "main input, main select, main button",
}


def build(db: Session, students: int) -> tuple[Actor, dict[str, str]]:
    """An exchange of ``students`` onboarded students; the URL of each page to measure."""
    world = make_world(db)
    owner = world.arrive("leiden", "t1", Role.TEACHER)
    partner = world.arrive("bologna", "t2", Role.TEACHER)
    exchange = create_exchange(db, owner, DRAFT)
    code = issue_join_code(db, owner, exchange.id).code
    decide_seat(db, owner, request_seat(db, partner, code).id, approve=True)
    for k in range(students):
        _student(world, "leiden" if k % 2 else "bologna", f"s{k}")
    db.add(Registrar(person_id=owner.person_id, institution_id=world.leiden_id))
    db.commit()
    started = time.perf_counter()
    draft = propose_teams(db, owner, exchange.id, RULES, seed=1, seconds=5.0)
    shown = propose_teams(db, owner, exchange.id, RULES, seed=2, seconds=5.0)
    print(f"{students}: two proposals in {time.perf_counter() - started:.1f}s", file=sys.stderr)
    publish_teams(db, owner, shown.id)
    chat(db, exchange.id)
    return owner, {
        "matching_proposal": f"/matching/runs/{draft.id}",
        "teams_list": f"/matching/runs/{shown.id}",
        "participants": f"/exchanges/{exchange.id}/teacher",
        "completion": f"/exchanges/{exchange.id}/completion/students",
        "registrar_console": "/registrar",
    }


def chat(db: Session, exchange_id: int, weeks: int = 4) -> None:
    """Each member's room and a line of theirs in each of the last ``weeks`` weeks."""
    teams = db.scalars(select(Team.id).where(Team.exchange_id == exchange_id)).all()
    db.add_all(Room(team_id=team_id) for team_id in teams)
    db.flush()
    members = db.execute(
        select(Room.id, TeamMembership.person_id)
        .join(TeamMembership, TeamMembership.team_id == Room.team_id)
        .where(TeamMembership.exchange_id == exchange_id)
    ).all()
    now, seq = datetime.now(UTC), dict.fromkeys(teams, 0)
    lines = []
    for room_id, person_id in members:
        for week in range(weeks):
            seq[room_id] = seq.get(room_id, 0) + 1
            lines.append(
                {
                    "room_id": room_id,
                    "seq": seq[room_id],
                    "client_id": f"bench-{person_id}-{week}",
                    "author_id": person_id,
                    "body": "hello",
                    "created_at": now - timedelta(weeks=week),
                    "changed_seq": 0,
                }
            )
    db.execute(insert(Message), lines)
    for room_id in {room_id for room_id, _ in members}:
        db.get(Room, room_id).last_seq = seq[room_id]  # type: ignore[union-attr]
    db.commit()


def sign_in(app: Flask, client: FlaskClient, actor: Actor) -> None:
    with app.test_request_context():
        start_web_session(actor)
        state = dict(browser_state)
    with client.session_transaction() as cookie:
        cookie.clear()
        cookie.update(state)


class Statements:
    """Counts the SQL statements an engine runs while ``counting``."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *args: object) -> None:
        self.count += 1


def measure_bytes(
    client: FlaskClient, pages: dict[str, str], statements: Statements
) -> dict[str, dict[str, float]]:
    """Bytes and server time of each page's first view; statements of a second view."""
    figures = {}
    for name, url in pages.items():
        started = time.perf_counter()
        answer = client.get(url)
        seconds = time.perf_counter() - started
        assert answer.status_code == 200, (name, answer.status_code)
        before = statements.count
        client.get(url)
        figures[name] = {
            "kb": round(len(answer.data) / 1000, 1),
            "server_s": round(seconds, 3),
            "statements": statements.count - before,
        }
    return figures


def measure_sign_off(
    db: Session, client: FlaskClient, owner: Actor, url: str, statements: Statements
) -> dict[str, float]:
    """A teacher's decision on one of their students, under a rule every student meets: the
    median use case of five and one whole POST (with the redirect it answers, not followed)."""
    exchange_id = int(url.split("/")[2])
    set_rule(db, owner, exchange_id, min_meetings=0, min_contribution_weeks=0,
             required_phases=(), reflection_required=False)  # fmt: skip
    institution_id = db.get(Person, owner.person_id).institution_id  # type: ignore[union-attr]
    students = db.scalars(
        select(TeamMembership.person_id)
        .join(Person, Person.id == TeamMembership.person_id)
        .where(TeamMembership.exchange_id == exchange_id, Person.institution_id == institution_id)
        .order_by(TeamMembership.person_id)
        .limit(6)
    ).all()
    times, counts = [], []
    for person_id in students[:5]:
        before, started = statements.count, time.perf_counter()
        approve_completion(db, owner, exchange_id, person_id)
        times.append(time.perf_counter() - started)
        counts.append(statements.count - before)
    started = time.perf_counter()
    answer = client.post(
        f"/exchanges/{exchange_id}/completion/approve", data={"person_id": students[5]}
    )
    post = time.perf_counter() - started
    assert answer.status_code == 303, answer.status_code
    return {
        "server_s": round(statistics.median(times), 3),
        "statements": statistics.median(counts),
        "post_s": round(post, 3),
    }


def measure_interactive(client: FlaskClient, pages: dict[str, str]) -> dict[str, float]:
    """Seconds from navigation until the main control holds a typed character.

    Chromium asks a fake origin; every request is answered by the signed-in test client, so
    the browser needs no cookie or server and the figure is the page's own weight.
    """
    from playwright.sync_api import Route, sync_playwright

    served = [0.0]

    def answer(route: Route) -> None:
        path = route.request.url.removeprefix(ORIGIN)
        started = time.perf_counter()
        reply = client.get(path)
        served[0] += time.perf_counter() - started
        route.fulfill(
            status=reply.status_code,
            body=reply.data,
            headers={"content-type": reply.headers.get("content-type", "text/html")},
        )

    times: dict[str, float] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        context.route(f"{ORIGIN}/**", answer)
        page = context.new_page()
        page.goto(ORIGIN + pages["registrar_console"])  # warm up: start-up is not the page's
        for name, url in pages.items():
            served[0] = 0.0
            started = time.perf_counter()
            page.goto(ORIGIN + url, wait_until="commit")
            control = page.locator(MAIN_CONTROL[name]).first
            control.focus(timeout=30000)
            if name == "matching_proposal":
                page.keyboard.type("7")
                assert control.input_value() == "7"
            else:
                assert page.evaluate("document.activeElement !== document.body")
            total = time.perf_counter() - started
            times[name] = round(total, 3)
            times[f"{name}_browser"] = round(total - served[0], 3)
        browser.close()
    return times


def run(students: int, browser: bool) -> tuple[dict[str, Any], dict[str, float]]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        upgrade(url)
        engine = make_engine(url)
        factory = make_session_factory(engine)
        with factory() as db:
            started = time.perf_counter()
            owner, pages = build(db, students)
            print(f"{students}: built in {time.perf_counter() - started:.1f}s", file=sys.stderr)
            settings = Settings(
                env="test", instance_path=Path(folder) / "instance", secret_key="x" * 40
            )
            app = create_app(settings, session_factory=lambda: db)
            client = app.test_client()
            sign_in(app, client, owner)
            statements = Statements(engine)
            figures: dict[str, Any] = measure_bytes(client, pages, statements)
            if browser:
                timed = measure_interactive(client, pages)
                for name in pages:
                    figures[name]["interactive_s"] = timed[name]
                    figures[name]["browser_s"] = timed[f"{name}_browser"]
            sign_off = measure_sign_off(db, client, owner, pages["completion"], statements)
        engine.dispose()
    return figures, sign_off


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5,000 students, bytes only")
    quick = parser.parse_args().quick
    result: dict[str, Any] = {}
    for students in (5000,) if quick else (1000, 5000):
        figures, sign_off = run(students, browser=not quick)
        print(f"{students}: {json.dumps(figures)} sign-off {sign_off}", file=sys.stderr)
        result[f"pages_{students}"] = figures
        result[f"largest_teacher_page_kb_{students}"] = max(f["kb"] for f in figures.values())
        result[f"completion_server_s_{students}"] = figures["completion"]["server_s"]
        result[f"completion_statements_{students}"] = figures["completion"]["statements"]
        result[f"sign_off_{students}"] = sign_off
        if not quick:
            result[f"slowest_interactive_s_{students}"] = max(
                f["interactive_s"] for f in figures.values()
            )
    print(json.dumps(result))


if __name__ == "__main__":
    main()
