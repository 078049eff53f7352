"""A returning student's complete launch costs a bounded number of SQL statements.

The launch is the request every student makes each time they open Tandem, so its statements
are counted end to end (OIDC login, launch, landing page) on each database: a change that adds
a query per launch fails here before it shows up as a slower bench/launch.py.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import event

from tests.live import Launcher, LiveStack

# A returning student's complete launch costs 13 today on SQLite and PostgreSQL alike (22 before
# the registration cache, the throttled purge, the cookie-first state check and the one-statement
# membership upsert; 15 before the launch answered with the landing page itself): login 1 (its
# nonce row), launch 8 (state read, used nonce, institution, account, person's last_seen_at,
# course, membership, service URLs) and its landing 4 (seat, registrar, bell, time zone).
MAX_STATEMENTS = 13
# And two commits: the login's and the launch's (the used nonce rides in enter_course's).
MAX_COMMITS = 2


def _counted_launch(launcher: Launcher, stack: LiveStack, user_id: str) -> list[str]:
    """The launch's statements, with a "COMMIT" entry for each commit."""
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(" ".join(str(args[2]).split())[:120])

    def commit(*_args: object) -> None:
        statements.append("COMMIT")

    event.listen(stack.engine, "before_cursor_execute", count)
    event.listen(stack.engine, "commit", commit)
    try:
        page = launcher.full_launch("leiden", user_id)
    finally:
        event.remove(stack.engine, "before_cursor_execute", count)
        event.remove(stack.engine, "commit", commit)
    assert page.status_code == 200, page.text
    assert page.url == f"{stack.tandem_url}/lti/launch"  # the landing, with no redirect
    return statements


def test_a_returning_students_launch_costs_few_statements(
    launcher: Launcher, live_stack: LiveStack
) -> None:
    platform = live_stack.platform("leiden")
    launcher.full_launch("leiden", platform.teacher.user_id)  # the course and its roster
    student = platform.students[0]
    _counted_launch(launcher, live_stack, student.user_id)  # first arrival: creates rows
    counted = _counted_launch(launcher, live_stack, student.user_id)
    summary = "\n".join(f"{n} x {s}" for s, n in Counter(counted).most_common())
    statements = [s for s in counted if s != "COMMIT"]
    print(f"{len(statements)} statements:\n{summary}")
    assert len(statements) <= MAX_STATEMENTS, summary
    assert counted.count("COMMIT") <= MAX_COMMITS, summary
