"""Background LMS work and email, end to end on this machine: one JSON line last.

- roster: a 5,000-member course read over NRPS from the demo platform (pages of 100, real HTTP,
  OAuth2 client-credentials token) and reconciled into Tandem's database, as the worker does;
- scores: 1,000 queued scores delivered through the task queue by a huey consumer to the demo
  platform's AGS endpoint;
- emails: 10,000 notification emails rendered (recipient's language, text and HTML) and sent
  to a local SMTP server process (aiosmtpd, discarding what it receives).

Targets (issue 17): roster >= 2,000 members/s, scores >= 100/s, emails >= 500/s.

    python bench/lti_services.py [--quick] [--members N] [--scores N] [--emails N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import String, cast, func, select, update  # noqa: E402

from demo.platforms import DemoUser  # noqa: E402
from lti.grades import queue_score  # noqa: E402
from lti.models import GradeOutbox  # noqa: E402
from lti.roster import sync_course_roster  # noqa: E402
from plugin.courses.models import Course, CourseMembership  # noqa: E402
from plugin.notifications.service import notify  # noqa: E402
from plugin.people.models import Person  # noqa: E402
from tests.exchange_flow import launch_as  # noqa: E402
from tests.live import free_port, start_stack  # noqa: E402
from web.app import create_app  # noqa: E402
from web.config import Settings  # noqa: E402
from web.mail import send_pending as send_emails  # noqa: E402
from web.tasks import Tasks  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="the default sizes, under a minute")
    parser.add_argument("--members", type=int, default=5000)
    parser.add_argument("--scores", type=int, default=1000)
    parser.add_argument("--emails", type=int, default=10000)
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        figures = run(Path(tmp), args.members, args.scores, args.emails)
    figures["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(figures))


def run(tmp: Path, members: int, scores: int, emails: int) -> dict[str, object]:
    database_url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    stack, servers = start_stack(database_url, tmp)
    try:
        platform = stack.platform("leiden")
        launch_as(stack, "leiden", platform.teacher.user_id)  # the course and its endpoints
        platform.users.extend(
            DemoUser(f"bench-{i}", "Student", f"Number{i}", f"s{i}@leiden.example", "student", "NL")
            for i in range(members)
        )
        with stack.session_factory() as db:
            course_id = db.scalar(
                select(Course.id).where(Course.external_id == platform.course.context_id)
            )
            assert course_id is not None
        client = stack.tandem.extensions["tandem.lti"].client()

        # Roster: read and reconciled, as the worker's task does.
        with stack.session_factory() as db:
            t0 = time.perf_counter()
            result = sync_course_roster(db, client, course_id)
            roster_s = time.perf_counter() - t0
            people = list(
                db.scalars(
                    select(CourseMembership.person_id).where(
                        CourseMembership.course_id == course_id
                    )
                )
            )

        # Scores: queued, then delivered by a huey consumer (threads) through the queue.
        settings: Settings = stack.tandem.config["TANDEM_SETTINGS"]
        queued_app = create_app(
            replace(settings, env="development", database_url=database_url),
            key_cache=stack.key_cache,
        )
        tasks: Tasks = queued_app.extensions["tandem.tasks"]
        tasks.huey.flush()
        students = [p for p in people if p != 0][1 : scores + 1]
        with stack.session_factory() as db:
            for person_id in students:
                queue_score(db, course_id, person_id, score_given=75)
        consumer = tasks.huey.create_consumer(workers=1, periodic=False)
        consumer.start()
        t0 = time.perf_counter()
        tasks.send_grades()
        delivered = 0
        while delivered < len(students) and time.perf_counter() - t0 < 300:
            time.sleep(0.05)
            with stack.session_factory() as db:
                delivered = (
                    db.scalar(
                        select(func.count(GradeOutbox.id)).where(
                            GradeOutbox.delivered_at.is_not(None)
                        )
                    )
                    or 0
                )
        scores_s = time.perf_counter() - t0
        consumer.stop(graceful=True)

        # Emails: notifications for people with addresses, rendered and sent over SMTP.
        per_kind = max(1, emails // 2)
        with stack.session_factory() as db:
            # Rosters keep names only; addresses come from launches, which the bench skips.
            recipients = people[:per_kind]
            db.execute(
                update(Person)
                .where(Person.id.in_(recipients))
                .values(email="student-" + cast(Person.id, String) + "@leiden.example")
            )
            for kind, key in (("credential_issued", "c"), ("completion_approved", "a")):
                notify(
                    db, recipients, kind, {"exchange": "Rivers & Deltas"}, dedupe_key=f"bench:{key}"
                )
            db.commit()
        smtp_port = free_port()
        smtp = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{smtp_port}",
                "-c",
                "aiosmtpd.handlers.Sink",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(1.0)
            mail_app = create_app(
                replace(settings, smtp_host="127.0.0.1", smtp_port=smtp_port),
                session_factory=stack.session_factory,
            )
            sent = failed = 0
            t0 = time.perf_counter()
            with mail_app.app_context():
                while True:
                    batch_sent, batch_failed = send_emails(limit=1000)
                    sent, failed = sent + batch_sent, failed + batch_failed
                    if not batch_sent and not batch_failed:
                        break
            emails_s = time.perf_counter() - t0
        finally:
            smtp.terminate()
            smtp.wait(timeout=10)
    finally:
        for server in servers:
            server.stop()
        stack.engine.dispose()

    return {
        "roster_members": result.added + result.updated,
        "roster_seconds": round(roster_s, 2),
        "roster_members_per_s": round((result.added + result.updated) / roster_s, 1),
        "scores": delivered,
        "scores_seconds": round(scores_s, 2),
        "scores_per_s": round(delivered / scores_s, 1),
        "emails": sent,
        "emails_failed": failed,
        "emails_seconds": round(emails_s, 2),
        "emails_per_s": round(sent / emails_s, 1) if emails_s else None,
    }


if __name__ == "__main__":
    main()
