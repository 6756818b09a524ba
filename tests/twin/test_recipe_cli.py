"""``gigatwin recipe validate | new | upgrade``, ``--set`` and ``gigatwin compare``."""

import json

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from gigatwin.cli.app import app
from gigatwin.spec.registry import load_registry
from gigatwin.twin import load_recipe, simulate
from gigatwin.twin.recipe import example_recipes, setting_nodes
from gigatwin.twin.recipe_writer import template_names

POUCH = next(p for p in example_recipes() if "pouch" in p.name)
OLD_POUCH = POUCH.parents[2] / "tests" / "twin" / "data" / "old_names_pouch.yaml"
runner = CliRunner()


def _invoke(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_validate_a_good_recipe_exits_0():
    res = _invoke("recipe", "validate", POUCH)
    assert res.exit_code == 0 and "valid" in res.output


def test_validate_reports_every_problem_in_a_table_and_json(tmp_path):
    raw = yaml.safe_load(POUCH.read_text())
    raw["cathode"]["calender_line_load"] = "850 kg +- 15 kg"
    raw["cathode"]["dryer_zones"] = 3
    del raw["aging_eol"]["eol_upper_cutoff_voltage"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(raw))
    out = tmp_path / "problems.json"
    res = _invoke("recipe", "validate", bad, "--json", out)
    assert res.exit_code == 1
    doc = json.loads(out.read_text())
    assert not doc["valid"] and len(doc["errors"]) == 3
    assert {e["path"] for e in doc["errors"]} == {
        "cathode.calender_line_load", "cathode.dryer_zones", "aging_eol.eol_upper_cutoff_voltage"}
    assert "error(s)" in res.output and "calender_line_load" in res.output


@pytest.mark.parametrize("content", [b"", b"[1, 2]", b"a: [b", b"\xff\xfe\x00", b"cell: 3"])
def test_malformed_recipes_never_give_a_traceback(tmp_path, content):
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(content)
    assert _invoke("recipe", "validate", bad).exit_code == 1
    res = _invoke("simulate", bad, "-n", "10")
    assert res.exit_code == 2 and "problem" in res.output


@pytest.mark.parametrize("cell_format", ["pouch", "cylindrical", "prismatic"])
@pytest.mark.parametrize("chemistry", template_names("chemistry"))
def test_new_recipe_validates_and_is_commented(tmp_path, cell_format, chemistry):
    out = tmp_path / "new.yaml"
    res = _invoke("recipe", "new", "--format", cell_format, "--chemistry", chemistry, "-o", out)
    assert res.exit_code == 0, res.output
    text = out.read_text()
    assert "calender_line_load:" in text and "# Calender line load [N/mm]" in text
    assert _invoke("recipe", "validate", out).exit_code == 0
    recipe = load_recipe(out)
    assert recipe.cell_format == cell_format
    assert simulate(recipe, 50, seed=0).overall_yield > 0


def test_new_recipe_unknown_chemistry_suggests(tmp_path):
    res = _invoke("recipe", "new", "--format", "pouch", "--chemistry", "nmc622_grafite",
                  "-o", tmp_path / "x.yaml")
    assert res.exit_code == 2 and "did you mean nmc622_graphite" in res.output


def test_upgrade_an_old_recipe_gives_the_same_cell(tmp_path):
    out = tmp_path / "upgraded.yaml"
    res = _invoke("recipe", "validate", OLD_POUCH)
    assert res.exit_code == 1 and "renamed to" in res.output
    assert _invoke("recipe", "upgrade", OLD_POUCH, "-o", out).exit_code == 0
    new, example = load_recipe(out), load_recipe(POUCH)
    assert new.settings == {p: s for p, s in example.settings.items()}
    a, b = simulate(new, 200, seed=1), simulate(example, 200, seed=1)
    np.testing.assert_array_equal(a.outputs["cell"]["cell_capacity"],
                                  b.outputs["cell"]["cell_capacity"])


def test_set_changes_a_setting_and_checks_it(tmp_path):
    out = tmp_path / "sim.json"
    res = _invoke("simulate", POUCH, "-n", "500", "--set", "cathode.calender_line_load=1800 N/mm",
                  "--set", "design_stack_thickness=10 mm", "--json", out)
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    base = simulate(load_recipe(POUCH), 500, seed=0).to_dict()
    porosity = "cathode.calendered_porosity"
    assert doc["steps"]["calendering"][porosity]["mean"] < \
        base["steps"]["calendering"][porosity]["mean"]
    assert doc["cell"]["cathode_sheet_count"]["mean"] < base["cell"]["cathode_sheet_count"]["mean"]
    bad = _invoke("simulate", POUCH, "--set", "cathode.calender_line_load=850 kg")
    assert bad.exit_code == 2 and "[mass]" in bad.output
    unknown = _invoke("simulate", POUCH, "--set", "calender_line_lod=1 N/mm")
    assert unknown.exit_code == 2 and "did you mean calender_line_load" in unknown.output


def test_compare_reports_differences_and_what_moved_the_yield(tmp_path):
    out = tmp_path / "compare.json"
    res = _invoke("compare", POUCH, POUCH, "--set", "cathode.calender_line_load=600 N/mm",
                  "-n", "2000", "--json", out)
    assert res.exit_code == 0, res.output
    doc = json.loads(out.read_text())
    assert doc["method"].startswith("paired")
    rows = {r["name"]: r for r in doc["outputs"]}
    porosity = rows["cathode.calendered_porosity"]
    assert porosity["unit"] == "%" and porosity["significant"]
    assert porosity["ci_low"] <= porosity["difference"] <= porosity["ci_high"]
    assert porosity["difference"] == pytest.approx(porosity["mean_b"] - porosity["mean_a"])
    assert not rows["anode.calendered_porosity"]["significant"]  # anode untouched
    limits = {r["limit"]: r for r in doc["yield"]["limits"]}
    assert limits["spec_limits.cathode.calendered_porosity"]["moved_yield"]
    assert not limits["spec_limits.anode.calendered_porosity"]["moved_yield"]
    assert doc["yield"]["difference"] < 0


def test_spec_show_knows_every_key_of_the_examples_and_of_the_json(tmp_path):
    """Acceptance of issue 10: every key in every example recipe and in the JSON of
    `simulate` is shown by `gigatwin spec show`."""
    keys = set()

    def every_key(node):
        if isinstance(node, dict):
            for key, child in node.items():
                keys.add(str(key))
                every_key(child)
        elif isinstance(node, list):
            for child in node:
                every_key(child)

    for path in example_recipes():
        raw = yaml.safe_load(path.read_text())
        every_key({k: v for k, v in raw.items() if k != "sources"})  # sources: free names
        keys |= {key for _p, _s, key, _n in setting_nodes(raw)}
    out = tmp_path / "sim.json"
    assert _invoke("simulate", POUCH, "-n", "100", "--json", out).exit_code == 0
    doc = json.loads(out.read_text())
    for outputs in [*doc["steps"].values(), doc["cell"]]:
        keys |= set(outputs)
        for entry in outputs.values():
            assert entry["unit"] == load_registry().get(entry["key"]).display_unit
    assert len(keys) > 150
    for key in sorted(keys):
        res = _invoke("spec", "show", key)
        assert res.exit_code == 0, f"{key}: {res.output}"


def test_settings_no_model_uses_are_warned_about(tmp_path):
    """Nothing silently dropped: a valid spec key the chain does not read is accepted with
    a warning (found by recording what a nominal run reads)."""
    from gigatwin.twin.chain import unused_settings

    recipe = load_recipe(POUCH)
    unused = unused_settings(recipe)
    assert "cathode.mixing_time" in unused and "cathode.calender_line_load" not in unused
    assert not any(p.startswith("formation.formation_protocol") for p in unused)
    raw = yaml.safe_load(POUCH.read_text())
    raw["cathode"]["web_tension"] = "100 N"
    path = tmp_path / "tension.yaml"
    path.write_text(yaml.safe_dump(raw))
    out = tmp_path / "v.json"
    res = _invoke("recipe", "validate", path, "--json", out)
    assert res.exit_code == 0
    warned = {w["path"] for w in json.loads(out.read_text())["warnings"] if w["kind"] == "unused"}
    assert "cathode.web_tension" in warned


def test_renames_table_lists_old_and_new_names(tmp_path):
    out = tmp_path / "renames.json"
    assert _invoke("recipe", "renames", "--json", out).exit_code == 0
    rows = {(r["kind"], r["old"]): r["new"] for r in json.loads(out.read_text())}
    assert rows["setting", "cathode.calendering.line_load"] == "cathode.calender_line_load"
    assert rows["step", "filling"] == "electrolyte_filling"
    assert rows["output", "cell.capacity"] == "cell.cell_capacity"
    for (kind, _old), new in rows.items():  # every new name is a spec key
        if kind in ("setting", "output"):
            assert load_registry().get(new.split(" ")[0].split(".", 1)[1]) is not None, new


def test_set_on_sensitivity_and_malformed_sets():
    res = _invoke("sensitivity", POUCH, "--output", "cathode.calendered_porosity", "-n", "16",
                  "-p", "cathode.calender_line_load", "--set",
                  "cathode.calender_line_load=900 N/mm +- 20 N/mm")
    assert res.exit_code == 0, res.output
    assert "cathode.calender_line_load" in res.output
    assert _invoke("simulate", POUCH, "--set", "no_equals_sign").exit_code == 2
    res = _invoke("simulate", POUCH, "--set", "calender_line_load=900 N/mm")
    assert res.exit_code == 2 and "cathode.calender_line_load or anode" in res.output
