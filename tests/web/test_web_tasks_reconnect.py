"""A task that loses its database connection (PostgreSQL restarted, backends terminated) runs
once more on a fresh one instead of being lost until the periodic run; other errors are not
retried."""

from __future__ import annotations

from unittest import mock

from flask import Flask
from sqlalchemy.exc import DBAPIError

from web.tasks import Tasks


def _connection_lost() -> DBAPIError:
    return DBAPIError(
        "SELECT 1", {}, Exception("terminating connection"), connection_invalidated=True
    )


def test_a_task_whose_connection_was_cut_runs_again(app: Flask) -> None:
    tasks: Tasks = app.extensions["tandem.tasks"]
    calls: list[int] = []

    def send() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise _connection_lost()

    with mock.patch("web.tasks._send_grades", send):
        tasks.send_grades()  # immediate queue in tests: runs here, outside any app context
    assert len(calls) == 2


def test_other_errors_are_not_run_again(app: Flask) -> None:
    tasks: Tasks = app.extensions["tandem.tasks"]
    calls: list[int] = []

    def send() -> None:
        calls.append(1)
        raise DBAPIError("SELECT 1", {}, Exception("syntax error"), connection_invalidated=False)

    with mock.patch("web.tasks._send_grades", send):
        tasks.send_grades()
    assert len(calls) == 1
