"""``gigatwin simulate --engine sweep|dask`` and ``--performance MODEL``: every Monte Carlo
cell's rate capability from a surrogate, cells outside its domain counted, never
extrapolated."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from gigatwin.cli.app import app
from gigatwin.twin import load_recipe
from gigatwin.twin.performance.monte_carlo import FLAG, SurrogateCells, check_recipe
from gigatwin.twin.performance.surrogate import Surrogate
from gigatwin.twin.sweep import sweep
from gigatwin.units import from_si

RECIPE = "examples/recipes/nmc811_sigraphite_21700.yaml"
MODEL = "examples/design/nmc811_21700.surrogate.json"


@pytest.fixture(scope="module")
def surrogate():
    return Surrogate.load(MODEL)


def _run(tmp_path, *args):
    out = tmp_path / "r.json"
    result = CliRunner().invoke(app, ["simulate", RECIPE, "--json", str(out), *args])
    assert result.exit_code == 0, result.output
    return json.loads(out.read_text()), result.output


def test_cells_outside_the_domain_are_counted_not_predicted(tmp_path):
    """Line load 1095 +- 15 N/mm against a domain up to 1100 N/mm: a cell is outside with
    probability 1 - Phi(5/15) = 0.3694 (by hand); 20,000 cells give it within 0.011
    (3 binomial standard errors)."""
    data, output = _run(tmp_path, "-n", "20000", "--chunk", "8192", "--performance", MODEL,
                        "--set", "cathode.calender_line_load=1095 N/mm +- 15 N/mm")
    section = data["performance"]
    flag = section[FLAG]
    expected = 1 - 0.5 * (1 + math.erf(5 / 15 / math.sqrt(2)))
    assert expected == pytest.approx(0.3694, abs=1e-4)
    assert flag["n"] == 20_000
    assert flag["mean"] == pytest.approx(expected, abs=3 * math.sqrt(expected
                                                                    * (1 - expected) / 2e4))
    outside = round(flag["mean"] * flag["n"])
    for name in ("capacity_0.1C", "capacity_2C", "energy_0.1C", "energy_2C",
                 "dc_resistance"):
        assert section[name]["n"] == 20_000 - outside  # the others have no prediction
    assert f"{outside:,} of 20,000 cells" in output and "not" in output
    assert data["sweep"]["engine"] == "serial"


def test_every_cell_gets_the_surrogates_prediction_at_its_own_settings(surrogate):
    """With the line load fixed (no tolerance) and the loading without one in the recipe,
    every cell has the same variables: each prediction, so the mean, is the surrogate's at
    the nominal point and the spread is zero; capacity at 2C below 0.1C."""
    recipe = load_recipe(RECIPE, overrides={"cathode.calender_line_load": "900 N/mm"})
    check_recipe(surrogate, recipe)
    result = sweep(recipe, 3000, seed=2, chunk=1000, extra=SurrogateCells(surrogate))
    perf = result.extras["performance"]
    mean, _ = surrogate.predict([[recipe.value("cathode.coating_areal_loading"), 9.0e5]])
    for j, name in enumerate(surrogate.outputs):
        assert perf[name]["n"] == 3000
        assert perf[name]["mean"] == pytest.approx(mean[0, j], rel=1e-12)
        assert perf[name]["std"] == pytest.approx(0, abs=1e-9 * abs(mean[0, j]))
        assert perf[name]["nominal"] == pytest.approx(mean[0, j], rel=1e-12)
    assert perf[FLAG]["mean"] == 0
    assert perf["capacity_2C"]["mean"] < perf["capacity_0.1C"]["mean"]
    shown = result.to_dict()["performance"]["capacity_2C"]
    assert shown["unit"] == "Ah"
    assert shown["mean"] == pytest.approx(float(from_si(mean[0, 1], "Ah")))


def test_another_recipe_is_refused_with_what_differs(tmp_path):
    result = CliRunner().invoke(app, ["simulate", "examples/recipes/nmc622_graphite_pouch.yaml",
                                      "-n", "100", "--performance", MODEL])
    assert result.exit_code == 2
    assert "not the one the surrogate was trained on" in result.output
    assert "Traceback" not in result.output


def test_a_sweep_from_the_cli_is_the_sweep_of_the_api(tmp_path):
    data, _ = _run(tmp_path, "-n", "5000", "--chunk", "2000", "--engine", "sweep",
                   "--seed", "4")
    api = sweep(load_recipe(RECIPE), 5000, seed=4, chunk=2000).to_dict()
    for document in (data, api):
        document.pop("sweep")
    assert data == api
    assert data["cell"]["cell_capacity"]["p05_error"] > 0


@pytest.mark.parametrize("args, message", [
    (["--engine", "chain", "--scheduler", "tcp://127.0.0.1:1"], "--scheduler needs"),
    (["--engine", "fast"], "--engine = 'fast' is not one of"),
    (["--engine", "chain", "--performance", MODEL], "--performance needs"),
    (["--engine", "sweep", "--plot", "x"], "--plot needs --engine chain"),
    (["--performance", "no/such/model.json"], "cannot read surrogate model"),
])
def test_bad_options_are_named(args, message):
    result = CliRunner().invoke(app, ["simulate", RECIPE, "-n", "100", *args])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.split())


def test_a_sweep_without_draws_inside_the_domain_still_reports(surrogate):
    recipe = load_recipe(RECIPE, overrides={"cathode.calender_line_load":
                                            "1300 N/mm +- 15 N/mm"})
    result = sweep(recipe, 500, seed=1, chunk=500, extra=SurrogateCells(surrogate))
    perf = result.extras["performance"]
    assert perf[FLAG]["mean"] == 1.0 and perf["capacity_2C"]["n"] == 0
    assert np.isnan(perf["capacity_2C"]["mean"])
