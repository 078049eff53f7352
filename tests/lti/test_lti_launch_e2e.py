"""Full launches from the demo LMS over HTTP: OIDC login, signed id_token, landing page."""

from __future__ import annotations

import pytest
import requests
from sqlalchemy import func, select

from demo.testing import launch_form_fields
from plugin.courses.models import Course, CourseMembership
from plugin.people.models import ExternalAccount, Person
from tests.live import Launcher, LiveStack


@pytest.mark.parametrize("slug", ["leiden", "bologna"])
@pytest.mark.parametrize("who", ["teacher", "student"])
def test_a_launch_greets_the_person_with_role_institution_and_course(
    launcher: Launcher, live_stack: LiveStack, slug: str, who: str
) -> None:
    platform = live_stack.platform(slug)
    user = platform.teacher if who == "teacher" else platform.students[1]

    page = launcher.full_launch(slug, user.user_id)

    assert page.status_code == 200
    assert page.url == f"{live_stack.tandem_url}/lti/launch"  # the landing, in the launch's answer
    assert f"{user.given_name} {user.family_name}" in page.text
    assert ("Teacher" if who == "teacher" else "Student") in page.text or (
        ("Docent" if who == "teacher" else "Student") in page.text
    )
    assert platform.name in page.text
    assert platform.course.title in page.text
    with live_stack.session_factory() as db:
        account = db.scalar(
            select(ExternalAccount).where(
                ExternalAccount.namespace == f"lti:{platform.issuer}",
                ExternalAccount.subject == user.user_id,
            )
        )
        assert account is not None
        person = account.person
        assert person.email == user.email
        assert person.institution.name == platform.name
        membership = db.scalar(
            select(CourseMembership).where(CourseMembership.person_id == person.id)
        )
        assert membership is not None
        assert membership.role.value == who
        assert membership.course.external_id == platform.course.context_id


def test_the_launch_answers_with_the_landing_and_a_reload_reads_home(
    live_stack: LiveStack,
) -> None:
    """No redirect round trip: the launch's own response is the page and sets the session
    cookie; the page renames itself ``/`` so a reload is a GET that the cookie signs in."""
    platform = live_stack.platform("leiden")
    user = platform.students[3]
    http = requests.Session()
    form_page = http.get(f"{live_stack.demo_url}/leiden/launch/{user.user_id}?target=window")
    form = launch_form_fields(form_page.text)
    landed = http.post(form.pop("action"), data=form, timeout=10)
    assert landed.status_code == 200
    assert landed.history == []
    assert "tandem_session" in landed.cookies
    assert landed.headers["Cache-Control"] == "no-store"
    assert 'history.replaceState(null, "", "/")' in landed.text
    assert '<a href="/" aria-current="page">' in landed.text
    reloaded = http.get(f"{live_stack.tandem_url}/", timeout=10)
    assert reloaded.status_code == 200
    assert f"{user.given_name} {user.family_name}" in reloaded.text
    assert "history.replaceState" not in reloaded.text


def test_launching_twice_is_one_person(launcher: Launcher, live_stack: LiveStack) -> None:
    platform = live_stack.platform("bologna")
    user = platform.students[2]
    for _ in range(2):
        assert launcher.full_launch("bologna", user.user_id).status_code == 200
    with live_stack.session_factory() as db:
        accounts = db.scalar(
            select(func.count())
            .select_from(ExternalAccount)
            .where(ExternalAccount.subject == user.user_id)
            .where(ExternalAccount.namespace == f"lti:{platform.issuer}")
        )
        courses = db.scalar(
            select(func.count()).select_from(Course).where(Course.external_id == "42")
        )
    assert accounts == 1
    assert courses == 1


def test_the_same_sub_at_two_issuers_is_two_people(
    launcher: Launcher, live_stack: LiveStack
) -> None:
    shared_sub = "same-sub-at-both"
    for slug in ("leiden", "bologna"):
        started = launcher.login(slug)
        claims = launcher.claims(slug, started)
        claims["sub"] = shared_sub
        response = launcher.post(started, live_stack.platform(slug).sign(claims))
        assert response.status_code == 200, response.text
    with live_stack.session_factory() as db:
        people = db.scalars(
            select(Person).join(ExternalAccount).where(ExternalAccount.subject == shared_sub)
        ).all()
        assert len(people) == 2
        assert {p.institution.name for p in people} == {
            "Universiteit Leiden",
            "Università di Bologna",
        }


def test_the_landing_page_follows_the_lms_locale(launcher: Launcher, live_stack: LiveStack) -> None:
    """Leiden's launches say nl-NL, so Tandem answers in Dutch."""
    platform = live_stack.platform("leiden")
    page = launcher.full_launch("leiden", platform.students[0].user_id)
    assert 'lang="nl"' in page.text
    assert "Welkom" in page.text
