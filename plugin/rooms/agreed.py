"""Meetings a team agreed on: record one (from a suggested time or a typed date and time),
list them for the room, remind the members once before each, and the ``.ics`` of one.

The reminder is a notification (in-app and email, as each member chose) recorded by the
periodic ``send_meeting_reminders``; it marks the meeting reminded in the same commit, so a
second run, a second worker or a retried task finds nothing to send.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.db import utcnow
from plugin.errors import InvalidInput, NotAllowed, NotFound
from plugin.i18n import N_
from plugin.notifications.service import notify
from plugin.profiles.models import Profile
from plugin.rooms.access import check_access
from plugin.rooms.agreed_models import AgreedMeeting
from plugin.rooms.service import room_of_team
from plugin.teams.models import Team, TeamMembership

MIN_MINUTES = 15
MAX_MINUTES = 240
FURTHEST = timedelta(days=366)
DEFAULT_REMINDER = timedelta(hours=1)
SHOWN = 5  # upcoming meetings the room lists


@dataclass(frozen=True)
class MeetingView:
    id: int
    team_id: int
    starts_at: datetime
    ends_at: datetime


def _room_access(session: Session, actor: Actor, team_id: int) -> tuple[int, bool]:
    room_id = room_of_team(session, team_id)
    if room_id is None:
        raise InvalidInput(N_("This team has no room yet."))
    access = check_access(session, actor, room_id)
    return room_id, access.is_member


def agree_meeting(
    session: Session,
    actor: Actor,
    team_id: int,
    starts_at: datetime,
    minutes: int,
    *,
    now: datetime | None = None,
) -> MeetingView:
    """A member records the time the team agreed on. The same time again is the same
    meeting (a double submit, or two members agreeing on one suggestion)."""
    _, is_member = _room_access(session, actor, team_id)
    if not is_member:
        raise NotAllowed(N_("Only the team's members can agree on a meeting."))
    moment = now or utcnow()
    start = starts_at.astimezone(UTC).replace(second=0, microsecond=0)
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise InvalidInput(N_("A meeting lasts 15 to 240 minutes."), "minutes")
    if start <= moment:  # fields: the room's meeting form (a typed date; the view maps a slot)
        raise InvalidInput(N_("Choose a time in the future."), "date")
    if start > moment + FURTHEST:
        raise InvalidInput(N_("Choose a time within the next year."), "date")
    found = session.scalar(
        select(AgreedMeeting).where(
            AgreedMeeting.team_id == team_id, AgreedMeeting.starts_at == start
        )
    )
    if found is None:
        found = AgreedMeeting(
            team_id=team_id,
            starts_at=start,
            ends_at=start + timedelta(minutes=minutes),
            agreed_by_id=actor.person_id,
        )
        session.add(found)
        try:
            session.commit()
        except IntegrityError:  # a teammate's identical submit won the race: theirs stands
            session.rollback()
            found = session.scalars(
                select(AgreedMeeting).where(
                    AgreedMeeting.team_id == team_id, AgreedMeeting.starts_at == start
                )
            ).one()
    return MeetingView(found.id, found.team_id, found.starts_at, found.ends_at)


def upcoming_meetings(
    session: Session, actor: Actor, team_id: int, now: datetime
) -> list[MeetingView]:
    """The team's agreed meetings that have not ended, soonest first (members and the
    exchange's teachers)."""
    _room_access(session, actor, team_id)
    rows = session.scalars(
        select(AgreedMeeting)
        .where(AgreedMeeting.team_id == team_id, AgreedMeeting.ends_at > now)
        .order_by(AgreedMeeting.starts_at)
        .limit(SHOWN)
    )
    return [MeetingView(r.id, r.team_id, r.starts_at, r.ends_at) for r in rows]


def meeting_for(session: Session, actor: Actor, meeting_id: int) -> MeetingView:
    """One meeting of a team the actor may see (for its calendar file)."""
    row = session.get(AgreedMeeting, meeting_id)
    if row is None:
        raise NotFound(N_("There is no such meeting."))
    _room_access(session, actor, row.team_id)
    return MeetingView(row.id, row.team_id, row.starts_at, row.ends_at)


def _zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _local(moment: datetime, zone_name: str | None) -> str:
    """The start in the member's own zone, language-neutral (ISO date, 24-hour clock)."""
    zone = _zone(zone_name)
    return f"{moment.astimezone(zone):%Y-%m-%d %H:%M} ({zone.key})"


def send_meeting_reminders(
    session: Session, now: datetime | None = None, before: timedelta = DEFAULT_REMINDER
) -> int:
    """Remind every member of meetings starting within ``before`` (the worker, every few
    minutes); each meeting once. Returns how many notifications were recorded."""
    moment = now or utcnow()
    due = session.scalars(
        select(AgreedMeeting)
        .where(
            AgreedMeeting.reminded_at.is_(None),
            AgreedMeeting.starts_at > moment,
            AgreedMeeting.starts_at <= moment + before,
        )
        .order_by(AgreedMeeting.id)
        .with_for_update(skip_locked=True)
    ).all()
    made = 0
    for meeting in due:
        team = session.get(Team, meeting.team_id)
        members = session.execute(
            select(TeamMembership.person_id, Profile.time_zone)
            .outerjoin(Profile, Profile.person_id == TeamMembership.person_id)
            .where(TeamMembership.team_id == meeting.team_id)
        ).all()
        for person_id, zone_name in members:  # each member's time in their own zone
            made += notify(
                session,
                [person_id],
                "meeting_reminder",
                {
                    "team": team.name if team is not None else "",
                    "when": _local(meeting.starts_at, zone_name),
                    "meeting": meeting.id,
                    "starts": meeting.starts_at.isoformat(),
                    "ends": meeting.ends_at.isoformat(),
                },
                dedupe_key=f"meeting:{meeting.id}",
                target=f"room:{meeting.team_id}",
            )
        meeting.reminded_at = moment
    session.commit()
    return made


# --- iCalendar (RFC 5545) -----------------------------------------------------------------


def ics_text(value: str) -> str:
    """A TEXT value escaped (3.3.11): backslash, semicolon, comma, and line breaks as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def fold(line: str) -> str:
    """Content lines longer than 75 octets continue after CRLF and a space (3.1), never
    inside a UTF-8 character."""
    data = line.encode()
    parts: list[bytes] = []
    while len(data) > (75 if not parts else 74):
        cut = 75 if not parts else 74
        while (data[cut] & 0xC0) == 0x80:
            cut -= 1
        parts.append(data[:cut])
        data = data[cut:]
    parts.append(data)
    return b"\r\n ".join(parts).decode()


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def meeting_ics(
    *, uid: str, start: datetime, end: datetime, summary: str, url: str, now: datetime
) -> str:
    """A calendar with the one agreed meeting, in UTC (every calendar shows it locally)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Tandem//Agreed meeting//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{_stamp(now)}",
        f"DTSTART:{_stamp(start)}",
        f"DTEND:{_stamp(end)}",
        f"SUMMARY:{ics_text(summary)}",
        f"URL:{url}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(fold(line) + "\r\n" for line in lines)
