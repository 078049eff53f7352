"""The commit rule: a public use case commits once at its end; helpers never commit; reads
never write.

Two checks keep it true. A static one reads plugin/ and lti/: a private function (``_name``)
must not call ``.commit()``, except the few listed below with their reason. A runtime one
counts ``Session.commit`` calls inside each public use case of a focused flow, so a use case
that calls another public one (which commits) or a helper that commits shows up as two.

Known exceptions, kept because changing them would change behaviour:
- ``my_progress`` is a page read that writes on purpose: it keeps the contribution weeks it
  finds as evidence (later room edits cannot erase them) and enrols the student's completion
  row. It commits once per call (checked below). The teacher's list (``students_for_teacher``)
  writes nothing: the worker's ``keep_evidence`` keeps its students' weeks.
- ``lti.grades.send_pending`` is a batch: it commits each row's outcome on its own (and
  ``ensure_lineitem`` commits a found or created column before the score is sent, so a
  failed send's rollback cannot forget a column the LMS already has).
- The private functions in ``PRIVATE_COMMITS``, each with its reason.

For a wider sweep, ``pytest -p tests.commit_probe tests/plugin`` counts commits in every
public use case the chosen tests call (see tests/commit_probe.py).
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import pytest
from sqlalchemy.orm import Session

from plugin.actors import Role
from plugin.completion.service import (
    approve_completion,
    keep_evidence,
    my_progress,
    override_completion,
    record_meeting,
    refresh_evidence,
    request_completion,
    students_for_teacher,
    submit_reflection,
)
from plugin.courses.service import CourseEntry, CourseRef, enter_course
from plugin.errors import Conflict
from plugin.exchanges.service import enter_exchange
from plugin.people.identity import AccountRef, PersonFacts
from plugin.people.service import create_institution
from plugin.roster.service import RosterMember, sync_roster
from tests.plugin.completion.completion_world import (
    REFLECTION,
    CompletionWorld,
    build_completion_world,
    make_ready,
)

ROOT = Path(__file__).resolve().parents[2]

# Private functions allowed to commit, each with why (file relative to the repo, name).
PRIVATE_COMMITS: dict[tuple[str, str], str] = {
    ("lti/grades.py", "_claim"): (
        "a grade sender leases its rows and commits the lease before any HTTP call, so two "
        "senders never send one row; it is one step of the send_pending batch, not a helper "
        "of a use case"
    ),
    ("lti/admin_access.py", "_issue"): (
        "the body shared by two public one-line wrappers (issue_admin_token and the invite "
        "variant); each public call commits exactly once through it"
    ),
    ("lti/admin_access.py", "_redeem"): (
        "as _issue: the shared body of the public redeem functions, one commit per call"
    ),
}


def _private_commits() -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    for folder in ("plugin", "lti"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                if not node.name.startswith("_") or node.name.startswith("__"):
                    continue
                if any(
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "commit"
                    for call in ast.walk(node)
                ):
                    found.add((path.relative_to(ROOT).as_posix(), node.name))
    return found


def test_private_helpers_never_commit() -> None:
    unexpected = _private_commits() - set(PRIVATE_COMMITS)
    assert not unexpected, f"helpers that commit (the public caller should): {sorted(unexpected)}"


def test_every_allowed_exception_still_exists() -> None:
    """A listed exception that was fixed must leave the list, so the list stays honest."""
    assert set(PRIVATE_COMMITS) <= _private_commits()


P = ParamSpec("P")
R = TypeVar("R")


class CommitCounter:
    """Counts Session.commit calls; ``once(fn)`` runs a use case and checks it committed
    at most ``allowed`` times."""

    def __init__(self) -> None:
        self.count = 0

    def once(self, fn: Callable[P, R], allowed: int = 1) -> Callable[P, R]:
        def run(*args: P.args, **kwargs: P.kwargs) -> R:
            before = self.count
            try:
                return fn(*args, **kwargs)
            finally:
                made = self.count - before
                assert made <= allowed, f"{fn.__name__} committed {made} times"

        return run

    def commits_of(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> int:
        before = self.count
        fn(*args, **kwargs)
        return self.count - before


@pytest.fixture
def commits(monkeypatch: pytest.MonkeyPatch) -> CommitCounter:
    counter = CommitCounter()
    original = Session.commit

    def counted(self: Session) -> None:
        counter.count += 1
        original(self)

    monkeypatch.setattr(Session, "commit", counted)
    return counter


@pytest.fixture
def cw(session: Session) -> CompletionWorld:
    return build_completion_world(session)


def test_completion_use_cases_commit_once(
    session: Session, cw: CompletionWorld, commits: CommitCounter
) -> None:
    alice, teacher = cw.rooms.alice, cw.rooms.teacher
    with pytest.raises(Conflict):
        commits.once(request_completion)(session, alice, cw.exchange_id)
    make_ready(session, cw, alice)
    commits.once(my_progress)(session, alice, cw.exchange_id)
    commits.once(submit_reflection)(session, alice, cw.exchange_id, REFLECTION)
    commits.once(record_meeting)(
        session, teacher, cw.exchange_id, [alice.person_id], date(2026, 3, 3)
    )
    commits.once(refresh_evidence)(session, teacher, cw.exchange_id)
    commits.once(request_completion)(session, alice, cw.exchange_id)
    commits.once(request_completion)(session, alice, cw.exchange_id)  # already requested
    commits.once(students_for_teacher, allowed=0)(session, teacher, cw.exchange_id)
    commits.once(keep_evidence)(session, cw.exchange_id)
    commits.once(approve_completion)(session, teacher, cw.exchange_id, alice.person_id)
    commits.once(override_completion)(
        session,
        cw.bologna_teacher,
        cw.exchange_id,
        cw.rooms.bruno.person_id,
        approve=False,
        reason="Did not take part in the project phase at all.",
    )


def test_entering_an_exchange_again_writes_nothing(
    session: Session, cw: CompletionWorld, commits: CommitCounter
) -> None:
    """The home page calls enter_exchange on every load; only the first one writes."""
    teacher = cw.rooms.teacher
    assert commits.commits_of(enter_exchange, session, teacher, None) == 1
    assert commits.commits_of(enter_exchange, session, teacher, None) == 0
    assert commits.commits_of(enter_exchange, session, teacher, str(cw.exchange_id)) == 0


def test_a_roster_sync_commits_once(session: Session, commits: CommitCounter) -> None:
    uni = create_institution(session, "Universiteit Utrecht", "NL")
    platform = "lti:https://lms.example"
    arrival = commits.once(enter_course)(
        session,
        CourseEntry(
            account=AccountRef(platform, "commit-rule-teacher"),
            institution_id=uni.id,
            person=PersonFacts(name="Teacher"),
            role=Role.TEACHER,
            course=CourseRef(f"{platform}|c|commit-rule", "commit-rule", title="T"),
        ),
    )
    assert arrival.course is not None
    roster = [
        RosterMember(
            account=AccountRef(platform, f"commit-rule-{n}"),
            person=PersonFacts(name=f"Student {n}"),
            role=Role.STUDENT,
        )
        for n in range(3)
    ]
    commits.once(sync_roster)(session, arrival.course.id, roster)
    commits.once(sync_roster)(session, arrival.course.id, roster[:1])
