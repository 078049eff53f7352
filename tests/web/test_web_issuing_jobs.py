"""The registrar's bulk issuing: the form records a job and the worker issues it; the same
form sent twice is one job; the progress page and its partial show the counts; the queued
task run twice issues each credential once."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.completion.service import approve_completion
from plugin.credentials.models import Credential, IssuingJob
from plugin.people.models import Person
from plugin.registrars.service import add_registrar
from tests.plugin.completion.completion_world import (
    CompletionWorld,
    build_completion_world,
    make_ready,
)
from web.tasks import Tasks


@pytest.fixture
def cw(session: Session) -> CompletionWorld:
    return build_completion_world(session)


def _sign_in(client: FlaskClient, actor: Actor) -> None:
    with client.session_transaction() as s:
        s.clear()
        s["person_id"] = actor.person_id
        s["role"] = actor.role.value
        s["course_id"] = actor.course_id


def _ready(session: Session, cw: CompletionWorld) -> None:
    for student in (cw.rooms.alice, cw.rooms.chen):
        make_ready(session, cw, student)
        approve_completion(session, cw.rooms.teacher, cw.exchange_id, student.person_id)
    teacher = session.get(Person, cw.rooms.teacher.person_id)
    assert teacher is not None
    add_registrar(session, teacher.id, teacher.institution_id)


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


def test_bulk_issue_form_twice_is_one_job_with_progress(
    client: FlaskClient, session: Session, cw: CompletionWorld
) -> None:
    _ready(session, cw)
    _sign_in(client, cw.rooms.teacher)
    console = client.get("/registrar")
    key = re.search(r'name="request_key" value="([^"]+)"', console.text)
    assert key is not None
    form = {"exchange_id": str(cw.exchange_id), "request_key": key.group(1)}
    first = client.post("/registrar/bulk-issue", data=form)
    second = client.post("/registrar/bulk-issue", data=form)
    assert first.status_code == second.status_code == 303
    assert first.location == second.location
    assert _count(session, IssuingJob) == 1
    assert _count(session, Credential) == 2  # the test queue is immediate
    page = client.get(first.location)
    assert page.status_code == 200
    assert 'role="status"' in page.text
    assert "2 of 2 issued" in page.text
    assert "data-poll" not in page.text  # finished: nothing to poll
    partial = client.get(first.location + "/progress")
    assert partial.status_code == 200
    assert "2 of 2 issued" in partial.text
    assert "<html" not in partial.text
    # Bad input is a clear error; another university's teacher sees nothing.
    assert client.post("/registrar/bulk-issue", data={"exchange_id": "x"}).status_code == 400
    missing_key = client.post("/registrar/bulk-issue", data={"exchange_id": str(cw.exchange_id)})
    assert missing_key.status_code == 400
    _sign_in(client, cw.bologna_teacher)
    assert client.get(first.location).status_code == 403


def test_the_issuing_task_run_twice_issues_once(
    app: Flask, client: FlaskClient, session: Session, cw: CompletionWorld
) -> None:
    _ready(session, cw)
    teacher = session.get(Person, cw.rooms.teacher.person_id)
    assert teacher is not None
    job = IssuingJob(
        institution_id=teacher.institution_id,
        exchange_id=cw.exchange_id,
        requested_by_id=teacher.id,
        request_key="worker-test-key",
        total=2,
    )
    session.add(job)
    session.commit()
    job_id = job.id
    tasks: Tasks = app.extensions["tandem.tasks"]
    with app.app_context():
        tasks.run_issuing_job(job_id)
        tasks.run_issuing_job(job_id)
    assert _count(session, Credential) == 2
    done = session.get(IssuingJob, job_id)
    assert done is not None
    assert (done.done, done.failed) == (2, 0)
    assert done.finished_at is not None
