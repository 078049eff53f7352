"""Onboarding and editing a profile; what teammates see; GDPR export and erasure."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from plugin.actors import Role
from plugin.errors import InvalidInput, NotAllowed, NotFound
from plugin.exchanges.models import Participant, ParticipantStatus
from plugin.exchanges.queries import pool_makeup
from plugin.exchanges.service import create_exchange, enter_exchange, exchange_overview
from plugin.people.models import Person
from plugin.privacy.service import erase_participant, export_my_data, exported_rows
from plugin.profiles.models import Profile
from plugin.profiles.service import (
    ProfileDraft,
    find_profile,
    profile_form,
    save_profile,
    teammate_card,
)
from tests.plugin.exchanges.world import DRAFT, World

WEEK = date(2027, 2, 1)
GOOD = ProfileDraft(
    display_name="Sanne",
    pronouns="she/her",
    time_zone="Europe/Amsterdam",
    slots=frozenset({(0, 18 * 60), (2, 10 * 60)}),
    languages=(("nl", "native"), ("en", "C1")),
    discipline="Urban planning",
    interests=("cycling", "water"),
    consents=frozenset({"pronouns", "languages", "availability"}),
)


def test_saving_and_reopening_the_form_gives_back_what_was_typed(world: World) -> None:
    student = world.arrive("leiden", "s1", name="Sanne de Vries", email="s@leiden.example")
    assert profile_form(world.session, student, WEEK).display_name == "Sanne de Vries"
    profile = save_profile(world.session, student, GOOD, WEEK)
    assert profile.availability == [[17 * 60, 19 * 60], [2 * 1440 + 9 * 60, 2 * 1440 + 11 * 60]]
    assert profile.consents == {
        "pronouns": True,
        "languages": True,
        "discipline": False,
        "interests": False,
        "availability": True,
        "time_zone": False,  # not chosen: partners see neither zone nor local time
    }
    assert profile_form(world.session, student, WEEK) == GOOD


def test_an_anonymous_launch_can_onboard_and_an_empty_name_falls_back(world: World) -> None:
    student = world.arrive("bologna", "anon")
    assert profile_form(world.session, student, WEEK).display_name == ""
    save_profile(world.session, student, replace(GOOD, display_name=""), WEEK)
    assert world.session.get(Person, student.person_id).display_name is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"display_name": "x" * 81}, "80 characters"),
        ({"pronouns": "x" * 41}, "40 characters"),
        ({"discipline": "x" * 121}, "120 characters"),
        ({"interests": ("x" * 41,)}, "40 characters"),
        ({"interests": tuple(str(i) for i in range(9))}, "eight interests"),
        ({"time_zone": "Europe/Atlantis"}, "Unknown time zone"),
        ({"slots": frozenset({(7, 18 * 60)})}, "within the week"),
        ({"slots": frozenset()}, "at least one time"),
        ({"languages": (("en", "Z9"),)}, "level"),
        ({"languages": (("klingon", "C1"),)}, "ISO 639-1"),
        ({"consents": frozenset({"email"})}, "sharing"),
    ],
)
def test_bad_input_is_refused_and_nothing_saved_is_lost(
    world: World, change: dict[str, object], message: str
) -> None:
    student = world.arrive("leiden", "s1", name="Sanne")
    save_profile(world.session, student, GOOD, WEEK)
    with pytest.raises(InvalidInput, match=message):
        save_profile(world.session, student, replace(GOOD, **change), WEEK)  # type: ignore[arg-type]
    world.session.expire_all()
    assert profile_form(world.session, student, WEEK) == GOOD


def test_a_teammate_from_elsewhere_sees_only_consented_fields_and_never_email(
    world: World,
) -> None:
    sanne = world.arrive("leiden", "s1", name="Sanne", email="sanne@leiden.example")
    marco = world.arrive("bologna", "s2", name="Marco", email="marco@bologna.example")
    save_profile(world.session, sanne, GOOD, WEEK)
    save_profile(
        world.session,
        marco,
        replace(GOOD, display_name="Marco", time_zone="Europe/Rome", consents=frozenset()),
        WEEK,
    )
    sanne_row = world.session.get(Person, sanne.person_id)
    assert sanne_row is not None
    card = teammate_card(
        sanne_row,
        find_profile(world.session, sanne.person_id),
        find_profile(world.session, marco.person_id),
    )
    assert card.institution == "Universiteit Leiden"
    assert card.pronouns == "she/her"
    assert card.overlap_minutes == 240  # same wall clock, same offset: both slots overlap
    assert "sanne@leiden.example" not in json.dumps(card.__dict__)
    marco_row = world.session.get(Person, marco.person_id)
    assert marco_row is not None
    hidden = teammate_card(marco_row, find_profile(world.session, marco.person_id), None)
    assert (hidden.pronouns, hidden.languages, hidden.overlap_minutes) == (None, (), None)
    assert "marco@bologna.example" not in json.dumps(hidden.__dict__)


def test_a_person_downloads_everything_tandem_holds_about_them(world: World) -> None:
    teacher = world.arrive("leiden", "t1", Role.TEACHER)
    create_exchange(world.session, teacher, DRAFT)
    student = world.arrive("leiden", "s1", name="Sanne", email="sanne@leiden.example")
    enter_exchange(world.session, student, None)
    save_profile(world.session, student, GOOD, WEEK)
    data = export_my_data(world.session, student)
    text = json.dumps(data)  # JSON-ready as it is
    assert exported_rows(data, "person")[0]["email"] == "sanne@leiden.example"
    assert exported_rows(data, "profile")[0]["languages"] == [
        {"code": "nl", "level": "native"},
        {"code": "en", "level": "C1"},
    ]
    assert len(exported_rows(data, "exchange_participant")) == 1
    assert "Urban planning" in text


def test_erasure_leaves_no_personal_data_and_keeps_the_counts(world: World) -> None:
    teacher = world.arrive("leiden", "t1", Role.TEACHER)
    exchange = create_exchange(world.session, teacher, DRAFT)
    student = world.arrive("leiden", "s1", name="Sanne de Vries", email="sanne@leiden.example")
    view = enter_exchange(world.session, student, None)
    assert view is not None
    save_profile(world.session, student, GOOD, WEEK)
    other = world.arrive("leiden", "s2", name="Joost")
    enter_exchange(world.session, other, None)
    assert pool_makeup(world.session, exchange.id).students == 2

    with pytest.raises(NotAllowed):
        erase_participant(world.session, other, view.participant.id)
    erase_participant(world.session, teacher, view.participant.id)

    row = world.session.get(Participant, view.participant.id)
    assert row is not None
    assert (row.person_id, row.status) == (None, ParticipantStatus.ERASED)
    person = world.session.get(Person, student.person_id)
    assert person is not None
    assert (person.display_name, person.email, person.given_name) == (None, None, None)
    assert (
        world.session.scalar(select(Profile).where(Profile.person_id == student.person_id)) is None
    )
    makeup = pool_makeup(world.session, exchange.id)
    assert (makeup.students, makeup.erased) == (1, 1)
    overview = exchange_overview(world.session, teacher, exchange.id)
    names = [p.display_name for r in overview.rosters for p in r.people]
    assert "Sanne de Vries" not in names
    with pytest.raises(NotFound):
        erase_participant(world.session, teacher, view.participant.id)


def test_a_teacher_of_an_unrelated_course_cannot_erase(world: World) -> None:
    teacher = world.arrive("leiden", "t1", Role.TEACHER)
    create_exchange(world.session, teacher, DRAFT)
    view = enter_exchange(world.session, world.arrive("leiden", "s1"), None)
    assert view is not None
    stranger = world.arrive("bologna", "t2", Role.TEACHER)
    with pytest.raises(NotAllowed):
        erase_participant(world.session, stranger, view.participant.id)
