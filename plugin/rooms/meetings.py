"""Weekly meeting times for a team, from its members' availability, and an ``.ics`` of them.

Availability is stored as UTC minute-of-week intervals (plugin.profiles), turned into 30-minute
slot masks by ``plugin.matching.availability``. A suggestion is a window of ``minutes`` in
which as many members as possible are free for the whole window; windows on different days
come first, because a team wants a choice, not three neighbouring half hours.

The calendar file uses UTC times with a weekly RRULE (RFC 5545): every calendar shows it in the
reader's own zone. A UTC rule keeps the meeting on the same instant all term, which is what a
team spread over zones with different DST dates needs; each member's local time is shown next
to it on the room page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.exchanges.models import Exchange
from plugin.matching.availability import SLOT_MINUTES, SLOTS_PER_WEEK, to_mask
from plugin.people.models import Person
from plugin.profiles.models import Profile
from plugin.profiles.service import shares_with
from plugin.rooms.access import check_access
from plugin.rooms.service import MemberView, room_members
from plugin.teams.models import Team, TeamMembership

DEFAULT_MINUTES = 60
DEFAULT_LIMIT = 3
DEFAULT_WEEKS = 12  # when the exchange has no end date in the future
MINUTES_PER_DAY = 24 * 60


@dataclass(frozen=True)
class MeetingSlot:
    """A weekly window: starts ``start_minute`` minutes after Monday 00:00 UTC."""

    start_minute: int
    minutes: int
    free: tuple[int, ...]  # person ids free for the whole window

    def next_start(self, now: datetime) -> datetime:
        """The first occurrence that has not started yet (UTC)."""
        monday = datetime.combine(now.date() - timedelta(days=now.weekday()), time(), tzinfo=UTC)
        start = monday + timedelta(minutes=self.start_minute)
        while start <= now:
            start += timedelta(weeks=1)
        return start


def _windows_free(masks: Mapping[int, int], length: int) -> list[tuple[int, tuple[int, ...]]]:
    """Every window start (wrapping past Sunday midnight) with who is free for all of it."""
    need = (1 << length) - 1
    found = []
    for start in range(SLOTS_PER_WEEK):
        free = []
        for person_id, mask in masks.items():
            # Rotate so the window starts at bit 0, even when it wraps into next Monday.
            rotated = (mask >> start) | (mask << (SLOTS_PER_WEEK - start))
            if rotated & need == need:
                free.append(person_id)
        found.append((start, tuple(sorted(free))))
    return found


def suggest_slots(
    availability: Mapping[int, Sequence[Sequence[int]]],
    minutes: int = DEFAULT_MINUTES,
    limit: int = DEFAULT_LIMIT,
) -> list[MeetingSlot]:
    """The best weekly windows: most members free, then on a day not yet suggested, then
    earliest in the week. Windows with fewer than two members free are no meeting."""
    if minutes <= 0 or minutes % SLOT_MINUTES or minutes > MINUTES_PER_DAY:
        raise ValueError("A meeting lasts a whole number of half hours, at most a day.")
    masks = {
        person_id: to_mask((int(a), int(b)) for a, b in intervals)
        for person_id, intervals in availability.items()
    }
    length = minutes // SLOT_MINUTES
    windows = [w for w in _windows_free(masks, length) if len(w[1]) >= 2]
    windows.sort(key=lambda w: (-len(w[1]), w[0]))
    chosen: list[tuple[int, tuple[int, ...]]] = []

    def clashes(start: int) -> bool:
        return any(
            min((start - other) % SLOTS_PER_WEEK, (other - start) % SLOTS_PER_WEEK) < length
            for other, _ in chosen
        )

    def day(start: int) -> int:
        return (start * SLOT_MINUTES) // MINUTES_PER_DAY

    for new_day_only in (True, False):
        for start, free in windows:
            if len(chosen) >= limit:
                break
            if clashes(start) or (new_day_only and day(start) in {day(s) for s, _ in chosen}):
                continue
            chosen.append((start, free))
    return [MeetingSlot(start * SLOT_MINUTES, minutes, free) for start, free in chosen]


# --- the room's view -------------------------------------------------------------------


@dataclass(frozen=True)
class MeetingPlan:
    team_name: str
    members: list[MemberView]
    slots: list[MeetingSlot]
    missing: list[str]  # display names of members whose availability is not counted
    until: date | None  # the exchange's last day, for the calendar's RRULE
    counted: tuple[int, ...] = ()  # whose availability the suggestions use (may be shown)


def meeting_plan(
    session: Session, actor: Actor, room_id: int, now: datetime, minutes: int = DEFAULT_MINUTES
) -> MeetingPlan:
    """Suggested weekly times for the actor's team (members and the exchange's teachers)."""
    access = check_access(session, actor, room_id)
    members = room_members(session, actor, room_id, now)
    rows = session.execute(
        select(Person, Profile)
        .join(TeamMembership, TeamMembership.person_id == Profile.person_id)
        .join(Person, Person.id == Profile.person_id)
        .where(TeamMembership.team_id == access.team_id)
    ).all()
    viewer = session.get(Person, actor.person_id)
    # Only availability the viewer may see counts: a partner who refused to share it is
    # neither "free" nor "not free" to them, and is not in the count.
    availability = {
        person.id: profile.availability
        for person, profile in rows
        if profile.availability and shares_with(person, profile, "availability", viewer)
    }
    exchange = session.get(Exchange, access.exchange_id)
    team = session.get(Team, access.team_id)
    return MeetingPlan(
        team_name=team.name if team is not None else "",
        members=members,
        slots=suggest_slots(availability, minutes),
        missing=[m.display_name for m in members if m.person_id not in availability],
        counted=tuple(sorted(availability)),
        until=exchange.ends_on if exchange is not None else None,
    )


# --- iCalendar -------------------------------------------------------------------------


def _ics_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545 3.3.11)."""
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (3.1)."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts: list[str] = []
    while data:
        limit = 75 if not parts else 74
        cut = min(limit, len(data))
        while cut < len(data) and (data[cut] & 0xC0) == 0x80:  # never split a UTF-8 character
            cut -= 1
        parts.append(data[:cut].decode())
        data = data[cut:]
    return "\r\n ".join(parts)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def meetings_ics(
    *,
    slots: Sequence[MeetingSlot],
    summary: str,
    description: str,
    url: str,
    uid_prefix: str,
    now: datetime,
    until: date | None,
) -> str:
    """A calendar with one weekly event per slot, until the exchange ends (or 12 weeks)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Tandem//Team meetings//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ]
    for slot in slots:
        start = slot.next_start(now)
        if until is not None and until >= start.date():
            last = datetime.combine(until, time(23, 59, 59), tzinfo=UTC)
            repeat = f"FREQ=WEEKLY;UNTIL={_utc(last)}"
        else:
            repeat = f"FREQ=WEEKLY;COUNT={DEFAULT_WEEKS}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid_prefix}-{slot.start_minute}-{slot.minutes}",
            f"DTSTAMP:{_utc(now)}",
            f"DTSTART:{_utc(start)}",
            f"DTEND:{_utc(start + timedelta(minutes=slot.minutes))}",
            f"RRULE:{repeat}",
            f"SUMMARY:{_ics_text(summary)}",
            f"DESCRIPTION:{_ics_text(description)}",
            f"URL:{url}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)
