"""Who has never launched (people known only from the LMS roster), who may see their names,
and what the erasure confirmation names."""

from __future__ import annotations

import pytest

from plugin.actors import Role
from plugin.errors import NotAllowed, NotFound
from plugin.exchanges.queries import SeatRoster
from plugin.exchanges.service import create_exchange, enter_exchange, exchange_overview
from plugin.people.identity import AccountRef, PersonFacts
from plugin.privacy.service import erase_participant, erasure_preview
from plugin.roster.service import RosterMember, sync_roster
from tests.plugin.exchanges.world import DRAFT, World, partnered


def _member(where: str, sub: str, name: str | None, role: Role = Role.STUDENT) -> RosterMember:
    return RosterMember(
        account=AccountRef(f"lti:https://{where}.example", sub),
        person=PersonFacts(name=name, email=f"{sub}@{where}.example"),
        role=role,
    )


def _seat(rosters: list[SeatRoster], course_id: int | None) -> SeatRoster:
    return next(r for r in rosters if r.course_id == course_id)


def test_roster_only_students_are_the_ones_who_never_launched(world: World) -> None:
    owner, _partner, exchange_id, _seat_id = partnered(world)
    launched = world.arrive("leiden", "s1", name="Sanne")
    enter_exchange(world.session, launched, None)
    roster = [
        _member("leiden", "t1", "Owner", Role.TEACHER),
        _member("leiden", "s1", "Sanne"),
        _member("leiden", "s2", "Zoë"),
        _member("leiden", "s3", None),  # anonymous mode: no name at all
        _member("leiden", "s4", "Anouk"),
        _member("leiden", "t9", "Co-teacher who never came", Role.TEACHER),
    ]
    sync_roster(world.session, owner.course_id or 0, roster)

    mine = _seat(exchange_overview(world.session, owner, exchange_id).rosters, owner.course_id)
    assert mine.never_launched.count == 3  # teachers and Sanne (who launched) are not counted
    assert mine.never_launched.names == ("Anouk", "Zoë", None)

    # Anouk leaves the course in the LMS; Zoë opens Tandem at last.
    sync_roster(
        world.session, owner.course_id or 0, [m for m in roster if m.account.subject != "s4"]
    )
    world.arrive("leiden", "s2", name="Zoë")
    mine = _seat(exchange_overview(world.session, owner, exchange_id).rosters, owner.course_id)
    assert mine.never_launched.names == (None,)


def test_a_later_roster_sync_does_not_undo_a_launch(world: World) -> None:
    owner, _partner, exchange_id, _seat_id = partnered(world)
    world.arrive("leiden", "s1", name="Sanne")
    for _ in range(2):
        sync_roster(world.session, owner.course_id or 0, [_member("leiden", "s1", "Sanne")])
    mine = _seat(exchange_overview(world.session, owner, exchange_id).rosters, owner.course_id)
    assert mine.never_launched.count == 0


def test_names_stay_with_their_own_university_partners_see_counts(world: World) -> None:
    owner, partner, exchange_id, _seat_id = partnered(world)
    sync_roster(world.session, owner.course_id or 0, [_member("leiden", "s1", "Sanne")])
    sync_roster(
        world.session,
        partner.course_id or 0,
        [_member("bologna", "s1", "Giulia"), _member("bologna", "s2", "Marco")],
    )
    as_owner = exchange_overview(world.session, owner, exchange_id).rosters
    assert _seat(as_owner, owner.course_id).never_launched.names == ("Sanne",)
    assert _seat(as_owner, partner.course_id).never_launched.count == 2
    assert _seat(as_owner, partner.course_id).never_launched.names is None
    as_partner = exchange_overview(world.session, partner, exchange_id).rosters
    assert _seat(as_partner, partner.course_id).never_launched.names == ("Giulia", "Marco")
    assert _seat(as_partner, owner.course_id).never_launched.count == 1
    assert _seat(as_partner, owner.course_id).never_launched.names is None


def _student_in(
    world: World, exchange_id: int, where: str, sub: str, name: str, course: str = "c1"
) -> int:
    student = world.arrive(where, sub, name=name, course=course)
    view = enter_exchange(world.session, student, str(exchange_id))
    assert view is not None
    return view.participant.id


def test_the_erasure_preview_names_the_person_and_what_goes(world: World) -> None:
    owner, partner, exchange_id, _seat_id = partnered(world)
    participant_id = _student_in(world, exchange_id, "bologna", "s1", "Giulia")
    preview = erasure_preview(world.session, partner, exchange_id, participant_id)
    assert (preview.display_name, preview.institution) == ("Giulia", "Università di Bologna")
    assert preview.course_title == "bologna c1"
    assert preview.everywhere  # erasure is of the person: profile and names go too
    with pytest.raises(NotAllowed):  # the owner is the partner university for Giulia
        erasure_preview(world.session, owner, exchange_id, participant_id)


def test_erasing_a_person_in_two_exchanges_erases_them_in_both(world: World) -> None:
    owner, _partner, exchange_id, _seat_id = partnered(world)
    second = create_exchange(
        world.session, world.arrive("leiden", "t1", Role.TEACHER, course="c2"), DRAFT
    )
    participant_id = _student_in(world, exchange_id, "leiden", "s1", "Sanne")
    _student_in(world, second.id, "leiden", "s1", "Sanne", course="c2")  # same person
    assert erasure_preview(world.session, owner, exchange_id, participant_id).everywhere


def test_only_those_who_may_erase_see_the_preview(world: World) -> None:
    owner, _partner, exchange_id, _seat_id = partnered(world)
    participant_id = _student_in(world, exchange_id, "leiden", "s1", "Sanne")
    other_student = world.arrive("leiden", "s2", name="Zoë")
    with pytest.raises(NotAllowed):
        erasure_preview(world.session, other_student, exchange_id, participant_id)
    outsider = world.arrive("bologna", "t3", Role.TEACHER, course="elsewhere")
    with pytest.raises(NotAllowed):
        erasure_preview(world.session, outsider, exchange_id, participant_id)
    with pytest.raises(NotFound):  # the participant is not in that exchange
        erasure_preview(world.session, owner, exchange_id + 1, participant_id)
    erase_participant(world.session, owner, participant_id)
    with pytest.raises(NotFound):  # already erased
        erasure_preview(world.session, owner, exchange_id, participant_id)


def test_partner_teachers_cannot_preview_erasing_the_owners_students(world: World) -> None:
    _owner, partner, exchange_id, _seat_id = partnered(world)
    participant_id = _student_in(world, exchange_id, "leiden", "s1", "Sanne")
    with pytest.raises(NotAllowed):
        erasure_preview(world.session, partner, exchange_id, participant_id)
