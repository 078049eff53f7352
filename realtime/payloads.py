"""Inbound event payloads: checked shapes, or InvalidInput (which becomes an error ack)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from plugin.errors import InvalidInput
from plugin.i18n import N_

MAX_ID = 2**31 - 1


def parse_object(data: Any) -> dict[str, Any]:
    """The event's payload as a dict, or a clear refusal (every payload parser starts here)."""
    if not isinstance(data, dict):
        raise InvalidInput(N_("The request was not understood."))
    return data


def _int(data: dict[str, Any], key: str, *, optional: bool = False) -> int | None:
    value = data.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_ID:
        raise InvalidInput(N_("The request was not understood."))
    return value


def _required_int(data: dict[str, Any], key: str) -> int:
    value = _int(data, key)
    assert value is not None  # noqa: S101 - _int raised for a missing required value
    return value


def _str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise InvalidInput(N_("The request was not understood."))
    return value


@dataclass(frozen=True)
class Send:
    client_id: str
    body: str


@dataclass(frozen=True)
class Edit:
    message_id: int
    body: str


@dataclass(frozen=True)
class Hide:
    message_id: int
    reason: str


@dataclass(frozen=True)
class NoteSave:
    base_version: int
    text: str


@dataclass(frozen=True)
class TaskAdd:
    phase_key: str
    title: str
    assignee_id: int | None
    due_on: date | None


@dataclass(frozen=True)
class TaskUpdate:
    task_id: int
    state: str
    assignee_id: int | None


def parse_send(data: Any) -> Send:
    d = parse_object(data)
    return Send(_str(d, "client_id"), _str(d, "body"))


def parse_cursor(data: Any, key: str) -> int | None:
    """``after`` for catch-up, ``before`` for history; absent means "from the newest"."""
    return _int(parse_object(data or {}), key, optional=True)


def parse_message_id(data: Any) -> int:
    return _required_int(parse_object(data), "message_id")


def parse_edit(data: Any) -> Edit:
    d = parse_object(data)
    return Edit(_required_int(d, "message_id"), _str(d, "body"))


def parse_hide(data: Any) -> Hide:
    d = parse_object(data)
    return Hide(_required_int(d, "message_id"), _str(d, "reason"))


def parse_typing(data: Any) -> bool:
    value = parse_object(data).get("typing")
    if not isinstance(value, bool):
        raise InvalidInput(N_("The request was not understood."))
    return value


def parse_note(data: Any) -> NoteSave:
    d = parse_object(data)
    return NoteSave(_required_int(d, "base_version"), _str(d, "text"))


def _date(d: dict[str, Any], key: str) -> date | None:
    value = d.get(key)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as error:
        raise InvalidInput(N_("A due date must look like 2026-03-01."), key) from error


def parse_task_add(data: Any) -> TaskAdd:
    d = parse_object(data)
    return TaskAdd(
        _str(d, "phase_key"),
        _str(d, "title"),
        _int(d, "assignee_id", optional=True),
        _date(d, "due_on"),
    )


def parse_task_update(data: Any) -> TaskUpdate:
    d = parse_object(data)
    return TaskUpdate(
        _required_int(d, "task_id"), _str(d, "state"), _int(d, "assignee_id", optional=True)
    )
