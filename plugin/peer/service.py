"""Peer evaluation use cases: rounds, the rating form, results, privacy-aware views.

A round's results are computed once, when it closes (``finalize``): per student a
``PeerResult`` (aggregates, factors, flags) and per team a ``PeerTeamResult``. Students then
see only their own aggregated feedback, and nothing when fewer than three teammates rated
them; nobody but the rater's own teachers sees who rated what. A teacher sees their own
university's students individually (ratings they gave, confidential comments); a partner's
students only in team results and flags, or by name (never their comments) when both
universities share individual team data.
"""

from __future__ import annotations

import csv
import io
import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.checkins.models import CheckinAnswer
from plugin.db import utcnow
from plugin.errors import Conflict, InvalidInput, NotAllowed, NotFound
from plugin.exchanges.models import Exchange
from plugin.exchanges.service import get_exchange, institutions_sharing_team_data
from plugin.i18n import N_
from plugin.notifications.service import notify
from plugin.peer.factors import DIMENSIONS, Rating, check_cap, member_scores
from plugin.peer.flags import institution_gap, member_flags, team_flags
from plugin.peer.models import (
    PeerPolicy,
    PeerRating,
    PeerResult,
    PeerRound,
    PeerSubmission,
    PeerTeamResult,
)
from plugin.people.models import Person
from plugin.people.service import get_person
from plugin.teams.models import Team, TeamMembership
from plugin.teams.service import require_exchange_teacher

MAX_TITLE = 120
MAX_COMMENT = 2000
#: Fewer teammates' ratings than this and a student sees no feedback (no one is singled out).
MIN_RATERS = 3


# ---------------------------------------------------------------- access


def _round(session: Session, round_id: int) -> PeerRound:
    peer_round = session.get(PeerRound, round_id)
    if peer_round is None:
        raise NotFound(N_("This peer evaluation round does not exist."))
    return peer_round


def _team_members(session: Session, team_id: int) -> list[int]:
    return list(
        session.scalars(
            select(TeamMembership.person_id)
            .where(TeamMembership.team_id == team_id)
            .order_by(TeamMembership.id)
        )
    )


def _my_team(session: Session, exchange_id: int, person_id: int) -> int:
    team_id = session.scalar(
        select(TeamMembership.team_id).where(
            TeamMembership.exchange_id == exchange_id, TeamMembership.person_id == person_id
        )
    )
    if team_id is None:
        raise NotAllowed(N_("Only members of a team in this exchange can take part."))
    return team_id


def is_open(peer_round: PeerRound, now: datetime) -> bool:
    return peer_round.opens_at <= now < peer_round.closes_at


# ---------------------------------------------------------------- policy


@dataclass(frozen=True)
class Policy:
    adjust_grades: bool = False
    factor_cap: float | None = None
    include_self: bool = False
    required_for_completion: bool = False


def policy_of(session: Session, exchange_id: int) -> Policy:
    row = session.get(PeerPolicy, exchange_id)
    if row is None:
        return Policy()
    return Policy(row.adjust_grades, row.factor_cap, row.include_self, row.required_for_completion)


def set_policy(session: Session, actor: Actor, exchange_id: int, policy: Policy) -> Policy:
    """A teacher chooses whether factors scale grades (with a cap) and whether taking part
    counts toward completion."""
    require_exchange_teacher(session, actor, exchange_id)
    check_cap(policy.factor_cap)
    row = session.get(PeerPolicy, exchange_id)
    if row is None:
        row = PeerPolicy(exchange_id=exchange_id)
        session.add(row)
    row.adjust_grades = policy.adjust_grades
    row.factor_cap = policy.factor_cap
    row.include_self = policy.include_self
    row.required_for_completion = policy.required_for_completion
    row.updated_by_id = actor.person_id
    row.updated_at = utcnow()
    session.commit()
    return policy


# ---------------------------------------------------------------- rounds


def rounds_of(session: Session, exchange_id: int) -> list[PeerRound]:
    """An exchange's rounds, in the order they open. Read-only; callers check access."""
    return list(
        session.scalars(
            select(PeerRound)
            .where(PeerRound.exchange_id == exchange_id)
            .order_by(PeerRound.opens_at, PeerRound.id)
        )
    )


def _students_of(session: Session, exchange_id: int) -> list[tuple[int, int]]:
    return [
        (p, t)
        for p, t in session.execute(
            select(TeamMembership.person_id, TeamMembership.team_id).where(
                TeamMembership.exchange_id == exchange_id
            )
        )
    ]


def _announce_open(session: Session, exchange: Exchange, peer_round: PeerRound) -> int:
    made = notify(
        session,
        [person_id for person_id, _team in _students_of(session, exchange.id)],
        "peer_round_open",
        {"exchange": exchange.title, "round": peer_round.title},
        dedupe_key=f"peer-open:{peer_round.id}",
        target=f"checkin:{exchange.id}",
    )
    peer_round.opened_notified_at = utcnow()
    return made


def open_round(
    session: Session,
    actor: Actor,
    exchange_id: int,
    title: str,
    opens_at: datetime,
    closes_at: datetime,
    *,
    now: datetime | None = None,
) -> PeerRound:
    """A teacher opens a round. Submitting the same form twice gives the same round."""
    exchange = require_exchange_teacher(session, actor, exchange_id)
    now = now or utcnow()
    title = " ".join(title.split())
    if not title or len(title) > MAX_TITLE:
        raise InvalidInput(
            N_("A round's name must be 1 to %(max)s characters.", max=MAX_TITLE), field="title"
        )
    if closes_at <= opens_at:
        raise InvalidInput(N_("A round must close after it opens."), field="closes_at")
    if closes_at <= now:
        raise InvalidInput(N_("A round must close in the future."), field="closes_at")
    same = session.scalar(
        select(PeerRound).where(PeerRound.exchange_id == exchange_id, PeerRound.title == title)
    )
    if same is not None:
        if same.opens_at == opens_at and same.closes_at == closes_at:
            return same  # a double submit: nothing new
        raise Conflict(N_("This exchange already has a round with that name."))
    peer_round = PeerRound(
        exchange_id=exchange_id,
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        created_by_id=actor.person_id,
    )
    session.add(peer_round)
    session.flush()
    if opens_at <= now:
        _announce_open(session, exchange, peer_round)
    session.commit()
    return peer_round


def _finalize(session: Session, peer_round: PeerRound) -> int:
    """Compute and store every team's results (replacing earlier ones); notify students."""
    exchange = get_exchange(session, peer_round.exchange_id)
    policy = policy_of(session, exchange.id)
    session.execute(delete(PeerResult).where(PeerResult.round_id == peer_round.id))
    session.execute(delete(PeerTeamResult).where(PeerTeamResult.round_id == peer_round.id))
    members_by_team: dict[int, list[int]] = defaultdict(list)
    institution: dict[int, int] = {}
    for person_id, team_id, institution_id in session.execute(
        select(TeamMembership.person_id, TeamMembership.team_id, Person.institution_id)
        .join(Person, Person.id == TeamMembership.person_id)
        .where(TeamMembership.exchange_id == exchange.id)
    ):
        members_by_team[team_id].append(person_id)
        institution[person_id] = institution_id
    ratings_by_team: dict[int, list[Rating]] = defaultdict(list)
    for team_id, rater, ratee, *values in session.execute(
        select(
            PeerRating.team_id,
            PeerRating.rater_id,
            PeerRating.ratee_id,
            PeerRating.contributing,
            PeerRating.interacting,
            PeerRating.on_track,
            PeerRating.quality,
            PeerRating.knowledge,
        ).where(PeerRating.round_id == peer_round.id)
    ):
        ratings_by_team[team_id].append(Rating(rater, ratee, tuple(values)))
    now = utcnow()
    # Plain rows inserted in bulk: an exchange of 10,000 students is 12,000 rows at once.
    person_rows: list[dict[str, object]] = []
    team_rows: list[dict[str, object]] = []
    for team_id, members in members_by_team.items():
        ratings = ratings_by_team.get(team_id, [])
        scores = member_scores(members, ratings, policy.factor_cap)
        flags = member_flags(members, ratings, scores)
        raters = {r.rater for r in ratings if r.rater in members}
        peer_means = [s.peer_mean for s in scores.values() if s.peer_mean is not None]
        person_rows += [
            {
                "round_id": peer_round.id,
                "team_id": team_id,
                "person_id": person_id,
                "institution_id": institution.get(person_id),
                "raters": score.raters,
                "peer_mean": score.peer_mean,
                "self_mean": score.self_mean,
                "dimensions": dict(score.dimensions),
                "factor_with_self": score.factor_with_self,
                "factor_without_self": score.factor_without_self,
                "flags": flags[person_id],
                "computed_at": now,
            }
            for person_id, score in scores.items()
        ]
        gap, _ = institution_gap(members, ratings, institution)
        team_rows.append(
            {
                "round_id": peer_round.id,
                "team_id": team_id,
                "raters": len(raters),
                "peer_mean": sum(peer_means) / len(peer_means) if peer_means else None,
                "institution_gap": gap,
                "flags": team_flags(members, ratings, institution, flags),
                "computed_at": now,
            }
        )
    if person_rows:
        session.execute(insert(PeerResult), person_rows)
    if team_rows:
        session.execute(insert(PeerTeamResult), team_rows)
    peer_round.finalized_at = now
    # One call for the whole exchange: the notice links to the check-in page, which lists
    # the rounds (a per-team room link would cost one notify per student).
    return notify(
        session,
        [person_id for person_id, _team in _students_of(session, exchange.id)],
        "peer_round_closed",
        {"exchange": exchange.title, "round": peer_round.title},
        dedupe_key=f"peer-closed:{peer_round.id}",
        target=f"checkin:{exchange.id}",
    )


def _as_rating(row: PeerRating) -> Rating:
    return Rating(
        row.rater_id,
        row.ratee_id,
        (row.contributing, row.interacting, row.on_track, row.quality, row.knowledge),
    )


def close_round(
    session: Session, actor: Actor, round_id: int, *, now: datetime | None = None
) -> PeerRound:
    """A teacher closes a round now (or recomputes a closed one); results become final."""
    peer_round = _round(session, round_id)
    require_exchange_teacher(session, actor, peer_round.exchange_id)
    now = now or utcnow()
    if peer_round.closes_at > now:
        peer_round.closes_at = max(now, peer_round.opens_at)
    _finalize(session, peer_round)
    session.commit()
    return peer_round


def announce_peer_rounds(session: Session, *, now: datetime | None = None) -> int:
    """The worker's run: tell students of rounds that opened; finalize rounds that closed."""
    now = now or utcnow()
    made = 0
    for peer_round in session.scalars(
        select(PeerRound).where(
            PeerRound.opens_at <= now,
            (PeerRound.opened_notified_at.is_(None)) | (PeerRound.finalized_at.is_(None)),
        )
    ).all():
        if peer_round.opened_notified_at is None and peer_round.closes_at > now:
            made += _announce_open(
                session, get_exchange(session, peer_round.exchange_id), peer_round
            )
        if peer_round.finalized_at is None and peer_round.closes_at <= now:
            made += _finalize(session, peer_round)
    session.commit()
    return made


# ---------------------------------------------------------------- the student's form


@dataclass(frozen=True)
class Teammate:
    person_id: int
    name: str
    institution: str
    is_self: bool


@dataclass(frozen=True)
class RatingForm:
    round: PeerRound
    is_open: bool
    teammates: list[Teammate]  # self first
    given: dict[int, tuple[int, ...]]  # ratee -> scores already given
    comment: str
    submitted: bool


def rating_form(
    session: Session, actor: Actor, round_id: int, *, now: datetime | None = None
) -> RatingForm:
    """The student's form: themselves first, then each teammate, with what they gave."""
    peer_round = _round(session, round_id)
    team_id = _my_team(session, peer_round.exchange_id, actor.person_id)
    members = _team_members(session, team_id)
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(members)))}
    order = [actor.person_id] + [m for m in members if m != actor.person_id]
    teammates = [
        Teammate(
            pid,
            people[pid].display_name or "",
            people[pid].institution.name,
            pid == actor.person_id,
        )
        for pid in order
        if pid in people
    ]
    given = {
        row.ratee_id: _as_rating(row).scores
        for row in session.scalars(
            select(PeerRating).where(
                PeerRating.round_id == round_id, PeerRating.rater_id == actor.person_id
            )
        )
    }
    submission = session.scalar(
        select(PeerSubmission).where(
            PeerSubmission.round_id == round_id, PeerSubmission.rater_id == actor.person_id
        )
    )
    return RatingForm(
        peer_round,
        is_open(peer_round, now or utcnow()),
        teammates,
        given,
        (submission.comment or "") if submission else "",
        submission is not None,
    )


def submit_ratings(
    session: Session,
    actor: Actor,
    round_id: int,
    scores: Mapping[int, Sequence[int]],
    comment: str = "",
    *,
    now: datetime | None = None,
) -> PeerSubmission:
    """A student rates themselves and every teammate; submitting again replaces the ratings."""
    peer_round = _round(session, round_id)
    team_id = _my_team(session, peer_round.exchange_id, actor.person_id)
    if not is_open(peer_round, now or utcnow()):
        raise InvalidInput(N_("This round is not open for ratings."))
    members = _team_members(session, team_id)
    if set(scores) != set(members):
        raise InvalidInput(N_("Rate yourself and each of your teammates."))
    ratings = {ratee: Rating(actor.person_id, ratee, tuple(s)) for ratee, s in scores.items()}
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(
            N_("A comment can be at most %(max)s characters.", max=MAX_COMMENT), field="comment"
        )
    existing = {
        row.ratee_id: row
        for row in session.scalars(
            select(PeerRating).where(
                PeerRating.round_id == round_id, PeerRating.rater_id == actor.person_id
            )
        )
    }
    for ratee, rating in ratings.items():
        row = existing.get(ratee)
        if row is None:
            row = PeerRating(
                round_id=round_id, team_id=team_id, rater_id=actor.person_id, ratee_id=ratee
            )
            session.add(row)
        (row.contributing, row.interacting, row.on_track, row.quality, row.knowledge) = (
            rating.scores
        )
        row.rated_at = utcnow()
    submission = session.scalar(
        select(PeerSubmission).where(
            PeerSubmission.round_id == round_id, PeerSubmission.rater_id == actor.person_id
        )
    )
    if submission is None:
        submission = PeerSubmission(round_id=round_id, team_id=team_id, rater_id=actor.person_id)
        session.add(submission)
    submission.comment = comment or None
    submission.submitted_at = utcnow()
    session.commit()
    return submission


# ---------------------------------------------------------------- feedback and results


@dataclass(frozen=True)
class MyFeedback:
    """A student's own aggregated feedback; ``dimensions`` empty when it is withheld."""

    round: PeerRound
    ready: bool  # the round is closed and its results computed
    raters: int
    withheld: bool  # fewer than MIN_RATERS teammates rated the student
    peer_mean: float | None
    self_mean: float | None
    dimensions: dict[str, float]


def my_feedback(session: Session, actor: Actor, round_id: int) -> MyFeedback:
    """After the round closes: the student's own aggregates, never who said what."""
    peer_round = _round(session, round_id)
    _my_team(session, peer_round.exchange_id, actor.person_id)
    result = None
    if peer_round.finalized_at is not None:
        result = session.scalar(
            select(PeerResult).where(
                PeerResult.round_id == round_id, PeerResult.person_id == actor.person_id
            )
        )
    if result is None:
        return MyFeedback(peer_round, peer_round.finalized_at is not None, 0, True, None, None, {})
    withheld = result.raters < MIN_RATERS
    return MyFeedback(
        peer_round,
        True,
        result.raters,
        withheld,
        None if withheld else result.peer_mean,
        result.self_mean,
        {}
        if withheld
        else {d: float(result.dimensions[d]) for d in DIMENSIONS if d in result.dimensions},
    )


@dataclass(frozen=True)
class MemberResult:
    """A visible student's result. Ratings given and the comment only for own students."""

    person_id: int
    name: str
    own: bool
    raters: int
    peer_mean: float | None
    self_mean: float | None
    factor_with_self: float | None
    factor_without_self: float | None
    flags: list[str]
    took_part: bool
    comment: str | None
    given: list[tuple[str, tuple[int, ...]]]  # (ratee's name, scores); own students only


@dataclass(frozen=True)
class TeamResult:
    team_id: int
    name: str
    raters: int
    peer_mean: float | None
    flags: list[str]
    members: list[MemberResult]
    hidden_members: int  # partner students shown only in the team's numbers
    hidden_flags: dict[str, int]  # flags among hidden members, counted


@dataclass(frozen=True)
class RoundResults:
    round: PeerRound
    finalized: bool
    took_part: int
    students: int
    teams: list[TeamResult]


def round_results(session: Session, actor: Actor, round_id: int) -> RoundResults:
    """A teacher's view of a round (after finalizing: results; before: who took part)."""
    peer_round = _round(session, round_id)
    require_exchange_teacher(session, actor, peer_round.exchange_id)
    viewer = get_person(session, actor.person_id)
    sharing = institutions_sharing_team_data(session, peer_round.exchange_id)

    def visible(institution_id: int) -> bool:
        if institution_id == viewer.institution_id:
            return True
        return viewer.institution_id in sharing and institution_id in sharing

    teams = dict(
        session.execute(
            select(Team.id, Team.name).where(Team.exchange_id == peer_round.exchange_id)
        ).all()
    )
    people: dict[int, tuple[int, str, int]] = {}
    for pid, team_id, inst, chosen, lms in session.execute(
        select(
            TeamMembership.person_id,
            TeamMembership.team_id,
            Person.institution_id,
            Person.chosen_name,
            Person.lms_name,
        )
        .join(Person, Person.id == TeamMembership.person_id)
        .where(TeamMembership.exchange_id == peer_round.exchange_id)
    ):
        people[pid] = (team_id, chosen or lms or "", inst)
    submissions = {
        s.rater_id: s
        for s in session.scalars(select(PeerSubmission).where(PeerSubmission.round_id == round_id))
    }
    results = {
        r.person_id: r
        for r in session.scalars(select(PeerResult).where(PeerResult.round_id == round_id))
        if r.person_id is not None
    }
    team_results = {
        t.team_id: t
        for t in session.scalars(select(PeerTeamResult).where(PeerTeamResult.round_id == round_id))
    }
    given: dict[int, list[tuple[str, tuple[int, ...]]]] = defaultdict(list)
    for row in session.scalars(
        select(PeerRating).where(PeerRating.round_id == round_id).order_by(PeerRating.id)
    ):
        rater = people.get(row.rater_id)
        ratee = people.get(row.ratee_id)
        if rater is not None and rater[2] == viewer.institution_id and ratee is not None:
            # Whom an own student rated: a partner teammate stays unnamed unless shared.
            label = ratee[1] if visible(ratee[2]) else N_("A student of the partner university")
            given[row.rater_id].append((label, _as_rating(row).scores))
    by_team: dict[int, list[int]] = defaultdict(list)
    for pid, (team_id, _name, _inst) in people.items():
        by_team[team_id].append(pid)
    lines: list[TeamResult] = []
    for team_id, members in sorted(by_team.items(), key=lambda kv: teams.get(kv[0], "")):
        shown: list[MemberResult] = []
        hidden_flags: dict[str, int] = defaultdict(int)
        hidden = 0
        for pid in sorted(members, key=lambda p: people[p][1]):
            _team, name, inst = people[pid]
            result = results.get(pid)
            if not visible(inst):
                hidden += 1
                for flag in result.flags if result else []:
                    hidden_flags[flag] += 1
                continue
            own = inst == viewer.institution_id
            submission = submissions.get(pid)
            shown.append(
                MemberResult(
                    pid,
                    name,
                    own,
                    result.raters if result else 0,
                    result.peer_mean if result else None,
                    result.self_mean if result else None,
                    result.factor_with_self if result else None,
                    result.factor_without_self if result else None,
                    list(result.flags) if result else [],
                    submission is not None,
                    submission.comment if (own and submission) else None,
                    given.get(pid, []) if own else [],
                )
            )
        team_result = team_results.get(team_id)
        lines.append(
            TeamResult(
                team_id,
                teams.get(team_id, ""),
                team_result.raters if team_result else 0,
                team_result.peer_mean if team_result else None,
                list(team_result.flags) if team_result else [],
                shown,
                hidden,
                dict(hidden_flags),
            )
        )
    return RoundResults(
        peer_round,
        peer_round.finalized_at is not None,
        sum(1 for pid in submissions if pid in people),
        len(people),
        lines,
    )


# ---------------------------------------------------------------- completion and grades


def grade_factor(session: Session, exchange_id: int, person_id: int) -> float | None:
    """The factor that scales the student's grade, when the exchange chose to use one: from
    the latest finalized round. None: the grade stays as it is."""
    policy = policy_of(session, exchange_id)
    if not policy.adjust_grades:
        return None
    result = session.scalar(
        select(PeerResult)
        .join(PeerRound, PeerRound.id == PeerResult.round_id)
        .where(
            PeerRound.exchange_id == exchange_id,
            PeerRound.finalized_at.is_not(None),
            PeerResult.person_id == person_id,
        )
        .order_by(PeerRound.closes_at.desc())
        .limit(1)
    )
    if result is None:
        return None
    return result.factor_with_self if policy.include_self else result.factor_without_self


def participation(session: Session, exchange_id: int, person_id: int) -> tuple[int, int] | None:
    """(rounds taken part in, rounds closed) when taking part is required; None otherwise."""
    return participations(session, exchange_id, [person_id])[person_id]


def participations(
    session: Session, exchange_id: int, person_ids: Sequence[int]
) -> dict[int, tuple[int, int] | None]:
    """``participation`` of many students at once (a page of the teacher's completion list)
    in at most three statements, whatever their number."""
    if not policy_of(session, exchange_id).required_for_completion:
        return dict.fromkeys(person_ids)
    closed = [
        r.id
        for r in rounds_of(session, exchange_id)
        if r.finalized_at is not None or r.closes_at <= utcnow()
    ]
    if not closed:
        return dict.fromkeys(person_ids, (0, 0))
    done: dict[int, set[int]] = defaultdict(set)
    for rater_id, round_id in session.execute(
        select(PeerSubmission.rater_id, PeerSubmission.round_id).where(
            PeerSubmission.rater_id.in_(person_ids), PeerSubmission.round_id.in_(closed)
        )
    ):
        done[rater_id].add(round_id)
    return {p: (len(done[p]), len(closed)) for p in person_ids}


# ---------------------------------------------------------------- research export


def research_csv(session: Session, actor: Actor, exchange_id: int) -> str:
    """Ratings and check-ins of an exchange as CSV for its teachers' own research.

    People and teams get pseudonyms drawn afresh for each export (never their ids), so two
    exports cannot be joined and no row leads back to a person. Rows answered or given by a
    partner university's students are included only where both universities share
    individual team data (rule 5); comments are never exported.
    """
    require_exchange_teacher(session, actor, exchange_id)
    viewer = get_person(session, actor.person_id)
    sharing = institutions_sharing_team_data(session, exchange_id)
    institution: dict[int, int] = dict(
        session.execute(
            select(TeamMembership.person_id, Person.institution_id)
            .join(Person, Person.id == TeamMembership.person_id)
            .where(TeamMembership.exchange_id == exchange_id)
        ).all()
    )

    def included(person_id: int) -> bool:
        inst = institution.get(person_id)
        if inst is None:
            return False
        return inst == viewer.institution_id or (
            viewer.institution_id in sharing and inst in sharing
        )

    rng = random.SystemRandom()
    ratings = session.execute(
        select(PeerRating, PeerRound.title)
        .join(PeerRound, PeerRound.id == PeerRating.round_id)
        .where(PeerRound.exchange_id == exchange_id)
    ).all()
    answers = session.scalars(
        select(CheckinAnswer).where(CheckinAnswer.exchange_id == exchange_id)
    ).all()
    ids = sorted(set(institution))
    rng.shuffle(ids)
    people = {pid: f"S{n:04d}" for n, pid in enumerate(ids, 1)}
    team_ids = sorted({r.team_id for r, _ in ratings} | {a.team_id for a in answers})
    rng.shuffle(team_ids)
    teams = {tid: f"T{n:03d}" for n, tid in enumerate(team_ids, 1)}
    inst_ids = sorted(set(institution.values()))
    rng.shuffle(inst_ids)
    universities = {iid: f"U{n}" for n, iid in enumerate(inst_ids, 1)}
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "kind",
            "round_or_week",
            "team",
            "person",
            "university",
            "rated_person",
            "rated_university",
            *DIMENSIONS,
            "teamwork",
            "contribute",
            "blockers",
        ]
    )
    rows: list[list[str]] = []
    for rating, title in ratings:
        if not included(rating.rater_id) or rating.ratee_id not in people:
            continue
        rows.append(
            [
                "rating",
                title,
                teams[rating.team_id],
                people[rating.rater_id],
                universities[institution[rating.rater_id]],
                people[rating.ratee_id],
                universities[institution[rating.ratee_id]],
                *(str(s) for s in _as_rating(rating).scores),
                "",
                "",
                "",
            ]
        )
    for answer in answers:
        if not included(answer.person_id):
            continue
        rows.append(
            [
                "checkin",
                answer.week,
                teams[answer.team_id],
                people[answer.person_id],
                universities[institution[answer.person_id]],
                "",
                "",
                *([""] * len(DIMENSIONS)),
                str(answer.teamwork),
                str(answer.contribute),
                str(answer.blockers),
            ]
        )
    rows.sort()
    writer.writerows(rows)
    return out.getvalue()


def my_rounds(session: Session, actor: Actor, exchange_id: int) -> list[PeerRound]:
    """The rounds a student in a team of the exchange sees (none outside a team). Read-only."""
    get_exchange(session, exchange_id)
    member = session.scalar(
        select(TeamMembership.id).where(
            TeamMembership.exchange_id == exchange_id,
            TeamMembership.person_id == actor.person_id,
        )
    )
    return rounds_of(session, exchange_id) if member is not None else []


def teacher_rounds(session: Session, actor: Actor, exchange_id: int) -> list[PeerRound]:
    """The exchange's rounds for one of its teachers."""
    require_exchange_teacher(session, actor, exchange_id)
    return rounds_of(session, exchange_id)
