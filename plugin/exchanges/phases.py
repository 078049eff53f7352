"""COIL phases of an exchange: the default weekly structure and its validation. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from plugin.errors import InvalidInput
from plugin.i18n import N_

MAX_PHASES = 12
MAX_PHASE_TITLE = 120

# (key, English title, share of the exchange's weeks). Titles are msgids the web translates.
DEFAULTS: tuple[tuple[str, str, int], ...] = (
    ("preparation", "Preparation", 1),
    ("icebreaker", "Icebreaker", 1),
    ("team_formation", "Team formation", 1),
    ("project_work", "Project work", 4),
    ("presentation", "Presentation and reflection", 1),
)


@dataclass(frozen=True)
class Phase:
    key: str
    title: str
    starts_on: date
    ends_on: date

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "starts_on": self.starts_on.isoformat(),
            "ends_on": self.ends_on.isoformat(),
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Phase:
        return cls(
            key=str(raw["key"]),
            title=str(raw["title"]),
            starts_on=date.fromisoformat(str(raw["starts_on"])),
            ends_on=date.fromisoformat(str(raw["ends_on"])),
        )


def default_phases(starts_on: date, ends_on: date) -> list[Phase]:
    """Split the exchange's days over the COIL phases by their shares; last phase ends on time.

    Short exchanges still get every phase (at least one day each) as long as there are days.
    """
    days = (ends_on - starts_on).days + 1
    total = sum(share for _k, _t, share in DEFAULTS)
    phases: list[Phase] = []
    cursor = starts_on
    for index, (key, title, share) in enumerate(DEFAULTS):
        last = index == len(DEFAULTS) - 1
        length = max(1, round(days * share / total))
        end = ends_on if last else min(ends_on, cursor + timedelta(days=length - 1))
        phases.append(Phase(key, title, cursor, max(cursor, end)))
        cursor = min(ends_on, end + timedelta(days=1))
    return phases


def check_phases(phases: list[Phase], starts_on: date, ends_on: date) -> list[Phase]:
    """Phases must lie inside the exchange, in order, each with a title."""
    if not phases:
        raise InvalidInput(N_("An exchange needs at least one phase."))
    if len(phases) > MAX_PHASES:
        raise InvalidInput(N_("An exchange can have at most 12 phases."))
    previous_start = starts_on
    for phase in phases:
        if not phase.title.strip() or len(phase.title) > MAX_PHASE_TITLE:
            raise InvalidInput(N_("Each phase needs a title of at most 120 characters."))
        if phase.ends_on < phase.starts_on:
            raise InvalidInput(N_("A phase cannot end before it starts."))
        if phase.starts_on < starts_on or phase.ends_on > ends_on:
            raise InvalidInput(
                N_("Every phase must fall between the exchange's start and end dates.")
            )
        if phase.starts_on < previous_start:
            raise InvalidInput(N_("Phases must be listed in the order they happen."))
        previous_start = phase.starts_on
    return phases


def shift_phases(phases: list[Phase], days: int) -> list[Phase]:
    """Move a template's phases to a new term, keeping their lengths."""
    delta = timedelta(days=days)
    return [Phase(p.key, p.title, p.starts_on + delta, p.ends_on + delta) for p in phases]
