"""An LMS deletes Tandem's tool and registers it again, end to end against the demo Moodle.

The token endpoint then answers ``{"error": "invalid_client"}``: the teacher sees that code on
the grades page, three refusals mark the registration broken (no more calls, the admin page
says so), and after the LMS admin registers Tandem again under a new client id, the Tandem
admin lets the new registration replace the old one: the exchange, its team and the waiting
grade carry over, and the grade reaches the LMS through the new client id.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from lti.grades import queue_score, send_pending
from lti.health import BROKEN_AFTER
from lti.launch import LtiContext
from lti.models import GradeOutbox, Registration
from lti.services import ServiceClient, token_refusal
from plugin.actors import Actor, Role
from plugin.courses.models import Course, CourseMembership
from plugin.db import utcnow
from plugin.teams.models import Team, TeamMembership
from plugin.teams.service import create_team
from tests.conftest import BACKENDS
from tests.exchange_flow import (
    TwoUniversityExchange,
    launch_as,
    person_id_of,
    set_up_two_university_exchange,
)
from tests.live import LiveStack, running_stack
from web.cli import cli


@pytest.fixture(scope="module", params=BACKENDS)
def stack(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    make_database: Callable[[str], str],
) -> Iterator[LiveStack]:
    """A stack of its own: deleting the tool changes the demo Moodle's client id for good."""
    database = make_database(request.param)
    with running_stack(database, tmp_path_factory.mktemp("rereg")) as live:
        yield live


@pytest.fixture(scope="module")
def flow(stack: LiveStack) -> TwoUniversityExchange:
    return set_up_two_university_exchange(stack)


def _cli(stack: LiveStack, *args: str) -> str:
    result = stack.tandem.test_cli_runner().invoke(cli, list(args))
    assert result.exit_code == 0, result.output
    return str(result.output)


def _admin(stack: LiveStack) -> requests.Session:
    link = _cli(stack, "admin", "token").splitlines()[0]
    http = requests.Session()
    token = link.rsplit("token=", 1)[1]
    signed_in = http.post(f"{stack.tandem_url}/admin/sign-in", data={"token": token}, timeout=10)
    assert signed_in.url == f"{stack.tandem_url}/admin/", signed_in.text
    return http


def _registration(db: Session, client_id: str) -> Registration:
    found = db.scalar(select(Registration).where(Registration.client_id == client_id))
    assert found is not None
    return found


def _course_of(db: Session, person_id: int) -> int:
    course = db.scalar(
        select(CourseMembership.course_id).where(CourseMembership.person_id == person_id)
    )
    assert course is not None
    return course


def test_reregistered_moodle_carries_its_exchange_team_and_grades_over(
    stack: LiveStack, flow: TwoUniversityExchange
) -> None:
    bologna = stack.platform("bologna")
    old_client = bologna.client_id
    lti: LtiContext = stack.tandem.extensions["tandem.lti"]
    client: ServiceClient = lti.client()
    teacher_id = flow.owner_id
    team_ids = flow.student_ids
    bologna_student = team_ids[1]
    with stack.session_factory() as db:
        create_team(db, Actor(teacher_id, Role.TEACHER, None), flow.id, "Deltas 1", team_ids)
        course_id = _course_of(db, bologna_student)
        first = queue_score(db, course_id, bologna_student, score_given=70).id
        assert send_pending(db, client).delivered == 1

    # The Moodle admin deletes the tool; Tandem's next score is refused with invalid_client.
    requests.post(f"{stack.demo_url}/bologna/admin/delete", timeout=10)
    client.tokens._tokens.clear()  # the cached token would outlive the deleted tool
    with stack.session_factory() as db:
        waiting = queue_score(db, course_id, bologna_student, score_given=90).id
        moment = utcnow()
        for _ in range(BROKEN_AFTER):
            moment += timedelta(hours=7)
            assert send_pending(db, client, now=moment).failed == 1
        row = db.get(GradeOutbox, waiting)
        assert row is not None
        assert row.last_error == "The LMS refused a token (HTTP 400): invalid_client"
        assert _registration(db, old_client).broken_at is not None
        tries = row.attempts
        # Broken: no more calls for it, however long it waits.
        assert send_pending(db, client, now=moment + timedelta(days=1)).failed == 0
        db.refresh(row)
        assert row.attempts == tries

    grades = flow.partner.get(f"{stack.tandem_url}/grades", timeout=10).text
    assert 'data-testid="lms-broken"' in grades
    assert "invalid_client" in grades
    assert "1 grade is waiting" in grades
    dutch = flow.partner.get(f"{stack.tandem_url}/grades?lang=nl", timeout=10).text
    assert "Het LMS weigerde een token (HTTP 400): invalid_client" in dutch
    admin = _admin(stack)
    page = admin.get(f"{stack.tandem_url}/admin/", timeout=10).text
    assert 'data-testid="broken-notice"' in page
    assert 'data-state="broken"' in page
    assert ", broken" in _cli(stack, "platform", "list")

    # The Moodle admin adds Tandem again: a new tool, so a new client id and deployment id.
    register = requests.post(
        f"{stack.demo_url}/bologna/admin/register",
        data={"tool_url": f"{stack.tandem_url}/lti/register"},
        timeout=10,
    )
    src = re.search(r'src="([^"]+/lti/register\?[^"]+)"', register.text)
    assert src, register.text
    assert requests.get(src.group(1).replace("&amp;", "&"), timeout=10).status_code == 200
    new_client = bologna.client_id
    assert new_client != old_client
    requests.post(f"{stack.demo_url}/bologna/admin/activate", timeout=10)
    _cli(stack, "platform", "activate", "--issuer", bologna.issuer, "--client-id", new_client)
    with stack.session_factory() as db:
        old, new = _registration(db, old_client), _registration(db, new_client)
        old_id, new_id, old_name = old.id, new.id, old.name
        # Moodle's configuration has no title: the family code and the host tell it apart.
        assert new.name == f"Moodle ({bologna.issuer.split('//', 1)[1].split('/', 1)[0]})"

    # Before anyone replaced anything, the Bologna teacher's launch opens an empty course.
    launch_as(stack, "bologna", bologna.teacher.user_id)
    fresh = f"lti:{bologna.issuer}|{new_client}|{bologna.deployment_id}"
    with stack.session_factory() as db:
        empty = db.scalar(select(Course).where(Course.namespace == fresh))
        assert empty is not None
        assert empty.id != course_id
        empty_id = empty.id

    replaced = admin.post(
        f"{stack.tandem_url}/admin/registrations/{new_id}/replace",
        data={"replaces": str(old_id)},
        timeout=10,
    )
    assert replaced.status_code == 200, replaced.text
    assert "1 course(s) moved" in replaced.text
    assert "already replaces" in _cli(stack, "platform", "replace", old_client, new_client)

    with stack.session_factory() as db:
        old, new = _registration(db, old_client), _registration(db, new_client)
        assert (old.status, old.replaced_by_id) == ("retired", new_id)
        assert new.name == old_name
        assert new.institution_id == old.institution_id
        course, empty = db.get(Course, course_id), db.get(Course, empty_id)
        assert course is not None
        assert empty is not None
        assert course.namespace == fresh
        assert empty.namespace.startswith("lti-set-aside:")
        team = db.scalar(select(Team).where(Team.exchange_id == flow.id))
        assert team is not None
        team_id = team.id
        members = db.scalars(
            select(TeamMembership.person_id).where(TeamMembership.team_id == team.id)
        )
        assert sorted(members) == sorted(team_ids)
        # The waiting score goes out now, through the new client id.
        assert send_pending(db, client).delivered == 1
        assert db.get(GradeOutbox, first) is not None

    student = bologna.students[0]
    assert person_id_of(stack, bologna, student) == bologna_student
    scored = [item.scores.get(student.user_id) for item in bologna.services.lineitems.values()]
    assert any(s and s.get("scoreGiven") == 90 for s in scored)
    # Launches through the new registration find the exchange and the team again.
    teacher, _ = launch_as(stack, "bologna", bologna.teacher.user_id)
    overview = teacher.get(f"{stack.tandem_url}/exchanges/{flow.id}/teacher", timeout=10)
    assert overview.status_code == 200
    student_http, _landed = launch_as(stack, "bologna", student.user_id)
    room = student_http.get(f"{stack.tandem_url}/exchanges/{flow.id}", timeout=10).text
    assert f'href="/teams/{team_id}' in room
    grades = teacher.get(f"{stack.tandem_url}/grades", timeout=10).text
    assert 'data-testid="lms-broken"' not in grades

    # The old client id is retired: a launch through it says so.
    retired = requests.get(
        f"{stack.tandem_url}/lti/login",
        params={
            "iss": bologna.issuer,
            "login_hint": student.user_id,
            "target_link_uri": f"{stack.tandem_url}/lti/launch",
            "client_id": old_client,
        },
        timeout=10,
    )
    assert retired.status_code == 403
    assert 'data-reason="registration_retired"' in retired.text


def test_roster_shows_the_refusal_then_waits_until_activated_again(
    stack: LiveStack, flow: TwoUniversityExchange
) -> None:
    leiden = stack.platform("leiden")
    lti: LtiContext = stack.tandem.extensions["tandem.lti"]
    lti.tokens._tokens.clear()
    roster = f"{stack.tandem_url}/exchanges/{flow.id}/roster"
    leiden.tool_status = "deleted"
    try:
        english = f"{roster}?lang=en"
        pages = [flow.owner.post(english, timeout=10) for _ in range(BROKEN_AFTER - 1)]
        dutch = flow.owner.post(f"{roster}?lang=nl", timeout=10)
        assert [p.status_code for p in pages] == [502] * (BROKEN_AFTER - 1)
        assert "The LMS refused a token (HTTP 400): invalid_client" in pages[0].text
        assert "Het LMS weigerde een token (HTTP 400): invalid_client" in dutch.text
        stopped = flow.owner.post(english, timeout=10)
        assert stopped.status_code == 502
        assert "Tandem stopped calling this course&#39;s LMS" in stopped.text
        listed = _cli(stack, "platform", "list")
        assert f"client={leiden.client_id}" in listed
        assert ", broken" in next(line for line in listed.splitlines() if leiden.client_id in line)
    finally:
        leiden.tool_status = "active"
    # Replacing across LMSs is refused with a reason.
    crossed = stack.tandem.test_cli_runner().invoke(
        cli, ["platform", "replace", leiden.client_id, stack.platform("bologna").client_id]
    )
    assert crossed.exit_code == 1
    assert "same LMS" in crossed.output

    admin = _admin(stack)
    with stack.session_factory() as db:
        registration_id = _registration(db, leiden.client_id).id
    page = admin.post(
        f"{stack.tandem_url}/admin/registrations/{registration_id}/activate-again", timeout=10
    )
    assert page.status_code == 200
    assert "is active again" in page.text
    assert f'data-registration="{registration_id}"' in page.text
    synced = flow.owner.post(roster, timeout=10)
    assert synced.status_code == 200, synced.text
    assert 'data-testid="roster-synced"' in synced.text


def test_a_token_granted_to_the_self_check_resumes_a_broken_registration(
    stack: LiveStack, flow: TwoUniversityExchange
) -> None:
    leiden = stack.platform("leiden")
    lti: LtiContext = stack.tandem.extensions["tandem.lti"]
    lti.tokens._tokens.clear()
    roster = f"{stack.tandem_url}/exchanges/{flow.id}/roster"
    leiden.tool_status = "deleted"
    try:
        for _ in range(BROKEN_AFTER):
            assert flow.owner.post(roster, timeout=10).status_code == 502
    finally:
        leiden.tool_status = "active"  # the LMS works again; Tandem does not know yet
    with stack.session_factory() as db:
        registration_id = _registration(db, leiden.client_id).id
        assert _registration(db, leiden.client_id).broken_at is not None
    admin = _admin(stack)
    checked = admin.post(
        f"{stack.tandem_url}/admin/registrations/{registration_id}/check", timeout=10
    )
    assert 'data-check="token" data-ok="yes"' in checked.text
    with stack.session_factory() as db:
        resumed = _registration(db, leiden.client_id)
        assert resumed.broken_at is None
        assert resumed.token_refusals == 0
    assert flow.owner.post(roster, timeout=10).status_code == 200


def test_a_token_refusal_names_the_oauth_error_and_its_description() -> None:
    described = token_refusal(401, {"error": "invalid_client", "error_description": "Unknown."})
    assert str(described) == "The LMS refused a token (HTTP 401): invalid_client, Unknown."
    assert described.oauth_error == "invalid_client"
    assert described.stored == {
        "msgid": "The LMS refused a token (HTTP %(status)s): %(error)s, %(description)s",
        "params": {"status": "401", "error": "invalid_client", "description": "Unknown."},
    }
    silent = token_refusal(502, None)
    assert str(silent) == "The LMS refused a token (HTTP 502) without saying why."
    assert silent.oauth_error is None
