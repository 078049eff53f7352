"""A sign-off at a university whose country is not set, through the demo LMS over HTTP: the
teacher was warned while setting the rule, the credential is held (teacher: what to do;
student: held up, teacher told), and an administrator setting the country issues it."""

from __future__ import annotations

import re

from plugin.people.models import Person
from tests.live import LiveStack
from tests.web.test_web_credentials_e2e import complete_and_approve, set_up_exchange
from web.cli import cli


def test_held_credential_is_visible_and_issued_once_the_country_is_set(
    live_stack: LiveStack,
) -> None:
    exchange = set_up_exchange(live_stack)
    with live_stack.session_factory() as db:
        teacher = db.get(Person, exchange.teacher_id)
        assert teacher is not None
        institution_id = teacher.institution_id
        teacher.institution.country = None  # an installation whose admin has not set it
        db.commit()
    base = f"{live_stack.tandem_url}/exchanges/{exchange.id}/completion"
    warned = exchange.owner.get(f"{base}/students", timeout=10).text
    assert 'data-testid="issuing-problems"' in warned
    # Leiden's LMS speaks Dutch: "ask your Tandem administrator to set the institution's
    # country".
    assert "Vraag je Tandem-beheerder het land van de instelling in te stellen" in warned

    rule = {"min_meetings": "2", "min_contribution_weeks": "0", "reflection_required": "on"}
    saved = exchange.owner.post(f"{base}/rule", data=rule, timeout=10)
    assert "Er kunnen nog geen credentials worden uitgegeven" in saved.text  # flashed

    signed = complete_and_approve(live_stack, exchange)
    held = re.search(
        rf'data-student="{exchange.leiden_student_id}".*?data-testid="held">([^<]*)<',
        signed.text,
        re.S,
    )
    assert held, signed.text
    assert "Vraag je Tandem-beheerder het land van de instelling in te stellen" in held.group(1)
    student_page = exchange.leiden_student.get(base, timeout=10).text
    assert 'data-testid="credential-status"' in student_page
    assert "Je docent is op de hoogte" in student_page  # "your teacher has been told"
    assert 'data-testid="my-credential"' not in student_page

    edited = live_stack.tandem.test_cli_runner().invoke(
        cli, ["institution", "edit", str(institution_id), "--country", "NL"]
    )
    assert edited.exit_code == 0, edited.output
    assert "1 issued, 0 still held" in edited.output
    student_page = exchange.leiden_student.get(base, timeout=10).text
    assert 'data-testid="my-credential"' in student_page
    assert 'data-testid="credential-status"' not in student_page
    teacher_page = exchange.owner.get(f"{base}/students", timeout=10).text
    assert 'data-testid="held"' not in teacher_page
    assert 'data-testid="issuing-problems"' not in teacher_page
