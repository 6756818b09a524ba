"""Inverse design: problem checks, NSGA-II front, chosen designs as recipes, physics check."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from gigatwin.cli.app import app
from gigatwin.twin import load_recipe, simulate
from gigatwin.twin.performance import design

PROBLEM = "examples/design/nmc811_21700.yaml"


@pytest.fixture(scope="module")
def problem():
    loaded = design.load_problem(PROBLEM)
    loaded.samples = 40  # a smaller Monte Carlo per candidate keeps the test fast
    return loaded


@pytest.fixture(scope="module")
def front(problem):
    return design.optimise(problem, generations=3, population=8, seed=2)


def _problem_file(tmp_path, **changes):
    here = Path(PROBLEM).resolve().parent
    raw = yaml.safe_load(Path(PROBLEM).read_text(encoding="utf-8"))
    raw["recipe"] = str(here / raw["recipe"])
    raw["surrogate"] = str(here / raw["surrogate"])
    raw.update(changes)
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize("changes, message", [
    ({"variables": {"cathode.coating_areal_loading": "18:26",
                    "cathode.calender_line_load": "600:1100"}},
     "leave the surrogate's domain"),
    ({"variables": {"cathode.calender_line_load": "600:1100"}}, "must be the surrogate's"),
    ({"objectives": ["cost"]}, "not among"),
    ({"retention_c_rate": 3}, "is not a rate of the surrogate"),
    ({"min_yield": 1.2}, "min_yield = 1.2"),
])
def test_problem_errors_name_the_key(tmp_path, changes, message):
    with pytest.raises(ValueError, match=message):
        design.load_problem(_problem_file(tmp_path, **changes))


def test_front_is_feasible_and_non_dominated(problem, front):
    values = front.values
    assert np.all(values["np_ratio"] >= problem.np_window[0])
    assert np.all(values["np_ratio"] <= problem.np_window[1])
    assert np.all(values["yield"] >= problem.min_yield)
    scores = np.column_stack([values[o] for o in problem.objectives])
    for i in range(len(scores)):
        dominated = np.all(scores >= scores[i], axis=1) & np.any(scores > scores[i], axis=1)
        assert not dominated.any()
    # more loading, more energy, less 2C retention: the trade-off the front is made of
    order = np.argsort(front.points[:, 0])
    assert np.corrcoef(front.points[order, 0], values["energy_density"][order])[0, 1] > 0.9
    assert {"deb2002", "blank2020"} <= {c.key for c in front.citations}


def test_chosen_designs_are_distinct_and_include_each_best(front):
    chosen = front.chosen()
    best = front.points[int(np.argmax(front.values["energy_density"]))]
    assert any(np.allclose(front.points[i], best, rtol=1e-3) for i in chosen)
    assert len({tuple(np.round(front.points[i], 6)) for i in chosen}) == len(chosen)


def test_written_recipe_is_the_design_and_simulates(problem, tmp_path):
    point = np.array([0.24, 9.0e5])  # 24 mg/cm^2, 900 N/mm
    path = design.write_recipe(problem, point, tmp_path / "d.yaml")
    recipe = load_recipe(path)
    assert recipe.value("cathode.coating_areal_loading") == pytest.approx(0.24)
    assert recipe.value("cathode.calender_line_load") == pytest.approx(9.0e5)
    assert recipe["cathode.calender_line_load"].std == pytest.approx(15e3)  # kept
    result = simulate(recipe, samples=50, seed=0)
    assert result.outputs["cell"]["cell_capacity"].mean() > 0


def test_physics_check_of_a_design_agrees_with_the_surrogate(problem):
    """The example surrogate (30 DFN runs) against the DFN on a design's nominal cell:
    within 1.5 % (its held-out capacity errors are ~1 %; here 0.004 %)."""
    check = design.verify(problem, np.array([0.235, 8.5e5]), model="dfn")
    assert abs(check["relative_error"]) < 0.015
    assert 0.8 < check["retention_physics"] < 0.95


@pytest.mark.slow  # NSGA-II, then SPMe checks of the chosen designs (~2-3 s)
def test_cli_design(tmp_path):
    result = CliRunner().invoke(app, ["design", PROBLEM, "--generations", "2", "--population",
                                      "6", "--verify-model", "spme", "--out",
                                      str(tmp_path / "chosen"), "--json",
                                      str(tmp_path / "d.json"), "--plot", str(tmp_path)])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "d.json").read_text())
    assert data["pareto"] and data["chosen"]
    for chosen in data["chosen"]:
        load_recipe(chosen["recipe"])
    assert (tmp_path / "pareto.png").stat().st_size > 10_000
    bad = CliRunner().invoke(app, ["design", "no/such/problem.yaml"])
    assert bad.exit_code == 2 and "cannot read design problem" in bad.output
