"""When a pathway is satisfied: every required component, and enough electives.

Pure: the service decides which components a student validly holds (not revoked, a partner's
copy still verifying) and hands the ids in.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Slot:
    component_id: int
    required: bool


@dataclass(frozen=True)
class Progress:
    """How far a student is: which required components are missing, how many electives count."""

    required_missing: tuple[int, ...]
    electives_held: int
    electives_needed: int
    counted: tuple[int, ...]

    @property
    def satisfied(self) -> bool:
        return not self.required_missing and self.electives_held >= self.electives_needed


def evaluate(slots: Iterable[Slot], held: set[int], electives_needed: int) -> Progress:
    """Required components all held, and at least ``electives_needed`` electives held.

    Only as many electives as needed are counted into the award (lowest ids first, so the
    same holdings always name the same components)."""
    ordered = sorted(slots, key=lambda slot: slot.component_id)
    required = [slot.component_id for slot in ordered if slot.required]
    electives = [slot.component_id for slot in ordered if not slot.required]
    missing = tuple(c for c in required if c not in held)
    electives_have = [c for c in electives if c in held]
    counted = tuple(c for c in required if c in held) + tuple(electives_have[:electives_needed])
    return Progress(missing, len(electives_have), electives_needed, counted)
