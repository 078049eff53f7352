"""The task queue: a launch only asks for a roster read, and `tandem worker` (a real process)
delivers a queued score to the LMS's gradebook and stops cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import requests
from sqlalchemy import select, update

from demo.platforms import DemoUser
from lti.grades import queue_score
from lti.models import GradeOutbox
from lti.roster import sync_course_roster
from plugin.courses.models import Course
from plugin.db import utcnow
from plugin.people.models import ExternalAccount
from tests.exchange_flow import launch_as
from tests.live import LiveStack
from web.app import create_app
from web.config import Settings
from web.tasks import Tasks

ROOT = Path(__file__).resolve().parents[2]


def _queued_app(stack: LiveStack) -> tuple[Settings, Tasks]:
    """An app on the stack's database whose queue is real (a SQLite file), not immediate."""
    settings: Settings = stack.tandem.config["TANDEM_SETTINGS"]
    queued = replace(
        settings,
        env="development",
        database_url=stack.engine.url.render_as_string(hide_password=False),
    )
    app = create_app(queued, key_cache=stack.key_cache)
    tasks: Tasks = app.extensions["tandem.tasks"]
    tasks.huey.flush()
    return queued, tasks


def _course_and_people(stack: LiveStack, slug: str) -> tuple[int, dict[str, int]]:
    platform = stack.platform(slug)
    with stack.session_factory() as db:
        course_id = db.scalar(
            select(Course.id).where(Course.external_id == platform.course.context_id)
        )
        assert course_id is not None
        people = dict(
            db.execute(
                select(ExternalAccount.subject, ExternalAccount.person_id).where(
                    ExternalAccount.namespace == f"lti:{platform.issuer}"
                )
            ).all()
        )
    return course_id, people


def test_the_worker_process_delivers_a_queued_score_and_stops_cleanly(
    live_stack: LiveStack,
) -> None:
    platform = live_stack.platform("leiden")
    launch_as(live_stack, "leiden", platform.teacher.user_id)
    student = platform.students[0]
    launch_as(live_stack, "leiden", student.user_id)
    course_id, people = _course_and_people(live_stack, "leiden")
    settings, tasks = _queued_app(live_stack)
    with live_stack.session_factory() as db:
        row = queue_score(db, course_id, people[student.user_id], score_given=90)
        outbox_id = row.id
    tasks.send_grades()
    assert tasks.huey.pending_count() == 1  # queued, not run by the caller

    env = {
        **os.environ,
        "TANDEM_ENV": "development",
        "TANDEM_DATABASE_URL": settings.database_url or "",
        "TANDEM_INSTANCE_PATH": str(settings.instance_path),
        "TANDEM_SECRET_KEY": "s" * 40,
        "TANDEM_BASE_URL": live_stack.tandem_url,
    }
    env.pop("TANDEM_REDIS_URL", None)
    worker = subprocess.Popen(
        [sys.executable, "-c", "from web.cli import main; main()", "worker", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        delivered_at = None
        deadline = time.monotonic() + 30
        while delivered_at is None and time.monotonic() < deadline:
            time.sleep(0.2)
            with live_stack.session_factory() as db:
                delivered_at = db.scalar(
                    select(GradeOutbox.delivered_at).where(GradeOutbox.id == outbox_id)
                )
        assert delivered_at is not None, "the worker did not deliver the score in 30 s"
        assert any(student.user_id in item.scores for item in platform.services.lineitems.values())
    finally:
        worker.send_signal(signal.SIGTERM)
        output, _ = worker.communicate(timeout=30)
    assert worker.returncode == 0, output.decode()
    assert b"Traceback" not in output, output.decode()


def test_a_launch_asks_the_queue_for_the_roster_instead_of_reading_it(
    live_stack: LiveStack,
) -> None:
    """The launch request never waits on the LMS's roster: it leaves a task behind."""
    platform = live_stack.platform("bologna")
    _settings, tasks = _queued_app(live_stack)
    calls: list[str] = []
    original = requests.Session.request

    def counting(self: requests.Session, method: str, url: str, **kw: object) -> object:
        calls.append(url)
        return original(self, method, url, **kw)  # type: ignore[arg-type]

    immediate = live_stack.tandem.extensions["tandem.lti"]
    live_stack.tandem.extensions["tandem.lti"] = replace(  # the stack's app enqueues for real
        immediate, schedule_roster=tasks.sync_roster
    )
    requests.Session.request = counting  # type: ignore[assignment,method-assign]
    try:
        launch_as(live_stack, "bologna", platform.teacher.user_id)
        # No worker runs: the roster stays stale, yet launches do not pile up more requests.
        launch_as(live_stack, "bologna", platform.teacher.user_id)
        launch_as(live_stack, "bologna", platform.students[0].user_id)
    finally:
        requests.Session.request = original  # type: ignore[method-assign]
        live_stack.tandem.extensions["tandem.lti"] = immediate
    assert not [url for url in calls if "memberships" in url]
    assert tasks.huey.pending_count() == 1


def _start_worker(settings: Settings, stack: LiveStack) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "TANDEM_ENV": "development",
        "TANDEM_DATABASE_URL": settings.database_url or "",
        "TANDEM_INSTANCE_PATH": str(settings.instance_path),
        "TANDEM_SECRET_KEY": "s" * 40,
        "TANDEM_BASE_URL": stack.tandem_url,
    }
    env.pop("TANDEM_REDIS_URL", None)
    return subprocess.Popen(
        [sys.executable, "-c", "from web.cli import main; main()", "worker", "--workers", "1"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _wait_for_leased(stack: LiveStack, before: int, total: int) -> list[int]:
    """Wait until everything not leased to the killed worker went out; the leased rows' ids."""
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        time.sleep(0.3)
        with stack.session_factory() as db:
            waiting = db.execute(
                select(GradeOutbox.id, GradeOutbox.leased_until).where(
                    GradeOutbox.delivered_at.is_(None)
                )
            ).all()
        if (
            all(lease is not None and lease > utcnow() for _id, lease in waiting)
            and _delivered(stack) - before + len(waiting) == total
        ):
            return [row_id for row_id, _due in waiting]
    raise AssertionError("the new worker did not send the rows it could claim")


def _delivered(stack: LiveStack) -> int:
    with stack.session_factory() as db:
        return len(
            db.scalars(select(GradeOutbox.id).where(GradeOutbox.delivered_at.is_not(None))).all()
        )


def test_a_worker_killed_while_sending_loses_no_score_and_changes_none_twice(
    live_stack: LiveStack,
) -> None:
    """SIGKILL in the middle of a batch of scores, then a new worker: every score reaches the
    gradebook, and a score sent again carries its first timestamp, so the LMS keeps one."""
    platform = live_stack.platform("bologna")
    launch_as(live_stack, "bologna", platform.teacher.user_id)
    course_id, _people = _course_and_people(live_stack, "bologna")
    students = [
        DemoUser(f"killed-{n}", "Student", f"K{n}", f"k{n}@bologna.example", "student", "IT")
        for n in range(60)
    ]
    platform.users.extend(students)
    client = live_stack.tandem.extensions["tandem.lti"].client()
    with live_stack.session_factory() as db:
        sync_course_roster(db, client, course_id)
    _course_id, people = _course_and_people(live_stack, "bologna")
    settings, tasks = _queued_app(live_stack)
    with live_stack.session_factory() as db:
        for student in students:
            queue_score(db, course_id, people[student.user_id], score_given=80)
    before = _delivered(live_stack)
    tasks.send_grades()
    worker = _start_worker(settings, live_stack)
    try:
        deadline = time.monotonic() + 60
        while _delivered(live_stack) - before < 10 and time.monotonic() < deadline:
            time.sleep(0.02)
        worker.kill()  # mid-batch: the task is gone from the queue, its rows are not
        worker.wait(timeout=10)
        killed_at = _delivered(live_stack) - before
        assert 0 < killed_at < len(students), killed_at
        worker = _start_worker(settings, live_stack)
        tasks.send_grades()  # the next completion decided, or the periodic retry, asks again
        leased = _wait_for_leased(live_stack, before, len(students))
        assert leased, "the killed worker's claimed rows should wait for their lease"
        with live_stack.session_factory() as db:  # two minutes pass: the lease ends
            db.execute(
                update(GradeOutbox)
                .where(GradeOutbox.id.in_(leased))
                .values(leased_until=utcnow() - timedelta(seconds=1))
            )
            db.commit()
        tasks.send_grades()
        deadline = time.monotonic() + 90
        while _delivered(live_stack) - before < len(students) and time.monotonic() < deadline:
            time.sleep(0.2)
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
    assert _delivered(live_stack) - before == len(students)
    posts = [
        post
        for item in platform.services.lineitems.values()
        for post in item.received
        if post["userId"].startswith("killed-")
    ]
    effects = {(post["userId"], post["timestamp"]) for post in posts}
    assert {user for user, _ in effects} == {s.user_id for s in students}
    assert len(effects) == len(students)  # one timestamp per student: one grade change each
