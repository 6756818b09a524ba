"""Strict plant files: every problem at once, named; names resolved through registries."""

import pytest
import yaml
from typer.testing import CliRunner

from gigatwin.cli.app import app
from gigatwin.factory import PlantError, evaluate_plant, load_plant
from gigatwin.factory.plant import SECTIONS
from gigatwin.factory.schema import defaults_markdown


def _write(tmp_path, raw, name="plant.yaml"):
    path = tmp_path / name
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path


def _problems(path) -> list[str]:
    with pytest.raises(PlantError) as info:
        load_plant(path)
    return info.value.problems


def test_solvent_spelling_nmp_or_uppercase_gives_the_same_plant(tmp_path, industrial_plant, plant_raw):
    """The solvent is resolved through the materials registry, case-insensitively: before,
    'NMP' silently zeroed the NMP load (energy 21.73 -> 20.59 kWh/kWh)."""
    results = {}
    for spelling in ("NMP", "nmp", "Nmp"):
        raw = plant_raw(industrial_plant)
        raw["cell"]["cathode_solvent"] = spelling
        plant = load_plant(_write(tmp_path, raw, f"{spelling}.yaml"))
        assert plant.cell.cathode_solvent == "NMP"
        assert plant.cell.nmp_mass() == pytest.approx(0.396 * 0.35 / 0.65)
        results[spelling] = evaluate_plant(plant)
    base = results["nmp"]
    for res in results.values():
        assert res.energy_per_energy == base.energy_per_energy
        assert res.capital == base.capital
        assert res.step("Solvent recovery").energy > 0


def test_unknown_solvent_names_the_registry(tmp_path, industrial_plant, plant_raw):
    raw = plant_raw(industrial_plant)
    raw["cell"]["cathode_solvent"] = "acetone"
    (problem,) = _problems(_write(tmp_path, raw))
    assert "cell.cathode_solvent = 'acetone'" in problem
    assert "NMP" in problem and "water" in problem


def test_misspelt_yield_is_rejected_with_a_suggestion(tmp_path, industrial_plant, plant_raw):
    raw = plant_raw(industrial_plant)
    raw["steps"][0]["yeild"] = 0.5
    (problem,) = _problems(_write(tmp_path, raw))
    assert str(tmp_path / "plant.yaml") in problem
    assert "step 'Slurry mixing'" in problem
    assert "unknown key 'yeild'; did you mean 'yield'?" in problem


@pytest.mark.parametrize(("section", "typo", "meant"), [
    ("calendar", "days_per_yer", "days_per_year"),
    ("economics", "labor_rate_usd_per_hour", "labour_rate_usd_per_hour")])
def test_typo_in_calendar_or_economics_names_file_and_key(tmp_path, industrial_plant,
                                                           plant_raw, section, typo, meant):
    raw = plant_raw(industrial_plant)
    raw[section][typo] = raw[section].pop(meant)
    (problem,) = _problems(_write(tmp_path, raw))
    assert problem.startswith(f"{tmp_path / 'plant.yaml'}: {section}: unknown key {typo!r}")
    assert f"did you mean {meant!r}" in problem


def test_five_problems_are_reported_together(tmp_path, industrial_plant, plant_raw):
    raw = plant_raw(industrial_plant)
    raw["calendar"]["shifts_per_day"] = 5                    # range (0, 4]
    raw["cell"]["capacity"] = "67 kg"                        # dimension
    raw["steps"][1]["speed"] = "50 m/min"                   # fine
    raw["steps"][1]["width"] = 1.3                           # needs a unit
    raw["steps"][3]["kind"] = "roller"                       # unknown kind
    raw["steps"][5]["batch_time"] = "-2 h"                   # range
    problems = _problems(_write(tmp_path, raw))
    assert len(problems) == 5, problems
    expected = ["calendar.shifts_per_day = 5 is outside the allowed range: [1] in (0, 4]",
                "cell.capacity = '67 kg' has the wrong dimension; expected [Ah]",
                "step 'Coating/drying'.width = 1.3 needs a unit: expected [m] in (0, 5]",
                "step 'Calendering'.kind = 'roller' unknown; allowed: web, batch",
                "step 'Vacuum drying'.batch_time = '-2 h' is outside the allowed range: [h]"]
    for text in expected:
        assert any(text in p for p in problems), (text, problems)
    with pytest.raises(PlantError) as info:
        load_plant(tmp_path / "plant.yaml")
    assert str(info.value).splitlines()[0].endswith("5 problems in the plant file")


def test_rate_entry_of_another_kind_is_refused(tmp_path, industrial_plant, plant_raw):
    raw = plant_raw(industrial_plant)
    raw["steps"][0]["speed"] = "50 m/min"  # a batch step
    (problem,) = _problems(_write(tmp_path, raw))
    assert "'speed' does not apply to a batch step" in problem


def test_spec_step_is_resolved_case_insensitively(tmp_path, industrial_plant, plant_raw):
    raw = plant_raw(industrial_plant)
    raw["steps"][0]["spec_step"] = "MIXING"
    raw["steps"][1]["spec_step"] = "Coating"
    plant = load_plant(_write(tmp_path, raw))
    assert [plant.steps[0].spec_step, plant.steps[1].spec_step] == ["mixing", "coating"]
    raw["steps"][2]["spec_step"] = "solvent_recovery"
    (problem,) = _problems(_write(tmp_path, raw, "bad.yaml"))
    assert "unknown spec step; known: aging_eol" in problem


def test_cli_validate_lists_every_problem(tmp_path, industrial_plant, plant_raw, plants_dir):
    good = CliRunner().invoke(app, ["plant", "validate",
                                    str(plants_dir / "industrial_nmc622_10gwh.yaml")])
    assert good.exit_code == 0, good.output
    assert "valid plant" in good.output
    raw = plant_raw(industrial_plant)
    raw["steps"][0]["yeild"] = 0.5
    raw["economics"]["overhead_on_labour"] = -1
    bad = CliRunner().invoke(app, ["plant", "validate", str(_write(tmp_path, raw))])
    assert bad.exit_code != 0
    assert "did you mean 'yield'?" in bad.output
    assert "economics.overhead_on_labour = -1 is outside the allowed range" in bad.output


def test_docs_print_the_defaults_of_the_schema():
    """docs/factory.md holds the defaults table generated from the schema: one place."""
    from pathlib import Path
    docs = (Path(__file__).resolve().parents[2] / "docs" / "factory.md").read_text()
    assert defaults_markdown(SECTIONS) in docs
