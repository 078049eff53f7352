"""COIL phases of an exchange: the default weekly structure and its validation. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from plugin.errors import InvalidInput
from plugin.i18n import N_, Text

MAX_PHASES = 12
MAX_PHASE_TITLE = 120

# (key, title, share of the exchange's weeks). Titles are marked: stored in English, shown
# in the viewer's language.
DEFAULTS: tuple[tuple[str, Text, int], ...] = (
    ("preparation", N_("Preparation"), 1),
    ("icebreaker", N_("Icebreaker"), 1),
    ("team_formation", N_("Team formation"), 1),
    ("project_work", N_("Project work"), 4),
    ("presentation", N_("Presentation and reflection"), 1),
)
# The phase of tasks in an exchange without phases.
GENERAL_TITLE = N_("General")
_BY_KEY: dict[str, Text] = {key: title for key, title, _share in DEFAULTS}
_BY_TITLE: dict[str, Text] = {str(title): title for title in (*_BY_KEY.values(), GENERAL_TITLE)}


def phase_title(key: str | None, title: str | None = None) -> str:
    """What people call a phase: one mapping for every page and the room.

    A default phase's stored English title (or its bare key) becomes its marked title, which
    adapters translate; a teacher's own title stays as written; a raw key is never shown for a
    known phase.
    """
    if title and title in _BY_TITLE:
        return _BY_TITLE[title]
    if title:
        return title
    if key and key in _BY_KEY:
        return _BY_KEY[key]
    return key or ""


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
    for row, phase in enumerate(phases):
        # Fields named after the setup form's rows, which show the titled phases from 0.
        if not phase.title.strip() or len(phase.title) > MAX_PHASE_TITLE:
            raise InvalidInput(
                N_("Each phase needs a title of at most 120 characters."), f"phase-{row}-title"
            )
        if phase.ends_on < phase.starts_on:
            raise InvalidInput(N_("A phase cannot end before it starts."), f"phase-{row}-end")
        if phase.starts_on < starts_on or phase.ends_on > ends_on:
            outside = "start" if phase.starts_on < starts_on else "end"
            raise InvalidInput(
                N_("Every phase must fall between the exchange's start and end dates."),
                f"phase-{row}-{outside}",
            )
        if phase.starts_on < previous_start:
            raise InvalidInput(
                N_("Phases must be listed in the order they happen."), f"phase-{row}-start"
            )
        previous_start = phase.starts_on
    return phases


def shift_phases(phases: list[Phase], days: int) -> list[Phase]:
    """Move a template's phases to a new term, keeping their lengths."""
    delta = timedelta(days=days)
    return [Phase(p.key, p.title, p.starts_on + delta, p.ends_on + delta) for p in phases]
