"""End to end through the demo LMS over HTTP: Leiden and Bologna teachers set up an exchange,
a mixed team works (evidence recorded), the Leiden student's own teacher signs off, the
credential is issued, verified on the public page and by POST /verify, revoked by Leiden's
registrar, and from then on shows (and verifies) as revoked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import requests
from sqlalchemy import select

from plugin.actors import Actor, Role
from plugin.people.models import Person
from plugin.teams.service import create_team
from tests.exchange_flow import launch_as, set_up_two_university_exchange
from tests.live import LiveStack

SETUP = {
    "title": "Rivers & Deltas",
    "description": "Leiden meets Bologna on water.",
    "languages": ["en"],
    "starts_on": "2027-02-01",
    "ends_on": "2027-03-28",
    "team_size_min": "3",
    "team_size_max": "5",
    "weekly_hours": "3",
}
REFLECTION = "I learnt to plan a shared project across two universities and time zones."


@dataclass
class Exchange:
    """An exchange with one published team, ready for completion."""

    id: int
    owner: requests.Session
    partner: requests.Session
    leiden_student: requests.Session
    leiden_student_id: int
    bologna_students: list[int]
    teacher_id: int


def set_up_exchange(stack: LiveStack) -> Exchange:
    """Both teachers through their LMS; three students onboard; the teacher's use case makes
    the team (the matching pages have their own end-to-end test)."""
    flow = set_up_two_university_exchange(stack, SETUP)
    teacher_id, ids = flow.owner_id, flow.student_ids
    with stack.session_factory() as db:
        # The demo's registrations name each university's country (NL, IT): nothing to patch.
        create_team(db, Actor(teacher_id, Role.TEACHER, None), flow.id, "Deltas 1", ids)
    leiden_student = flow.students[0][2]
    return Exchange(flow.id, flow.owner, flow.partner, leiden_student, ids[0], ids[1:], teacher_id)


def complete_and_sign_off(stack: LiveStack, exchange: Exchange) -> str:
    """Rule, evidence, reflection, request, sign-off by the own teacher; the credential's id."""
    signed = complete_and_approve(stack, exchange)
    notices = re.findall(r"<p>([^<]*)</p>", signed.text)
    base = f"{stack.tandem_url}/exchanges/{exchange.id}/completion"
    mine = exchange.leiden_student.get(base, timeout=10).text
    found = re.findall(
        r'data-testid="my-credential">\s*<a href="/credentials/([0-9a-f-]{36})"', mine
    )
    assert len(found) == 1, notices
    return str(found[0])


def complete_and_approve(stack: LiveStack, exchange: Exchange) -> requests.Response:
    """Rule, evidence, reflection, request, sign-off by the own teacher; the teacher's page."""
    base = f"{stack.tandem_url}/exchanges/{exchange.id}/completion"
    owner, student = exchange.owner, exchange.leiden_student
    rule = {"min_meetings": "2", "min_contribution_weeks": "0", "reflection_required": "on"}
    assert owner.post(f"{base}/rule", data=rule, timeout=10).status_code == 200
    everyone = [str(exchange.leiden_student_id), *map(str, exchange.bologna_students)]
    for day in ("2027-02-08", "2027-02-15"):
        met = owner.post(f"{base}/meeting", data={"met_on": day, "person_id": everyone}, timeout=10)
        assert met.status_code == 200
    # Both find the completion pages from their exchange pages.
    exchange_page = student.get(f"{stack.tandem_url}/exchanges/{exchange.id}", timeout=10).text
    assert (
        f'href="/exchanges/{exchange.id}/completion" data-testid="completion-link"' in exchange_page
    )
    teacher_page = owner.get(f"{stack.tandem_url}/exchanges/{exchange.id}/teacher", timeout=10).text
    assert f'href="{base}/students"'.replace(stack.tandem_url, "") in teacher_page
    page = student.get(base, timeout=10).text
    assert re.search(r'data-requirement="meetings" data-done="yes"', page)
    assert re.search(r'data-requirement="reflection" data-done="no"', page)
    student.post(f"{base}/reflection", data={"reflection": REFLECTION}, timeout=10)
    asked = student.post(f"{base}/request", timeout=10)
    assert asked.status_code == 200
    assert 'data-requirement="reflection" data-done="yes"' in asked.text
    # The partner teacher is not the student's own teacher: no sign-off, no credential.
    foreign = exchange.partner.post(
        f"{base}/approve", data={"person_id": exchange.leiden_student_id}, timeout=10
    )
    assert foreign.status_code == 403
    listing = owner.get(f"{base}/students", timeout=10).text
    assert f'data-student="{exchange.leiden_student_id}"' in listing
    signed = owner.post(
        f"{base}/approve", data={"person_id": exchange.leiden_student_id}, timeout=10
    )
    assert signed.status_code == 200
    return signed


def _checks(report: dict[str, Any]) -> dict[str, bool]:
    return {c["name"]: c["passed"] for c in report["checks"]}


def test_complete_sign_off_issue_verify_revoke(live_stack: LiveStack) -> None:
    exchange = set_up_exchange(live_stack)
    credential_id = complete_and_sign_off(live_stack, exchange)
    base = live_stack.tandem_url
    anyone = requests.Session()  # a third party: no LMS, no Tandem sign-in

    document = anyone.get(
        f"{base}/credentials/{credential_id}", headers={"Accept": "application/ld+json"}, timeout=10
    ).json()
    assert document["credentialSubject"]["achievement"]["achievementType"] == "MicroCredential"
    assert document["name"] == f"Virtual exchange: {SETUP['title']}"
    human = anyone.get(f"{base}/credentials/{credential_id}", timeout=10).text
    assert 'data-testid="verdict" class="verdict ok"' in human
    assert 'data-testid="revoked"' not in human
    paper = anyone.get(f"{base}/credentials/{credential_id}/certificate.pdf", timeout=10)
    assert paper.headers["Content-Type"] == "application/pdf"
    assert paper.content.startswith(b"%PDF-")
    assert b"credential.json" in paper.content  # the signed credential rides along
    verified = anyone.post(f"{base}/verify", json=document, timeout=10).json()
    assert verified["valid"] is True
    assert all(_checks(verified).values())

    # Leiden's registrar (designated by an administrator's command) revokes it.
    leiden = live_stack.platform("leiden")
    runner = live_stack.tandem.test_cli_runner()
    with live_stack.session_factory() as db:
        institution_id = db.scalar(
            select(Person.institution_id).where(Person.id == exchange.teacher_id)
        )
    added = runner.invoke(
        args=[
            "tandem",
            "registrar",
            "add",
            "--person-id",
            str(exchange.teacher_id),
            "--institution-id",
            str(institution_id),
        ]
    )
    assert added.exit_code == 0, added.output
    registrar, _ = launch_as(live_stack, "leiden", leiden.teacher.user_id)
    console = registrar.get(f"{base}/registrar", timeout=10).text
    assert f'data-credential="{credential_id}"' in console
    assert exchange.partner.get(f"{base}/registrar", timeout=10).status_code == 403
    revoked = registrar.post(
        f"{base}/registrar/credentials/{credential_id}/revoke",
        data={"reason": "Issued to the wrong learner"},
        timeout=10,
    )
    assert revoked.status_code == 200
    assert (
        f'data-credential="{credential_id}"'
        in registrar.get(f"{base}/registrar?status=revoked", timeout=10).text
    )

    human = anyone.get(f"{base}/credentials/{credential_id}", timeout=10).text
    assert 'data-testid="revoked"' in human
    assert 'data-check="status" data-passed="no"' in human
    again = anyone.post(f"{base}/verify", json=document, timeout=10).json()
    assert again["valid"] is False
    assert _checks(again) | {"status": True} == dict.fromkeys(_checks(again), True)
    assert _checks(again)["status"] is False
    assert _checks(again)["proof"] is True  # the signature still holds; only the status changed
