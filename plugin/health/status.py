"""A team's health status from its facts: pure rules, no I/O.

Each rule gives a reason with a severity and the numbers behind it; the team's status is the
worst severity, and two or more "watch" reasons together make the team "at risk" (a team that
stopped meeting *and* has a silent member is in more trouble than either alone says).
Check-ins and peer ratings are just more facts: a team without them is judged on the rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from plugin.i18n import N_, Nn_, Text


class Status(StrEnum):
    HEALTHY = "healthy"
    WATCH = "watch"
    AT_RISK = "at_risk"


RANK = {Status.AT_RISK: 0, Status.WATCH: 1, Status.HEALTHY: 2}  # sort order: worst first

STATUS_LABELS: dict[Status, Text] = {
    Status.HEALTHY: N_("Healthy"),
    Status.WATCH: N_("Watch"),
    Status.AT_RISK: N_("At risk"),
}


@dataclass(frozen=True)
class Thresholds:
    """What a teacher may tune per exchange; the defaults suit a weekly-meeting exchange."""

    meeting_gap_days: int = 10  # watch after this long without a team meeting; at risk at twice
    silent_days: int = 14  # a member with no activity this long is silent
    checkin_drop: float = 1.0  # a fall of the weekly check-in average by this much is a watch
    checkin_low: float = 2.5  # a weekly check-in average at or below this is at risk


# (field, low, high, whole number?) for the teachers' form.
LIMITS: dict[str, tuple[float, float, bool]] = {
    "meeting_gap_days": (2, 60, True),
    "silent_days": (3, 60, True),
    "checkin_drop": (0.5, 4.0, False),
    "checkin_low": (1.0, 4.5, False),
}


def parse_thresholds(
    form: Mapping[str, Decimal | None],
) -> tuple[Thresholds | None, dict[str, Text]]:
    """The thresholds a form asks for (each number as the adapter read it in the teacher's
    language; None when it could not), or a message per wrong field (all fields at once, so a
    teacher fixes everything in one go). Numbers in messages are Decimals, shown the reader's
    way ("0,5" in Dutch)."""
    values: dict[str, Decimal] = {}
    errors: dict[str, Text] = {}
    defaults = Thresholds()
    for name, (low, high, whole) in LIMITS.items():
        value = form.get(name)
        if value is None or not value.is_finite():
            example = _number(getattr(defaults, name), whole)
            errors[name] = N_("Enter a number, for example %(example)s.", example=example)
        elif whole and value != value.to_integral_value():
            errors[name] = N_("Enter a whole number of days.")
        elif not _number(low, whole) <= value <= _number(high, whole):
            errors[name] = N_(
                "Enter a number from %(low)s to %(high)s.",
                low=_number(low, whole),
                high=_number(high, whole),
            )
        else:
            values[name] = value
    if errors:
        return None, errors
    return (
        Thresholds(
            meeting_gap_days=int(values["meeting_gap_days"]),
            silent_days=int(values["silent_days"]),
            checkin_drop=round(float(values["checkin_drop"]), 1),
            checkin_low=round(float(values["checkin_low"]), 1),
        ),
        {},
    )


def _number(value: float, whole: bool) -> Decimal:
    return Decimal(int(value)) if whole else Decimal(f"{value:.1f}")


@dataclass(frozen=True)
class MemberFacts:
    person_id: int
    since: datetime  # joined the team
    last_active: datetime | None  # latest chat line, note edit, task done or call joined


@dataclass(frozen=True)
class TeamFacts:
    team_id: int
    formed_at: datetime
    members: Sequence[MemberFacts]
    last_meeting: date | None  # a day two or more members were in the team's call
    checkins: Sequence[tuple[int, float]] = ()  # (week, average answer), oldest first
    ratings_split: bool = False  # peer ratings favour one's own university


@dataclass(frozen=True)
class Reason:
    key: str
    severity: Status
    params: dict[str, int | str] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {"key": self.key, "severity": self.severity.value, "params": self.params}


@dataclass(frozen=True)
class Assessment:
    status: Status
    reasons: tuple[Reason, ...]


def assess(facts: TeamFacts, limits: Thresholds, now: datetime) -> Assessment:
    """The team's status and its reasons, worst first."""
    reasons = [
        r
        for r in (
            _meetings(facts, limits, now),
            _silence(facts, limits, now),
            *_checkins(facts, limits),
            _split(facts),
        )
        if r is not None
    ]
    reasons.sort(key=lambda r: RANK[r.severity])
    if any(r.severity is Status.AT_RISK for r in reasons) or len(reasons) >= 2:
        status = Status.AT_RISK
    elif reasons:
        status = Status.WATCH
    else:
        status = Status.HEALTHY
    return Assessment(status, tuple(reasons))


def _meetings(facts: TeamFacts, limits: Thresholds, now: datetime) -> Reason | None:
    today = now.date()
    if facts.last_meeting is None:
        days = (today - facts.formed_at.date()).days
        if days < limits.meeting_gap_days:
            return None
        severity = Status.AT_RISK if days >= 2 * limits.meeting_gap_days else Status.WATCH
        return Reason("never_met", severity, {"days": days})
    days = (today - facts.last_meeting).days
    if days < limits.meeting_gap_days:
        return None
    severity = Status.AT_RISK if days >= 2 * limits.meeting_gap_days else Status.WATCH
    return Reason("no_meeting", severity, {"days": days})


def _silence(facts: TeamFacts, limits: Thresholds, now: datetime) -> Reason | None:
    gaps = []
    for member in facts.members:
        seen = max(member.since, member.last_active) if member.last_active else member.since
        days = (now - seen).days
        if days >= limits.silent_days:
            gaps.append(days)
    if not gaps:
        return None
    # Half the team or more silent is a team that has stopped, not a member who has.
    severity = Status.AT_RISK if 2 * len(gaps) >= max(len(facts.members), 2) else Status.WATCH
    return Reason("silent", severity, {"count": len(gaps), "days": min(gaps)})


def _checkins(facts: TeamFacts, limits: Thresholds) -> list[Reason]:
    if not facts.checkins:
        return []
    latest = facts.checkins[-1][1]
    found = []
    if latest <= limits.checkin_low:
        found.append(
            Reason(
                "checkin_low",
                Status.AT_RISK,
                {"value": f"{latest:.1f}", "limit": f"{limits.checkin_low:.1f}"},
            )
        )
    if len(facts.checkins) >= 2:
        before = facts.checkins[-2][1]
        if before - latest >= limits.checkin_drop - 1e-9:
            found.append(
                Reason(
                    "checkin_fell",
                    Status.WATCH,
                    {"before": f"{before:.1f}", "after": f"{latest:.1f}"},
                )
            )
    return found


def _split(facts: TeamFacts) -> Reason | None:
    return Reason("ratings_split", Status.WATCH) if facts.ratings_split else None


def reason_text(key: str, params: Mapping[str, object]) -> Text:
    """A stored reason in words (the web layer translates it)."""
    days = int(str(params.get("days", 0)))
    count = int(str(params.get("count", 0)))
    if key == "no_meeting":
        return Nn_("no team meeting for %(num)d day", "no team meeting for %(num)d days", days)
    if key == "never_met":
        return Nn_(
            "no team meeting yet, %(num)d day after the team was formed",
            "no team meeting yet, %(num)d days after the team was formed",
            days,
        )
    if key == "silent":
        if count == 1:
            return Nn_(
                "one member silent for %(num)d day",
                "one member silent for %(num)d days",
                days,
            )
        return Nn_(
            "%(num)d member silent for %(days)s days or more",
            "%(num)d members silent for %(days)s days or more",
            count,
            days=days,
        )
    if key == "checkin_fell":
        return N_(
            "check-in average fell from %(before)s to %(after)s",
            before=str(params.get("before")),
            after=str(params.get("after")),
        )
    if key == "checkin_low":
        return N_(
            "check-in average is %(value)s (limit %(limit)s)",
            value=str(params.get("value")),
            limit=str(params.get("limit")),
        )
    if key == "ratings_split":
        return N_("ratings split by university")
    return N_("unknown reason")
