"""Opt-in pytest plugin: count commits inside every public use case a test run calls.

    .venv/bin/python -m pytest -p tests.commit_probe tests/plugin

Every public function of plugin/ and lti/ that takes a ``session`` is wrapped (in every
module that holds it, before test modules import it) and the most commits one call made is
kept, per thread. The run fails when a use case committed more than once, unless listed in
``MANY_COMMITS`` with its reason. ``tests/plugin/test_commit_rule.py`` is the always-on check;
this probe covers whatever the chosen tests exercise (on the day it was added: all of
tests/plugin, every public use case at most one commit except ``post_messages``).
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import sys
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

MANY_COMMITS = {
    "plugin.chat.service.post_messages": (
        "a group commit of independent chat lines; when one line's client id was already "
        "stored, the batch is redone one line (one transaction) at a time"
    ),
    "lti.grades.send_pending": "a batch: each score's lease and outcome is committed alone",
}

_local = threading.local()
_worst: dict[str, int] = {}


def _commits() -> int:
    return int(getattr(_local, "commits", 0))


def _counting(fn: Callable[..., Any]) -> Callable[..., Any]:
    key = f"{fn.__module__}.{fn.__qualname__}"

    @functools.wraps(fn)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        before = _commits()
        try:
            return fn(*args, **kwargs)
        finally:
            _worst[key] = max(_worst.get(key, 0), _commits() - before)

    return wrapped


def _use_cases() -> dict[Callable[..., Any], Callable[..., Any]]:
    for package_name in ("plugin", "lti"):
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            importlib.import_module(info.name)
    found: dict[Callable[..., Any], Callable[..., Any]] = {}
    for name, module in list(sys.modules.items()):
        if not name.startswith(("plugin.", "lti.")):
            continue
        for attr, value in vars(module).items():
            if (
                inspect.isfunction(value)
                and not attr.startswith("_")
                and value.__module__ == name
                and "session" in inspect.signature(value).parameters
            ):
                found[value] = _counting(value)
    return found


def pytest_configure(config: pytest.Config) -> None:
    original = Session.commit

    def commit(self: Session) -> None:
        _local.commits = _commits() + 1
        original(self)

    Session.commit = commit  # type: ignore[method-assign]
    wrapped = _use_cases()
    for name, module in list(sys.modules.items()):
        if not name.startswith(("plugin", "lti", "web", "realtime", "tests")):
            continue
        for attr, value in list(vars(module).items()):
            if inspect.isfunction(value) and value in wrapped:
                setattr(module, attr, wrapped[value])


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    broken = {k: n for k, n in _worst.items() if n > 1 and k not in MANY_COMMITS}
    if broken:
        print(f"\nuse cases that committed more than once: {broken}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
