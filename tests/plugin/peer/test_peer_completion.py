"""Peer evaluation in completion: a requirement where chosen, and the factor in the grade."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from plugin.completion.rules import PEER, CompletionFacts, Rule, evaluate
from plugin.completion.service import approve_completion
from plugin.peer.service import Policy, close_round, open_round, set_policy, submit_ratings
from plugin.teams.models import TeamMembership
from tests.plugin.completion.completion_world import build_completion_world, make_ready


def test_taking_part_is_a_requirement_only_where_chosen() -> None:
    rule = Rule(version=1, min_meetings=0, min_contribution_weeks=0, reflection_required=False)
    assert PEER not in {r.key for r in evaluate(rule, CompletionFacts()).requirements}
    missing = evaluate(rule, CompletionFacts(peer_rounds=(1, 2))).missing
    assert [(r.key, r.have, r.need) for r in missing if r.key == PEER] == [(PEER, 1, 2)]
    done = evaluate(rule, CompletionFacts(peer_rounds=(2, 2)))
    assert all(r.done for r in done.requirements if r.key == PEER)


def test_the_factor_scales_the_grade_sent(session: Session) -> None:
    cw = build_completion_world(session)
    w = cw.rooms
    make_ready(session, cw, w.alice)
    members = [
        m.person_id
        for m in session.query(TeamMembership).filter(TeamMembership.team_id == w.team_id)
    ]
    set_policy(session, w.teacher, cw.exchange_id, Policy(adjust_grades=True))
    now = datetime.now(UTC)
    peer_round = open_round(
        session,
        w.teacher,
        cw.exchange_id,
        "Final",
        now - timedelta(hours=1),
        now + timedelta(days=1),
    )
    for rater in (w.alice, w.bruno, w.chen):
        scores = {
            pid: (2,) * 5 if pid == w.alice.person_id and rater != w.alice else (4,) * 5
            for pid in members
        }
        submit_ratings(session, rater, peer_round.id, scores)
    close_round(session, w.teacher, peer_round.id)
    decision = approve_completion(session, w.teacher, cw.exchange_id, w.alice.person_id)
    assert decision.grade is not None
    # Alice: 2 from both peers; Bruno and Chen: (4 + 4) / 2. Team average 10/3: factor 0.6.
    assert decision.grade.score_given == pytest.approx(100 * 2 / (10 / 3))
