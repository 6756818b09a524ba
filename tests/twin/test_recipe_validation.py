"""Recipe validation against the data specification: one test per class of problem, and
every problem of a recipe reported in one run (gigatwin issue 10)."""

import copy

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gigatwin.twin import simulate
from gigatwin.twin.recipe import RecipeError, example_recipes, load_recipe, recipe_from_dict
from gigatwin.twin.recipe_checks import nominal_np_ratio

POUCH = next(p for p in example_recipes() if "pouch" in p.name)
CYLINDRICAL = next(p for p in example_recipes() if "21700" in p.name)


def _raw(path=POUCH):
    return yaml.safe_load(path.read_text())


def _problems(raw) -> list:
    with pytest.raises(RecipeError) as info:
        recipe_from_dict(raw, source="test.yaml")
    return info.value.problems


def _only(raw):
    problems = _problems(raw)
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_line_load_in_kg_names_the_key_and_the_expected_dimension():
    raw = _raw()
    raw["cathode"]["calender_line_load"] = "850 kg +- 15 kg"
    problem = _only(raw)
    assert problem.path == "cathode.calender_line_load" and problem.kind == "dimension"
    assert "dimension [mass]" in problem.message
    assert "calender_line_load is [mass] / [time] ** 2 (e.g. N/mm)" in problem.message


def test_a_bare_number_for_a_dimensional_setting_asks_for_a_unit():
    raw = _raw()
    raw["cathode"]["coating_speed"] = 30
    problem = _only(raw)
    assert problem.kind == "dimension" and "m/min" in problem.message


def test_unknown_key_is_rejected_with_suggestions():
    raw = _raw()
    raw["cathode"]["dryer_zones"] = 3
    problem = _only(raw)
    assert problem.kind == "unknown_key" and problem.path == "cathode.dryer_zones"
    # the close spec keys are the dryer's zone settings
    assert "did you mean 'dryer_zone" in problem.message


def test_old_name_says_what_it_was_renamed_to():
    raw = _raw()
    raw["cathode"]["line_load"] = "850 N/mm"
    problem = _only(raw)
    assert "renamed to 'cathode.calender_line_load'" in problem.message \
        or "renamed to 'calender_line_load'" in problem.message


def test_old_section_names_say_their_new_name():
    raw = _raw()
    raw["filling"] = raw.pop("electrolyte_filling")
    problems = _problems(raw)
    assert any(p.path == "filling" and "renamed to 'electrolyte_filling'" in p.message
               for p in problems)


def test_key_in_the_wrong_section_names_the_right_one():
    raw = _raw()
    raw["cell"]["calender_line_load"] = raw["cathode"]["calender_line_load"]
    problem = _only(raw)
    assert problem.kind == "section" and "cathode/anode" in problem.message


def test_jelly_roll_larger_than_its_can_is_rejected():
    raw = _raw(CYLINDRICAL)
    raw["cell"]["design_jelly_roll_diameter"] = "25 mm"
    problem = _only(raw)
    assert problem.kind == "cross_field" and problem.path == "cell.can_diameter"
    assert "jelly roll diameter 25 mm does not fit" in problem.message and "21 mm" in problem.message


def test_pouch_sheet_wider_than_its_pouch_is_rejected():
    raw = _raw()
    raw["cell"]["cathode_sheet_width"] = "109 mm"  # + 2 x 1 mm overhang > 110 mm pouch
    problem = _only(raw)
    assert problem.path == "cell.pouch_width" and "111 mm does not fit" in problem.message


def test_np_ratio_below_one_is_an_error_and_outside_the_window_a_warning():
    raw = _raw()
    # N/P scales with the anode loading: 11.5 mg/cm^2 gives the example's N/P
    base = nominal_np_ratio(recipe_from_dict(copy.deepcopy(raw)))
    raw["anode"]["coating_areal_loading"] = f"{11.5 * 0.90 / base} mg/cm^2"
    problem = _only(raw)
    assert problem.kind == "cross_field" and "N/P ratio 0.900 [1] is below 1" in problem.message
    raw["anode"]["coating_areal_loading"] = f"{11.5 * 1.35 / base} mg/cm^2"
    recipe = recipe_from_dict(raw)
    assert [w.kind for w in recipe.warnings] == ["cross_field"]
    assert "N/P ratio 1.350 [1] is outside the design window [1.05, 1.25] 1" \
        in recipe.warnings[0].message


def test_missing_ocv_table_is_a_clear_message():
    """The cell's OCV comes from the half-cell curves of its active materials: a material
    without one is named (LCO has no published curve in the material data yet)."""
    raw = _raw()
    raw["cathode"]["active_material"] = "LCO"
    problem = _only(raw)
    assert problem.path == "cathode.active_material" and problem.kind == "missing"
    assert "'LCO' has no half-cell OCV curve" in problem.message


def test_empty_voltage_window_is_a_cross_field_error():
    raw = _raw()
    raw["aging_eol"]["eol_lower_cutoff_voltage"] = "4.3 V"
    problem = _only(raw)
    assert problem.path == "aging_eol.eol_upper_cutoff_voltage"
    assert problem.kind == "cross_field" and "rated window is empty" in problem.message


def test_old_cell_ocv_table_is_reported_as_no_longer_used():
    raw = _raw()
    raw["cell"]["ocv_curve"] = {"soc": [0.0, 1.0], "voltage": [3.0, 4.2]}
    problem = _only(raw)
    assert problem.path == "cell.ocv_curve" and "no longer used" in problem.message


def test_missing_required_setting_per_format():
    raw = _raw(CYLINDRICAL)
    del raw["cell"]["can_height"]
    problem = _only(raw)
    assert problem.path == "cell.can_height" and "Can height, mm" in problem.message


def test_values_outside_physical_limits_name_the_limits_and_their_source():
    raw = _raw()
    raw["cathode"]["dried_porosity"] = 1.2
    problem = _only(raw)
    assert problem.kind == "range" and problem.path == "cathode.dried_porosity"
    assert "120 % is outside the physical limits" in problem.message


def test_negative_and_infinite_tolerances_are_rejected():
    raw = _raw()
    raw["cathode"]["coating_speed"] = "30 m/min +- -0.05 m/min"
    assert "tolerance" in _only(raw).message
    raw = _raw()
    raw["cathode"]["coating_speed"] = {"value": 30, "unit": "m/min", "tolerance": float("inf")}
    assert "finite and >= 0" in _only(raw).message


def test_mass_fractions_must_sum_to_one():
    raw = _raw()
    raw["anode"]["binder_mass_fraction"] = 0.10
    problem = _only(raw)
    assert problem.path == "anode" and "mass fractions sum to 1.07" in problem.message


def test_protocol_steps_are_checked():
    raw = _raw()
    raw["formation"]["formation_protocol"][0] = {"formation_step_type": "charge",
                                                 "c_rate": "0.1 C_rate"}
    problems = _problems(raw)
    messages = " | ".join(str(p) for p in problems)
    assert "renamed to 'formation_c_rate'" in messages
    assert "a charge step needs formation_target_soc or formation_cutoff_voltage" in messages


def test_material_override_needs_a_source():
    raw = _raw()
    raw["cathode"]["active_material_specific_capacity"] = "180 mA*h/g"
    problem = _only(raw)
    assert problem.kind == "missing" and "needs a 'source'" in problem.message


def test_spec_limit_on_an_unknown_output_and_with_the_wrong_unit():
    raw = _raw()
    raw["spec_limits"]["calendering.cathode_porosity"] = {"min": 23, "unit": "%"}
    raw["spec_limits"]["wetting_time"] = {"max": 12, "unit": "mm"}
    problems = {p.path: p.message for p in _problems(raw)}
    assert "renamed to 'cathode.calendered_porosity'" in \
        problems["spec_limits.calendering.cathode_porosity"]
    assert "[length]" in problems["spec_limits.wetting_time"]


def test_ten_different_problems_are_all_reported_in_one_run():
    raw = _raw()
    raw["cathode"]["calender_line_load"] = "850 kg"                  # 1 dimension
    raw["cathode"]["dryer_zones"] = 3                                # 2 unknown key
    raw["anode"]["dried_porosity"] = 1.5                             # 3 physical limits
    del raw["aging_eol"]["eol_lower_cutoff_voltage"]                 # 4 missing cut-off
    raw["cell"]["cell_format"] = "pouch"
    raw["cell"]["cathode_sheet_width"] = "150 mm"                    # 5 does not fit pouch
    raw["cathode"]["binder_mass_fraction"] = 0.05                    # 6 fractions sum 1.03
    raw["assembly"]["stacking_placement_std"] = "0.15 mm +- -1 mm"   # 7 negative tolerance
    raw["electrolyte_filling"]["electrolyte"] = "unobtainium"        # 8 unknown material
    del raw["aging_eol"]["aging_time"]                               # 9 missing setting
    raw["spec_limits"]["eol_discharge_capacity"] = {"min": 70, "max": 60, "unit": "A*h"}  # 10
    problems = _problems(raw)
    assert len(problems) == 10, "\n".join(map(str, problems))
    assert {p.path for p in problems} == {
        "cathode.calender_line_load", "cathode.dryer_zones", "anode.dried_porosity",
        "aging_eol.eol_lower_cutoff_voltage", "cell.pouch_width", "cathode",
        "assembly.stacking_placement_std",
        "electrolyte_filling.electrolyte", "aging_eol.aging_time",
        "spec_limits.eol_discharge_capacity"}


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "the recipe is empty"),
    (b"- just\n- a list\n", "must be a mapping of sections, not a list"),
    (b"cathode: {coating_speed: [unclosed\n", "not valid YAML at line"),
    (b"name: caf\xe9\n", "not UTF-8"),
    (b"42\n", "not a int"),
    (b"cathode: 5\n", "cathode: must be a mapping of settings"),
])
def test_malformed_files_give_one_clear_problem(tmp_path, content, expected):
    path = tmp_path / "bad.yaml"
    path.write_bytes(content)
    with pytest.raises(RecipeError) as info:
        load_recipe(path)
    assert expected in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(RecipeError, match="cannot read the file"):
        load_recipe(tmp_path / "nope.yaml")


def test_overrides_of_materials_change_the_cell():
    """Capacity of the cathode-limited pouch is proportional to the cathode specific
    capacity (q = loading x active fraction x specific capacity x area)."""
    from gigatwin.twin.sensitivity import evaluate

    raw = _raw()
    base = recipe_from_dict(copy.deepcopy(raw))
    nominal = base.material("cathode", "active_material").specific_capacity  # C/kg
    raw["cathode"]["active_material_specific_capacity"] = {
        "value": nominal * 1.05 / 3600, "unit": "mA*h/g", "source": "test: +5 %"}
    raw["assembly"]["separator_thickness"] = {"value": 12, "unit": "um",
                                              "source": "test: thinner separator"}
    changed = recipe_from_dict(raw)
    assert changed.material("cathode", "active_material").specific_capacity == \
        pytest.approx(nominal * 1.05)
    assert changed.separator().thickness == pytest.approx(12e-6)
    q0 = evaluate(base, "capacity", {}, 1)[0]
    q1 = evaluate(changed, "capacity", {}, 1)[0]
    assert q1 > q0  # more capacity per sheet and more sheets in the same stack


JUNK = [None, True, "abc", -1, 0, 1e400, "nan m", "1e400 m", "3 furlongs", [], {}, [1, "a"],
        {"value": "x", "unit": "m"}, {"unit": "m"}, "12 +- ", "5 m +- 1 kg", "\x00"]


def _paths(node, prefix=()):
    if isinstance(node, dict):
        for key, child in node.items():
            yield prefix + (key,)
            yield from _paths(child, prefix + (key,))
    elif isinstance(node, list):
        for i, child in enumerate(node):
            yield prefix + (i,)
            yield from _paths(child, prefix + (i,))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_no_mutation_of_a_recipe_gives_anything_but_a_recipe_error(data):
    """Any value (or deletion) at any place of a valid recipe: the result is a Recipe or a
    RecipeError listing problems, never another exception."""
    raw = _raw()
    paths = sorted(_paths(raw), key=str)
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        parent = raw
        try:
            for part in path[:-1]:
                parent = parent[part]
            if data.draw(st.booleans()) and isinstance(parent, dict):
                parent.pop(path[-1], None)
            else:
                parent[path[-1]] = data.draw(st.sampled_from(JUNK))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed or replaced the parent
    try:
        recipe = recipe_from_dict(raw)
    except RecipeError as exc:
        assert exc.problems and all(str(p) for p in exc.problems)
        return
    try:  # a valid recipe runs, or a model names the input outside its validity range
        simulate(recipe, 20, seed=0)
    except ValueError as exc:
        assert str(exc)


def test_electrode_ocv_curve_override_is_checked_and_needs_a_source():
    raw = _raw()
    raw["anode"]["electrode_ocv_curve"] = {"stoichiometry": [0.0, 0.5, 0.4],
                                           "voltage": [1.0, 0.1, 0.08]}
    assert "must be strictly monotonic" in _only(raw).message
    raw["anode"]["electrode_ocv_curve"] = {"stoichiometry": [0.0, 0.5, 1.0],
                                           "voltage": [1.0, 0.1, 0.08]}
    assert "needs a 'source'" in _only(raw).message
    raw["anode"]["electrode_ocv_curve"]["source"] = "test table"
    recipe = recipe_from_dict(raw)
    assert recipe.text("anode.electrode_ocv_curve")["voltage"][-1] == 0.08
