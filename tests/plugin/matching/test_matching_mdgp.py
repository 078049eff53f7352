"""The MDGP parser, objective, search and CLI on a tiny instance copied from MDGPLIB."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from plugin.matching.mdgp import is_feasible, main, objective, parse_mdgp, read_mdgp, solve

DATA = Path(__file__).parent / "data" / "RanReal_n010_ss_01.txt"
PROVEN_OPTIMUM = 1427.845  # proven_optima_small.csv in the shared benchmark folder


def test_parser_reads_header_bounds_and_symmetric_matrix() -> None:
    inst = read_mdgp(DATA)
    assert (inst.n, inst.groups, inst.lower, inst.upper) == (10, 2, (5, 5), (5, 5))
    assert inst.d[0, 1] == inst.d[1, 0] == pytest.approx(80.829)
    assert np.all(np.diag(inst.d) == 0)


def test_objective_sums_each_within_group_pair_once() -> None:
    inst = parse_mdgp("3 2 ds 1 2 1 2\n0 1 1.5\n0 2 2.0\n1 2 4.0\n")
    assert objective(inst, np.array([0, 0, 1])) == pytest.approx(1.5)
    assert objective(inst, np.array([1, 0, 0])) == pytest.approx(4.0)
    assert not is_feasible(inst, np.array([0, 0, 0]))


def test_search_finds_the_proven_optimum_and_is_seed_deterministic() -> None:
    inst = read_mdgp(DATA)
    first = solve(inst, seconds=30, seed=4, max_iterations=500)
    assert is_feasible(inst, first)
    assert objective(inst, first) == pytest.approx(PROVEN_OPTIMUM, abs=1e-3)
    assert np.array_equal(first, solve(inst, seconds=30, seed=4, max_iterations=500))


def test_cli_prints_objective_last_and_writes_assignment(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "groups.txt"
    assert main([str(DATA), "--seconds", "0.5", "--seed", "1", "--out", str(out)]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    groups = np.array([int(x) for x in out.read_text().split()])
    assert float(last) == pytest.approx(objective(read_mdgp(DATA), groups), abs=1e-3)
