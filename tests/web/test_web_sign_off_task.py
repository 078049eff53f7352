"""A teacher's sign-off never signs inside the request: the request records the pending
issuance and enqueues a task; the task issues it once (a second run issues nothing); a task
lost with a killed worker is redone by the periodic retry of held credentials."""

from __future__ import annotations

import dataclasses

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plugin.credentials.holds import retry_held
from plugin.credentials.models import Credential, HeldIssuance
from tests.plugin.completion.completion_world import build_completion_world, make_ready
from tests.web.test_web_credentials_flow import _sign_in
from web.pages.credentials import issuer_context
from web.tasks import Tasks


def _credentials(session: Session, person_id: int) -> int:
    session.expire_all()
    query = select(func.count()).select_from(Credential).where(Credential.person_id == person_id)
    return session.scalar(query) or 0


def _held_back_queue(app: Flask) -> tuple[Tasks, list[int]]:
    """The app's queue with the sign-off's task recorded instead of run (a worker not yet
    there); returns the real queue (immediate in tests) and the recorded completion ids."""
    real: Tasks = app.extensions["tandem.tasks"]
    asked: list[int] = []
    app.extensions["tandem.tasks"] = dataclasses.replace(real, issue_credential=asked.append)
    return real, asked


def test_the_sign_off_only_records_and_the_task_issues_once(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    cw = build_completion_world(session)
    alice = cw.rooms.alice
    make_ready(session, cw, alice)
    real, asked = _held_back_queue(app)
    _sign_in(client, cw.rooms.teacher)
    done = client.post(
        f"/exchanges/{cw.exchange_id}/completion/approve",
        data={"person_id": alice.person_id},
        follow_redirects=True,
    )
    assert done.status_code == 200
    assert "micro-credential is being issued" in done.text
    assert _credentials(session, alice.person_id) == 0  # nothing signed in the request
    assert len(asked) == 1
    pending = session.scalars(select(HeldIssuance)).one()
    assert pending.completion_id == asked[0]
    listing = client.get(f"/exchanges/{cw.exchange_id}/completion/students")
    assert "micro-credential is being issued" in listing.text  # the teacher sees it
    assert "is held" not in listing.text
    _sign_in(client, alice)
    mine = client.get(f"/exchanges/{cw.exchange_id}/completion")
    assert "Your credential is being issued." in mine.text  # and the student
    assert "held up" not in mine.text

    with app.app_context():
        real.issue_credential(asked[0])  # the worker runs the task
    assert _credentials(session, alice.person_id) == 1
    assert session.scalar(select(func.count()).select_from(HeldIssuance)) == 0
    with app.app_context():
        real.issue_credential(asked[0])  # run again (a retried task): nothing more
    assert _credentials(session, alice.person_id) == 1
    mine = client.get(f"/exchanges/{cw.exchange_id}/completion")
    assert "Your credential is being issued." not in mine.text


def test_a_lost_task_is_redone_by_the_periodic_retry(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    cw = build_completion_world(session)
    chen = cw.rooms.chen
    make_ready(session, cw, chen)
    _real, asked = _held_back_queue(app)
    _sign_in(client, cw.rooms.teacher)
    client.post(
        f"/exchanges/{cw.exchange_id}/completion/approve", data={"person_id": chen.person_id}
    )
    assert asked  # enqueued, then lost with its worker
    assert _credentials(session, chen.person_id) == 0
    with app.test_request_context():
        report = retry_held(session, issuer_context())
    assert report.issued == 1
    assert _credentials(session, chen.person_id) == 1
    with app.test_request_context():
        assert retry_held(session, issuer_context()).issued == 0
    assert _credentials(session, chen.person_id) == 1


def test_the_periodic_task_keeps_the_rooms_contributions_as_evidence(
    app: Flask, session: Session
) -> None:
    from datetime import UTC, datetime, timedelta

    from plugin.completion.models import CompletionEvidence
    from plugin.exchanges.models import Exchange
    from tests.plugin.completion.completion_world import chat_in_weeks
    from web.tasks import _keep_completion_evidence

    cw = build_completion_world(session)
    exchange = session.get(Exchange, cw.exchange_id)
    assert exchange is not None
    today = datetime.now(UTC).date()
    exchange.starts_on, exchange.ends_on = today - timedelta(days=60), today + timedelta(days=30)
    chat_in_weeks(session, cw.rooms.room_id, cw.rooms.alice.person_id, [6, 7])
    with app.app_context():
        _keep_completion_evidence()
    kept = session.scalars(
        select(CompletionEvidence.key).where(
            CompletionEvidence.person_id == cw.rooms.alice.person_id
        )
    ).all()
    assert sorted(kept) == ["2026-W06", "2026-W07"]
