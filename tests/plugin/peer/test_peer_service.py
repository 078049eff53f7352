"""Peer rounds and check-ins through their use cases, on both databases: every privacy rule."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.checkins.models import CheckinAnswer
from plugin.checkins.service import (
    answer_checkin,
)
from plugin.errors import Conflict, InvalidInput, NotAllowed
from plugin.exchanges.service import individual_data_shared, set_team_data_sharing
from plugin.notifications.models import Notification
from plugin.peer.flags import LOW_PERFORMER
from plugin.peer.models import PeerRating, PeerResult
from plugin.peer.service import (
    MIN_RATERS,
    Policy,
    announce_peer_rounds,
    close_round,
    grade_factor,
    my_feedback,
    open_round,
    participation,
    rating_form,
    research_csv,
    round_results,
    set_policy,
    submit_ratings,
)
from plugin.people.models import Person
from tests.plugin.peer.peer_world import NOW, PeerWorld, build_peer_world, window

ALL_FIVE = (4, 4, 4, 4, 4)


@pytest.fixture
def pw(session: Session) -> PeerWorld:
    return build_peer_world(session)


def _open(session: Session, pw: PeerWorld, title: str = "Mid-point") -> int:
    opens, closes = window()
    return open_round(session, pw.rooms.teacher, pw.exchange_id, title, opens, closes, now=NOW).id


def _rate_all(session: Session, pw: PeerWorld, round_id: int, low: Actor | None = None) -> None:
    """Everyone rates everyone 4, except ``low`` who everyone else rates 1."""
    ids = [a.person_id for a in pw.team]
    for rater in pw.team:
        scores = {
            pid: (1,) * 5 if low and pid == low.person_id and rater != low else ALL_FIVE
            for pid in ids
        }
        submit_ratings(session, rater, round_id, scores, f"note from {rater.person_id}", now=NOW)


def _institution(session: Session, actor: Actor) -> int:
    person = session.get(Person, actor.person_id)
    assert person is not None
    return person.institution_id


def test_sharing_needs_both_universities(session: Session, pw: PeerWorld) -> None:
    w = pw.rooms
    leiden, bologna = _institution(session, w.alice), _institution(session, w.bruno)
    assert individual_data_shared(session, pw.exchange_id, leiden, leiden)
    assert not individual_data_shared(session, pw.exchange_id, leiden, bologna)
    set_team_data_sharing(session, w.teacher, pw.exchange_id, True)
    assert not individual_data_shared(session, pw.exchange_id, leiden, bologna)
    set_team_data_sharing(session, w.partner_teacher, pw.exchange_id, True)
    assert individual_data_shared(session, pw.exchange_id, leiden, bologna)
    assert individual_data_shared(session, pw.exchange_id, bologna, leiden)
    with pytest.raises(NotAllowed):
        set_team_data_sharing(session, w.stranger, pw.exchange_id, True)


def test_a_round_opens_once_and_tells_students(session: Session, pw: PeerWorld) -> None:
    round_id = _open(session, pw)
    assert _open(session, pw) == round_id  # a double submit
    opens, closes = window()
    with pytest.raises(Conflict):
        open_round(
            session,
            pw.rooms.teacher,
            pw.exchange_id,
            "Mid-point",
            opens,
            closes + timedelta(days=1),
            now=NOW,
        )
    with pytest.raises(InvalidInput):
        open_round(session, pw.rooms.teacher, pw.exchange_id, "Bad", closes, opens, now=NOW)
    with pytest.raises(NotAllowed):
        open_round(session, pw.rooms.alice, pw.exchange_id, "Mine", opens, closes, now=NOW)
    told = session.scalar(
        select(func.count()).select_from(Notification).where(Notification.kind == "peer_round_open")
    )
    assert told == 6  # five in team 1, Dora in team 2


def test_ratings_replace_and_must_cover_the_team(session: Session, pw: PeerWorld) -> None:
    round_id = _open(session, pw)
    alice = pw.rooms.alice
    form = rating_form(session, alice, round_id, now=NOW)
    assert form.teammates[0].is_self
    assert len(form.teammates) == 5
    with pytest.raises(InvalidInput):
        submit_ratings(session, alice, round_id, {alice.person_id: ALL_FIVE}, now=NOW)
    ids = [a.person_id for a in pw.team]
    with pytest.raises(InvalidInput):
        submit_ratings(session, alice, round_id, dict.fromkeys(ids, (6, 4, 4, 4, 4)), now=NOW)
    submit_ratings(session, alice, round_id, dict.fromkeys(ids, ALL_FIVE), now=NOW)
    submit_ratings(session, alice, round_id, dict.fromkeys(ids, (3, 3, 3, 3, 3)), now=NOW)
    rows = session.scalars(select(PeerRating).where(PeerRating.rater_id == alice.person_id)).all()
    assert len(rows) == 5
    assert {r.contributing for r in rows} == {3}
    with pytest.raises(InvalidInput):  # Dora is in another team: not hers to rate
        submit_ratings(session, pw.rooms.dora, round_id, dict.fromkeys(ids, ALL_FIVE), now=NOW)
    with pytest.raises(InvalidInput):  # closed
        submit_ratings(
            session, alice, round_id, dict.fromkeys(ids, ALL_FIVE), now=NOW + timedelta(days=7)
        )


def test_students_see_only_their_own_aggregates_after_closing(
    session: Session, pw: PeerWorld
) -> None:
    round_id = _open(session, pw)
    _rate_all(session, pw, round_id, low=pw.rooms.chen)
    assert not my_feedback(session, pw.rooms.chen, round_id).ready  # still open
    close_round(session, pw.rooms.teacher, round_id, now=NOW)
    chen = my_feedback(session, pw.rooms.chen, round_id)
    assert chen.ready
    assert not chen.withheld
    assert chen.raters == 4
    assert chen.peer_mean == pytest.approx(1.0)
    assert chen.dimensions["contributing"] == pytest.approx(1.0)
    # Nothing in it names a rater.
    assert not any(hasattr(chen, name) for name in ("given", "ratings", "comment"))
    told = session.scalar(
        select(func.count())
        .select_from(Notification)
        .where(Notification.kind == "peer_round_closed")
    )
    assert told == 6


def test_fewer_than_three_raters_means_no_feedback(session: Session, pw: PeerWorld) -> None:
    round_id = _open(session, pw)
    ids = [a.person_id for a in pw.team]
    for rater in pw.team[:3]:  # Alice, Bruno, Chen: Alice is rated by two teammates
        submit_ratings(session, rater, round_id, dict.fromkeys(ids, ALL_FIVE), now=NOW)
    close_round(session, pw.rooms.teacher, round_id, now=NOW)
    alice = my_feedback(session, pw.rooms.alice, round_id)
    assert alice.raters == MIN_RATERS - 1
    assert alice.withheld
    assert alice.peer_mean is None
    assert alice.dimensions == {}
    eva = my_feedback(session, pw.eva, round_id)
    assert eva.raters == 3
    assert not eva.withheld


def test_teachers_see_own_students_and_partners_in_aggregate(
    session: Session, pw: PeerWorld
) -> None:
    w = pw.rooms
    round_id = _open(session, pw)
    _rate_all(session, pw, round_id, low=w.bruno)
    close_round(session, w.teacher, round_id, now=NOW)

    leiden_view = round_results(session, w.teacher, round_id)
    team = next(t for t in leiden_view.teams if t.team_id == w.team_id)
    names = {m.name for m in team.members}
    assert names == {"Alice", "Chen", "Eva"}
    assert team.hidden_members == 2
    assert team.hidden_flags.get(LOW_PERFORMER) == 1  # Bruno, as a count only
    alice = next(m for m in team.members if m.name == "Alice")
    assert alice.comment == f"note from {w.alice.person_id}"
    assert len(alice.given) == 5  # own students' ratings, individually
    rated = [name for name, _scores in alice.given]
    assert "Bruno" not in rated
    assert "Fabio" not in rated
    assert rated.count("A student of the partner university") == 2

    bologna_view = round_results(session, w.partner_teacher, round_id)
    team = next(t for t in bologna_view.teams if t.team_id == w.team_id)
    assert {m.name for m in team.members} == {"Bruno", "Fabio"}
    bruno = next(m for m in team.members if m.name == "Bruno")
    assert LOW_PERFORMER in bruno.flags

    # Both share: names and results cross, comments and ratings given never do.
    set_team_data_sharing(session, w.teacher, pw.exchange_id, True)
    set_team_data_sharing(session, w.partner_teacher, pw.exchange_id, True)
    shared = round_results(session, w.teacher, round_id)
    team = next(t for t in shared.teams if t.team_id == w.team_id)
    assert team.hidden_members == 0
    bruno = next(m for m in team.members if m.name == "Bruno")
    assert not bruno.own
    assert bruno.comment is None
    assert bruno.given == []
    assert LOW_PERFORMER in bruno.flags
    with pytest.raises(NotAllowed):
        round_results(session, w.stranger, round_id)
    with pytest.raises(NotAllowed):
        round_results(session, w.alice, round_id)


def test_erasure_removes_ratings_and_keeps_results(session: Session, pw: PeerWorld) -> None:
    from plugin.actors import Role
    from plugin.courses.models import CourseMembership
    from plugin.privacy.service import erase_person

    w = pw.rooms
    session.add(
        CourseMembership(
            course_id=w.teacher.course_id, person_id=w.alice.person_id, role=Role.STUDENT
        )
    )
    session.commit()
    round_id = _open(session, pw)
    _rate_all(session, pw, round_id)
    answer_checkin(session, w.alice, pw.exchange_id, teamwork=3, contribute=3, blockers=3, now=NOW)
    close_round(session, w.teacher, round_id, now=NOW)
    before = session.scalar(select(func.count()).select_from(PeerResult))
    erase_person(session, w.teacher, w.alice.person_id)
    assert session.scalar(select(func.count()).select_from(PeerResult)) == before
    assert not session.scalars(
        select(PeerRating).where(PeerRating.rater_id == w.alice.person_id)
    ).all()
    assert not session.scalars(select(CheckinAnswer)).all()
    assert my_feedback(session, w.bruno, round_id).raters == 4  # computed before erasure


def test_grades_and_completion_follow_the_policy(session: Session, pw: PeerWorld) -> None:
    w = pw.rooms
    round_id = _open(session, pw)
    _rate_all(session, pw, round_id, low=w.chen)
    assert grade_factor(session, pw.exchange_id, w.chen.person_id) is None  # not chosen
    assert participation(session, pw.exchange_id, w.chen.person_id) is None
    set_policy(
        session,
        w.teacher,
        pw.exchange_id,
        Policy(adjust_grades=True, factor_cap=1.05, required_for_completion=True),
    )
    with pytest.raises(InvalidInput):
        set_policy(session, w.teacher, pw.exchange_id, Policy(factor_cap=0.5))
    close_round(session, w.teacher, round_id, now=NOW)
    chen = grade_factor(session, pw.exchange_id, w.chen.person_id)
    alice = grade_factor(session, pw.exchange_id, w.alice.person_id)
    assert chen is not None
    assert chen < 0.5
    assert alice == pytest.approx(1.05)  # capped
    assert participation(session, pw.exchange_id, w.alice.person_id) == (1, 1)
    assert participation(session, pw.exchange_id, w.dora.person_id) == (0, 1)


def test_the_worker_announces_and_finalizes_rounds(session: Session, pw: PeerWorld) -> None:
    w = pw.rooms
    opens = NOW + timedelta(days=1)
    peer_round = open_round(
        session, w.teacher, pw.exchange_id, "Final", opens, opens + timedelta(days=3), now=NOW
    )
    assert announce_peer_rounds(session, now=NOW) == 0
    assert announce_peer_rounds(session, now=opens) == 6
    assert announce_peer_rounds(session, now=opens) == 0
    assert announce_peer_rounds(session, now=opens + timedelta(days=4)) == 6
    session.refresh(peer_round)
    assert peer_round.finalized_at is not None


def test_research_export_is_pseudonymous_and_respects_rule_five(
    session: Session, pw: PeerWorld
) -> None:
    w = pw.rooms
    round_id = _open(session, pw)
    _rate_all(session, pw, round_id)
    answer_checkin(session, w.bruno, pw.exchange_id, teamwork=3, contribute=3, blockers=3, now=NOW)
    answer_checkin(session, w.alice, pw.exchange_id, teamwork=5, contribute=5, blockers=5, now=NOW)
    text = research_csv(session, w.teacher, pw.exchange_id)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["kind"] for r in rows} == {"rating", "checkin"}
    assert len([r for r in rows if r["kind"] == "rating"]) == 15  # three Leiden raters x 5
    assert len([r for r in rows if r["kind"] == "checkin"]) == 1  # Alice's, not Bruno's
    for name in ("Alice", "Bruno", "Chen", "note from", "Leiden", "Team 1"):
        assert name not in text
    people = {r["person"] for r in rows}
    assert all(p.startswith("S") for p in people)
    real = {str(a.person_id) for a in pw.team}
    assert not people & real
    assert {r["team"] for r in rows} != {str(w.team_id)}
    set_team_data_sharing(session, w.teacher, pw.exchange_id, True)
    set_team_data_sharing(session, w.partner_teacher, pw.exchange_id, True)
    rows = list(csv.DictReader(io.StringIO(research_csv(session, w.teacher, pw.exchange_id))))
    assert len([r for r in rows if r["kind"] == "rating"]) == 25
    with pytest.raises(NotAllowed):
        research_csv(session, w.alice, pw.exchange_id)


def test_the_export_holds_own_checkins_and_ratings_given(session: Session, pw: PeerWorld) -> None:
    from plugin.privacy.service import export_person

    w = pw.rooms
    round_id = _open(session, pw)
    _rate_all(session, pw, round_id)
    answer_checkin(session, w.alice, pw.exchange_id, teamwork=2, contribute=3, blockers=4, now=NOW)
    data = export_person(session, w.alice)
    rows = {(h["table"], h["column"]): h["rows"] for h in data["holdings"]}
    assert len(rows[("checkin_answer", "person_id")]) == 1
    assert len(rows[("peer_rating", "rater_id")]) == 5
    assert len(rows[("peer_submission", "rater_id")]) == 1
    received = rows[("peer_rating", "ratee_id")]
    assert len(received) == 5
    assert all("rater_id" not in r and "contributing" not in r for r in received)
