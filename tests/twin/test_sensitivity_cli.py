"""Sobol analysis and the simulate/sensitivity commands."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from gigatwin.cli.app import app
from gigatwin.twin import load_recipe
from gigatwin.twin.recipe import example_recipes
from gigatwin.twin.sensitivity import sobol_indices

POUCH = next(p for p in example_recipes() if "pouch" in p.name)


def test_capacity_insensitive_to_anode_settings():
    """With the NMC622 cathode limiting (cathode FCE 0.88 masks the anode SEI loss), the
    capacity depends on cathode loading settings only; anode line load has no effect."""
    recipe = load_recipe(POUCH)
    params = ["cathode.coating_slot_flow_rate_deviation",
              "cathode.slurry_solid_content", "anode.calender_line_load"]
    result = sobol_indices(recipe, "capacity", params, base_samples=256)
    s1 = dict(zip(result.parameters, result.total_order, strict=True))
    assert s1["anode.calender_line_load"] == pytest.approx(0.0, abs=1e-9)
    assert s1["cathode.slurry_solid_content"] > 0.2
    assert np.sum(result.first_order) == pytest.approx(1.0, abs=0.2)  # additive model


def test_simulate_command_json(tmp_path):
    out = tmp_path / "sim.json"
    res = CliRunner().invoke(app, ["simulate", str(POUCH), "--samples", "2000", "--seed", "1",
                                   "--json", str(out), "--plot", str(tmp_path / "plots")])
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert {"samples", "steps", "cell", "yield", "citations"} <= set(doc)
    assert doc["samples"] == 2000 and doc["cell"]["cell_capacity"]["unit"] == "A*h"
    assert (tmp_path / "plots" / "distributions.png").stat().st_size > 0
    assert "wetting_time" in res.output


def test_simulate_bad_recipe_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(POUCH.read_text().replace('coating_gap: "120 um', 'coating_gap: "-120 um'))
    res = CliRunner().invoke(app, ["simulate", str(bad)])
    assert res.exit_code == 2
    assert "coating_gap" in res.output


def test_sensitivity_command_prints_indices():
    res = CliRunner().invoke(app, ["sensitivity", str(POUCH), "--output", "capacity",
                                   "--samples", "64"])
    assert res.exit_code == 0, res.output
    assert "ST" in res.output and "cathode.slurry_solid_content" in res.output
