"""Teacher page additions: who has never launched (per seat, names only within the same
university), the erasure confirmation step, and links to the admin and registrar pages."""

from __future__ import annotations

import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from plugin.actors import Role
from plugin.exchanges.service import enter_exchange
from plugin.people.identity import AccountRef, PersonFacts
from plugin.registrars.service import add_registrar
from plugin.roster.service import RosterMember, sync_roster
from tests.plugin.exchanges.world import World, make_world, partnered
from tests.web.test_web_exchange_pages import _sign_in


def _roster(world: World, where: str, course_id: int | None, *names: str) -> None:
    members = [
        RosterMember(
            account=AccountRef(f"lti:https://{where}.example", f"r{i}"),
            person=PersonFacts(name=name, email=f"r{i}@{where}.example"),
            role=Role.STUDENT,
        )
        for i, name in enumerate(names)
    ]
    sync_roster(world.session, course_id or 0, members)


def test_teachers_see_names_of_their_own_university_and_counts_of_partners(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    owner, partner, exchange_id, _seat_id = partnered(world)
    _roster(world, "leiden", owner.course_id, "Anouk Jansen")
    _roster(world, "bologna", partner.course_id, "Giulia Romano", "Marco Bianchi")

    _sign_in(app, client, partner)
    page = client.get(f"/exchanges/{exchange_id}/teacher").get_data(as_text=True)
    assert "Giulia Romano" in page
    assert "Marco Bianchi" in page
    assert "Anouk Jansen" not in page  # another university's roster: count only
    assert "Students on the course roster who have never opened Tandem: 1<" in page
    assert "Students on the course roster who have never opened Tandem: 2<" in page
    assert "@bologna.example" not in page  # never an email, even to their own teachers
    assert page.count('data-testid="sync-roster"') == 1  # only for the teacher's own seat

    _sign_in(app, client, owner)
    page = client.get(f"/exchanges/{exchange_id}/teacher?lang=nl").get_data(as_text=True)
    assert "Anouk Jansen" in page
    assert "Giulia Romano" not in page
    assert "Marco Bianchi" not in page
    assert "Studenten op de cursuslijst die Tandem nog nooit hebben geopend: 2<" in page


def test_a_student_cannot_sync_a_roster(app: Flask, client: FlaskClient, session: Session) -> None:
    world = make_world(session)
    _owner, _partner, exchange_id, _seat_id = partnered(world)
    _sign_in(app, client, world.arrive("leiden", "s1"))
    assert client.post(f"/exchanges/{exchange_id}/roster").status_code == 403


def test_syncing_a_course_that_named_no_roster_service_says_so(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    owner, _partner, exchange_id, _seat_id = partnered(world)
    _sign_in(app, client, owner)
    response = client.post(f"/exchanges/{exchange_id}/roster")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "has not been launched with LTI services yet" in page
    assert 'data-testid="exchange-title"' in page  # the teacher page itself, with the message


def _participant(world: World, exchange_id: int) -> int:
    view = enter_exchange(
        world.session, world.arrive("bologna", "s1", name="Giulia Romano"), str(exchange_id)
    )
    assert view is not None
    return view.participant.id


def test_erasing_asks_first_and_names_what_goes(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    owner, partner, exchange_id, _seat_id = partnered(world)
    participant_id = _participant(world, exchange_id)
    url = f"/exchanges/{exchange_id}/participants/{participant_id}/erase"
    _sign_in(app, client, owner)  # Giulia's partner university: no link, no page, no erasure
    overview = client.get(f"/exchanges/{exchange_id}/teacher").get_data(as_text=True)
    assert f'href="{url}"' not in overview
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    _sign_in(app, client, partner)  # her own university's teacher
    overview = client.get(f"/exchanges/{exchange_id}/teacher").get_data(as_text=True)
    assert f'href="{url}"' in overview  # a link to the confirmation, not an erase button

    confirm = client.get(url)
    page = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Erase Giulia Romano from “Climate &amp; Cities”?" in page
    assert "Università di Bologna" in page
    assert "Every name and email address Tandem holds for them" in page
    assert f'method="post" action="{url}"' in page
    assert "Giulia Romano" in client.get(f"/exchanges/{exchange_id}/teacher").get_data(
        as_text=True
    )  # looking at the confirmation erased nothing

    assert client.post(url).status_code == 303
    after = client.get(f"/exchanges/{exchange_id}/teacher").get_data(as_text=True)
    assert "Giulia Romano" not in after
    assert client.get(url).status_code == 404  # already erased


def test_the_erasure_confirmation_is_refused_to_students_and_in_dutch_for_teachers(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    _owner, partner, exchange_id, _seat_id = partnered(world)
    participant_id = _participant(world, exchange_id)
    url = f"/exchanges/{exchange_id}/participants/{participant_id}/erase"
    _sign_in(app, client, world.arrive("bologna", "s2"))
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    _sign_in(app, client, partner)
    page = client.get(f"{url}?lang=nl").get_data(as_text=True)
    assert "Wat er verwijderd wordt" in page
    assert (
        client.get(f"/exchanges/{exchange_id + 1}/participants/{participant_id}/erase").status_code
        == 404
    )


def test_admins_and_registrars_are_linked_to_their_pages(
    app: Flask, client: FlaskClient, session: Session
) -> None:
    world = make_world(session)
    admin = world.arrive("leiden", "a1", Role.ADMIN, course="admin-course")
    _sign_in(app, client, admin)
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/admin/"[^>]*data-testid="admin-link"', home)
    assert 'data-testid="registrar-link"' not in home

    teacher = world.arrive("leiden", "t5", Role.TEACHER, course="other")
    _sign_in(app, client, teacher)
    home = client.get("/").get_data(as_text=True)
    assert 'data-testid="admin-link"' not in home
    assert 'data-testid="registrar-link"' not in home
    add_registrar(session, teacher.person_id, world.leiden_id)
    home = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/registrar"[^>]*data-testid="registrar-link"', home)

    # In an exchange, teachers land on the teacher page: the links are there too.
    owner, _partner, exchange_id, _seat_id = partnered(world)
    add_registrar(session, owner.person_id, world.leiden_id)
    _sign_in(app, client, owner)
    page = client.get(f"/exchanges/{exchange_id}/teacher").get_data(as_text=True)
    assert 'data-testid="registrar-link"' in page
    assert 'data-testid="admin-link"' not in page
    lms_admin = world.arrive("leiden", "a2", Role.ADMIN)  # an LMS admin in the owner's course
    _sign_in(app, client, lms_admin)
    page = client.get(f"/exchanges/{exchange_id}/teacher").get_data(as_text=True)
    assert 'data-testid="admin-link"' in page
    assert client.get("/admin/").status_code == 200
