"""The facts completion rules judge, gathered from the rooms (contribution weeks, tasks per
phase) and kept as evidence rows so later room edits cannot erase them. Never commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from plugin.chat.models import Message
from plugin.completion.checks import completion_row, team_of
from plugin.completion.models import (
    Completion,
    CompletionEvidence,
    CompletionStatus,
    EvidenceKind,
)
from plugin.completion.rules import (
    CompletionFacts,
    PhaseTasks,
    iso_week,
)
from plugin.ledger.models import EventKind
from plugin.ledger.service import append
from plugin.notes.models import Note
from plugin.peer.service import participations
from plugin.rooms.models import Room
from plugin.tasks.models import Task, TaskState
from plugin.teams.models import Team


def week_of(moment: datetime) -> str:
    year, week, _ = moment.isocalendar()
    return iso_week(year, week)


def room_contributions(
    session: Session, exchange_id: int, person_ids: Sequence[int]
) -> dict[int, dict[str, str]]:
    """Person → {ISO week: source} from chat lines, the last note save and finished tasks."""
    found: dict[int, dict[str, str]] = defaultdict(dict)
    rooms = (
        select(Room.id).join(Team, Team.id == Room.team_id).where(Team.exchange_id == exchange_id)
    )
    # The authors' lines, kept to this exchange's rooms here: asked by room, a database without
    # statistics (SQLite) walks every line of the exchange for a page of 50 students.
    here = set(session.scalars(rooms))
    chat = [
        (author_id, moment)
        for author_id, moment, room_id in session.execute(
            select(Message.author_id, Message.created_at, Message.room_id).where(
                Message.author_id.in_(person_ids),
                Message.deleted_at.is_(None),
                Message.hidden_at.is_(None),
            )
        )
        if room_id in here
    ]
    notes = session.execute(
        select(Note.updated_by_id, Note.updated_at).where(
            Note.room_id.in_(rooms), Note.updated_by_id.in_(person_ids)
        )
    )
    tasks = session.execute(
        select(Task.done_by_id, Task.done_at).where(
            Task.room_id.in_(rooms), Task.done_by_id.in_(person_ids), Task.done_at.is_not(None)
        )
    )
    for source, rows in (("chat", chat), ("note", notes), ("task", tasks)):
        for person_id, moment in rows:
            if person_id is not None and moment is not None:
                found[person_id].setdefault(week_of(moment), source)
    return found


def record_contributions(session: Session, exchange_id: int, person_ids: Sequence[int]) -> int:
    """Keep every week a person contributed in, so later edits to the room cannot erase it."""
    if not person_ids:
        return 0
    known = {
        (p, k)
        for p, k in session.execute(
            select(CompletionEvidence.person_id, CompletionEvidence.key).where(
                CompletionEvidence.exchange_id == exchange_id,
                CompletionEvidence.kind == EvidenceKind.CONTRIBUTION,
                CompletionEvidence.person_id.in_(person_ids),
            )
        )
    }
    found = room_contributions(session, exchange_id, person_ids)
    enrolled = set(
        session.scalars(
            select(Completion.person_id).where(
                Completion.exchange_id == exchange_id, Completion.person_id.in_(list(found))
            )
        )
    )
    added = 0
    for person_id, weeks in found.items():
        new = {week: source for week, source in weeks.items() if (person_id, week) not in known}
        if not new:
            continue
        if person_id not in enrolled:
            completion_row(session, exchange_id, person_id)
        session.execute(  # one statement for all the weeks
            insert(CompletionEvidence),
            [
                {
                    "exchange_id": exchange_id,
                    "person_id": person_id,
                    "kind": EvidenceKind.CONTRIBUTION,
                    "key": week,
                    "source": source,
                }
                for week, source in sorted(new.items())
            ],
        )
        append(
            session,
            EventKind.EVIDENCE_RECORDED,
            exchange_id=exchange_id,
            subject_id=person_id,
            payload={"kind": "contribution", "weeks": sorted(new)},
        )
        added += len(new)
    session.flush()
    return added


def phase_tasks(session: Session, team_ids: Collection[int]) -> dict[int, dict[str, PhaseTasks]]:
    """Team → {phase: tasks done of planned}, in one statement for any number of teams."""
    rows = session.execute(
        select(Room.team_id, Task.phase_key, Task.state, func.count())
        .join(Room, Room.id == Task.room_id)
        .where(Room.team_id.in_(team_ids))
        .group_by(Room.team_id, Task.phase_key, Task.state)
    )
    done: dict[tuple[int, str], int] = defaultdict(int)
    total: dict[tuple[int, str], int] = defaultdict(int)
    for team_id, phase, state, count in rows:
        total[team_id, phase] += count
        if state is TaskState.DONE:
            done[team_id, phase] += count
    found: dict[int, dict[str, PhaseTasks]] = {team_id: {} for team_id in team_ids}
    for (team_id, phase), planned in total.items():
        found[team_id][phase] = PhaseTasks(done[team_id, phase], planned)
    return found


def facts_for(
    session: Session,
    exchange_id: int,
    teams: Mapping[int, int],
    completions: Mapping[int, Completion],
    unrecorded: Mapping[int, Collection[str]] | None = None,
) -> dict[int, CompletionFacts]:
    """The facts of several students (person → team id) in a fixed number of statements.

    ``unrecorded`` adds contribution weeks found in the rooms but not yet kept as evidence,
    so a page can show the verdict a decision would reach without writing the evidence."""
    person_ids = list(teams)
    meetings: dict[int, int] = defaultdict(int)
    weeks: dict[int, set[str]] = defaultdict(set)
    for person_id, kind, key in session.execute(
        select(CompletionEvidence.person_id, CompletionEvidence.kind, CompletionEvidence.key).where(
            CompletionEvidence.exchange_id == exchange_id,
            CompletionEvidence.person_id.in_(person_ids),
        )
    ):
        if kind is EvidenceKind.MEETING:
            meetings[person_id] += 1
        elif kind is EvidenceKind.CONTRIBUTION:
            weeks[person_id].add(key)
    for person_id, found in (unrecorded or {}).items():
        weeks[person_id].update(found)
    tasks = phase_tasks(session, set(teams.values()))
    peer = participations(session, exchange_id, person_ids)
    return {
        person_id: CompletionFacts(
            meetings_attended=meetings[person_id],
            contribution_weeks=frozenset(weeks[person_id]),
            phase_tasks=tasks[team_id],
            reflection_submitted=completions[person_id].reflection_at is not None,
            signed_off=completions[person_id].status is CompletionStatus.APPROVED,
            peer_rounds=peer[person_id],
        )
        for person_id, team_id in teams.items()
    }


def facts_of(
    session: Session, exchange_id: int, person_id: int, completion: Completion
) -> CompletionFacts:
    team = team_of(session, exchange_id, person_id)
    return facts_for(session, exchange_id, {person_id: team.id}, {person_id: completion})[person_id]
