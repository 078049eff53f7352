"""Exchange rules: who may create, invite, join, decide, leave, and what a launch becomes."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from plugin.actors import Actor, Role
from plugin.errors import Conflict, InvalidInput, NotAllowed, NotFound
from plugin.exchanges.models import (
    Exchange,
    JoinCode,
    Participant,
    ParticipantStatus,
    Seat,
    SeatStatus,
)
from plugin.exchanges.phases import Phase
from plugin.exchanges.service import (
    copy_exchange,
    create_exchange,
    decide_seat,
    enter_exchange,
    exchanges_for_teacher,
    issue_join_code,
    leave_exchange,
    request_seat,
    update_exchange,
)
from tests.plugin.exchanges.world import DRAFT, World
from tests.plugin.exchanges.world import partnered as _partnered


def test_a_teacher_creates_an_exchange_with_default_coil_phases(world: World) -> None:
    teacher = world.arrive("leiden", "t1", Role.TEACHER)
    exchange = create_exchange(world.session, teacher, DRAFT)
    [seat] = exchange.seats
    assert seat.is_owner
    assert seat.status is SeatStatus.APPROVED
    assert seat.course_id == teacher.course_id
    keys = [p["key"] for p in exchange.phases]
    assert keys == ["preparation", "icebreaker", "team_formation", "project_work", "presentation"]
    assert exchange.phases[0]["starts_on"] == "2027-02-01"
    assert exchange.phases[-1]["ends_on"] == "2027-03-28"
    [summary] = exchanges_for_teacher(world.session, teacher)
    assert (summary.exchange_id, summary.is_owner) == (exchange.id, True)


def test_edited_phases_are_kept_and_checked(world: World) -> None:
    teacher = world.arrive("leiden", "t1", Role.TEACHER)
    phases = (
        Phase("kickoff", "Kick-off", date(2027, 2, 1), date(2027, 2, 7)),
        Phase("work", "Work", date(2027, 2, 8), date(2027, 3, 28)),
    )
    exchange = create_exchange(world.session, teacher, replace(DRAFT, phases=phases))
    assert [p["title"] for p in exchange.phases] == ["Kick-off", "Work"]
    outside = (Phase("late", "Late", date(2027, 3, 1), date(2027, 4, 30)),)
    with pytest.raises(InvalidInput, match="between the exchange's start and end"):
        update_exchange(world.session, teacher, exchange.id, replace(DRAFT, phases=outside))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"title": " "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": "x" * 5001}, "description"),
        ({"ends_on": date(2027, 1, 1)}, "end before"),
        ({"team_size_min": 5, "team_size_max": 3}, "Team sizes"),
        ({"weekly_hours": 0}, "Weekly hours"),
        ({"languages": ("xx",)}, "ISO 639-1"),
        ({"languages": ()}, "at least one language"),
    ],
)
def test_bad_setups_are_refused_with_the_field_named(
    world: World, change: dict[str, object], message: str
) -> None:
    teacher = world.arrive("leiden", "t1", Role.TEACHER)
    with pytest.raises(InvalidInput, match=message):
        create_exchange(world.session, teacher, replace(DRAFT, **change))  # type: ignore[arg-type]


def test_students_cannot_do_teacher_actions(world: World) -> None:
    _owner, _partner, exchange_id, seat_id = _partnered(world)
    student = world.arrive("leiden", "s1")
    with pytest.raises(NotAllowed):
        create_exchange(world.session, student, DRAFT)
    with pytest.raises(NotAllowed):
        issue_join_code(world.session, student, exchange_id)
    with pytest.raises(NotAllowed):
        decide_seat(world.session, student, seat_id, approve=False)
    with pytest.raises(NotAllowed):
        request_seat(world.session, student, "ABCD")
    with pytest.raises(NotAllowed):
        leave_exchange(world.session, student, exchange_id)


def test_a_teacher_without_a_course_cannot_create(world: World) -> None:
    teacher = world.arrive("leiden", "t1", Role.TEACHER)
    with pytest.raises(NotAllowed):
        create_exchange(world.session, Actor(teacher.person_id, Role.TEACHER, None), DRAFT)
    with pytest.raises(NotFound, match="registered learning platform"):
        create_exchange(world.session, Actor(teacher.person_id, Role.TEACHER, 999_999), DRAFT)


def test_partner_joins_with_code_and_owner_sees_verified_institution(world: World) -> None:
    owner = world.arrive("leiden", "t1", Role.TEACHER)
    partner = world.arrive("bologna", "t2", Role.TEACHER)
    exchange = create_exchange(world.session, owner, DRAFT)
    issued = issue_join_code(world.session, owner, exchange.id)
    assert issued.expires_at - issued.expires_at.now(issued.expires_at.tzinfo) > timedelta(days=13)
    # Typed loosely: lower case, spaces instead of dashes.
    seat = request_seat(world.session, partner, issued.code.lower().replace("-", " "))
    assert seat.status is SeatStatus.PENDING
    assert seat.course.institution.name == "Università di Bologna"
    # Only the hash is stored.
    stored = world.session.scalars(select(JoinCode.code_hash)).all()
    assert issued.code not in stored
    assert [s.seat_status for s in exchanges_for_teacher(world.session, partner)] == [
        SeatStatus.PENDING
    ]
    # Pending: the partner's students are not in the pool yet.
    assert enter_exchange(world.session, world.arrive("bologna", "s9"), None) is None
    decide_seat(world.session, owner, seat.id, approve=True)
    view = enter_exchange(world.session, world.arrive("bologna", "s9"), None)
    assert view is not None
    assert view.exchange.id == exchange.id
    assert view.needs_onboarding


def test_wrong_expired_and_regenerated_codes_are_refused(world: World) -> None:
    owner = world.arrive("leiden", "t1", Role.TEACHER)
    partner = world.arrive("bologna", "t2", Role.TEACHER)
    exchange = create_exchange(world.session, owner, DRAFT)
    first = issue_join_code(world.session, owner, exchange.id).code
    with pytest.raises(NotFound, match="not valid"):
        request_seat(world.session, partner, "WRONG-CODE-9999")
    with pytest.raises(InvalidInput, match="Enter the join code"):
        request_seat(world.session, partner, " - ")
    second = issue_join_code(world.session, owner, exchange.id).code
    with pytest.raises(NotFound, match="not valid"):
        request_seat(world.session, partner, first)  # regenerating revoked it
    code_row = world.session.scalars(select(JoinCode).where(JoinCode.revoked.is_(False))).one()
    code_row.expires_at = code_row.expires_at - timedelta(days=30)
    world.session.flush()
    with pytest.raises(InvalidInput, match="expired"):
        request_seat(world.session, partner, second)
    with pytest.raises(InvalidInput, match="1 to 90 days"):
        issue_join_code(world.session, owner, exchange.id, valid_days=365)


def test_joining_ones_own_exchange_or_from_the_same_institution_is_refused(world: World) -> None:
    owner = world.arrive("leiden", "t1", Role.TEACHER)
    exchange = create_exchange(world.session, owner, DRAFT)
    code = issue_join_code(world.session, owner, exchange.id).code
    with pytest.raises(Conflict, match="your own exchange"):
        request_seat(world.session, owner, code)
    colleague = world.arrive("leiden", "t3", Role.TEACHER, course="c2")
    with pytest.raises(Conflict, match="another institution"):
        request_seat(world.session, colleague, code)


def test_asking_twice_is_a_conflict_but_a_declined_course_may_ask_again(world: World) -> None:
    owner = world.arrive("leiden", "t1", Role.TEACHER)
    partner = world.arrive("bologna", "t2", Role.TEACHER)
    exchange = create_exchange(world.session, owner, DRAFT)
    code = issue_join_code(world.session, owner, exchange.id).code
    seat = request_seat(world.session, partner, code)
    with pytest.raises(Conflict, match="already asked"):
        request_seat(world.session, partner, code)
    decide_seat(world.session, owner, seat.id, approve=False)
    assert seat.status is SeatStatus.DECLINED
    with pytest.raises(Conflict, match="already been decided"):
        decide_seat(world.session, owner, seat.id, approve=True)
    again = request_seat(world.session, partner, code)
    assert again.id == seat.id
    assert again.status is SeatStatus.PENDING


def test_only_the_owner_decides(world: World) -> None:
    _owner, partner, exchange_id, _seat_id = _partnered(world)
    third = world.arrive("bologna", "t4", Role.TEACHER, course="c3")
    with pytest.raises(NotAllowed):
        issue_join_code(world.session, partner, exchange_id)
    with pytest.raises(NotFound):
        decide_seat(world.session, third, 999_999, approve=True)


def test_a_partner_leaves_and_its_people_leave_the_pool(world: World) -> None:
    owner, partner, exchange_id, _seat_id = _partnered(world)
    student = world.arrive("bologna", "s1")
    assert enter_exchange(world.session, student, None) is not None
    seat = leave_exchange(world.session, partner, exchange_id)
    assert seat.status is SeatStatus.LEFT
    row = world.session.scalars(
        select(Participant).where(Participant.person_id == student.person_id)
    ).one()
    assert row.status is ParticipantStatus.LEFT  # kept: their data stay with their course
    assert enter_exchange(world.session, student, None) is None
    with pytest.raises(Conflict, match="cannot leave"):
        leave_exchange(world.session, owner, exchange_id)
    with pytest.raises(NotFound):
        leave_exchange(world.session, partner, exchange_id)


def test_entering_is_idempotent_and_a_course_in_no_exchange_enters_nothing(world: World) -> None:
    owner = world.arrive("leiden", "t1", Role.TEACHER)
    assert enter_exchange(world.session, owner, None) is None
    exchange = create_exchange(world.session, owner, DRAFT)
    student = world.arrive("leiden", "s1")
    first = enter_exchange(world.session, student, None)
    second = enter_exchange(world.session, student, None)
    assert first is not None
    assert second is not None
    assert first.participant.id == second.participant.id
    teacher_view = enter_exchange(world.session, owner, None)
    assert teacher_view is not None
    assert teacher_view.is_teacher
    assert not teacher_view.needs_onboarding
    assert exchange.id == first.exchange.id


def test_a_hint_naming_an_exchange_outside_the_course_is_ignored(world: World) -> None:
    owner = world.arrive("leiden", "t1", Role.TEACHER)
    mine = create_exchange(world.session, owner, DRAFT)
    other_teacher = world.arrive("bologna", "t2", Role.TEACHER)
    foreign = create_exchange(world.session, other_teacher, DRAFT)
    student = world.arrive("leiden", "s1")
    hinted = enter_exchange(world.session, student, str(mine.id))
    assert hinted is not None
    assert hinted.exchange.id == mine.id
    ignored = enter_exchange(world.session, student, str(foreign.id))
    assert ignored is not None
    assert ignored.exchange.id == mine.id


def test_a_course_is_in_one_live_exchange_at_a_time(world: World) -> None:
    owner = world.arrive("leiden", "t1", Role.TEACHER)
    first = create_exchange(world.session, owner, DRAFT)
    # The same form sent twice is the same exchange, not a second one.
    assert create_exchange(world.session, owner, DRAFT).id == first.id
    with pytest.raises(Conflict, match="already in the exchange “Climate & Cities”"):
        create_exchange(world.session, owner, replace(DRAFT, title="Second"))
    colleague = world.arrive("leiden", "t3", Role.TEACHER)  # same course, other teacher
    with pytest.raises(Conflict, match="one exchange at a time"):
        create_exchange(world.session, colleague, DRAFT)
    with pytest.raises(Conflict, match="one exchange at a time"):
        copy_exchange(world.session, owner, first.id, date(2028, 2, 7))
    other_owner = world.arrive("bologna", "t2", Role.TEACHER)
    elsewhere = create_exchange(world.session, other_owner, replace(DRAFT, title="Bologna's"))
    code = issue_join_code(world.session, other_owner, elsewhere.id).code
    with pytest.raises(Conflict, match="already in the exchange"):
        request_seat(world.session, owner, code)
    assert len(exchanges_for_teacher(world.session, owner)) == 1


def test_a_course_waiting_for_an_answer_cannot_create_or_ask_elsewhere(world: World) -> None:
    owner = world.arrive("leiden", "t1", Role.TEACHER)
    exchange = create_exchange(world.session, owner, DRAFT)
    second = world.arrive("leiden", "t5", Role.TEACHER, course="c5")
    other = create_exchange(world.session, second, replace(DRAFT, title="Other"))
    partner = world.arrive("bologna", "t2", Role.TEACHER)
    request_seat(world.session, partner, issue_join_code(world.session, owner, exchange.id).code)
    with pytest.raises(Conflict, match="waits for its owner's answer"):
        create_exchange(world.session, partner, DRAFT)
    with pytest.raises(Conflict, match="waits for its owner's answer"):
        request_seat(world.session, partner, issue_join_code(world.session, second, other.id).code)


def test_the_database_refuses_a_second_live_seat_for_a_course(world: World) -> None:
    """The partial unique index holds even when a use case's check is bypassed (races)."""
    owner = world.arrive("leiden", "t1", Role.TEACHER)
    first_id = create_exchange(world.session, owner, DRAFT).id
    second = Exchange(
        title="Raced", starts_on=DRAFT.starts_on, ends_on=DRAFT.ends_on, owner_id=owner.person_id
    )
    second.seats.append(
        Seat(
            course_id=owner.course_id,
            status=SeatStatus.PENDING,
            requested_by_id=owner.person_id,
        )
    )
    with pytest.raises(IntegrityError), world.session.begin_nested():
        world.session.add(second)
    # A seat that has left no longer counts: the course may then be placed again.
    world.session.expunge_all()
    seat = world.session.scalars(select(Seat).where(Seat.exchange_id == first_id)).one()
    seat.status = SeatStatus.LEFT
    world.session.commit()
    assert create_exchange(world.session, owner, replace(DRAFT, title="Next")).id != first_id


def test_copying_last_terms_exchange_moves_dates_and_takes_no_partners(world: World) -> None:
    owner, _partner, exchange_id, _seat = _partnered(world)
    # Next term: a new course (course copy gives a new context id).
    next_term = world.arrive("leiden", "t1", Role.TEACHER, course="c1-2028")
    copy = copy_exchange(world.session, next_term, exchange_id, date(2028, 2, 7))
    assert copy.copied_from_id == exchange_id
    assert (copy.starts_on, copy.ends_on) == (date(2028, 2, 7), date(2028, 4, 2))  # same 56 days
    assert copy.phases[0]["starts_on"] == "2028-02-07"
    assert [s.course_id for s in copy.seats] == [next_term.course_id]
    stranger = world.arrive("bologna", "t9", Role.TEACHER, course="c9")
    with pytest.raises(NotAllowed, match="only copy"):
        copy_exchange(world.session, stranger, exchange_id, date(2028, 2, 7))
    assert owner.person_id == next_term.person_id
