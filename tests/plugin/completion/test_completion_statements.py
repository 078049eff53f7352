"""The teacher's completion list and a sign-off cost a bounded number of SQL statements.

bench/soak.py found the completion list the slowest teacher page (p50 6.5 s on PostgreSQL under
chat load): it read six statements per student shown and, on first sight, wrote completions and
ledger events, taking the ledger's lock beside teachers' sign-offs. Counted here on SQLite and
PostgreSQL (the ``session`` fixture), so a change that reads per student again, or writes on a
GET, fails before it shows up in bench/teacher_pages.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from plugin.completion.models import Completion, CompletionEvidence
from plugin.completion.rules import CONTRIBUTION
from plugin.completion.service import (
    approve_completion,
    exchanges_running,
    keep_evidence,
    my_progress,
    student_page,
    students_for_teacher,
)
from plugin.ledger.models import LedgerEvent
from plugin.ledger.service import check_chain
from tests.plugin.completion.completion_world import (
    CompletionWorld,
    build_completion_world,
    chat_in_weeks,
    make_ready,
)

# A page of the list: 14 statements today on both databases, whatever the number of students
# shown (before: 6 a student, 314 for a page of 50; 1,518 on their first sight).
MAX_PAGE_STATEMENTS = 14
# A sign-off of a student whose evidence is kept: 31 on SQLite, 33 on PostgreSQL (its ledger
# lock) today: the checks, the verdict's facts, two ledger events, the grade's course and the
# student's notice (33 and 35 before; one whose weeks are new writes them in one statement).
MAX_SIGN_OFF_STATEMENTS = 33
WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.fixture
def cw(session: Session) -> CompletionWorld:
    return build_completion_world(session)


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    """The statements run inside the block, savepoints left out (the test session's commits
    release savepoints, a real one commits)."""
    statements: list[str] = []

    def count(*args: object) -> None:
        statement = " ".join(str(args[2]).split())
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement[:100])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _rows(session: Session) -> tuple[int | None, ...]:
    return tuple(
        session.scalar(select(func.count()).select_from(model))
        for model in (Completion, CompletionEvidence, LedgerEvent)
    )


def test_the_teachers_list_reads_a_fixed_number_of_statements_and_writes_nothing(
    session: Session, engine: Engine, cw: CompletionWorld
) -> None:
    teacher, alice = cw.rooms.teacher, cw.rooms.alice.person_id
    chat_in_weeks(session, cw.rooms.room_id, alice, [6, 7, 9])
    before = _rows(session)
    with counted(engine) as one:
        total, rows = student_page(session, teacher, cw.exchange_id, 0, 1)
    with counted(engine) as every:
        all_rows = students_for_teacher(session, teacher, cw.exchange_id)
    assert (total, len(rows), len(all_rows)) == (2, 1, 2)
    assert len(every) == len(one) <= MAX_PAGE_STATEMENTS, "\n".join(every)
    assert not [s for s in every if s.startswith(WRITES)]
    assert _rows(session) == before  # no completion, evidence or ledger event made
    # The weeks the rooms show count already, as a decision would count them.
    shown = next(r for r in all_rows if r.person_id == alice)
    weeks = next(r for r in shown.verdict.requirements if r.key == CONTRIBUTION)
    assert weeks.have == 3
    assert shown.completion.id is None  # an unsaved row: in progress


def test_the_worker_keeps_what_the_list_counted(session: Session, cw: CompletionWorld) -> None:
    teacher, alice = cw.rooms.teacher, cw.rooms.alice.person_id
    chat_in_weeks(session, cw.rooms.room_id, alice, [6, 7, 9])
    shown = students_for_teacher(session, teacher, cw.exchange_id)
    assert keep_evidence(session, cw.exchange_id) == (3, None)
    assert keep_evidence(session, cw.exchange_id) == (0, None)  # idempotent
    kept = session.scalars(
        select(CompletionEvidence.key).where(CompletionEvidence.person_id == alice)
    ).all()
    assert sorted(kept) == ["2026-W06", "2026-W07", "2026-W09"]
    again = students_for_teacher(session, teacher, cw.exchange_id)
    assert [r.verdict for r in again] == [r.verdict for r in shown]
    assert check_chain(session).valid


def test_keeping_evidence_goes_in_batches(
    session: Session, cw: CompletionWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    import plugin.completion.service as service

    monkeypatch.setattr(service, "EVIDENCE_BATCH", 2)
    for student in (cw.rooms.alice, cw.rooms.bruno, cw.rooms.chen):
        chat_in_weeks(session, cw.rooms.room_id, student.person_id, [6])
    added, after = keep_evidence(session, cw.exchange_id)  # four members, two a batch
    calls = 1
    while after is not None:
        more, after = keep_evidence(session, cw.exchange_id, after)
        added, calls = added + more, calls + 1
    assert added == 3
    assert calls >= 2


def test_a_sign_off_costs_a_bounded_number_of_statements(
    session: Session, engine: Engine, cw: CompletionWorld
) -> None:
    make_ready(session, cw, cw.rooms.alice)
    my_progress(session, cw.rooms.alice, cw.exchange_id)  # the student's page kept her weeks
    with counted(engine) as statements:
        decision = approve_completion(
            session, cw.rooms.teacher, cw.exchange_id, cw.rooms.alice.person_id
        )
    assert decision.grade is not None
    print(f"{len(statements)} statements:\n" + "\n".join(statements))
    assert len(statements) <= MAX_SIGN_OFF_STATEMENTS, "\n".join(statements)
    assert check_chain(session).valid


def test_the_worker_keeps_evidence_of_running_exchanges_only(
    session: Session, cw: CompletionWorld
) -> None:
    assert cw.exchange_id in exchanges_running(session, date(2026, 3, 1))
    assert cw.exchange_id in exchanges_running(session, date(2026, 5, 7))  # a week to settle
    assert cw.exchange_id not in exchanges_running(session, date(2026, 5, 8))
    assert cw.exchange_id not in exchanges_running(session, date(2026, 2, 1))
