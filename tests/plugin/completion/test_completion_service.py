"""Completion use cases against a real session: evidence, progress, sign-off, overrides."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.completion.models import CompletionEvidence, CompletionStatus
from plugin.completion.rules import CONTRIBUTION, MEETINGS, REFLECTION, SIGN_OFF, TASKS
from plugin.completion.service import (
    approve_completion,
    my_progress,
    override_completion,
    record_meeting,
    refresh_evidence,
    request_completion,
    set_rule,
    students_for_teacher,
    submit_reflection,
)
from plugin.errors import Conflict, InvalidInput, NotAllowed, NotFound
from plugin.ledger.models import LedgerEvent
from plugin.ledger.service import check_chain, events_about
from plugin.notes.models import Note
from tests.plugin.completion.completion_world import (
    CompletionWorld,
    build_completion_world,
    chat_in_weeks,
    make_ready,
)


@pytest.fixture
def cw(session: Session) -> CompletionWorld:
    return build_completion_world(session)


def _kinds(session: Session, person_id: int) -> list[str]:
    return [e.kind for e in events_about(session, person_id)]


def test_a_new_student_sees_everything_missing_under_the_default_rule(
    session: Session, cw: CompletionWorld
) -> None:
    progress = my_progress(session, cw.rooms.alice, cw.exchange_id)
    assert progress.rule.version == 1
    assert progress.rule.required_phases == ("icebreaker", "project")
    keys = [(r.key, r.phase) for r in progress.verdict.missing]
    assert keys == [
        (MEETINGS, None),
        (CONTRIBUTION, None),
        (TASKS, "icebreaker"),
        (TASKS, "project"),
        (REFLECTION, None),
        (SIGN_OFF, None),
    ]
    assert progress.completion.status is CompletionStatus.IN_PROGRESS
    assert _kinds(session, cw.rooms.alice.person_id) == ["enrolled"]


def test_contribution_weeks_come_from_chat_notes_and_tasks_and_survive_edits(
    session: Session, cw: CompletionWorld
) -> None:
    alice = cw.rooms.alice.person_id
    chat_in_weeks(session, cw.rooms.room_id, alice, [6, 6, 7])
    session.add(
        Note(
            room_id=cw.rooms.room_id,
            text="plan",
            version=1,
            updated_by_id=alice,
            updated_at=datetime(2026, 3, 4, tzinfo=UTC),
        )
    )
    session.commit()
    assert refresh_evidence(session, cw.rooms.teacher, cw.exchange_id) == 3
    assert refresh_evidence(session, cw.rooms.teacher, cw.exchange_id) == 0  # idempotent
    note = session.scalar(select(Note).where(Note.room_id == cw.rooms.room_id))
    assert note is not None
    note.updated_by_id = cw.rooms.bruno.person_id  # someone else saves the note later
    session.commit()
    weeks = session.scalars(
        select(CompletionEvidence.key).where(CompletionEvidence.person_id == alice)
    ).all()
    assert sorted(weeks) == ["2026-W06", "2026-W07", "2026-W10"]
    contribution = next(
        r
        for r in my_progress(session, cw.rooms.alice, cw.exchange_id).verdict.requirements
        if r.key == CONTRIBUTION
    )
    assert (contribution.have, contribution.need) == (3, 4)


def test_only_exchange_teachers_record_meetings_and_only_for_team_members(
    session: Session, cw: CompletionWorld
) -> None:
    with pytest.raises(NotAllowed):
        record_meeting(
            session, cw.rooms.stranger, cw.exchange_id, [cw.rooms.alice.person_id], date(2026, 2, 3)
        )
    with pytest.raises(NotAllowed):
        record_meeting(
            session, cw.rooms.alice, cw.exchange_id, [cw.rooms.alice.person_id], date(2026, 2, 3)
        )
    added = record_meeting(
        session,
        cw.bologna_teacher,
        cw.exchange_id,
        [cw.rooms.alice.person_id, cw.rooms.alice.person_id, cw.rooms.bruno.person_id],
        date(2026, 2, 3),
    )
    assert added == 2


def test_request_and_approve_by_own_teacher_queues_a_grade_and_logs_every_step(
    session: Session, cw: CompletionWorld
) -> None:
    alice = cw.rooms.alice
    with pytest.raises(Conflict):
        request_completion(session, alice, cw.exchange_id)
    make_ready(session, cw, alice)
    progress = request_completion(session, alice, cw.exchange_id)
    assert progress.completion.status is CompletionStatus.REQUESTED
    with pytest.raises(NotAllowed):  # a partner institution's teacher
        approve_completion(session, cw.bologna_teacher, cw.exchange_id, alice.person_id)
    decision = approve_completion(session, cw.rooms.teacher, cw.exchange_id, alice.person_id)
    assert decision.completion.status is CompletionStatus.APPROVED
    assert decision.completion.approved_by_id == cw.rooms.teacher.person_id
    assert decision.completion.rule_version == 2
    assert decision.grade is not None
    assert (decision.grade.course_id, decision.grade.score_given) == (cw.leiden_course, 100.0)
    assert my_progress(session, alice, cw.exchange_id).verdict.complete
    with pytest.raises(Conflict):
        approve_completion(session, cw.rooms.teacher, cw.exchange_id, alice.person_id)
    kinds = _kinds(session, alice.person_id)
    assert kinds[0] == "enrolled"
    assert kinds[-3:] == ["completion_requested", "rule_evaluated", "completion_decided"]
    assert check_chain(session).valid


def test_approval_is_refused_while_something_is_missing(
    session: Session, cw: CompletionWorld
) -> None:
    with pytest.raises(Conflict):
        approve_completion(session, cw.rooms.teacher, cw.exchange_id, cw.rooms.alice.person_id)


def test_override_needs_a_reason_and_keeps_it_apart_from_the_chain(
    session: Session, cw: CompletionWorld
) -> None:
    bruno = cw.rooms.bruno.person_id
    with pytest.raises(InvalidInput):
        override_completion(
            session, cw.bologna_teacher, cw.exchange_id, bruno, approve=True, reason="ok"
        )
    decision = override_completion(
        session,
        cw.bologna_teacher,
        cw.exchange_id,
        bruno,
        approve=True,
        reason="Missed two meetings while in hospital; made up with extra work.",
    )
    assert decision.completion.status is CompletionStatus.APPROVED
    assert decision.completion.overridden
    assert decision.grade is not None
    assert decision.grade.course_id == cw.bologna_course
    last = events_about(session, bruno)[-1]
    assert last.kind == "completion_overridden"
    assert last.private == {
        "reason": "Missed two meetings while in hospital; made up with extra work."
    }
    stored = session.scalar(select(LedgerEvent).where(LedgerEvent.hash == last.hash))
    assert stored is not None
    assert "hospital" not in str(stored.payload)
    declined = override_completion(
        session,
        cw.bologna_teacher,
        cw.exchange_id,
        bruno,
        approve=False,
        reason="The approval above was recorded for the wrong student.",
    )
    assert declined.completion.status is CompletionStatus.DECLINED
    assert declined.grade is None


def test_teacher_sees_only_own_institution_students(session: Session, cw: CompletionWorld) -> None:
    rows = students_for_teacher(session, cw.rooms.teacher, cw.exchange_id)
    assert {r.person_id for r in rows} == {cw.rooms.alice.person_id, cw.rooms.chen.person_id}
    rows = students_for_teacher(session, cw.bologna_teacher, cw.exchange_id)
    assert {r.person_id for r in rows} == {cw.rooms.bruno.person_id, cw.rooms.dora.person_id}


def test_rule_versions_and_validation(session: Session, cw: CompletionWorld) -> None:
    with pytest.raises(InvalidInput):
        set_rule(
            session,
            cw.rooms.teacher,
            cw.exchange_id,
            min_meetings=1,
            min_contribution_weeks=1,
            required_phases=("nope",),
            reflection_required=False,
        )
    with pytest.raises(NotAllowed):
        set_rule(
            session,
            cw.rooms.alice,
            cw.exchange_id,
            min_meetings=1,
            min_contribution_weeks=1,
            required_phases=(),
            reflection_required=False,
        )
    first = set_rule(
        session,
        cw.rooms.teacher,
        cw.exchange_id,
        min_meetings=1,
        min_contribution_weeks=1,
        required_phases=(),
        reflection_required=False,
    )
    second = set_rule(
        session,
        cw.rooms.teacher,
        cw.exchange_id,
        min_meetings=0,
        min_contribution_weeks=0,
        required_phases=(),
        reflection_required=False,
    )
    assert (first.version, second.version) == (2, 3)
    assert my_progress(session, cw.rooms.alice, cw.exchange_id).verdict.ready_for_sign_off


def test_reflection_bounds_and_outsiders(session: Session, cw: CompletionWorld) -> None:
    with pytest.raises(InvalidInput):
        submit_reflection(session, cw.rooms.alice, cw.exchange_id, "too short")
    with pytest.raises(NotFound):
        submit_reflection(session, cw.rooms.teacher, cw.exchange_id, "x" * 40)
    with pytest.raises(NotFound):
        my_progress(session, cw.rooms.alice, 999_999)
