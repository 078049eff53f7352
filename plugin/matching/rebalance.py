"""Changing teams mid-exchange with the fewest moves.

Students who already work together should not be reshuffled because someone joined or left,
so these functions change as little as possible and report every move they make. A team that
holds a locked member is never touched: it neither gives nor receives anyone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from plugin.errors import InvalidInput
from plugin.i18n import N_
from plugin.matching.candidates import Candidate, MatchRules, Move
from plugin.matching.feasibility import team_violation
from plugin.matching.objective import team_score
from plugin.matching.problem import Problem, compile_problem

Teams = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Rebalance:
    """The new teams, the moves that lead there, and what could not be fixed (with why)."""

    teams: dict[str, tuple[str, ...]]
    moves: tuple[Move, ...]
    unplaced: tuple[str, ...] = ()
    unresolved: tuple[str, ...] = ()


class _Board:
    """Teams as index lists over one compiled pool, so rules are checked exactly as at matching."""

    def __init__(self, pool: Sequence[Candidate], rules: MatchRules, teams: Teams) -> None:
        self.p: Problem = compile_problem(pool, rules)
        index = {c.id: i for i, c in enumerate(pool)}
        unknown = [cid for members in teams.values() for cid in members if cid not in index]
        if unknown:
            raise InvalidInput(
                N_("Team members missing from the pool: %(value)s.", value=", ".join(unknown[:5]))
            )
        self.teams = {key: [index[c] for c in members] for key, members in teams.items()}
        self.locked = {
            key for key, members in self.teams.items() if any(self.p.lock[i] >= 0 for i in members)
        }
        self.moves: list[Move] = []

    def ok(self, members: Sequence[int]) -> bool:
        return team_violation(self.p, members) == 0

    def gain(self, members: Sequence[int], i: int) -> float:
        return team_score(self.p, [*members, i]) - team_score(self.p, members)

    def move(self, i: int, source: str | None, target: str) -> None:
        if source is not None:
            self.teams[source].remove(i)
        self.teams[target].append(i)
        self.moves.append(Move(self.p.candidates[i].id, source, target))

    def best_home(self, i: int, exclude: str | None = None) -> str | None:
        """The open team where i fits every rule and adds most score (ties: team key)."""
        options = [
            (self.gain(m, i), key)
            for key, m in sorted(self.teams.items())
            if key not in self.locked and key != exclude and self.ok([*m, i])
        ]
        return max(options, key=lambda o: o[0])[1] if options else None

    def result(self, unplaced: Sequence[int] = (), unresolved: Sequence[str] = ()) -> Rebalance:
        name = self.p.candidates
        return Rebalance(
            teams={k: tuple(sorted(name[i].id for i in m)) for k, m in sorted(self.teams.items())},
            moves=tuple(self.moves),
            unplaced=tuple(name[i].id for i in unplaced),
            unresolved=tuple(unresolved),
        )


def place_late_joiners(
    pool: Sequence[Candidate], rules: MatchRules, teams: Teams, newcomers: Sequence[str]
) -> Rebalance:
    """Add each newcomer to the best team it fits without moving anyone already placed.

    Whoever fits nowhere is returned as unplaced rather than forced in: the teacher decides
    between a new team, a relaxed rule or a manual move.
    """
    board = _Board(pool, rules, teams)
    index = {c.id: i for i, c in enumerate(pool)}
    unplaced = []
    for cid in newcomers:
        i = index[cid]
        home = board.best_home(i)
        if home is None:
            unplaced.append(i)
        else:
            board.move(i, None, home)
    return board.result(unplaced)


def rebalance_after_dropouts(
    pool: Sequence[Candidate], rules: MatchRules, teams: Teams, dropped: Sequence[str]
) -> Rebalance:
    """Remove dropouts, then repair each team they broke with as few moves as we can find.

    First try one move that fills the broken team from a team that stays valid without that
    member; failing that, dissolve the broken team into teams with room. A repair that would
    leave anyone stranded is not made, and the team is reported as unresolved instead.
    """
    gone = set(dropped)
    remaining = {key: [c for c in members if c not in gone] for key, members in teams.items()}
    board = _Board([c for c in pool if c.id not in gone], rules, remaining)
    unresolved = []
    for key in sorted(board.teams):
        members = board.teams[key]
        if key in board.locked or board.ok(members) or not members:
            continue
        if not (_fill_with_one_move(board, key) or _dissolve(board, key)):
            unresolved.append(key)
    return board.result(unresolved=unresolved)


def _fill_with_one_move(board: _Board, key: str) -> bool:
    target = board.teams[key]
    best: tuple[float, str, int] | None = None
    for donor, members in sorted(board.teams.items()):
        if donor == key or donor in board.locked:
            continue
        for i in members:
            rest = [j for j in members if j != i]
            if board.ok(rest) and board.ok([*target, i]):
                change = board.gain(target, i) - board.gain(rest, i)
                if best is None or change > best[0]:
                    best = (change, donor, i)
    if best is None:
        return False
    board.move(best[2], best[1], key)
    return True


def _dissolve(board: _Board, key: str) -> bool:
    plan: list[tuple[int, str]] = []
    for i in list(board.teams[key]):
        home = board.best_home(i, exclude=key)
        if home is None:
            for j, to in reversed(plan):
                board.teams[to].remove(j)
                board.teams[key].append(j)
                board.moves.pop()
            return False
        board.move(i, key, home)
        plan.append((i, home))
    del board.teams[key]
    return True
