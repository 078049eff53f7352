"""Call attendance: members joining and leaving the team's video call, and the meetings that
completion rules count.

The browser reports the Jitsi IFrame API's ``videoConferenceJoined``/``Left`` events over the
room socket. A stretch in the call becomes meeting evidence (``EvidenceKind.MEETING``, source
``call``) for its UTC day once it overlapped another member's stretch by ``MIN_MEETING``: one
person alone in a call is no team meeting. Teacher-recorded meetings (plugin.completion) stay as
they are; both kinds count, one per person per day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.calls.models import CallAttendance
from plugin.completion.models import CompletionEvidence, EvidenceKind
from plugin.db import utcnow
from plugin.errors import NotAllowed
from plugin.i18n import N_
from plugin.ledger.models import EventKind
from plugin.ledger.service import append
from plugin.rooms.access import check_access
from plugin.rooms.models import Room
from plugin.teams.models import Team, TeamMembership
from plugin.teams.service import is_exchange_teacher

MIN_MEETING = timedelta(minutes=10)
# A stretch whose "left" never arrived (browser killed) counts at most this long.
MAX_STRETCH = timedelta(hours=3)
SOURCE = "call"

Stretch = tuple[datetime, datetime]


@dataclass(frozen=True)
class CallChange:
    attendance_id: int | None  # None: a teacher observing; teachers are not counted
    meetings_added: int = 0


def _open_stretch(session: Session, room_id: int, person_id: int) -> CallAttendance | None:
    return session.scalar(
        select(CallAttendance)
        .where(
            CallAttendance.room_id == room_id,
            CallAttendance.person_id == person_id,
            CallAttendance.left_at.is_(None),
        )
        .order_by(CallAttendance.id.desc())
        .limit(1)
    )


def join_call(session: Session, actor: Actor, room_id: int, now: datetime) -> CallChange:
    """A member is in the call. Repeated joins (a second tab, a reconnect) keep one stretch."""
    access = check_access(session, actor, room_id)
    if not access.is_member:
        return CallChange(None)
    row = _open_stretch(session, room_id, actor.person_id)
    if row is None:
        row = CallAttendance(room_id=room_id, person_id=actor.person_id, joined_at=now)
        session.add(row)
        session.flush()
    attendance_id = row.id
    session.commit()
    return CallChange(attendance_id)


def leave_call(session: Session, actor: Actor, room_id: int, now: datetime) -> CallChange:
    """A member left the call (or their page went away): close the stretch and record the
    day as a meeting for everyone it overlapped long enough."""
    access = check_access(session, actor, room_id)
    if not access.is_member:
        return CallChange(None)
    row = _open_stretch(session, room_id, actor.person_id)
    if row is None:
        session.commit()
        return CallChange(None)
    row.left_at = max(now, row.joined_at)
    session.flush()
    added = _record_call_meetings(session, access.exchange_id, [access.team_id], now)
    attendance_id = row.id
    session.commit()
    return CallChange(attendance_id, added)


def meeting_days(
    stretches: Mapping[int, Sequence[Stretch]], minimum: timedelta = MIN_MEETING
) -> set[tuple[int, date]]:
    """(person, UTC day) for every stretch that overlapped another person's by ``minimum``.

    Pure, so the rule is testable on its own: overlap of two people, not time alone in a call.
    """
    found: set[tuple[int, date]] = set()
    people = list(stretches)
    for i, person in enumerate(people):
        for other in people[i + 1 :]:
            for a_start, a_end in stretches[person]:
                for b_start, b_end in stretches[other]:
                    start, end = max(a_start, b_start), min(a_end, b_end)
                    if end - start >= minimum:
                        found.add((person, start.date()))
                        found.add((other, start.date()))
    return found


def _stretches(
    session: Session, team_ids: Iterable[int], now: datetime
) -> dict[int, dict[int, list[Stretch]]]:
    """Team → person → stretches of that team's current members; one still open counts up to
    ``now`` (the one who stays is met by the one who leaves), every one at most MAX_STRETCH."""
    rows = session.execute(
        select(
            Room.team_id, CallAttendance.person_id, CallAttendance.joined_at, CallAttendance.left_at
        )
        .join(Room, Room.id == CallAttendance.room_id)
        .join(
            TeamMembership,
            (TeamMembership.team_id == Room.team_id)
            & (TeamMembership.person_id == CallAttendance.person_id),
        )
        .where(Room.team_id.in_(list(team_ids)))
    )
    found: dict[int, dict[int, list[Stretch]]] = defaultdict(lambda: defaultdict(list))
    for team_id, person_id, joined, left in rows:
        end = min(left or now, joined + MAX_STRETCH)
        if end > joined:
            found[team_id][person_id].append((joined, end))
    return found


def _record_call_meetings(
    session: Session, exchange_id: int, team_ids: Sequence[int], now: datetime
) -> int:
    """Turn the teams' call attendance into meeting evidence (no commit); returns how many
    (person, day) facts were new."""
    days: set[tuple[int, date]] = set()
    for by_person in _stretches(session, team_ids, now).values():
        days |= meeting_days(by_person)
    if not days:
        return 0
    known = {
        (person_id, key)
        for person_id, key in session.execute(
            select(CompletionEvidence.person_id, CompletionEvidence.key).where(
                CompletionEvidence.exchange_id == exchange_id,
                CompletionEvidence.kind == EvidenceKind.MEETING,
                CompletionEvidence.person_id.in_({p for p, _ in days}),
            )
        )
    }
    added = 0
    for person_id, day in sorted(days):
        if (person_id, day.isoformat()) in known:
            continue
        session.add(
            CompletionEvidence(
                exchange_id=exchange_id,
                person_id=person_id,
                kind=EvidenceKind.MEETING,
                key=day.isoformat(),
                source=SOURCE,
            )
        )
        append(
            session,
            EventKind.EVIDENCE_RECORDED,
            exchange_id=exchange_id,
            subject_id=person_id,
            payload={"kind": "meeting", "date": day.isoformat(), "source": SOURCE},
        )
        added += 1
    session.flush()
    return added


def refresh_call_meetings(
    session: Session, actor: Actor, exchange_id: int, now: datetime | None = None
) -> int:
    """A teacher brings meeting evidence up to date from every team's call attendance."""
    if not is_exchange_teacher(session, actor.person_id, exchange_id):
        raise NotAllowed(N_("Only teachers of this exchange can do this."))
    team_ids = list(session.scalars(select(Team.id).where(Team.exchange_id == exchange_id)))
    added = _record_call_meetings(session, exchange_id, team_ids, now or utcnow())
    session.commit()
    return added
