"""Scenario library, plant-file errors and the CLI."""

import json

import pytest
from typer.testing import CliRunner

from gigatwin.cli.app import app
from gigatwin.factory import PlantError, evaluate_plant, load_plant
from gigatwin.factory.scenarios import apply_scenario, compare, load_scenarios

REQUIRED = {"dry_coating", "high_solid_extrusion", "water_based_cathode", "three_stage_drying",
            "laser_ir_drying", "argon_purge_post_drying", "laser_cutting",
            "fast_formation_narrow_window", "pulse_formation", "formation_pressure_temperature"}


def test_library_has_every_required_scenario_with_sources():
    library = load_scenarios()
    assert set(library) >= REQUIRED
    for sc in library.values():
        assert sc.source and all(c.source for c in sc.changes)


@pytest.mark.parametrize("plant", ["batpac_nmc622_100k_packs", "yuan2017_pilot_lmo",
                                   "industrial_nmc622_10gwh"])
def test_every_scenario_runs_on_every_reference_plant(plants_dir, plant):
    comp = compare(load_plant(plants_dir / f"{plant}.yaml"), sorted(REQUIRED))
    assert set(comp.scenarios) == REQUIRED


def test_argon_purge_shortens_lead_time_by_the_oven_time(industrial_plant):
    """Vacuum drying 20 h -> 20 min (Huttner 2019): lead time falls by 19 h 40 min."""
    base = evaluate_plant(industrial_plant)
    new = evaluate_plant(apply_scenario(industrial_plant, load_scenarios()["argon_purge_post_drying"]))
    assert base.lead_time - new.lead_time == pytest.approx(20 * 3600 - 20 * 60)


def test_three_stage_drying_cuts_air_heating_per_cell_by_40_percent(industrial_plant):
    """Same dryer air, 1/0.6 the line speed (Jaiser 2017: drying time -40 %) -> 0.6 of the
    air-heating energy per cell; the evaporation heat per cell (NMP 0.213 kg x 0.528 MJ/kg +
    water 0.230 kg x 2.406 MJ/kg per cell, latent heats of the materials data) does not
    change."""
    cell = industrial_plant.cell
    evaporation_per_cell = (cell.solvent_mass("cathode") * 5.28e5
                            + cell.solvent_mass("anode") * 2.406e6)
    base = evaluate_plant(industrial_plant).step("Coating/drying")
    new = evaluate_plant(apply_scenario(industrial_plant,
                                        load_scenarios()["three_stage_drying"])).step("Coating/drying")
    cells = base.required_rate * industrial_plant.calendar.operating_seconds
    evaporation = evaporation_per_cell * cells
    assert new.thermal_energy - evaporation == pytest.approx(0.6 * (base.thermal_energy - evaporation),
                                                             rel=0.001)


def test_unit_error_names_field(tmp_path, plants_dir):
    text = (plants_dir / "batpac_nmc622_100k_packs.yaml").read_text().replace(
        "speed: 50 m/min", "speed: 50 kg")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(PlantError, match=r"Coating/drying.*speed.*wrong dimension"):
        evaluate_plant(load_plant(bad))


def test_unknown_scenario_is_an_error(batpac_plant):
    with pytest.raises(PlantError, match="unknown scenario"):
        compare(batpac_plant, ["teleportation"])


def test_cli_plant_json_has_the_documented_shape(tmp_path, plants_dir):
    out = tmp_path / "plant.json"
    res = CliRunner().invoke(app, ["plant", str(plants_dir / "batpac_nmc622_100k_packs.yaml"),
                                   "--scenario", "dry_coating", "--json", str(out),
                                   "--plot", str(tmp_path / "img")])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    for key in ("annual_output", "cost_per_kwh", "energy_per_kwh", "bottleneck", "steps", "scenarios"):
        assert key in data
    step = data["steps"][0]
    for key in ("name", "cost_per_year", "cost_share", "capital", "energy_per_cell",
                "energy_share", "machines", "throughput"):
        assert key in step
    for key in ("cost_per_year", "capital", "energy_per_cell", "machines", "throughput"):
        assert set(step[key]) == {"value", "unit"}
    assert data["cost_per_kwh"]["unit"] == "USD/kWh"
    assert data["energy_per_kwh"]["unit"] == "kWh/kWh"
    assert data["scenarios"][0]["name"] == "dry_coating"
    assert data["scenarios"][0]["delta"]["energy_per_kwh"]["value"] < 0
    assert (tmp_path / "img" / "factory_batpac_nmc622_100k_packs_breakdown.png").stat().st_size > 10_000


def test_cli_linesim_runs(tmp_path, plants_dir):
    out = tmp_path / "sim.json"
    res = CliRunner().invoke(app, ["linesim", str(plants_dir / "yuan2017_pilot_lmo.yaml"),
                                   "--days", "5", "--seed", "1", "--json", str(out)])
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["throughput"]["unit"] == "cells/h" and data["throughput"]["value"] > 0
    assert {s["name"] for s in data["stations"]} >= {"Coating", "Formation/aging"}


def test_cli_bad_file_fails_cleanly(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("name: x\n")
    res = CliRunner().invoke(app, ["plant", str(bad)])
    assert res.exit_code == 2


def test_scenario_library_is_checked_against_the_schema(tmp_path):
    """A scenario is a list of typed changes: a misspelt field, a set value in the wrong
    unit and a scaled temperature are all reported when the library is loaded."""
    bad = tmp_path / "scenarios.yaml"
    bad.write_text(
        "scenarios:\n"
        "  s:\n"
        "    title: t\n"
        "    source: s\n"
        "    changes:\n"
        "      - {scale: yeild, factor: 0.9, source: x}\n"
        "      - {set: speed, value: 30 kg, source: x}\n"
        "      - {scale: dryer.air_temperature, factor: 2, source: x}\n", encoding="utf-8")
    with pytest.raises(PlantError) as info:
        load_scenarios(bad)
    text = str(info.value)
    assert "3 problems" in text
    assert "no step field 'yeild'" in text
    assert "'30 kg' has the wrong dimension" in text
    assert "cannot scale 'dryer.air_temperature'" in text


def test_applied_scenario_lists_what_it_changed(industrial_plant):
    """The typed change keeps the plant typed and records each change with its source."""
    plant = apply_scenario(industrial_plant, load_scenarios()["water_based_cathode"])
    assert plant.cell.cathode_solvent == "water" and plant.cell.nmp_mass() == 0.0
    assert plant.step("Coating/drying").dryer.air_temperature == pytest.approx(373.15)
    assert "Solvent recovery" not in [s.name for s in plant.steps]
    assert any(c.startswith("Coating/drying: dryer.air_temperature set") for c in plant.changes)
    assert industrial_plant.cell.cathode_solvent == "NMP"  # the baseline is untouched
