"""Cost per kWh from the factory model as a design objective (twin.performance.plant_cost)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

from gigatwin.factory.model import KWH, evaluate_plant
from gigatwin.factory.plant import load_plant
from gigatwin.twin import load_recipe, simulate
from gigatwin.twin.performance import design
from gigatwin.twin.performance.plant_cost import cost_per_kwh, load_plant_raw

PROBLEM = Path("examples/design/nmc811_21700_cost.yaml")
PLANT = Path("examples/design/nmc811_21700_plant.yaml")
RECIPE = Path("examples/recipes/nmc811_sigraphite_21700.yaml")


@pytest.fixture(scope="module")
def problem():
    loaded = design.load_problem(PROBLEM)
    loaded.samples = 40  # a smaller Monte Carlo per candidate keeps the test fast
    return loaded


def test_the_candidate_route_equals_the_factory_on_the_recipe_file():
    """The design prices a candidate from its in-memory nominal run; for the recipe itself
    that must be exactly what the factory computes from the plant file, whose cell and
    formation come from the recipe file (twin_link)."""
    recipe = load_recipe(RECIPE)
    ours = cost_per_kwh(load_plant_raw(PLANT), PLANT, recipe,
                        simulate(recipe, samples=1, seed=0).nominal)
    factory = evaluate_plant(load_plant(PLANT)).cost_per_energy * KWH
    assert ours == pytest.approx(factory, rel=1e-12)
    assert 10 < ours < 200  # USD/kWh of conversion: the range of docs/factory.md plants


def test_more_loading_means_a_cheaper_kwh_and_less_2c_retention(problem):
    """A heavier cathode puts more kWh on each metre of electrode and in each cell that a
    formation channel holds: the conversion cost per kWh falls, and so does the 2C
    retention (the trade-off the front is made of)."""
    values = design.evaluate(problem, np.array([[0.20, 8.0e5], [0.26, 8.0e5]]))
    assert values["cost_per_kwh"][1] < 0.9 * values["cost_per_kwh"][0]
    assert values["retention"][1] < values["retention"][0]
    assert values["energy_density"][1] > values["energy_density"][0]


def test_the_front_meets_every_constraint_and_no_point_dominates_another(problem):
    front = design.optimise(problem, generations=2, population=8, seed=1)
    v = front.values
    assert np.all(v["retention"] >= problem.min_retention)
    assert np.all(v["energy_density"] >= problem.min_energy_density)
    assert problem.min_energy_density == pytest.approx(230 * 3600)  # 230 W*h/kg in J/kg
    assert np.all(v["yield"] >= problem.min_yield)
    scores = np.column_stack([design.SENSE[o] * v[o] for o in problem.objectives])
    for i in range(len(scores)):
        dominated = np.all(scores >= scores[i], axis=1) & np.any(scores > scores[i], axis=1)
        assert not dominated.any()
    rows = front.rows()
    assert "cost_per_kwh [USD/kWh]" in rows[0]
    cheapest = int(np.argmin(v["cost_per_kwh"]))
    assert any(np.allclose(front.points[i], front.points[cheapest]) for i in front.chosen())


def _problem_file(tmp_path, **changes):
    here = PROBLEM.resolve().parent
    raw = yaml.safe_load(PROBLEM.read_text(encoding="utf-8"))
    for key in ("recipe", "surrogate", "plant"):
        raw[key] = str(here / raw[key])
    raw.update(changes)
    for key in [k for k, v in changes.items() if v is None]:
        del raw[key]
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.mark.parametrize("changes, message", [
    ({"plant": None}, "cost_per_kwh needs a plant file"),
    ({"min_energy_density": "280 W*h/m^3"}, "is not an energy per mass"),
    ({"min_energy_density": "lots"}, "min_energy_density = 'lots'"),
    ({"min_retention": 1.5}, r"min_retention = 1.5 \[1\] is outside \[0, 1\]"),
    ({"plant": "no_such_plant.yaml"}, "no_such_plant.yaml"),
    # an energy reference: Yuan et al. 2017's pilot line prices nothing
    ({"plant": str(Path("examples/plants/yuan2017_pilot_lmo.yaml").resolve())},
     "prices nothing"),
])
def test_problem_errors_name_the_key(tmp_path, changes, message):
    with pytest.raises(ValueError, match=message):
        design.load_problem(_problem_file(tmp_path, **changes))
