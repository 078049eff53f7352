"""Matching use cases: propose teams from an exchange's pool, edit them by hand, publish them.

Every proposal is stored as a MatchingRun with its rules, seed and the engine's result, so a
teacher (or an auditor) can see later why the teams are what they are. Hand edits change only
the run's working copy of the teams; the engine's result stays as it was returned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from functools import partial
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from plugin.actors import Actor
from plugin.courses.models import Course
from plugin.db import utcnow
from plugin.errors import Conflict, InvalidInput, NotFound
from plugin.exchanges.models import Exchange, Participant, Seat
from plugin.exchanges.queries import is_active_student
from plugin.i18n import N_
from plugin.matching.candidates import (
    ISOLATION_ATTRIBUTES,
    Candidate,
    InfeasibilityReport,
    MatchResult,
    MatchRules,
    Move,
    Relaxation,
)
from plugin.matching.models import MatchingRun
from plugin.matching.rebalance import Rebalance, place_late_joiners, rebalance_after_dropouts
from plugin.matching.review import (
    Review,
    placement_blockers,
    review,
    rules_from_json,
    rules_to_json,
    within_pool,
)
from plugin.matching.strategies import STRATEGIES, match
from plugin.notifications.service import notify
from plugin.people.models import Institution, Person
from plugin.profiles.models import Profile
from plugin.teammates.records import requested_teammates
from plugin.teams.models import Team, TeamMembership
from plugin.teams.service import require_teams_teacher

PROPOSAL_SECONDS = 5.0
T = TypeVar("T")
Compute = Callable[[Callable[[], T]], T]


def inline(work: Callable[[], T]) -> T:
    """Run a computation here and now (the default ``compute``)."""
    return work()


"""Time budget of one proposal: a teacher waits for the page, so a few seconds at most."""

TEAM_NAME = "Team {key}"


def team_key(team: Team) -> str:
    """The run's key of a published team (its name is made from it), as pages label teams."""
    prefix = TEAM_NAME.format(key="")
    return team.name.removeprefix(prefix) if team.name.startswith(prefix) else team.name


@dataclass(frozen=True)
class RunView:
    """A run as the preview page shows it: reviewed teams, names, locks and any report."""

    run: MatchingRun
    review: Review
    names: dict[str, str]
    report: str | None
    problems: tuple[Relaxation, ...] = ()
    institutions: dict[str, str] = field(default_factory=dict)
    """Each student's home institution, which teachers of the exchange may see."""
    locked: frozenset[str] = frozenset()
    late_joiners: tuple[str, ...] = ()
    """Active students in no team of a published run: the late-joiner section lists them."""
    left_in_teams: int = 0
    """Members of the published teams who have left the exchange since (to rebalance)."""


@dataclass(frozen=True)
class Unplaced:
    """A late joiner no open team can take, and the rules each try would break."""

    candidate_id: str
    rules: tuple[str, ...]


@dataclass(frozen=True)
class TeamChanges:
    """What a mid-exchange change did to the published teams, labelled as the teacher sees them.

    Moves name teams by their key (``T01``); ``unresolved`` lists teams a rebalance left
    breaking a rule because no repair would keep everyone placed.
    """

    run_id: int
    moves: tuple[Move, ...]
    unplaced: tuple[Unplaced, ...] = ()
    unresolved: tuple[str, ...] = ()


@dataclass(frozen=True)
class MatchingOverview:
    """What the teacher needs to set the rules: the exchange, its pool and every earlier run."""

    exchange: Exchange
    pool_size: int
    institutions: tuple[str, ...]
    runs: tuple[MatchingRun, ...]
    students: tuple[tuple[str, str], ...] = ()
    """(id, "name (university)") of every student in the pool, for the pair pickers."""
    attribute_values: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """The pool's values of each isolation attribute: one isolation group per value."""


def matching_overview(session: Session, actor: Actor, exchange_id: int) -> MatchingOverview:
    """The rules form's presets come from here; every stored run is listed for audit."""
    exchange = require_teams_teacher(session, actor, exchange_id)
    pool = pool_of(session, exchange_id)
    runs = session.scalars(
        select(MatchingRun)
        .where(MatchingRun.exchange_id == exchange_id)
        .order_by(MatchingRun.id.desc())
    ).all()
    names = _names(session, exchange_id)
    return MatchingOverview(
        exchange,
        len(pool),
        tuple(sorted({c.institution for c in pool})),
        tuple(runs),
        tuple(
            (c.id, f"{names.get(c.id, '?')} ({c.institution})")
            for c in sorted(pool, key=lambda c: (names.get(c.id, "?").casefold(), int(c.id)))
        ),
        {
            name: tuple(sorted({c.attribute(name) for c in pool} - {""}))
            for name in ISOLATION_ATTRIBUTES
        },
    )


def pool_of(session: Session, exchange_id: int) -> list[Candidate]:
    """The exchange's active students as candidates: only what matching may use, no contact data.

    Teammate requests go in one-directional; the engine honours only the mutual ones in the pool.
    """
    wanted = requested_teammates(session, exchange_id)
    # Plain columns, not Participant/Profile/Person entities: at 5,000 students building the
    # ORM objects was 1.3 s of every matching page (pyinstrument), the query itself a tenth.
    rows = session.execute(
        select(
            Participant.person_id,
            Institution.name,
            Institution.country,
            Profile.time_zone,
            Profile.availability,
            Profile.languages,
            Profile.discipline,
        )
        .join(Seat, Seat.id == Participant.seat_id)
        .join(Course, Course.id == Seat.course_id)
        .join(Institution, Institution.id == Course.institution_id)
        .outerjoin(Profile, Profile.person_id == Participant.person_id)
        .where(is_active_student(exchange_id))
        .order_by(Participant.person_id)
    ).all()
    return [
        Candidate(
            id=str(person_id),
            institution=institution,
            country=country or "",
            time_zone=time_zone or "UTC",
            availability=tuple((int(a), int(b)) for a, b in (availability or [])),
            languages=tuple((lang["code"], lang["level"]) for lang in (languages or [])),
            discipline=discipline or "",
            requests=tuple(str(pid) for pid in wanted.get(person_id or 0, ())),
        )
        for person_id, institution, country, time_zone, availability, languages, discipline in rows
    ]


def _names(session: Session, exchange_id: int) -> dict[str, str]:
    """Each pool student's display name (``Person.display_name``: chosen, else the LMS's),
    read as two columns: loading 5,000 Person entities took 0.7 s of every matching page."""
    rows = session.execute(
        select(Participant.person_id, Person.chosen_name, Person.lms_name)
        .join(Person, Person.id == Participant.person_id)
        .where(is_active_student(exchange_id))
    ).all()
    return {str(person_id): chosen or lms or "?" for person_id, chosen, lms in rows}


def _teams_json(result: MatchResult) -> dict[str, list[int]]:
    return {team.key: [int(cid) for cid in team.member_ids] for team in result.teams}


def propose_teams(
    session: Session,
    actor: Actor,
    exchange_id: int,
    rules: MatchRules,
    seed: int = 0,
    *,
    strategy: str = "optimised",
    seconds: float = PROPOSAL_SECONDS,
    compute: Compute[Any] = inline,
) -> MatchingRun:
    """Run the engine on the current pool and store the run (teams or the infeasibility report).

    The search runs through ``compute``: an adapter whose process serves other people meanwhile
    (a gevent loop) runs it off that loop; the search itself reads nothing from the session."""
    require_teams_teacher(session, actor, exchange_id)
    if strategy not in STRATEGIES:
        raise InvalidInput(N_("Unknown matching strategy."))
    pool = pool_of(session, exchange_id)
    session.rollback()  # nothing to keep open (or a connection to hold) while it searches
    outcome = compute(partial(match, pool, rules, strategy=strategy, seed=seed, seconds=seconds))
    if isinstance(outcome, MatchResult):
        result: dict[str, Any] = {
            "objective": outcome.objective,
            "score": asdict(outcome.score),
            "teams": [asdict(team) for team in outcome.teams],
            "stopped_by_time": outcome.stopped_by_time,
        }
        teams = _teams_json(outcome)
    else:
        result = {"report": [asdict(problem) for problem in outcome.problems]}
        teams = {}
    run = MatchingRun(
        exchange_id=exchange_id,
        created_by_id=actor.person_id,
        strategy=strategy,
        seed=seed,
        rules=rules_to_json(rules),
        result=result,
        teams=teams,
        locked={
            cid: key for cid, key in rules.locked if any(int(cid) in m for m in teams.values())
        },
    )
    session.add(run)
    session.commit()
    return run


def _run_for_teacher(session: Session, actor: Actor, run_id: int) -> MatchingRun:
    run = session.get(MatchingRun, run_id)
    if run is None:
        raise NotFound(N_("This matching run does not exist."))
    require_teams_teacher(session, actor, run.exchange_id)
    return run


def view_run(session: Session, actor: Actor, run_id: int) -> RunView:
    """Recompute every team's score and explanation from the run's current teams.

    Once published, the teams are the real ones (late joiners placed, dropouts rebalanced),
    not the run's copy from the day it was published.
    """
    run = _run_for_teacher(session, actor, run_id)
    pool = pool_of(session, run.exchange_id)
    known = {c.id for c in pool}
    rules = within_pool(rules_from_json(run.rules), known)
    late: tuple[str, ...] = ()
    left = 0
    if run.published_at is None:
        teams = {key: [str(pid) for pid in members] for key, members in run.teams.items()}
        locked = frozenset(run.locked)
    else:
        # Members in one query, not one per team (at 5,000 students in 1,000 teams the lazy
        # loads were 0.9 s of the published teams' page).
        rows = session.scalars(
            select(Team)
            .where(Team.exchange_id == run.exchange_id)
            .options(selectinload(Team.members))
        ).all()
        teams = {team_key(t): [str(m.person_id) for m in t.members] for t in rows if t.members}
        locked = frozenset(str(m.person_id) for t in rows for m in t.members if m.locked)
        placed = {cid for ids in teams.values() for cid in ids}
        late = tuple(sorted(known - placed, key=int))
        left = len(placed - known)
    teams = {key: [cid for cid in ids if cid in known] for key, ids in teams.items()}
    problems = tuple(
        Relaxation(**{**p, "students": tuple((str(c), float(h)) for c, h in p.get("students", ()))})
        for p in run.result.get("report", [])
    )
    report = InfeasibilityReport(problems).summary if "report" in run.result else None
    return RunView(
        run,
        review(pool, replace(rules, locked=()), teams),
        _names(session, run.exchange_id),
        report,
        problems,
        {c.id: c.institution for c in pool},
        locked,
        late,
        left,
    )


def _editable(session: Session, actor: Actor, run_id: int) -> MatchingRun:
    run = _run_for_teacher(session, actor, run_id)
    if run.published_at is not None:
        raise Conflict(N_("These teams are already published."))
    return run


def _team_of(run: MatchingRun, person_id: int) -> str:
    for key, members in run.teams.items():
        if person_id in members:
            return key
    raise NotFound(N_("This student is not in the proposed teams."))


def move_member(
    session: Session, actor: Actor, run_id: int, person_id: int, to_key: str
) -> MatchingRun:
    """Move one student to another proposed team; the preview then re-scores both teams."""
    run = _editable(session, actor, run_id)
    if to_key not in run.teams:
        raise InvalidInput(N_("Choose one of the proposed teams."))
    source = _team_of(run, person_id)
    if str(person_id) in run.locked:
        raise Conflict(N_("Unlock this student before moving them."))
    if source != to_key:
        teams = {key: list(members) for key, members in run.teams.items()}
        teams[source].remove(person_id)
        teams[to_key].append(person_id)
        run.teams = teams
    session.commit()
    return run


def lock_member(
    session: Session, actor: Actor, run_id: int, person_id: int, locked: bool
) -> MatchingRun:
    """Lock a student to their current team, so that a re-run keeps them there (or unlock)."""
    run = _editable(session, actor, run_id)
    key = _team_of(run, person_id)
    locks = dict(run.locked)
    if locked:
        locks[str(person_id)] = key
    else:
        locks.pop(str(person_id), None)
    run.locked = locks
    session.commit()
    return run


def rerun(
    session: Session, actor: Actor, run_id: int, seed: int, compute: Compute[Any] = inline
) -> MatchingRun:
    """A new proposal with the same rules and every locked student kept in their team."""
    run = _run_for_teacher(session, actor, run_id)
    known = {c.id for c in pool_of(session, run.exchange_id)}
    rules = within_pool(rules_from_json(run.rules), known)
    locks = tuple(sorted((cid, key) for cid, key in run.locked.items() if cid in known))
    return propose_teams(
        session, actor, run.exchange_id, replace(rules, locked=locks), seed,
        strategy=run.strategy, compute=compute,
    )  # fmt: skip


def publish_teams(session: Session, actor: Actor, run_id: int) -> list[Team]:
    """Make the run's teams real: students see their team; locked members stay locked."""
    run = _editable(session, actor, run_id)
    if not run.teams:
        raise Conflict(N_("There are no teams to publish."))
    existing = session.scalar(select(Team.id).where(Team.exchange_id == run.exchange_id).limit(1))
    if existing is not None:
        raise Conflict(N_("This exchange already has teams."))
    made = []
    for key, members in sorted(run.teams.items()):
        team = Team(exchange_id=run.exchange_id, name=TEAM_NAME.format(key=key))
        team.members = [
            TeamMembership(
                exchange_id=run.exchange_id, person_id=pid, locked=str(pid) in run.locked
            )
            for pid in members
        ]
        session.add(team)
        made.append(team)
    run.published_at = utcnow()
    session.flush()
    _tell_teams(session, run.exchange_id, made)
    session.commit()
    return made


def _tell_teams(session: Session, exchange_id: int, teams: list[Team]) -> None:
    """Each member hears of their team: who is in it (names and universities) and its room."""
    exchange = session.get(Exchange, exchange_id)
    ids = [m.person_id for team in teams for m in team.members]
    labels = {
        p.id: f"{p.display_name} ({p.institution.name})" if p.display_name else p.institution.name
        for p in session.scalars(select(Person).where(Person.id.in_(ids)))
    }
    for team in teams:
        for member in team.members:
            mates = [
                labels[m.person_id]
                for m in team.members
                if m.person_id != member.person_id and m.person_id in labels
            ]
            notify(
                session,
                [member.person_id],
                "teams_published",
                {
                    "exchange": exchange.title if exchange else "",
                    "team": team.name,
                    "teammates": ", ".join(mates),
                },
                dedupe_key=f"team:{team.id}",
                target=f"room:{team.id}",
            )


def _published(
    session: Session, exchange_id: int
) -> tuple[MatchingRun, dict[str, Team], MatchRules]:
    run = session.scalars(
        select(MatchingRun)
        .where(MatchingRun.exchange_id == exchange_id, MatchingRun.published_at.is_not(None))
        .order_by(MatchingRun.id.desc())
        .limit(1)
    ).first()
    if run is None:
        raise Conflict(N_("Publish teams before placing or rebalancing students."))
    teams = session.scalars(select(Team).where(Team.exchange_id == exchange_id)).all()
    return run, {str(team.id): team for team in teams}, rules_from_json(run.rules)


def _apply(session: Session, exchange_id: int, teams: dict[str, Team], outcome: Rebalance) -> None:
    by_person = {m.person_id: m for team in teams.values() for m in team.members}
    for move in outcome.moves:
        pid = int(move.candidate_id)
        target = teams[move.to_team]
        membership = by_person.get(pid)
        if membership is None:
            target.members.append(TeamMembership(exchange_id=exchange_id, person_id=pid))
        else:
            membership.team = target


def _current(teams: dict[str, Team], keep: set[str]) -> dict[str, list[str]]:
    return {
        key: [str(m.person_id) for m in team.members if str(m.person_id) in keep]
        for key, team in teams.items()
    }


def _with_locks(rules: MatchRules, teams: dict[str, Team], keep: set[str]) -> MatchRules:
    locks = tuple(
        (str(m.person_id), key)
        for key, team in teams.items()
        for m in team.members
        if m.locked and str(m.person_id) in keep
    )
    return replace(within_pool(rules, keep), locked=locks)


def _changes(run: MatchingRun, teams: dict[str, Team], outcome: Rebalance) -> TeamChanges:
    label = {key: team_key(team) for key, team in teams.items()}
    return TeamChanges(
        run.id,
        tuple(
            Move(
                m.candidate_id,
                None if m.from_team is None else label[m.from_team],
                label[m.to_team],
            )
            for m in outcome.moves
        ),
        unresolved=tuple(label[key] for key in outcome.unresolved),
    )


def place_late_joiners_use_case(session: Session, actor: Actor, exchange_id: int) -> TeamChanges:
    """Put every active student who has no team yet into a published team, moving nobody else.

    Whoever fits no open team stays out, with the rules each open team would break, so the
    teacher can decide between a relaxed rule and a hand-made team.
    """
    require_teams_teacher(session, actor, exchange_id)
    run, teams, rules = _published(session, exchange_id)
    pool = pool_of(session, exchange_id)
    ids = {c.id for c in pool}
    placed = {str(m.person_id) for team in teams.values() for m in team.members}
    newcomers = sorted(ids - placed, key=int)
    rules = _with_locks(rules, teams, ids)
    outcome = place_late_joiners(pool, rules, _current(teams, ids), newcomers)
    closed = {key for key, team in teams.items() if any(m.locked for m in team.members)}
    unplaced = tuple(
        Unplaced(cid, placement_blockers(pool, rules, outcome.teams, cid, closed))
        for cid in outcome.unplaced
    )
    _apply(session, exchange_id, teams, outcome)
    changes = replace(_changes(run, teams, outcome), unplaced=unplaced)
    session.commit()
    return changes


def rebalance_dropouts(session: Session, actor: Actor, exchange_id: int) -> TeamChanges:
    """Repair teams that students left, with as few moves as possible; locked teams untouched."""
    require_teams_teacher(session, actor, exchange_id)
    run, teams, rules = _published(session, exchange_id)
    pool = pool_of(session, exchange_id)
    ids = {c.id for c in pool}
    gone = [
        str(m.person_id)
        for team in teams.values()
        for m in team.members
        if str(m.person_id) not in ids
    ]
    everyone = pool + [Candidate(id=cid, institution="?") for cid in gone]
    current = {key: [str(m.person_id) for m in team.members] for key, team in teams.items()}
    outcome = rebalance_after_dropouts(everyone, _with_locks(rules, teams, ids), current, gone)
    left = set(gone)
    for team in teams.values():
        team.members = [m for m in team.members if str(m.person_id) not in left]
    _apply(session, exchange_id, teams, outcome)
    changes = _changes(run, teams, outcome)
    session.commit()
    return changes
