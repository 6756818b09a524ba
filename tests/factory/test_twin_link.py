"""The plant's cell taken from a twin recipe (optional link to gigatwin.twin)."""

import pytest

from gigatwin.factory import evaluate_plant, load_plant


def test_cell_from_twin_recipe(plants_dir):
    pytest.importorskip("gigatwin.twin.chain")
    plant = load_plant(plants_dir / "twin_recipe_plant.yaml")
    cell = plant.cell
    # the recipe is a ~65 Ah NMC622/graphite pouch: capacity 50-80 Ah; its voltage is the
    # mean of the balanced electrode OCVs less the test's ohmic drop, 3.6-3.8 V
    assert 50 * 3600 < cell.capacity < 80 * 3600
    assert 3.6 <= cell.nominal_voltage <= 3.8
    # foil area = coating mass / (areal loading per face) / 2 faces, both about 1 m^2
    assert 0.5 < cell.cathode_area < 1.5 and cell.anode_area > cell.cathode_area
    result = evaluate_plant(plant)
    assert result.annual_energy_output == pytest.approx(8 * 3.6e12, rel=1e-9)  # 8 GWh per year
