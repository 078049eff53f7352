"""A placement's rules: a course copy is noticed, its teacher may copy or join, and a deep
link places only an exchange the course has an approved seat in."""

from __future__ import annotations

import pytest

from plugin.actors import Role
from plugin.errors import NotAllowed, NotFound
from plugin.exchanges.service import (
    approved_exchange_of_course,
    create_exchange,
    issue_join_code,
    placement_choices,
    placement_was_copied,
    request_seat,
)
from tests.plugin.exchanges.world import DRAFT, World


def test_a_copied_course_sees_last_terms_exchange_and_may_copy_it(world: World) -> None:
    owner = world.arrive("leiden", "t1", Role.TEACHER)
    exchange = create_exchange(world.session, owner, DRAFT)
    hint = str(exchange.id)
    assert not placement_was_copied(world.session, owner, hint)  # the course has its seat
    next_term = world.arrive("leiden", "t1", Role.TEACHER, course="c1-2028")
    assert placement_was_copied(world.session, next_term, hint)
    assert not placement_was_copied(world.session, next_term, "not a number")
    choices = placement_choices(world.session, next_term, hint)
    assert choices.source is not None
    assert choices.source.id == exchange.id
    assert choices.may_copy
    stranger = world.arrive("bologna", "t9", Role.TEACHER, course="c9")
    assert not placement_choices(world.session, stranger, hint).may_copy
    student = world.arrive("leiden", "s1", Role.STUDENT, course="c1-2028")
    assert not placement_was_copied(world.session, student, hint)
    with pytest.raises(NotAllowed):
        placement_choices(world.session, student, hint)


def test_a_deep_link_places_only_an_approved_seats_exchange(world: World) -> None:
    owner = world.arrive("leiden", "t1", Role.TEACHER)
    exchange = create_exchange(world.session, owner, DRAFT)
    assert approved_exchange_of_course(world.session, owner, exchange.id) == exchange.id
    partner = world.arrive("bologna", "t2", Role.TEACHER)
    request_seat(world.session, partner, issue_join_code(world.session, owner, exchange.id).code)
    with pytest.raises(NotFound):  # pending, not approved
        approved_exchange_of_course(world.session, partner, exchange.id)
    with pytest.raises(NotFound):
        approved_exchange_of_course(world.session, owner, None)
