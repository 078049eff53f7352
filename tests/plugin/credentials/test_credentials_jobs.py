"""Bulk issuing as a job: counts move batch by batch, a job run twice (or a batch redone
after a killed worker) issues each credential once, and a double submit finds one job."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plugin.actors import Actor, Role
from plugin.completion.service import approve_completion
from plugin.credentials.jobs import issue_batch, job_progress, start_bulk_issue, unfinished_jobs
from plugin.credentials.models import Credential, HeldIssuance, IssuingJob
from plugin.credentials.service import IssuerContext
from plugin.errors import InvalidInput, NotAllowed, NotFound
from plugin.people.models import Person
from plugin.registrars.service import add_registrar
from tests.plugin.completion.completion_world import (
    CompletionWorld,
    build_completion_world,
    make_ready,
)

CTX = IssuerContext("https://tandem.example", "s" * 40)
KEY = "form-key-0001"


@pytest.fixture
def cw(session: Session) -> CompletionWorld:
    return build_completion_world(session)


def _two_approved(session: Session, cw: CompletionWorld) -> tuple[Actor, int]:
    for student in (cw.rooms.alice, cw.rooms.chen):
        make_ready(session, cw, student)
        approve_completion(session, cw.rooms.teacher, cw.exchange_id, student.person_id)
    teacher = session.get(Person, cw.rooms.teacher.person_id)
    assert teacher is not None
    add_registrar(session, teacher.id, teacher.institution_id)
    return Actor(teacher.id, Role.TEACHER), teacher.institution_id


def _credentials(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Credential)) or 0


def test_job_issues_in_batches_and_a_second_run_issues_nothing(
    session: Session, cw: CompletionWorld
) -> None:
    registrar, institution_id = _two_approved(session, cw)
    job = start_bulk_issue(session, registrar, cw.exchange_id, institution_id, KEY)
    assert (job.total, job.done, job.failed) == (2, 0, 0)
    assert unfinished_jobs(session) == [job.id]

    assert issue_batch(session, CTX, job.id, size=1) is True
    view = job_progress(session, registrar, job.id)
    assert (view.done, view.percent, view.finished) == (1, 50, False)
    assert issue_batch(session, CTX, job.id, size=1) is True
    assert issue_batch(session, CTX, job.id, size=1) is False  # nothing after the cursor
    view = job_progress(session, registrar, job.id)
    assert (view.total, view.done, view.failed, view.finished) == (2, 2, 0, True)
    assert _credentials(session) == 2

    # Run again (a duplicate task): finished, nothing more is issued.
    assert issue_batch(session, CTX, job.id) is False
    assert _credentials(session) == 2
    assert unfinished_jobs(session) == []


def test_a_batch_lost_with_its_worker_is_redone_once(session: Session, cw: CompletionWorld) -> None:
    registrar, institution_id = _two_approved(session, cw)
    job = start_bulk_issue(session, registrar, cw.exchange_id, institution_id, KEY)
    job_id = job.id
    # A worker that dies before its commit: the batch's work is rolled back.
    session.commit = session.flush  # type: ignore[method-assign]
    issue_batch(session, CTX, job_id)
    del session.commit
    session.rollback()
    assert _credentials(session) == 0
    assert issue_batch(session, CTX, job_id) is False
    assert _credentials(session) == 2
    again = start_bulk_issue(session, registrar, cw.exchange_id, institution_id, "form-key-0002")
    assert again.id != job_id
    assert again.total == 0
    assert issue_batch(session, CTX, again.id) is False
    assert _credentials(session) == 2


def test_double_submit_finds_the_same_job_and_outsiders_are_refused(
    session: Session, cw: CompletionWorld
) -> None:
    registrar, institution_id = _two_approved(session, cw)
    first = start_bulk_issue(session, registrar, cw.exchange_id, institution_id, KEY)
    assert start_bulk_issue(session, registrar, cw.exchange_id, institution_id, KEY).id == first.id
    # A fresh form while the first job runs joins it instead of racing it.
    fresh = start_bulk_issue(session, registrar, cw.exchange_id, institution_id, "other-key-01")
    assert fresh.id == first.id
    assert session.scalar(select(func.count()).select_from(IssuingJob)) == 1
    with pytest.raises(InvalidInput):
        start_bulk_issue(session, registrar, cw.exchange_id, institution_id, "")
    with pytest.raises(NotFound):
        start_bulk_issue(session, registrar, 999_999, institution_id, KEY)
    with pytest.raises(NotAllowed):
        start_bulk_issue(session, cw.bologna_teacher, cw.exchange_id, institution_id, KEY)
    with pytest.raises(NotAllowed):
        job_progress(session, cw.bologna_teacher, first.id)
    with pytest.raises(NotFound):
        job_progress(session, registrar, 999_999)


def test_an_institution_without_country_holds_and_counts_failures(
    session: Session, cw: CompletionWorld
) -> None:
    registrar, institution_id = _two_approved(session, cw)
    person = session.get(Person, registrar.person_id)
    assert person is not None
    person.institution.country = None
    session.commit()
    job = start_bulk_issue(session, registrar, cw.exchange_id, institution_id, KEY)
    assert issue_batch(session, CTX, job.id) is False
    view = job_progress(session, registrar, job.id)
    assert (view.done, view.failed) == (0, 2)
    assert view.last_error is not None
    assert "no country" in view.last_error
    assert session.scalar(select(func.count()).select_from(HeldIssuance)) == 2
    assert _credentials(session) == 0
