"""Check-in use cases: teachers schedule them, students answer weekly, teachers read them.

A check-in is "open" in every ISO week (UTC) that overlaps the exchange's schedule; answering
again in the same week replaces the answer (one row per person, team and week). Teachers see
their own university's students by name (with their comments); a partner university's
students only in team averages, or by name (never their comments) when both universities
share individual team data (``plugin.exchanges.service.individual_data_shared``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import fmean

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.checkins.models import CheckinAnswer, CheckinSchedule
from plugin.db import utcnow
from plugin.errors import InvalidInput, NotAllowed, NotFound
from plugin.exchanges.models import Exchange
from plugin.exchanges.phases import Phase
from plugin.exchanges.service import (
    get_exchange,
    institutions_sharing_team_data,
    my_participation,
)
from plugin.i18n import N_
from plugin.notifications.service import notify
from plugin.people.models import Person
from plugin.teams.models import Team, TeamMembership
from plugin.teams.service import require_exchange_teacher

MAX_COMMENT = 2000
PROJECT_WORK = "project_work"
#: From this ISO weekday on (Saturday), students who have not answered hear it closes soon.
CLOSING_WEEKDAY = 6
#: Team averages with fewer answers than this are not shown to partner teachers (rule 5).
MIN_ANSWERS = 1


def iso_week(day: date) -> str:
    """``2026-W07``: the week an answer belongs to (the key completion evidence uses too)."""
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def week_bounds(week: str) -> tuple[date, date]:
    """Monday and Sunday of an ISO week key."""
    year, _, number = week.partition("-W")
    monday = date.fromisocalendar(int(year), int(number), 1)
    return monday, monday + timedelta(days=6)


@dataclass(frozen=True)
class Schedule:
    starts_on: date
    ends_on: date
    enabled: bool
    is_default: bool

    def open_in(self, week: str) -> bool:
        monday, sunday = week_bounds(week)
        return self.enabled and monday <= self.ends_on and sunday >= self.starts_on

    @property
    def weeks(self) -> list[str]:
        keys: list[str] = []
        day = self.starts_on
        while day <= self.ends_on:
            key = iso_week(day)
            if key not in keys:
                keys.append(key)
            day += timedelta(days=7 - day.weekday()) if day.weekday() else timedelta(days=7)
        last = iso_week(self.ends_on)
        if last not in keys:
            keys.append(last)
        return keys


def schedule_of(session: Session, exchange: Exchange) -> Schedule:
    """The teachers' schedule, or the default: weekly during the project-work phase."""
    row = session.get(CheckinSchedule, exchange.id)
    if row is not None:
        return Schedule(row.starts_on, row.ends_on, row.enabled, is_default=False)
    for raw in exchange.phases:
        if raw.get("key") == PROJECT_WORK and raw.get("starts_on") and raw.get("ends_on"):
            phase = Phase.from_json(raw)
            return Schedule(phase.starts_on, phase.ends_on, True, is_default=True)
    return Schedule(exchange.starts_on, exchange.ends_on, True, is_default=True)


def set_schedule(
    session: Session,
    actor: Actor,
    exchange_id: int,
    starts_on: date,
    ends_on: date,
    *,
    enabled: bool = True,
) -> Schedule:
    """A teacher of the exchange sets the weeks its teams check in (within the exchange)."""
    exchange = require_exchange_teacher(session, actor, exchange_id)
    if ends_on < starts_on:
        raise InvalidInput(
            N_("The last day of check-ins must not be before the first."), field="ends_on"
        )
    if starts_on < exchange.starts_on or ends_on > exchange.ends_on:
        outside = "starts_on" if starts_on < exchange.starts_on else "ends_on"
        raise InvalidInput(N_("Check-ins must fall within the exchange's dates."), field=outside)
    row = session.get(CheckinSchedule, exchange_id)
    if row is None:
        row = CheckinSchedule(exchange_id=exchange_id)
        session.add(row)
    row.starts_on, row.ends_on, row.enabled = starts_on, ends_on, enabled
    row.updated_by_id = actor.person_id
    row.updated_at = utcnow()
    session.commit()
    return Schedule(starts_on, ends_on, enabled, is_default=False)


@dataclass(frozen=True)
class MyCheckin:
    """What a student sees in the room and on their home this week."""

    exchange_id: int
    team_id: int
    week: str
    is_open: bool
    answer: CheckinAnswer | None


def _membership(session: Session, exchange_id: int, person_id: int) -> TeamMembership | None:
    return session.scalar(
        select(TeamMembership).where(
            TeamMembership.exchange_id == exchange_id, TeamMembership.person_id == person_id
        )
    )


def my_checkin(
    session: Session, actor: Actor, exchange_id: int, *, now: datetime | None = None
) -> MyCheckin | None:
    """This week's check-in for a student in a team (None for a participant not yet in a
    team; refused to anyone else). Read-only."""
    exchange = get_exchange(session, exchange_id)
    member = _membership(session, exchange_id, actor.person_id)
    if member is None:
        my_participation(session, actor, exchange_id)
        return None
    week = iso_week((now or utcnow()).date())
    answer = session.scalar(
        select(CheckinAnswer).where(
            CheckinAnswer.person_id == actor.person_id,
            CheckinAnswer.team_id == member.team_id,
            CheckinAnswer.week == week,
        )
    )
    return MyCheckin(
        exchange_id, member.team_id, week, schedule_of(session, exchange).open_in(week), answer
    )


def _score(value: int) -> int:
    if not 1 <= value <= 5:
        raise InvalidInput(N_("Each answer is a number from 1 to 5."))
    return value


def answer_checkin(
    session: Session,
    actor: Actor,
    exchange_id: int,
    *,
    teamwork: int,
    contribute: int,
    blockers: int,
    comment: str = "",
    now: datetime | None = None,
) -> CheckinAnswer:
    """A student answers this week's check-in; answering again this week replaces it."""
    member = _membership(session, exchange_id, actor.person_id)
    current = my_checkin(session, actor, exchange_id, now=now) if member else None
    if current is None:
        raise NotAllowed(N_("Only members of a team in this exchange can check in."))
    if not current.is_open:
        raise InvalidInput(N_("There is no check-in open this week."))
    comment = comment.strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidInput(
            N_("A comment can be at most %(max)s characters.", max=MAX_COMMENT), field="comment"
        )
    row = current.answer
    if row is None:
        row = CheckinAnswer(
            exchange_id=exchange_id,
            team_id=current.team_id,
            person_id=actor.person_id,
            week=current.week,
        )
        session.add(row)
    row.teamwork, row.contribute, row.blockers = (
        _score(teamwork),
        _score(contribute),
        _score(blockers),
    )
    row.comment = comment or None
    row.answered_at = now or utcnow()
    session.commit()
    return row


# ---------------------------------------------------------------- team-level reads


@dataclass(frozen=True)
class TeamWeek:
    """A team's check-in averages for one week (every score 1 bad to 5 good)."""

    team_id: int
    week: str
    answers: int
    teamwork: float
    contribute: float
    blockers: float

    @property
    def overall(self) -> float:
        return (self.teamwork + self.contribute + self.blockers) / 3


def weekly_averages(
    session: Session, exchange_id: int, team_ids: list[int] | None = None
) -> list[TeamWeek]:
    """Every team's averages per week, one grouped query. Team-level only: callers that show
    them (the teachers' pages, team health) need no per-student rule. Read-only."""
    query = (
        select(
            CheckinAnswer.team_id,
            CheckinAnswer.week,
            func.count(),
            func.avg(CheckinAnswer.teamwork),
            func.avg(CheckinAnswer.contribute),
            func.avg(CheckinAnswer.blockers),
        )
        .where(CheckinAnswer.exchange_id == exchange_id)
        .group_by(CheckinAnswer.team_id, CheckinAnswer.week)
        .order_by(CheckinAnswer.team_id, CheckinAnswer.week)
    )
    if team_ids is not None:
        query = query.where(CheckinAnswer.team_id.in_(team_ids))
    return [
        TeamWeek(team, week, n, float(a), float(b), float(c))
        for team, week, n, a, b, c in session.execute(query)
    ]


@dataclass(frozen=True)
class StudentAnswer:
    """One visible student's answer; ``comment`` only for the teacher's own students."""

    person_id: int
    name: str
    team_id: int
    week: str
    teamwork: int
    contribute: int
    blockers: int
    comment: str | None
    own: bool


@dataclass(frozen=True)
class TeacherCheckins:
    schedule: Schedule
    teams: dict[int, str]
    weeks: list[str]
    averages: list[TeamWeek]
    answers: list[StudentAnswer]
    hidden_answers: int  # partner students' answers counted in averages only


def teacher_checkins(session: Session, actor: Actor, exchange_id: int) -> TeacherCheckins:
    """What a teacher of the exchange sees: team averages, and individual answers of their own
    university's students (and, with sharing on both sides, the partner's, without comments)."""
    exchange = require_exchange_teacher(session, actor, exchange_id)
    viewer = session.get(Person, actor.person_id)
    if viewer is None:
        raise NotFound(N_("This person is not known to Tandem."))
    sharing = institutions_sharing_team_data(session, exchange_id)
    partners_visible = viewer.institution_id in sharing
    teams = dict(
        session.execute(
            select(Team.id, Team.name).where(Team.exchange_id == exchange_id).order_by(Team.name)
        ).all()
    )
    rows = session.execute(
        select(CheckinAnswer, Person.institution_id, Person.chosen_name, Person.lms_name)
        .join(Person, Person.id == CheckinAnswer.person_id)
        .where(CheckinAnswer.exchange_id == exchange_id)
        .order_by(CheckinAnswer.week.desc(), CheckinAnswer.team_id, Person.id)
    ).all()
    answers: list[StudentAnswer] = []
    hidden = 0
    for answer, institution_id, chosen, lms in rows:
        own = institution_id == viewer.institution_id
        if not own and not (partners_visible and institution_id in sharing):
            hidden += 1
            continue
        answers.append(
            StudentAnswer(
                answer.person_id,
                chosen or lms or "",
                answer.team_id,
                answer.week,
                answer.teamwork,
                answer.contribute,
                answer.blockers,
                answer.comment if own else None,
                own,
            )
        )
    averages = weekly_averages(session, exchange_id)
    weeks = sorted({a.week for a in averages})
    return TeacherCheckins(schedule_of(session, exchange), teams, weeks, averages, answers, hidden)


def overall_by_week(averages: list[TeamWeek]) -> dict[str, float]:
    """The exchange's mean of team averages per week (a trend line's points)."""
    by_week: dict[str, list[float]] = defaultdict(list)
    for line in averages:
        by_week[line.week].append(line.overall)
    return {week: fmean(values) for week, values in sorted(by_week.items())}


# ---------------------------------------------------------------- notices (the worker)


def announce_checkins(session: Session, *, now: datetime | None = None) -> int:
    """Tell students a check-in opened this week, and (from Saturday) that it closes soon
    if they have not answered. Run by the worker; each notice goes once per week."""
    now = now or utcnow()
    week = iso_week(now.date())
    made = 0
    for exchange in session.scalars(select(Exchange).order_by(Exchange.id)):
        schedule = schedule_of(session, exchange)
        if not schedule.open_in(week):
            continue
        row = session.get(CheckinSchedule, exchange.id)
        if row is None:
            row = CheckinSchedule(
                exchange_id=exchange.id, starts_on=schedule.starts_on, ends_on=schedule.ends_on
            )
            session.add(row)
        members = session.execute(
            select(TeamMembership.person_id, TeamMembership.team_id).where(
                TeamMembership.exchange_id == exchange.id
            )
        ).all()
        if row.opened_week != week:
            made += notify(
                session,
                [person_id for person_id, _team in members],
                "checkin_open",
                {"exchange": exchange.title},
                dedupe_key=f"checkin-open:{exchange.id}:{week}",
                target=f"checkin:{exchange.id}",
            )
            row.opened_week = week
        if now.isoweekday() >= CLOSING_WEEKDAY and row.closed_week != week:
            answered = set(
                session.scalars(
                    select(CheckinAnswer.person_id).where(
                        CheckinAnswer.exchange_id == exchange.id, CheckinAnswer.week == week
                    )
                )
            )
            made += notify(
                session,
                [person_id for person_id, _team in members if person_id not in answered],
                "checkin_closing",
                {"exchange": exchange.title},
                dedupe_key=f"checkin-closing:{exchange.id}:{week}",
                target=f"checkin:{exchange.id}",
            )
            row.closed_week = week
    session.commit()
    return made
