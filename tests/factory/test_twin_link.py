"""The plant's cell taken from a twin recipe (optional link to gigatwin.twin)."""

import math

import pytest
import yaml

from gigatwin.factory import PlantError, evaluate_plant, load_plant


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


# Protocol of examples/recipes/nmc622_graphite_pouch.yaml, by hand. OCV table (SOC 0..1
# by 0.1): 3.00 3.45 3.55 3.62 3.67 3.72 3.80 3.90 3.99 4.08 4.20 V.
#   charge 0.1 C 0 -> 0.2           0.2 / 0.1 = 2 h
#   rest                             1 h
#   charge 0.33 C to 4.2 V (SOC 1)   0.8 / 0.33 = 2.424242 h
#   CV to 0.05 C, tau 0.5 h          0.5 ln(0.33 / 0.05) = 0.943535 h
#   rest                             1 h
#   discharge 0.33 C to 3.0 V        1.0 / 0.33 = 3.030303 h
#   charge 0.33 C to SOC 0.3         0.3 / 0.33 = 0.909091 h
# protocol 11.307171 h; aging 14 d = 336 h (the twin's protocol_duration gives 347.3 h).
PROTOCOL_HOURS = 2 + 1 + 0.8 / 0.33 + 0.5 * math.log(0.33 / 0.05) + 1 + 1 / 0.33 + 0.3 / 0.33
# Energy per unit capacity [V] = integral of the OCV over the SOC swept (trapezoids of the
# table): 0 -> 0.2: 0.1 (3.00 + 3.45)/2 + 0.1 (3.45 + 3.55)/2 = 0.6725; 0.2 -> 1: 3.0655;
# CV: 0.33 x 0.5 x (1 - 0.05/0.33) x 4.20 = 0.588; 0 -> 0.3: 1.031. Charge 5.357 V,
# discharge 1 -> 0: 3.738 V.
CHARGE_V, DISCHARGE_V = 0.6725 + 3.0655 + 0.588 + 1.031, 0.6725 + 3.0655


def test_formation_and_aging_follow_the_recipe_protocol(plants_dir):
    pytest.importorskip("gigatwin.twin.chain")
    plant = load_plant(plants_dir / "twin_recipe_plant.yaml")
    formation, aging = plant.step("Formation"), plant.step("Aging")
    assert formation.process_time == pytest.approx(PROTOCOL_HOURS * 3600, rel=1e-9)
    assert pytest.approx(11.307171, rel=1e-6) == PROTOCOL_HOURS
    assert aging.process_time == pytest.approx(336 * 3600, rel=1e-9)
    # grid energy per cell: Q (5.357 / 0.9 - 0.8 x 3.738) V with the twin's capacity Q
    q = plant.cell.capacity
    assert formation.electric_energy_per_cell == pytest.approx(
        q * (CHARGE_V / 0.9 - 0.8 * DISCHARGE_V), rel=1e-9)
    # channels: racks of 256 for the cells entering formation during one protocol
    result = evaluate_plant(plant)
    step = result.step("Formation")
    assert step.machines == math.ceil(step.required_rate * PROTOCOL_HOURS * 3600 / 256 - 1e-9)
    assert step.machines * 256 > 40_000


def test_recipe_override_needs_a_source(tmp_path, plants_dir, plant_raw):
    pytest.importorskip("gigatwin.twin.chain")
    raw = plant_raw(load_plant(plants_dir / "twin_recipe_plant.yaml"))
    raw["cell"]["recipe"] = str(plants_dir / raw["cell"]["recipe"])
    formation = next(s for s in raw["steps"] if s["name"] == "Formation")
    formation["process_time"] = "22 h"
    path = tmp_path / "plant.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(PlantError, match="overrides the recipe's process_time .* 'source'"):
        load_plant(path)
    formation["source"] = "measured on line 2"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert load_plant(path).step("Formation").process_time == 22 * 3600
