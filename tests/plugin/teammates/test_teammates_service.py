"""Teammate requests on a real Leiden-Bologna exchange: each rule, the privacy rule above all."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from plugin.actors import Actor, Role
from plugin.errors import Conflict, InvalidInput, NotAllowed, NotFound
from plugin.exchanges.models import Participant
from plugin.exchanges.service import create_exchange, enter_exchange, leave_exchange
from plugin.privacy.service import erase_participant, export_my_data, exported_rows
from plugin.teammates.models import TeammateCode, TeammateRequest
from plugin.teammates.service import (
    MAX_REQUESTS,
    new_teammate_code,
    remove_teammate_request,
    request_teammate,
    teammate_requests,
)
from plugin.teams.service import create_team
from tests.plugin.exchanges.world import DRAFT, World, partnered


@dataclass
class Exchange:
    owner: Actor
    partner: Actor
    id: int
    leiden: list[Actor]
    bologna: list[Actor]


def _in(world: World, where: str, sub: str, course: str = "c1") -> Actor:
    actor = world.arrive(where, sub, name=f"{where.title()} {sub}", course=course)
    assert enter_exchange(world.session, actor, None) is not None
    return actor


@pytest.fixture
def ex(world: World) -> Exchange:
    owner, partner, exchange_id, _seat = partnered(world)
    return Exchange(
        owner,
        partner,
        exchange_id,
        [_in(world, "leiden", f"l{k}") for k in range(5)],
        [_in(world, "bologna", f"b{k}") for k in range(2)],
    )


def _code(world: World, actor: Actor, ex: Exchange) -> str:
    return teammate_requests(world.session, actor, ex.id).code


def test_a_classmate_picked_from_the_list_counts_once_both_ask(world: World, ex: Exchange) -> None:
    a, b = ex.leiden[0], ex.leiden[1]
    made = request_teammate(world.session, a, ex.id, person_id=b.person_id)
    assert (made.name, made.institution, made.mutual) == ("Leiden l1", "Universiteit Leiden", False)
    back = request_teammate(world.session, b, ex.id, person_id=a.person_id)
    assert back.mutual
    page = teammate_requests(world.session, a, ex.id)
    assert [(r.person_id, r.mutual) for r in page.requests] == [(b.person_id, True)]
    assert b.person_id not in {c.person_id for c in page.classmates}  # already asked


def test_the_list_offers_own_university_only_and_ids_of_partners_cannot_be_picked(
    world: World, ex: Exchange
) -> None:
    a, x = ex.leiden[0], ex.bologna[0]
    page = teammate_requests(world.session, a, ex.id)
    assert [c.name for c in page.classmates] == [f"Leiden l{k}" for k in range(1, 5)]
    assert not any("Bologna" in c.name for c in page.classmates)
    wrong = []
    for person_id in (x.person_id, ex.owner.person_id, ex.partner.person_id, 10**9):
        with pytest.raises(NotFound) as refused:
            request_teammate(world.session, a, ex.id, person_id=person_id)
        wrong.append(refused.value.message)
    assert len(set(wrong)) == 1  # a partner's student is indistinguishable from nobody
    assert world.session.scalars(select(TeammateRequest)).all() == []


def test_a_code_reaches_a_partner_student_and_shows_only_their_name(
    world: World, ex: Exchange
) -> None:
    a, x = ex.leiden[0], ex.bologna[0]
    code = _code(world, a, ex)
    typed = code.lower().replace("-", " ")  # read aloud and typed loosely still works
    made = request_teammate(world.session, x, ex.id, code=typed)
    assert (made.person_id, made.name, made.institution) == (
        a.person_id,
        "Leiden l0",
        "Universiteit Leiden",
    )
    mine = teammate_requests(world.session, a, ex.id)
    assert mine.asked_by_partners == 1  # a count: x handed out nothing, so x stays unnamed
    assert mine.asked_by == ()
    back = request_teammate(world.session, a, ex.id, code=_code(world, x, ex))
    assert back.mutual
    assert teammate_requests(world.session, a, ex.id).asked_by_partners == 0


def test_own_university_askers_are_named_to_the_person_asked(world: World, ex: Exchange) -> None:
    a, b = ex.leiden[0], ex.leiden[1]
    request_teammate(world.session, b, ex.id, person_id=a.person_id)
    assert [c.name for c in teammate_requests(world.session, a, ex.id).asked_by] == ["Leiden l1"]


def test_bad_codes_and_self_requests_are_refused(world: World, ex: Exchange) -> None:
    a, x = ex.leiden[0], ex.bologna[0]
    with pytest.raises(InvalidInput):
        request_teammate(world.session, a, ex.id, code=" - ")
    with pytest.raises(NotFound):
        request_teammate(world.session, a, ex.id, code="2222-3333-4444")
    with pytest.raises(InvalidInput):
        request_teammate(world.session, a, ex.id, code=_code(world, a, ex))
    with pytest.raises(InvalidInput):
        request_teammate(world.session, a, ex.id, person_id=a.person_id)
    with pytest.raises(InvalidInput):
        request_teammate(world.session, a, ex.id)
    with pytest.raises(InvalidInput):
        request_teammate(world.session, a, ex.id, person_id=x.person_id, code="K7QM-2XPA-9RTD")


def test_a_code_works_only_in_its_own_exchange(world: World, ex: Exchange) -> None:
    a = ex.leiden[0]
    other = world.arrive("leiden", "t9", Role.TEACHER, course="c2")
    elsewhere = create_exchange(world.session, other, DRAFT)
    stranger = world.arrive("leiden", "z1", course="c2", name="Zed")
    assert enter_exchange(world.session, stranger, str(elsewhere.id)) is not None
    with pytest.raises(NotFound):
        request_teammate(world.session, stranger, elsewhere.id, code=_code(world, a, ex))
    with pytest.raises(NotAllowed):  # and nobody outside an exchange can use one in it
        request_teammate(world.session, stranger, ex.id, code=_code(world, a, ex))


def test_duplicates_and_the_limit_are_conflicts(world: World, ex: Exchange) -> None:
    a, *others = ex.leiden
    request_teammate(world.session, a, ex.id, person_id=others[0].person_id)
    with pytest.raises(Conflict):
        request_teammate(world.session, a, ex.id, person_id=others[0].person_id)
    for other in others[1:MAX_REQUESTS]:
        request_teammate(world.session, a, ex.id, person_id=other.person_id)
    page = teammate_requests(world.session, a, ex.id)
    assert (page.live, page.can_ask) == (MAX_REQUESTS, False)
    with pytest.raises(Conflict) as refused:
        request_teammate(world.session, a, ex.id, person_id=others[MAX_REQUESTS].person_id)
    assert f"at most {MAX_REQUESTS} teammates" in refused.value.message


def test_only_student_participants_may_ask(world: World, ex: Exchange) -> None:
    outsider = world.arrive("leiden", "o1", course="c3", name="Outsider")
    for actor, error in ((outsider, NotAllowed), (ex.owner, NotAllowed)):
        with pytest.raises(error):
            teammate_requests(world.session, actor, ex.id)
        with pytest.raises(error):
            request_teammate(world.session, actor, ex.id, person_id=ex.leiden[0].person_id)


def test_removing_a_request(world: World, ex: Exchange) -> None:
    a, b = ex.leiden[0], ex.leiden[1]
    request_teammate(world.session, a, ex.id, person_id=b.person_id)
    remove_teammate_request(world.session, a, ex.id, b.person_id)
    assert teammate_requests(world.session, a, ex.id).requests == ()
    with pytest.raises(NotFound):
        remove_teammate_request(world.session, a, ex.id, b.person_id)


def test_requests_to_leavers_lapse_and_free_their_place(world: World, ex: Exchange) -> None:
    a, x = ex.leiden[0], ex.bologna[0]
    request_teammate(world.session, a, ex.id, code=_code(world, x, ex))
    for other in ex.leiden[1:MAX_REQUESTS]:
        request_teammate(world.session, a, ex.id, person_id=other.person_id)
    leave_exchange(world.session, ex.partner, ex.id)  # Bologna's course leaves with x
    page = teammate_requests(world.session, a, ex.id)
    lapsed = [r for r in page.requests if r.lapsed]
    assert [(r.person_id, r.mutual) for r in lapsed] == [(x.person_id, False)]
    assert page.can_ask
    request_teammate(world.session, a, ex.id, person_id=ex.leiden[MAX_REQUESTS].person_id)
    remove_teammate_request(world.session, a, ex.id, x.person_id)  # and can be cleared


def test_requests_freeze_once_the_exchange_has_teams(world: World, ex: Exchange) -> None:
    a, b, c = ex.leiden[:3]
    request_teammate(world.session, a, ex.id, person_id=b.person_id)
    create_team(world.session, ex.owner, ex.id, "Team T01", [a.person_id, b.person_id])
    page = teammate_requests(world.session, a, ex.id)
    assert page.frozen
    assert not page.can_ask
    assert [r.person_id for r in page.requests] == [b.person_id]  # kept as the record
    with pytest.raises(Conflict):
        request_teammate(world.session, a, ex.id, person_id=c.person_id)
    with pytest.raises(Conflict):
        remove_teammate_request(world.session, a, ex.id, b.person_id)


def test_a_new_code_stops_the_old_one(world: World, ex: Exchange) -> None:
    a, x = ex.leiden[0], ex.bologna[0]
    old = _code(world, a, ex)
    new = new_teammate_code(world.session, a, ex.id)
    assert new != old
    assert _code(world, a, ex) == new
    with pytest.raises(NotFound):
        request_teammate(world.session, x, ex.id, code=old)
    assert request_teammate(world.session, x, ex.id, code=new).person_id == a.person_id


def test_export_lists_requests_and_erasure_removes_them(world: World, ex: Exchange) -> None:
    a, b, x = ex.leiden[0], ex.leiden[1], ex.bologna[0]
    request_teammate(world.session, a, ex.id, person_id=b.person_id)
    request_teammate(world.session, x, ex.id, code=_code(world, a, ex))
    data = export_my_data(world.session, a)
    asked = [r for h in data["holdings"] if h["column"] == "requester_id" for r in h["rows"]]
    assert [r["requested_id"] for r in asked] == [b.person_id]
    asked_for_me = [r for h in data["holdings"] if h["column"] == "requested_id" for r in h["rows"]]
    assert len(asked_for_me) == 1
    assert "requester_id" not in asked_for_me[0]  # who asked is theirs to tell, not ours
    assert [r["code"] for r in exported_rows(data, "teammate_code")] == [_code(world, a, ex)]
    participant = world.session.scalar(
        select(Participant).where(
            Participant.exchange_id == ex.id, Participant.person_id == a.person_id
        )
    )
    assert participant is not None
    erase_participant(world.session, ex.owner, participant.id)
    left = world.session.scalars(select(TeammateRequest)).all()
    assert all(a.person_id not in (r.requester_id, r.requested_id) for r in left)
    assert left == []
    codes = world.session.scalars(select(TeammateCode.person_id)).all()
    assert a.person_id not in codes
    assert teammate_requests(world.session, x, ex.id).requests == ()
