"""The matching engine's vocabulary: what goes in (candidates, rules) and what comes out.

Everything here is a frozen dataclass of tuples so that a run's input can be stored, hashed and
compared for audit, and so that no strategy can mutate what the teacher configured.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace

from plugin.errors import FieldErrors, InvalidInput
from plugin.i18n import N_

CEFR_LEVELS: tuple[str, ...] = ("A1", "A2", "B1", "B2", "C1", "C2", "native")
"""Ordered so that a level's index is its strength; "native" sits above C2."""

MINUTES_PER_WEEK = 7 * 24 * 60

ISOLATION_ATTRIBUTES = ("institution", "country", "discipline")
"""Profile fields a teacher may ask no team to leave one member alone in (gender is not
collected, so it cannot be chosen)."""


def cefr_rank(level: str) -> int:
    """Map a CEFR label to 1..7 so that levels compare as numbers (0 means "not spoken")."""
    try:
        return CEFR_LEVELS.index(level) + 1
    except ValueError:
        return 0


@dataclass(frozen=True)
class Candidate:
    """One student in the pool, reduced to what matching may use (no email, no student number).

    `availability` holds half-open UTC intervals `(start, end)` in minutes since Monday 00:00
    UTC, so that students in different time zones compare directly.
    """

    id: str
    institution: str
    country: str = ""
    time_zone: str = "UTC"
    availability: tuple[tuple[int, int], ...] = ()
    languages: tuple[tuple[str, str], ...] = ()
    discipline: str = ""
    attributes: tuple[tuple[str, str], ...] = ()
    requests: tuple[str, ...] = ()

    def attribute(self, name: str) -> str:
        """Read a built-in field or a free attribute by one name, as the rules refer to both."""
        if name in _BUILTIN_ATTRIBUTES:
            return str(getattr(self, name))
        return dict(self.attributes).get(name, "")

    def level_in(self, language: str) -> int:
        """Return the CEFR rank of `language`, 0 if the student does not list it."""
        return max((cefr_rank(lvl) for lang, lvl in self.languages if lang == language), default=0)


_BUILTIN_ATTRIBUTES = frozenset({"institution", "country", "time_zone", "discipline"})


@dataclass(frozen=True)
class SoftWeights:
    """Weights of the soft objective; a zero weight switches a term off.

    `isolation_groups` lists `(attribute, value)` pairs, as CATME does: a team with exactly one
    member of that group (e.g. `("gender", "f")`) is penalised once per such member.
    """

    diversity: float = 1.0
    diversity_attributes: tuple[str, ...] = ("discipline", "country")
    isolation: float = 2.0
    isolation_groups: tuple[tuple[str, str], ...] = ()
    balance: float = 1.0
    requests: float = 3.0


@dataclass(frozen=True)
class MatchRules:
    """A teacher's hard rules plus the soft weights; defaults are the exchange preset."""

    min_size: int = 4
    max_size: int = 6
    min_institutions: int = 2
    max_per_institution: int | None = 3
    min_shared_hours: float = 2.0
    working_languages: tuple[str, ...] = ("en",)
    min_level: str = "B1"
    keep_together: tuple[tuple[str, str], ...] = ()
    keep_apart: tuple[tuple[str, str], ...] = ()
    locked: tuple[tuple[str, str], ...] = ()
    """`(candidate id, team key)`: members locked to the same key share a team that keeps it."""
    weights: SoftWeights = field(default_factory=SoftWeights)

    def check(
        self, pool: Collection[str], languages: Collection[str], isolation: str = ""
    ) -> MatchRules:
        """Refuse choices that mean nothing for this pool and exchange (``languages``), in the
        order a teacher reads the form; the rules with each pair written smaller id first
        and repeated pairs dropped. ``isolation`` is the attribute no student should be alone
        in ("" for none). The engine checks the numbers (``problem.compile_problem``).
        """
        errors = FieldErrors()  # every mistake at once, each named after the form's field
        if not set(self.working_languages) <= set(languages):
            errors.add("working_languages", N_("Choose working languages of this exchange."))
        elif not self.working_languages:
            errors.add("working_languages", N_("Name at least one working language."))
        if self.min_level not in CEFR_LEVELS:
            errors.add("min_level", N_("Choose a CEFR level from the list."))
        if isolation and isolation not in ISOLATION_ATTRIBUTES:
            errors.add("isolation", N_("Choose how no student should be left alone from the list."))
        together: tuple[tuple[str, str], ...] = ()
        apart: tuple[tuple[str, str], ...] = ()
        with errors.field("together_a"):
            together = tuple(dict.fromkeys(pool_pair(a, b, pool) for a, b in self.keep_together))
        with errors.field("apart_a"):
            apart = tuple(dict.fromkeys(pool_pair(a, b, pool) for a, b in self.keep_apart))
        if set(together) & set(apart):
            errors.add("apart_a", N_("A pair cannot be both kept together and kept apart."))
        errors.raise_if_any()
        return replace(self, keep_together=together, keep_apart=apart)


def pool_pair(first: str, second: str, pool: Collection[str]) -> tuple[str, str]:
    """One unordered pair of pool students, smaller id first so that duplicates collapse."""
    if not first or not second:
        raise InvalidInput(N_("Choose two different students for a pair."))
    if first not in pool or second not in pool:
        raise InvalidInput(N_("Choose students from this exchange's pool."))
    if first == second:
        raise InvalidInput(N_("Choose two different students for a pair."))
    low, high = sorted((first, second), key=_id_order)
    return low, high


def _id_order(candidate_id: str) -> tuple[int, str]:
    """Numeric order for the pool's ids (decimal person ids, no leading zeros)."""
    return len(candidate_id), candidate_id


@dataclass(frozen=True)
class ScoreBreakdown:
    """One team's (or a whole matching's) objective, split so a teacher can see the trade-offs."""

    diversity: float = 0.0
    isolation: float = 0.0
    balance: float = 0.0
    requests: float = 0.0
    # What the weighted terms count, kept so that nobody has to divide a score by its weight:
    # member pairs that differ (summed over the diversity attributes), members alone in an
    # isolation group, mutual teammate requests honoured.
    differing: int = 0
    isolated: int = 0
    honoured: int = 0

    @property
    def total(self) -> float:
        """The single number the optimiser maximises."""
        return self.diversity + self.isolation + self.balance + self.requests

    def __add__(self, other: ScoreBreakdown) -> ScoreBreakdown:
        return ScoreBreakdown(
            self.diversity + other.diversity,
            self.isolation + other.isolation,
            self.balance + other.balance,
            self.requests + other.requests,
            self.differing + other.differing,
            self.isolated + other.isolated,
            self.honoured + other.honoured,
        )


@dataclass(frozen=True)
class TeamDraft:
    """A proposed team as a teacher previews it, before anything is stored."""

    key: str
    member_ids: tuple[str, ...]
    score: ScoreBreakdown
    shared_hours: float
    best_slots: tuple[str, ...]
    working_language: str
    explanation: str


@dataclass(frozen=True)
class MatchResult:
    """A feasible matching: every team satisfies every hard rule."""

    teams: tuple[TeamDraft, ...]
    objective: float
    score: ScoreBreakdown
    seed: int
    strategy: str
    stopped_by_time: bool = False


@dataclass(frozen=True)
class Relaxation:
    """One hard rule that cannot hold, and the smallest change that we know would let it."""

    rule: str
    reason: str
    suggestion: str
    # Who stands in the way, so the teacher can ask them (candidate id, the best figure they
    # reach: e.g. hours shared with anyone of another university). Empty for pool-wide rules.
    students: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True)
class InfeasibilityReport:
    """Returned instead of teams when the hard rules cannot all hold; never a partial matching."""

    problems: tuple[Relaxation, ...]

    @property
    def summary(self) -> str:
        """One paragraph a teacher can act on."""
        return " ".join(f"{p.reason} ({p.suggestion})." for p in self.problems)


Matching = MatchResult | InfeasibilityReport


@dataclass(frozen=True)
class Move:
    """A member moved by a rebalance, so the teacher can see and undo exactly what changed."""

    candidate_id: str
    from_team: str | None
    to_team: str
