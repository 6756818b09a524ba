"""Absolute figures of the shipped industrial plant against published gigafactory ranges.

The ranges and their named sources are data (factory/data/published_ranges.yaml); the
comparison is also the table of docs/factory.md. A figure outside its range is a strict
xfail with its reason: if a change brings it inside, the test fails and the reason must go.
"""

import pytest

from gigatwin.factory import evaluate_plant
from gigatwin.factory.published import compare_published, plant_figures, published_ranges

KNOWN_MISSES = {
    "equipment_capital_per_gwh": (
        "BatPaC 5.0 gives 57.5 M$ of equipment per GWh/yr: its exponents of 0.9-0.95 carry "
        "nearly all of the 50 GWh baseline's cost per GWh down to 10 GWh, and its baseline "
        "plant is a US one; the published 30-50 M$/GWh are for larger plants and "
        "include Asian equipment (BatPaC 2012 gave 14.8, below the range)"),
    "floor_area_per_gwh": (
        "BatPaC 5.0 gives 6,020 m^2 per GWh/yr (process floor only, BatPaC's areas); the "
        "published 13,600-15,400 m^2/GWh are Tesla Nevada's multi-storey site, which also "
        "makes packs, drive units and energy products and holds warehouses and offices: no "
        "cell-only plant area was found in the corpus"),
}


def _param(name):
    if name in KNOWN_MISSES:
        return pytest.param(name, marks=pytest.mark.xfail(strict=True,
                                                          reason=KNOWN_MISSES[name]))
    return name


@pytest.fixture(scope="module")
def industrial_result():
    from pathlib import Path

    from gigatwin.factory import load_plant
    path = Path(__file__).resolve().parents[2] / "examples" / "plants"
    return evaluate_plant(load_plant(path / "industrial_nmc622_10gwh.yaml"))


def test_every_range_names_two_sources():
    ranges = published_ranges()
    assert set(ranges) == {"equipment_capital_per_gwh", "investment_per_gwh",
                           "conversion_cost_per_kwh", "floor_area_per_gwh",
                           "staff_per_gwh", "energy_per_kwh"}
    for fig in ranges.values():
        assert len(fig.sources) >= 2 and fig.low < fig.high, fig.name


@pytest.mark.parametrize("name", [_param(n) for n in published_ranges()])
def test_industrial_plant_figure_in_published_range(industrial_result, name):
    (comparison,) = [c for c in compare_published(industrial_result) if c.figure.name == name]
    assert comparison.inside, (comparison.value, comparison.figure.low, comparison.figure.high)


def test_figures_by_hand(industrial_result):
    """10 GWh/yr: capital / 10 in M$, conversion cost / 1e7 kWh, area / 10, staff = sum of
    operators per shift x 340 d x 3 x 8 h / 1,800 h / 10 GWh."""
    r = industrial_result
    got = plant_figures(r)
    assert r.annual_energy_output == pytest.approx(10 * 3.6e12, rel=1e-12)
    assert got["equipment_capital_per_gwh"] == pytest.approx(r.capital / 1e7, rel=1e-12)
    assert got["conversion_cost_per_kwh"] == pytest.approx(r.conversion_cost / 1e7, rel=1e-12)
    assert got["floor_area_per_gwh"] == pytest.approx(r.floor_area / 10, rel=1e-12)
    operators = sum(s.operators_per_shift for s in r.steps)
    assert got["staff_per_gwh"] == pytest.approx(
        operators * 340 * 3 * 8 / 1800 / 10, rel=1e-12)
    assert got["investment_per_gwh"] == pytest.approx(
        (r.capital + 3000 * r.floor_area) / 1e7, rel=1e-12)


def test_cli_prints_the_comparison(plants_dir):
    from typer.testing import CliRunner

    from gigatwin.cli.app import app
    out = CliRunner().invoke(app, ["plant", str(plants_dir / "industrial_nmc622_10gwh.yaml"),
                                   "--published"])
    assert out.exit_code == 0, out.output
    assert "Absolute figures against published plants" in out.output
    assert "13,600-15,400" in out.output
