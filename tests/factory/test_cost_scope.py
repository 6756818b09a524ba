"""What a plant's cost per kWh covers: never a zero where nothing was priced.

The Yuan et al. 2017 pilot plant is an energy reference (no capital, labour or
prices), the BatPaC reference plant prices conversion but not materials, and the
industrial plant prices both; the three used to print 0.00, 2.82 and 129.9
USD/kWh side by side as if they were the same figure.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gigatwin.cli.app import app
from gigatwin.factory import load_plant, report
from gigatwin.factory.model import KWH
from gigatwin.factory.scenarios import compare, load_scenarios

PLANTS = Path(__file__).resolve().parents[2] / "examples" / "plants"


def _result(name: str):
    return compare(load_plant(PLANTS / name), [], load_scenarios()).baseline


def test_energy_reference_has_no_cost_figures():
    result = _result("yuan2017_pilot_lmo.yaml")
    assert not result.costed
    data = report.result_dict(result)
    assert data["cost_scope"].startswith("not modelled")
    for key in ("cost_per_kwh", "conversion_cost_per_kwh", "cost_per_cell",
                "capital", "materials_cost_per_kwh"):
        assert data[key]["value"] is None, key
    assert all(s["cost_per_kwh"]["value"] is None for s in data["steps"])
    # energy is what this plant is for: still a number, and positive
    assert data["energy_per_kwh"]["value"] > 0


def test_unpriced_materials_are_null_and_cost_is_conversion_only():
    result = _result("batpac_nmc622_100k_packs.yaml")
    assert result.costed and not result.materials_priced
    data = report.result_dict(result)
    assert data["cost_scope"].startswith("conversion only")
    assert data["materials_cost_per_kwh"]["value"] is None
    assert data["cost_per_kwh"]["value"] == pytest.approx(
        data["conversion_cost_per_kwh"]["value"], rel=1e-12)


def test_full_cost_is_conversion_plus_materials():
    result = _result("industrial_nmc622_10gwh.yaml")
    data = report.result_dict(result)
    assert data["cost_scope"] == "conversion and materials"
    total = data["conversion_cost_per_kwh"]["value"] + data["materials_cost_per_kwh"]["value"]
    assert data["cost_per_kwh"]["value"] == pytest.approx(total, rel=1e-12)
    assert data["cost_per_kwh"]["value"] == pytest.approx(
        result.total_cost / result.annual_energy_output * KWH, rel=1e-12)


@pytest.mark.parametrize("name, phrase", [
    ("yuan2017_pilot_lmo.yaml", "cost not modelled"),
    ("batpac_nmc622_100k_packs.yaml", "materials not priced"),
])
def test_cli_says_what_the_cost_covers(name, phrase, tmp_path):
    out = tmp_path / "plant.json"
    res = CliRunner().invoke(app, ["plant", "run", str(PLANTS / name), "--json", str(out)],
                             env={"COLUMNS": "80"})
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())
    assert phrase in text
    assert "0.00 USD/kWh" not in text
    assert json.loads(out.read_text())["cost_scope"]
