"""The facts completion rules judge, gathered from the rooms (contribution weeks, tasks per
phase) and kept as evidence rows so later room edits cannot erase them. Never commits.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
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
from plugin.peer.service import participation
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
    chat = session.execute(
        select(Message.author_id, Message.created_at).where(
            Message.room_id.in_(rooms),
            Message.author_id.in_(person_ids),
            Message.deleted_at.is_(None),
            Message.hidden_at.is_(None),
        )
    )
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
    added = 0
    for person_id, weeks in room_contributions(session, exchange_id, person_ids).items():
        new = {week: source for week, source in weeks.items() if (person_id, week) not in known}
        if not new:
            continue
        completion_row(session, exchange_id, person_id)
        for week, source in sorted(new.items()):
            session.add(
                CompletionEvidence(
                    exchange_id=exchange_id,
                    person_id=person_id,
                    kind=EvidenceKind.CONTRIBUTION,
                    key=week,
                    source=source,
                )
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


def phase_tasks(session: Session, team_id: int) -> dict[str, PhaseTasks]:
    rows = session.execute(
        select(Task.phase_key, Task.state, func.count())
        .join(Room, Room.id == Task.room_id)
        .where(Room.team_id == team_id)
        .group_by(Task.phase_key, Task.state)
    )
    done: dict[str, int] = defaultdict(int)
    total: dict[str, int] = defaultdict(int)
    for phase, state, count in rows:
        total[phase] += count
        if state is TaskState.DONE:
            done[phase] += count
    return {phase: PhaseTasks(done[phase], total[phase]) for phase in total}


def facts_of(
    session: Session, exchange_id: int, person_id: int, completion: Completion
) -> CompletionFacts:
    evidence = session.execute(
        select(CompletionEvidence.kind, CompletionEvidence.key).where(
            CompletionEvidence.exchange_id == exchange_id,
            CompletionEvidence.person_id == person_id,
        )
    ).all()
    team = team_of(session, exchange_id, person_id)
    return CompletionFacts(
        meetings_attended=sum(1 for kind, _ in evidence if kind is EvidenceKind.MEETING),
        contribution_weeks=frozenset(
            k for kind, k in evidence if kind is EvidenceKind.CONTRIBUTION
        ),
        phase_tasks=phase_tasks(session, team.id),
        reflection_submitted=completion.reflection_at is not None,
        signed_off=completion.status is CompletionStatus.APPROVED,
        peer_rounds=participation(session, exchange_id, person_id),
    )
