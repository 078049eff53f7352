"""Team health use cases: recompute an exchange's signals and statuses (a periodic task),
the teachers' dashboard and team page (reads of stored rows), thresholds and the
intervention log.

Privacy (ARCHITECTURE rule 5): a teacher sees each of their own university's students; a
partner university's students appear only inside team totals and team flags, unless both
universities share individual team data for the exchange
(``exchanges.service.individual_data_shared``).
Nothing here reads a message's text: chat lines are counted, never opened.
"""

from __future__ import annotations

import typing
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Table, cast, delete, func, insert, literal, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from plugin.actors import TEACHING_ROLES, Actor
from plugin.calls.models import CallAttendance
from plugin.chat.models import Message
from plugin.checkins.models import CheckinAnswer
from plugin.courses.models import CourseMembership
from plugin.errors import InvalidInput, NotAllowed, NotFound
from plugin.exchanges.models import Exchange, Participant, ParticipantStatus, Seat, SeatStatus
from plugin.exchanges.service import individual_data_shared
from plugin.health.models import HealthSettings, Intervention, MemberWeek, TeamHealth, TeamWeek
from plugin.health.signals import (
    WEEK_SECONDS,
    Counts,
    exchange_start,
    level,
    trend_points,
    week_of,
    week_starts,
    weeks_so_far,
)
from plugin.health.status import (
    RANK,
    Assessment,
    MemberFacts,
    Status,
    TeamFacts,
    Thresholds,
    assess,
    parse_thresholds,
    reason_text,
)
from plugin.i18n import N_, Text
from plugin.notes.models import NoteUpdate
from plugin.notifications.service import notify
from plugin.peer.flags import INSTITUTION_SPLIT
from plugin.peer.models import PeerRound, PeerTeamResult
from plugin.people.models import Institution, Person
from plugin.rooms.access import shown_name
from plugin.rooms.models import Room
from plugin.tasks.models import Task
from plugin.teams.models import Team, TeamMembership
from plugin.teams.service import is_exchange_teacher

_MEMBER_WEEK = typing.cast(Table, MemberWeek.__table__)
_TEAM_WEEK = typing.cast(Table, TeamWeek.__table__)
PAGE_SIZE = 50
SORTS = ("status", "name", "activity")
ACTIONS: dict[str, Text] = {
    "note": N_("Note"),
    "messaged": N_("Messaged the team"),
    "met": N_("Met the team"),
    "rebalanced": N_("Rebalanced the team"),
    "referred": N_("Referred a student to support"),
}
NOTE_MAX = 2000


class ThresholdsRefused(InvalidInput):
    """Wrong thresholds, with a message per field for the form."""

    def __init__(self, fields: dict[str, Text]) -> None:
        super().__init__(
            N_("Some thresholds are not valid; see the fields marked below."),
            errors=list(fields.items()),
        )
        self.fields = fields


# ---- who may look ------------------------------------------------------------------------


def _require_teacher(session: Session, actor: Actor, exchange_id: int) -> Exchange:
    exchange = session.get(Exchange, exchange_id)
    if exchange is None:
        raise NotFound(N_("This exchange does not exist."))
    if not is_exchange_teacher(session, actor.person_id, exchange_id):
        raise NotAllowed(N_("Only teachers of this exchange can see its teams' health."))
    return exchange


def _team_for_teacher(session: Session, actor: Actor, team_id: int) -> tuple[Team, Exchange]:
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound(N_("This team does not exist."))
    return team, _require_teacher(session, actor, team.exchange_id)


def exchange_teacher_ids(session: Session, exchange_id: int) -> list[int]:
    """Everyone who teaches in the exchange: the at-risk alert's recipients."""
    by_seat = (
        select(CourseMembership.person_id)
        .join(Seat, Seat.course_id == CourseMembership.course_id)
        .where(
            Seat.exchange_id == exchange_id,
            Seat.status == SeatStatus.APPROVED,
            CourseMembership.role.in_(TEACHING_ROLES),
        )
    )
    by_participant = select(Participant.person_id).where(
        Participant.exchange_id == exchange_id,
        Participant.status == ParticipantStatus.ACTIVE,
        Participant.role.in_(TEACHING_ROLES),
        Participant.person_id.is_not(None),
    )
    found = set(session.scalars(by_seat)) | set(session.scalars(by_participant))
    return sorted(i for i in found if i is not None)


# ---- thresholds ----------------------------------------------------------------------------


def _thresholds(session: Session, exchange_id: int) -> Thresholds:
    row = session.get(HealthSettings, exchange_id)
    if row is None:
        return Thresholds()
    return Thresholds(row.meeting_gap_days, row.silent_days, row.checkin_drop, row.checkin_low)


def health_thresholds(session: Session, actor: Actor, exchange_id: int) -> Thresholds:
    _require_teacher(session, actor, exchange_id)
    return _thresholds(session, exchange_id)


def update_thresholds(
    session: Session, actor: Actor, exchange_id: int, form: Mapping[str, Decimal | None]
) -> Thresholds:
    """Any teacher of the exchange may tune them (co-teachers share one picture); the new
    thresholds apply at the next recomputation."""
    _require_teacher(session, actor, exchange_id)
    limits, errors = parse_thresholds(form)
    if limits is None:
        raise ThresholdsRefused(errors)
    row = session.get(HealthSettings, exchange_id)
    if row is None:
        row = HealthSettings(exchange_id=exchange_id)
        session.add(row)
    row.meeting_gap_days = limits.meeting_gap_days
    row.silent_days = limits.silent_days
    row.checkin_drop = limits.checkin_drop
    row.checkin_low = limits.checkin_low
    row.updated_at = datetime.now(UTC)
    session.commit()
    return limits


# ---- recomputation -----------------------------------------------------------------------


def _week_expr(session: Session, column: Any, start: datetime) -> ColumnElement[int]:
    """The exchange week of a stored time, computed by the database (the scan groups by it)."""
    if session.get_bind().dialect.name == "postgresql":
        seconds = func.extract("epoch", column) - literal(start.timestamp())
        return cast(func.floor(seconds / WEEK_SECONDS), Integer)
    start_day = start.timestamp() / 86400 + 2440587.5  # the Julian day of the start
    return cast((func.julianday(column) - literal(start_day)) / 7, Integer)


def _day_expr(session: Session, column: Any) -> ColumnElement[int]:
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.floor(func.extract("epoch", column) / 86400), Integer)
    return cast(func.julianday(column) - 2440587.5, Integer)


def exchanges_to_refresh(session: Session, now: datetime) -> list[int]:
    """Exchanges running now (and for a week after their end, so the last week settles)."""
    today = now.date()
    return list(
        session.scalars(
            select(Exchange.id).where(
                Exchange.starts_on <= today, Exchange.ends_on >= today - timedelta(days=7)
            )
        )
    )


@dataclass(frozen=True)
class RefreshReport:
    teams: int
    at_risk: int
    alerted: int


def refresh_exchange_health(
    session: Session, exchange_id: int, now: datetime | None = None, *, full: bool = False
) -> RefreshReport:
    """Recount an exchange's activity per member and week, reassess every team and tell the
    teachers of each team that newly became at risk. Run by the periodic task; one commit.

    Past weeks do not change (lines are counted, edits and deletions keep them), so a run
    recounts only this week and the last one and keeps the stored rows of earlier weeks; the
    first run, or ``full``, counts everything."""
    now = now or datetime.now(UTC)
    exchange = session.get(Exchange, exchange_id)
    if exchange is None:
        raise NotFound(N_("This exchange does not exist."))
    start = exchange_start(exchange.starts_on)
    counted = session.scalar(
        select(TeamWeek.id).where(TeamWeek.exchange_id == exchange_id).limit(1)
    )
    first_week = 0 if full or counted is None else max(0, week_of(now, exchange.starts_on) - 1)
    since = start + timedelta(weeks=first_week)
    members = session.execute(
        select(TeamMembership.team_id, TeamMembership.person_id, TeamMembership.joined_at).where(
            TeamMembership.exchange_id == exchange_id
        )
    ).all()
    formed = session.execute(
        select(Team.id, Team.created_at).where(Team.exchange_id == exchange_id)
    ).all()
    teams: dict[int, datetime] = {row[0]: row[1] for row in formed}
    cells: dict[tuple[int, int, int], Counts] = defaultdict(Counts)
    in_exchange = Team.exchange_id == exchange_id

    def scan(source: Any, person: Any, at: Any, field: str, amount: Any = None) -> None:
        week = _week_expr(session, at, start)
        query = (
            select(
                Room.team_id,
                person,
                week,
                func.count() if amount is None else amount,
                func.max(at),
            )
            .select_from(source)
            .join(Room, Room.id == source.room_id)
            .join(Team, Team.id == Room.team_id)
            .where(in_exchange, at >= since, person.is_not(None))
            .group_by(Room.team_id, person, week)
        )
        for team_id, person_id, week_no, n, last in session.execute(query):
            cell = cells[(team_id, person_id, week_no)]
            setattr(cell, field, getattr(cell, field) + int(n or 0))
            cell.seen(last)

    scan(Message, Message.author_id, Message.created_at, "lines")
    scan(
        NoteUpdate,
        NoteUpdate.author_id,
        NoteUpdate.created_at,
        "note_edits",
        func.sum(NoteUpdate.merged),
    )
    scan(Task, Task.done_by_id, Task.done_at, "tasks_done")
    scan(CallAttendance, CallAttendance.person_id, CallAttendance.joined_at, "calls")
    last_meeting = _last_meetings(session, exchange_id, since)
    checkins = _checkin_averages(session, exchange_id, exchange.starts_on)
    split = _ratings_split(session, exchange_id)

    # What earlier weeks left: each member's last activity, each team's total, its last meeting.
    last_active: dict[tuple[int, int], datetime] = {}
    activity: dict[int, int] = defaultdict(int)
    if first_week:
        for team_id, person_id, last in session.execute(
            select(MemberWeek.team_id, MemberWeek.person_id, func.max(MemberWeek.last_active_at))
            .where(MemberWeek.exchange_id == exchange_id, MemberWeek.week < first_week)
            .group_by(MemberWeek.team_id, MemberWeek.person_id)
        ):
            if last is not None:
                last_active[(team_id, person_id)] = last
        for team_id, total in session.execute(
            select(
                TeamWeek.team_id,
                func.sum(
                    TeamWeek.lines + TeamWeek.note_edits + TeamWeek.tasks_done + TeamWeek.calls
                ),
            )
            .where(TeamWeek.exchange_id == exchange_id, TeamWeek.week < first_week)
            .group_by(TeamWeek.team_id)
        ):
            activity[team_id] = int(total or 0)
        for team_id, met in session.execute(
            select(TeamHealth.team_id, TeamHealth.last_meeting_on).where(
                TeamHealth.exchange_id == exchange_id, TeamHealth.last_meeting_on.is_not(None)
            )
        ):
            if met is not None and (team_id not in last_meeting or met > last_meeting[team_id]):
                last_meeting[team_id] = met

    session.execute(
        delete(MemberWeek).where(
            MemberWeek.exchange_id == exchange_id, MemberWeek.week >= first_week
        )
    )
    session.execute(
        delete(TeamWeek).where(TeamWeek.exchange_id == exchange_id, TeamWeek.week >= first_week)
    )
    totals: dict[tuple[int, int], Counts] = defaultdict(Counts)
    active: dict[tuple[int, int], int] = defaultdict(int)
    member_rows = []
    for (team_id, person_id, week_no), c in cells.items():
        totals[(team_id, week_no)].add(c)
        if c.total:
            active[(team_id, week_no)] += 1
        if c.last_active_at is not None:
            key = (team_id, person_id)
            if key not in last_active or c.last_active_at > last_active[key]:
                last_active[key] = c.last_active_at
        member_rows.append(
            {
                "exchange_id": exchange_id,
                "team_id": team_id,
                "person_id": person_id,
                "week": week_no,
                "lines": c.lines,
                "note_edits": c.note_edits,
                "tasks_done": c.tasks_done,
                "calls": c.calls,
                "last_active_at": c.last_active_at,
            }
        )
    recent_checkins = {(t, w) for t, weeks in checkins.items() for w in weeks if w >= first_week}
    team_rows = [
        {
            "exchange_id": exchange_id,
            "team_id": team_id,
            "week": week_no,
            "lines": totals[(team_id, week_no)].lines,
            "note_edits": totals[(team_id, week_no)].note_edits,
            "tasks_done": totals[(team_id, week_no)].tasks_done,
            "calls": totals[(team_id, week_no)].calls,
            "active_members": active[(team_id, week_no)],
            "checkin_average": checkins.get(team_id, {}).get(week_no),
        }
        for team_id, week_no in set(totals) | recent_checkins
    ]
    # Core inserts (no ORM objects): at 10,000 students a full count writes 120,000 rows.
    if member_rows:
        session.execute(insert(_MEMBER_WEEK), member_rows)
    if team_rows:
        session.execute(insert(_TEAM_WEEK), team_rows)

    by_team: dict[int, list[MemberFacts]] = defaultdict(list)
    for team_id, person_id, joined_at in members:
        by_team[team_id].append(
            MemberFacts(person_id, joined_at, last_active.get((team_id, person_id)))
        )
    for (team_id, _w), c in totals.items():
        activity[team_id] += c.total
    limits = _thresholds(session, exchange_id)
    stored = {
        h.team_id: h
        for h in session.scalars(select(TeamHealth).where(TeamHealth.exchange_id == exchange_id))
    }
    teachers: list[int] | None = None
    at_risk = alerted = 0
    for team_id, formed_at in teams.items():
        facts = TeamFacts(
            team_id,
            formed_at,
            by_team.get(team_id, []),
            last_meeting.get(team_id),
            tuple(sorted(checkins.get(team_id, {}).items())),
            split.get(team_id, False),
        )
        result = assess(facts, limits, now)
        row = stored.get(team_id)
        if row is None:
            row = TeamHealth(
                team_id=team_id, exchange_id=exchange_id, status="", risk_episode=0, changed_at=now
            )
            session.add(row)
        became_at_risk = result.status is Status.AT_RISK and row.status != Status.AT_RISK.value
        _store(row, result, last_meeting.get(team_id), activity[team_id], now)
        if result.status is Status.AT_RISK:
            at_risk += 1
        if became_at_risk:
            row.risk_episode += 1
            if teachers is None:
                teachers = exchange_teacher_ids(session, exchange_id)
            alerted += notify(
                session,
                teachers,
                "team_at_risk",
                {"team": _team_name(session, team_id), "exchange": exchange.title},
                dedupe_key=f"team-at-risk:{team_id}:{row.risk_episode}",
                target=f"health:{team_id}",
            )
    for team_id in set(stored) - set(teams):
        session.delete(stored[team_id])
    session.commit()
    return RefreshReport(len(teams), at_risk, alerted)


def _team_name(session: Session, team_id: int) -> str:
    return session.scalar(select(Team.name).where(Team.id == team_id)) or ""


def _store(
    row: TeamHealth, result: Assessment, met: date | None, activity: int, now: datetime
) -> None:
    if row.status != result.status.value:
        row.changed_at = now
    row.status = result.status.value
    row.rank = RANK[result.status]
    row.reasons = [r.as_json() for r in result.reasons]
    row.last_meeting_on = met
    row.activity_total = activity
    row.computed_at = now


def _last_meetings(session: Session, exchange_id: int, start: datetime) -> dict[int, date]:
    """Per team, the last day two or more people were in its call (a team meeting)."""
    day = _day_expr(session, CallAttendance.joined_at)
    query = (
        select(Room.team_id, day)
        .select_from(CallAttendance)
        .join(Room, Room.id == CallAttendance.room_id)
        .join(Team, Team.id == Room.team_id)
        .where(Team.exchange_id == exchange_id, CallAttendance.joined_at >= start)
        .group_by(Room.team_id, day)
        .having(func.count(func.distinct(CallAttendance.person_id)) >= 2)
    )
    last: dict[int, int] = {}
    for team_id, day_no in session.execute(query):
        last[team_id] = max(last.get(team_id, day_no), day_no)
    epoch = date(1970, 1, 1)
    return {team_id: epoch + timedelta(days=int(n)) for team_id, n in last.items()}


def _checkin_averages(
    session: Session, exchange_id: int, starts_on: date
) -> dict[int, dict[int, float]]:
    """Per team and exchange week, the average of its members' check-in scores (1 to 5, all
    three questions alike). Check-ins are kept per ISO week; each lands in the exchange week
    holding that ISO week's Thursday."""
    score = (CheckinAnswer.teamwork + CheckinAnswer.contribute + CheckinAnswer.blockers) / 3.0
    found: dict[int, dict[int, float]] = defaultdict(dict)
    for team_id, iso_week, average in session.execute(
        select(CheckinAnswer.team_id, CheckinAnswer.week, func.avg(score))
        .where(CheckinAnswer.exchange_id == exchange_id)
        .group_by(CheckinAnswer.team_id, CheckinAnswer.week)
    ):
        thursday = _iso_thursday(iso_week)
        if thursday is None or average is None:
            continue
        week_no = week_of(datetime.combine(thursday, time(12), UTC), starts_on)
        found[team_id][max(week_no, 0)] = round(float(average), 2)
    return found


def _iso_thursday(iso_week: str) -> date | None:
    try:
        year, week = iso_week.split("-W")
        return date.fromisocalendar(int(year), int(week), 4)
    except ValueError:
        return None


def _ratings_split(session: Session, exchange_id: int) -> dict[int, bool]:
    """Per team, whether its latest finalized peer round flagged an institution split."""
    latest: dict[int, bool] = {}
    for team_id, flags in session.execute(
        select(PeerTeamResult.team_id, PeerTeamResult.flags)
        .join(PeerRound, PeerRound.id == PeerTeamResult.round_id)
        .where(PeerRound.exchange_id == exchange_id)
        .order_by(PeerRound.closes_at, PeerRound.id)
    ):
        latest[team_id] = INSTITUTION_SPLIT in (flags or [])
    return latest


# ---- the dashboard -------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    value: int
    level: int


@dataclass(frozen=True)
class TeamLine:
    team_id: int
    name: str
    status: Status | None  # None: not assessed yet
    reasons: list[Text]
    cells: list[Cell]
    checkins: list[float | None]
    trend: str  # SVG points of the check-in line ("" without check-ins)
    last_meeting_on: date | None


@dataclass(frozen=True)
class Dashboard:
    exchange_id: int
    title: str
    counts: dict[Status, int]
    weeks: list[date]  # each shown week's first day
    teams: list[TeamLine]
    sort: str
    page: int
    pages: int
    computed_at: datetime | None
    has_checkins: bool


def health_dashboard(
    session: Session,
    actor: Actor,
    exchange_id: int,
    *,
    sort: str = "status",
    page: int = 1,
    now: datetime | None = None,
) -> Dashboard:
    """One page of the exchange's teams, worst first by default, with their weekly activity
    and check-in averages: team-level data only, so every teacher of the exchange sees the
    same page. Reads stored rows (a handful of indexed queries whatever the exchange's size)."""
    exchange = _require_teacher(session, actor, exchange_id)
    now = now or datetime.now(UTC)
    if sort not in SORTS:
        raise InvalidInput(N_("Teams can be sorted by status, name or activity."))
    counts = dict.fromkeys(Status, 0)
    for status, n in session.execute(
        select(TeamHealth.status, func.count())
        .where(TeamHealth.exchange_id == exchange_id)
        .group_by(TeamHealth.status)
    ):
        counts[Status(status)] = n
    total = session.scalar(select(func.count()).where(Team.exchange_id == exchange_id)) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(page, 1), pages)
    order: list[Any]
    if sort == "status":
        order = [func.coalesce(TeamHealth.rank, 3), Team.name, Team.id]
    elif sort == "activity":
        order = [func.coalesce(TeamHealth.activity_total, 0), Team.name, Team.id]
    else:
        order = [Team.name, Team.id]
    rows = session.execute(
        select(
            Team.id,
            Team.name,
            TeamHealth.status,
            TeamHealth.reasons,
            TeamHealth.last_meeting_on,
            TeamHealth.computed_at,
        )
        .outerjoin(TeamHealth, TeamHealth.team_id == Team.id)
        .where(Team.exchange_id == exchange_id)
        .order_by(*order)
        .limit(PAGE_SIZE)
        .offset((page - 1) * PAGE_SIZE)
    ).all()
    shown = weeks_so_far(exchange.starts_on, exchange.ends_on, now)
    ids = [r[0] for r in rows]
    weekly: dict[int, dict[int, tuple[int, float | None]]] = defaultdict(dict)
    busiest = 0
    for team_id, week_no, lines, edits, done, calls, checkin in session.execute(
        select(
            TeamWeek.team_id,
            TeamWeek.week,
            TeamWeek.lines,
            TeamWeek.note_edits,
            TeamWeek.tasks_done,
            TeamWeek.calls,
            TeamWeek.checkin_average,
        ).where(TeamWeek.team_id.in_(ids), TeamWeek.week < shown)
    ):
        value = lines + edits + done + calls
        busiest = max(busiest, value)
        weekly[team_id][week_no] = (value, checkin)
    lines_out = []
    computed: datetime | None = None
    has_checkins = False
    for team_id, name, status, reasons, met, at in rows:
        if at is not None and (computed is None or at < computed):
            computed = at
        weeks = weekly.get(team_id, {})
        values = [weeks.get(w, (0, None))[0] for w in range(shown)]
        trend = [weeks.get(w, (0, None))[1] for w in range(shown)]
        has_checkins = has_checkins or any(v is not None for v in trend)
        lines_out.append(
            TeamLine(
                team_id,
                name,
                Status(status) if status else None,
                [reason_text(r["key"], r.get("params", {})) for r in reasons or []],
                [Cell(v, level(v, busiest)) for v in values],
                trend,
                trend_points(trend),
                met,
            )
        )
    return Dashboard(
        exchange.id,
        exchange.title,
        counts,
        [week_starts(exchange.starts_on, w) for w in range(shown)],
        lines_out,
        sort,
        page,
        pages,
        computed,
        has_checkins,
    )


# ---- the team page -------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberSignals:
    name: str
    institution: str
    own: bool  # of the viewer's university
    weeks: list[int]  # total activity per shown week
    lines: int
    note_edits: int
    tasks_done: int
    calls: int
    last_active_at: datetime | None


@dataclass(frozen=True)
class LogEntry:
    author: str
    action: Text
    note: str
    created_at: datetime


@dataclass(frozen=True)
class TeamPage:
    team_id: int
    exchange_id: int
    exchange_title: str
    name: str
    status: Status | None
    reasons: list[Text]
    computed_at: datetime | None
    last_meeting_on: date | None
    weeks: list[date]
    totals: list[Counts]  # the whole team per shown week
    members: list[MemberSignals]  # only those the viewer may see one by one
    others: list[tuple[str, int]]  # (university, members) shown only inside the totals
    log: list[LogEntry]


def team_health(
    session: Session, actor: Actor, team_id: int, now: datetime | None = None
) -> TeamPage:
    """A team's signals for one teacher: team totals and flags for everyone; members one by
    one only from the teacher's own university, unless the exchange shares individual data."""
    team, exchange = _team_for_teacher(session, actor, team_id)
    now = now or datetime.now(UTC)
    shown = weeks_so_far(exchange.starts_on, exchange.ends_on, now)
    viewer = session.get_one(Person, actor.person_id)
    health = session.get(TeamHealth, team_id)
    totals = [Counts() for _ in range(shown)]
    for row in session.scalars(
        select(TeamWeek).where(TeamWeek.team_id == team_id, TeamWeek.week < shown)
    ):
        if row.week >= 0:
            totals[row.week] = Counts(row.lines, row.note_edits, row.tasks_done, row.calls)
    people = session.execute(
        select(
            Person.id, Person.chosen_name, Person.lms_name, Person.institution_id, Institution.name
        )
        .join(TeamMembership, TeamMembership.person_id == Person.id)
        .join(Institution, Institution.id == Person.institution_id)
        .where(TeamMembership.team_id == team_id)
        .order_by(TeamMembership.id)
    ).all()
    shown_institutions = {
        inst
        for inst in {row[3] for row in people}
        if individual_data_shared(session, exchange.id, viewer.institution_id, inst)
    }
    visible = {pid for pid, _c, _l, inst, _n in people if inst in shown_institutions}
    per_person: dict[int, dict[int, MemberWeek]] = defaultdict(dict)
    if visible:
        for mw in session.scalars(
            select(MemberWeek).where(
                MemberWeek.team_id == team_id, MemberWeek.person_id.in_(visible)
            )
        ):
            per_person[mw.person_id][mw.week] = mw
    members = []
    others: dict[str, int] = defaultdict(int)
    for pid, chosen, lms, inst, inst_name in people:
        if pid not in visible:
            others[inst_name] += 1
            continue
        weeks = per_person.get(pid, {})
        c = Counts()
        for mw in weeks.values():
            c.add(Counts(mw.lines, mw.note_edits, mw.tasks_done, mw.calls, mw.last_active_at))
        members.append(
            MemberSignals(
                shown_name(chosen, lms),
                inst_name,
                inst == viewer.institution_id,
                [
                    (weeks[w].lines + weeks[w].note_edits + weeks[w].tasks_done + weeks[w].calls)
                    if w in weeks
                    else 0
                    for w in range(shown)
                ],
                c.lines,
                c.note_edits,
                c.tasks_done,
                c.calls,
                c.last_active_at,
            )
        )
    log = [
        LogEntry(
            shown_name(chosen, lms) if chosen or lms else "—",
            ACTIONS.get(action, ACTIONS["note"]),
            note,
            at,
        )
        for action, note, at, chosen, lms in session.execute(
            select(
                Intervention.action,
                Intervention.note,
                Intervention.created_at,
                Person.chosen_name,
                Person.lms_name,
            )
            .outerjoin(Person, Person.id == Intervention.author_id)
            .where(Intervention.team_id == team_id)
            .order_by(Intervention.created_at.desc(), Intervention.id.desc())
        )
    ]
    return TeamPage(
        team.id,
        exchange.id,
        exchange.title,
        team.name,
        Status(health.status) if health else None,
        [reason_text(r["key"], r.get("params", {})) for r in (health.reasons if health else [])],
        health.computed_at if health else None,
        health.last_meeting_on if health else None,
        [week_starts(exchange.starts_on, w) for w in range(shown)],
        totals,
        members,
        sorted(others.items()),
        log,
    )


def log_intervention(
    session: Session, actor: Actor, team_id: int, action: str, note: str, client_id: str
) -> Intervention:
    """Add a note or action to the team's log. The form's ``client_id`` makes a second submit
    of the same form return the first entry instead of adding another."""
    team, exchange = _team_for_teacher(session, actor, team_id)
    client_id = client_id.strip()
    if not client_id or len(client_id) > 64:
        raise InvalidInput(N_("This form is out of date. Reload the page and try again."))
    existing = session.scalar(
        select(Intervention).where(
            Intervention.author_id == actor.person_id, Intervention.client_id == client_id
        )
    )
    if existing is not None:
        return existing
    if action not in ACTIONS:
        raise InvalidInput(N_("Choose what you did from the list."))
    note = note.strip()
    if len(note) > NOTE_MAX:
        raise InvalidInput(N_("Keep the note under %(max)s characters.", max=NOTE_MAX))
    if action == "note" and not note:
        raise InvalidInput(N_("Write the note, or choose an action you took."))
    entry = Intervention(
        exchange_id=exchange.id,
        team_id=team.id,
        author_id=actor.person_id,
        client_id=client_id,
        action=action,
        note=note,
    )
    session.add(entry)
    session.commit()
    return entry
