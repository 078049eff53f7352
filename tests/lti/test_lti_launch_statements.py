"""A returning student's complete launch costs a bounded number of SQL statements.

The launch is the request every student makes each time they open Tandem, so its statements
are counted end to end (OIDC login, launch, landing page) on each database: a change that adds
a query per launch fails here before it shows up as a slower bench/launch.py.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import event

from tests.live import Launcher, LiveStack

# A returning student's complete launch costs 15 today on SQLite and PostgreSQL alike (22 before
# the registration cache, the throttled purge, the cookie-first state check and the one-statement
# membership upsert): login 1 (its nonce row), launch 8, landing page 6.
MAX_STATEMENTS = 15


def _counted_launch(launcher: Launcher, stack: LiveStack, user_id: str) -> list[str]:
    statements: list[str] = []

    def count(*args: object) -> None:
        statements.append(" ".join(str(args[2]).split())[:120])

    event.listen(stack.engine, "before_cursor_execute", count)
    try:
        page = launcher.full_launch("leiden", user_id)
    finally:
        event.remove(stack.engine, "before_cursor_execute", count)
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
    statements = _counted_launch(launcher, live_stack, student.user_id)
    summary = "\n".join(f"{n} x {s}" for s, n in Counter(statements).most_common())
    print(f"{len(statements)} statements:\n{summary}")
    assert len(statements) <= MAX_STATEMENTS, summary
