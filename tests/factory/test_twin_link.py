"""The plant's cell, formation and aging taken from a twin recipe (gigatwin.twin)."""

import math

import pytest
import yaml

from gigatwin.factory import PlantError, evaluate_plant, load_plant
from gigatwin.twin import chain, load_recipe
from gigatwin.twin.cell_steps import nominal_balance

RECIPE = "nmc622_graphite_pouch.yaml"


def test_cell_from_twin_recipe(plants_dir):
    plant = load_plant(plants_dir / "twin_recipe_plant.yaml")
    cell = plant.cell
    # the recipe is a ~62 Ah NMC622/graphite pouch: capacity 50-80 Ah; its voltage is the
    # mean of the balanced electrode OCVs less the test's ohmic drop, 3.6-3.8 V
    assert 50 * 3600 < cell.capacity < 80 * 3600
    assert 3.6 <= cell.nominal_voltage <= 3.8
    # foil area = coating mass / (areal loading per face) / 2 faces, both about 1 m^2
    assert 0.5 < cell.cathode_area < 1.5 and cell.anode_area > cell.cathode_area
    result = evaluate_plant(plant)
    assert result.annual_energy_output == pytest.approx(8 * 3.6e12, rel=1e-9)  # 8 GWh per year


# Protocol of examples/recipes/nmc622_graphite_pouch.yaml (formation.formation_protocol), by
# hand. Voltages map to SOC on the cell OCV of the recipe's electrode balance (NMC622 and
# graphite half-cell curves balanced at aging_eol.eol_upper/lower_cutoff_voltage 4.2/3.0 V):
# 4.2 V is SOC 1; the balanced cell's OCV at SOC 0 is 3.317 V (the cathode limits, lithium
# lost to the SEI), so the 3.0 V discharge cut-off clips to SOC 0.
#   charge 0.1 C 0 -> 0.2            0.2 / 0.1 = 2 h
#   rest                              1 h
#   charge 0.33 C to 4.2 V (SOC 1)    0.8 / 0.33 = 2.424242 h
#   CV to 0.05 C, tau 0.5 h           0.5 ln(0.33 / 0.05) = 0.943535 h
#   rest                              1 h
#   discharge 0.33 C to 3.0 V (SOC 0) 1.0 / 0.33 = 3.030303 h
#   charge 0.33 C to SOC 0.3          0.3 / 0.33 = 0.909091 h
# protocol 11.307171 h; aging 14 d = 336 h (the twin's formation time: 347.307171 h).
PROTOCOL_HOURS = 2 + 1 + 0.8 / 0.33 + 0.5 * math.log(0.33 / 0.05) + 1 + 1 / 0.33 + 0.3 / 0.33
# Energy per unit capacity [V] (the twin: charge share of each CC step x the mean of the
# balanced OCV over it; the CV hold adds time, no charge, the CC step having reached the
# SOC on the OCV). Mean OCVs of the balanced cell: SOC 0-0.2 3.516225 V, 0.2-1 3.834280 V,
# 0-0.3 3.552845 V, 1-0 3.770669 V (= the balance's open-circuit mean voltage 3.77074 V to
# the OCV table's 101 points, checked below).
#   charge in:  0.2 x 3.516225 + 0.8 x 3.834280 + 0.3 x 3.552845 = 4.836522 V
#   charge out: 1.0 x 3.770669 = 3.770669 V
# The plant's cycler charges at 90 % and feeds 80 % of the discharge back:
#   E / Q = 4.836522 / 0.9 - 0.8 x 3.770669 = 5.373914 - 3.016535 = 2.357379 V (Wh/Ah),
# Q the twin's nominal capacity (62.25 Ah: 0.1467 kWh per cell). Without the plant's
# cycler entries the recipe's (here the twin's defaults 0.9 and 0): 5.373914 V.
CHARGE_V = 0.2 * 3.516225 + 0.8 * 3.834280 + 0.3 * 3.552845
DISCHARGE_V = 3.770669


def test_formation_and_aging_follow_the_recipe_protocol(plants_dir):
    plant = load_plant(plants_dir / "twin_recipe_plant.yaml")
    formation, aging = plant.step("Formation"), plant.step("Aging")
    assert formation.process_time == pytest.approx(PROTOCOL_HOURS * 3600, rel=1e-9)
    assert pytest.approx(11.307171, rel=1e-6) == PROTOCOL_HOURS
    assert aging.process_time == pytest.approx(336 * 3600, rel=1e-9)
    # grid energy per cell with the plant's cycler (0.9, 0.8), the twin's capacity Q;
    # the mean OCVs above are rounded to 1e-6 V
    q = plant.cell.capacity
    assert formation.electric_energy_per_cell == pytest.approx(
        q * (CHARGE_V / 0.9 - 0.8 * DISCHARGE_V), rel=1e-6)
    assert formation.electric_energy_per_cell / q == pytest.approx(2.357379, rel=1e-6)
    # the full-window mean OCV is the balance's open-circuit mean voltage (to the table)
    recipe = load_recipe(plants_dir.parent / "recipes" / RECIPE)
    assert nominal_balance(recipe).mean_voltage == pytest.approx(DISCHARGE_V, rel=1e-4)
    # channels: racks of 256 for the cells entering formation during one protocol
    result = evaluate_plant(plant)
    step = result.step("Formation")
    assert step.machines == math.ceil(step.required_rate * PROTOCOL_HOURS * 3600 / 256 - 1e-9)
    assert step.machines * 256 > 40_000


def test_without_a_cycler_the_plant_takes_the_twins_own_formation_energy(
        tmp_path, plants_dir, plant_raw):
    """One physics: with no cycler entries the step's energy is the twin's nominal
    formation_aging_energy_per_cell (recipe's efficiencies: the twin's 0.9 and 0)."""
    raw = plant_raw(load_plant(plants_dir / "twin_recipe_plant.yaml"))
    raw["cell"]["recipe"] = str(plants_dir / raw["cell"]["recipe"])
    formation = next(s for s in raw["steps"] if s["name"] == "Formation")
    del formation["charger_efficiency"], formation["energy_recovery"]
    path = tmp_path / "plant.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    plant = load_plant(path)
    twin = chain.simulate(load_recipe(raw["cell"]["recipe"]), samples=1, seed=0).nominal
    energy = plant.step("Formation").electric_energy_per_cell
    assert energy == pytest.approx(twin["formation"]["formation_aging_energy_per_cell"],
                                   rel=1e-12)
    assert energy == pytest.approx(plant.cell.capacity * CHARGE_V / 0.9, rel=1e-6)


def test_cycler_entries_need_a_recipe_formation_step(tmp_path, plants_dir, plant_raw):
    raw = plant_raw(load_plant(plants_dir / "twin_recipe_plant.yaml"))
    raw["cell"]["recipe"] = str(plants_dir / raw["cell"]["recipe"])
    aging = next(s for s in raw["steps"] if s["name"] == "Aging")
    aging["charger_efficiency"] = 0.9
    path = tmp_path / "plant.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(PlantError, match="charger_efficiency only apply to a formation step"):
        load_plant(path)


def test_recipe_override_needs_a_source(tmp_path, plants_dir, plant_raw):
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
