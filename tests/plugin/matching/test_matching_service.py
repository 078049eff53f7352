"""Matching use cases on a real exchange: propose, edit by hand, re-run keeping locks, publish."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from plugin.actors import Actor, Role
from plugin.errors import Conflict, NotAllowed
from plugin.exchanges.models import Participant, ParticipantStatus
from plugin.exchanges.service import (
    create_exchange,
    decide_seat,
    enter_exchange,
    issue_join_code,
    request_seat,
)
from plugin.matching.candidates import MatchRules
from plugin.matching.models import MatchingRun
from plugin.matching.service import (
    Unplaced,
    lock_member,
    move_member,
    place_late_joiners_use_case,
    propose_teams,
    publish_teams,
    rebalance_dropouts,
    rerun,
    view_run,
)
from plugin.notifications.service import my_notifications
from plugin.profiles.models import Profile
from plugin.teammates.service import request_teammate, teammate_requests
from plugin.teams.models import Team
from tests.plugin.exchanges.world import DRAFT, World

TUE_13_19 = [[24 * 60 + 13 * 60, 24 * 60 + 19 * 60]]
RULES = MatchRules(min_size=3, max_size=4, min_institutions=2, max_per_institution=2)


def _student(world: World, where: str, sub: str) -> Actor:
    actor = world.arrive(where, sub, name=f"{where}-{sub}", email=f"{sub}@{where}.example")
    world.session.add(
        Profile(
            person_id=actor.person_id,
            time_zone="Europe/Amsterdam",
            availability=TUE_13_19,
            languages=[{"code": "en", "level": "B2"}],
            discipline="law" if sub.endswith(("1", "3")) else "history",
        )
    )
    world.session.commit()
    assert enter_exchange(world.session, actor, None) is not None
    return actor


def _exchange(world: World, students: int = 8) -> tuple[Actor, int, list[Actor]]:
    owner = world.arrive("leiden", "t1", Role.TEACHER)
    partner = world.arrive("bologna", "t2", Role.TEACHER)
    exchange = create_exchange(world.session, owner, DRAFT)
    code = issue_join_code(world.session, owner, exchange.id).code
    decide_seat(world.session, owner, request_seat(world.session, partner, code).id, approve=True)
    people = [_student(world, "leiden" if k % 2 else "bologna", f"s{k}") for k in range(students)]
    return owner, exchange.id, people


def test_a_proposal_is_stored_with_rules_seed_and_valid_teams(world: World) -> None:
    owner, exchange_id, people = _exchange(world)
    run = propose_teams(world.session, owner, exchange_id, RULES, seed=7, seconds=1.0)
    stored = world.session.get(MatchingRun, run.id)
    assert stored is not None
    assert stored.seed == 7
    assert stored.rules["min_institutions"] == 2
    placed = sorted(pid for members in stored.teams.values() for pid in members)
    assert placed == sorted(p.person_id for p in people)
    view = view_run(world.session, owner, run.id)
    assert view.review.valid
    assert view.report is None
    assert view.review.score.total == pytest.approx(stored.result["objective"])
    assert all("mixes 2 universities" in t.draft.explanation for t in view.review.teams)
    with pytest.raises(NotAllowed):
        propose_teams(world.session, people[0], exchange_id, RULES)


def test_moves_rescore_locks_survive_a_rerun_and_publish_makes_teams(world: World) -> None:
    owner, exchange_id, people = _exchange(world)
    run = propose_teams(world.session, owner, exchange_id, RULES, seconds=1.0)
    before = view_run(world.session, owner, run.id).review
    keys = sorted(run.teams)
    mover = run.teams[keys[0]][0]
    move_member(world.session, owner, run.id, mover, keys[1])
    after = view_run(world.session, owner, run.id).review
    assert mover in run.teams[keys[1]]
    assert after.score.total != pytest.approx(before.score.total) or not after.valid
    lock_member(world.session, owner, run.id, mover, locked=True)
    with pytest.raises(Conflict):
        move_member(world.session, owner, run.id, mover, keys[0])
    again = rerun(world.session, owner, run.id, seed=3)
    assert again.id != run.id
    if again.teams:  # the lock may make the pool infeasible; then the run holds a report
        assert mover in again.teams[keys[1]]
    publish_teams(world.session, owner, run.id)
    teams = world.session.scalars(select(Team).where(Team.exchange_id == exchange_id)).all()
    assert sorted(m.person_id for t in teams for m in t.members) == sorted(
        p.person_id for p in people
    )
    assert any(m.locked and m.person_id == mover for t in teams for m in t.members)
    with pytest.raises(Conflict):
        move_member(world.session, owner, run.id, mover, keys[0])


def test_late_joiner_is_placed_and_dropout_rebalanced(world: World) -> None:
    owner, exchange_id, people = _exchange(world, students=6)
    run = propose_teams(world.session, owner, exchange_id, RULES, seconds=1.0)
    publish_teams(world.session, owner, run.id)
    late = _student(world, "leiden", "s9")
    placed = place_late_joiners_use_case(world.session, owner, exchange_id)
    assert [m.candidate_id for m in placed.moves] == [str(late.person_id)]
    assert all(m.from_team is None for m in placed.moves)
    teams = world.session.scalars(select(Team).where(Team.exchange_id == exchange_id)).all()
    assert any(t.has_member(late.person_id) for t in teams)
    leaver = world.session.scalars(
        select(Participant).where(Participant.person_id == people[0].person_id)
    ).one()
    leaver.status = ParticipantStatus.LEFT
    world.session.commit()
    rebalance_dropouts(world.session, owner, exchange_id)
    teams = world.session.scalars(select(Team).where(Team.exchange_id == exchange_id)).all()
    assert not any(t.has_member(people[0].person_id) for t in teams)


def _leave(world: World, actor: Actor) -> None:
    participant = world.session.scalars(
        select(Participant).where(Participant.person_id == actor.person_id)
    ).one()
    participant.status = ParticipantStatus.LEFT
    world.session.commit()


def test_pairs_of_a_leaver_lapse_and_locked_teams_take_no_newcomer(world: World) -> None:
    owner, exchange_id, people = _exchange(world, students=6)
    a, b = str(people[0].person_id), str(people[2].person_id)
    rules = replace(RULES, keep_together=((a, b),))
    run = propose_teams(world.session, owner, exchange_id, rules, seconds=1.0)
    assert any({int(a), int(b)} <= set(members) for members in run.teams.values())
    for members in run.teams.values():  # every team locked: no open team for a newcomer
        stays = next(pid for pid in members if pid != people[0].person_id)
        lock_member(world.session, owner, run.id, stays, locked=True)
    publish_teams(world.session, owner, run.id)
    _leave(world, people[0])
    view = view_run(world.session, owner, run.id)  # the pair names a leaver: no error
    assert view.left_in_teams == 1
    assert rerun(world.session, owner, run.id, seed=1).rules["keep_together"] == []  # lapsed
    late = _student(world, "leiden", "s9")
    assert view_run(world.session, owner, run.id).late_joiners == (str(late.person_id),)
    changes = place_late_joiners_use_case(world.session, owner, exchange_id)
    assert changes.run_id == run.id
    assert changes.moves == ()
    assert changes.unplaced == (Unplaced(str(late.person_id), ()),)
    before = {t.id: sorted(m.person_id for m in t.members) for t in _teams(world, exchange_id)}
    rebalanced = rebalance_dropouts(world.session, owner, exchange_id)
    assert rebalanced.moves == ()  # a locked team is never broken up, even when it is short
    after = {t.id: sorted(m.person_id for m in t.members) for t in _teams(world, exchange_id)}
    assert after == {k: [p for p in v if p != people[0].person_id] for k, v in before.items()}


def test_an_unplaced_late_joiner_is_told_the_rule_that_keeps_them_out(world: World) -> None:
    owner, exchange_id, _people = _exchange(world, students=6)
    run = propose_teams(world.session, owner, exchange_id, RULES, seconds=1.0)
    publish_teams(world.session, owner, run.id)
    late = _student(world, "bologna", "s9")
    profile = world.session.scalars(
        select(Profile).where(Profile.person_id == late.person_id)
    ).one()
    profile.availability = [[0, 60]]  # Monday 00:00-01:00 UTC only
    world.session.commit()
    changes = place_late_joiners_use_case(world.session, owner, exchange_id)
    assert changes.unplaced == (Unplaced(str(late.person_id), ("shared hours",)),)
    assert not any(t.has_member(late.person_id) for t in _teams(world, exchange_id))


def _teams(world: World, exchange_id: int) -> list[Team]:
    world.session.expire_all()
    return list(world.session.scalars(select(Team).where(Team.exchange_id == exchange_id)))


def test_a_mutual_teammate_request_puts_the_pair_together_and_scores(world: World) -> None:
    owner, exchange_id, people = _exchange(world)
    bologna, leiden = people[0], people[1]  # partners: they reach each other by code only
    codes = {p.person_id: teammate_requests(world.session, p, exchange_id).code for p in people}
    request_teammate(world.session, bologna, exchange_id, code=codes[leiden.person_id])
    one_way = propose_teams(world.session, owner, exchange_id, RULES, seconds=1.0)
    assert one_way.result["score"]["requests"] == 0  # asked by one of the two: not honoured
    request_teammate(world.session, leiden, exchange_id, code=codes[bologna.person_id])
    for seed in (0, 1, 2):
        run = propose_teams(world.session, owner, exchange_id, RULES, seed=seed, seconds=1.0)
        together = [m for m in run.teams.values() if bologna.person_id in m]
        assert leiden.person_id in together[0]
        assert run.result["score"]["requests"] > 0
        assert view_run(world.session, owner, run.id).review.score.requests > 0


def test_publishing_tells_every_member_their_team_and_teammates(world: World) -> None:
    owner, exchange_id, people = _exchange(world, students=6)
    run = propose_teams(world.session, owner, exchange_id, RULES, seconds=1.0)
    publish_teams(world.session, owner, run.id)
    teams = world.session.scalars(select(Team).where(Team.exchange_id == exchange_id)).all()
    for team in teams:
        for member in team.members:
            actor = next(p for p in people if p.person_id == member.person_id)
            notices = my_notifications(world.session, actor)
            assert [(n.kind, n.target) for n in notices] == [("teams_published", f"room:{team.id}")]
            assert team.name in notices[0].body
            assert notices[0].body.count("(") == len(team.members) - 1  # "Name (University)"
    # the owner heard of the partner's join request earlier, not of the teams
    assert [n.kind for n in my_notifications(world.session, owner)] == ["join_requested"]
