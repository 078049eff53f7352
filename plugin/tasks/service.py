"""Tasks per exchange phase in a team room: members add and move them, teachers watch."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from plugin.actors import Actor
from plugin.db import utcnow
from plugin.errors import InvalidInput, NotFound
from plugin.exchanges.models import Exchange
from plugin.exchanges.phases import GENERAL_TITLE, phase_title
from plugin.i18n import N_
from plugin.people.models import Person
from plugin.rooms.access import (
    RoomAccess,
    check_access,
    person_name,
    require_writer,
)
from plugin.rooms.models import Task, TaskState
from plugin.teams.models import TeamMembership

GENERAL_PHASE = "general"


@dataclass(frozen=True)
class TaskView:
    id: int
    phase_key: str
    title: str
    state: str
    assignee_id: int | None
    due_on: str | None
    done_by: str | None
    done_at: str | None

    def as_dict(self) -> dict[str, object]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def exchange_phases(session: Session, exchange_id: int) -> list[dict[str, str]]:
    exchange = session.get(Exchange, exchange_id)
    phases = [
        {"key": str(p.get("key")), "title": phase_title(str(p.get("key")), p.get("title"))}
        for p in (exchange.phases if exchange else [])
        if p.get("key")
    ]
    return phases or [{"key": GENERAL_PHASE, "title": GENERAL_TITLE}]


def _task_view(session: Session, task: Task) -> TaskView:
    done_by = session.get(Person, task.done_by_id) if task.done_by_id else None
    return TaskView(
        id=task.id,
        phase_key=task.phase_key,
        title=task.title,
        state=task.state.value,
        assignee_id=task.assignee_id,
        due_on=task.due_on.isoformat() if task.due_on else None,
        done_by=person_name(done_by) if done_by else None,
        done_at=task.done_at.isoformat() if task.done_at else None,
    )


def list_tasks(session: Session, actor: Actor, room_id: int) -> list[TaskView]:
    check_access(session, actor, room_id)
    tasks = session.scalars(select(Task).where(Task.room_id == room_id).order_by(Task.id)).all()
    return [_task_view(session, t) for t in tasks]


def _check_assignee(session: Session, access: RoomAccess, assignee_id: int | None) -> None:
    if assignee_id is None:
        return
    found = session.scalar(
        select(TeamMembership.id).where(
            TeamMembership.team_id == access.team_id, TeamMembership.person_id == assignee_id
        )
    )
    if found is None:
        raise InvalidInput(N_("A task can only be assigned to a member of the team."))


def add_task(
    session: Session,
    actor: Actor,
    room_id: int,
    phase_key: str,
    title: str,
    assignee_id: int | None = None,
    due_on: date | None = None,
) -> TaskView:
    access = require_writer(session, actor, room_id)
    title = title.strip()
    if not title or len(title) > 200:
        raise InvalidInput(N_("A task title must be 1 to 200 characters."), "title")
    if phase_key not in {p["key"] for p in exchange_phases(session, access.exchange_id)}:
        raise InvalidInput(N_("This phase is not part of the exchange."), "phase_key")
    _check_assignee(session, access, assignee_id)
    task = Task(
        room_id=room_id,
        phase_key=phase_key,
        title=title,
        assignee_id=assignee_id,
        due_on=due_on,
        created_by_id=actor.person_id,
    )
    session.add(task)
    session.commit()
    return _task_view(session, task)


def update_task(
    session: Session,
    actor: Actor,
    room_id: int,
    task_id: int,
    state: str,
    assignee_id: int | None = None,
) -> TaskView:
    """Move a task between open, doing and done; done records who and when."""
    access = require_writer(session, actor, room_id)
    task = session.get(Task, task_id)
    if task is None or task.room_id != room_id:
        raise NotFound(N_("This task does not exist."))
    try:
        new_state = TaskState(state)
    except ValueError as error:
        raise InvalidInput(N_("A task is open, doing or done.")) from error
    _check_assignee(session, access, assignee_id)
    task.assignee_id = assignee_id
    if new_state is TaskState.DONE and task.state is not TaskState.DONE:
        task.done_by_id, task.done_at = actor.person_id, utcnow()
    elif new_state is not TaskState.DONE:
        task.done_by_id, task.done_at = None, None
    task.state = new_state
    session.commit()
    return _task_view(session, task)
