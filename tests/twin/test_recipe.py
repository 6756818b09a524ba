"""Recipe loading and validation: errors name the field, value, unit and allowed range."""

import copy

import pytest
import yaml

from gigatwin.twin.recipe import RecipeError, example_recipes, parse_setting, recipe_from_dict

POUCH = next(p for p in example_recipes() if "pouch" in p.name)


def _raw():
    return yaml.safe_load(POUCH.read_text())


def test_three_example_recipes_load():
    from gigatwin.twin import load_recipe

    formats = {load_recipe(p).cell_format for p in example_recipes()}
    assert formats == {"pouch", "prismatic", "cylindrical"}


def test_quantity_forms_give_the_same_si_setting():
    # 30 m/min = 0.5 m/s; 0.05 m/min = 8.333e-4 m/s (1 sigma)
    a = parse_setting("x", "30 m/min +- 0.05 m/min")
    b = parse_setting("x", {"value": 30, "unit": "m/min", "tolerance": 0.05})
    assert (a.nominal, a.std) == pytest.approx((0.5, 0.05 / 60))
    assert (b.nominal, b.std) == pytest.approx((a.nominal, a.std))
    # relative tolerance and a temperature tolerance (a difference: 1 K, not 274 K)
    assert parse_setting("y", "0.70 +- 0.5 %").std == pytest.approx(0.0035)
    t = parse_setting("z", "25 degC +- 1 K")
    assert (t.nominal, t.std) == pytest.approx((298.15, 1.0))


def test_mass_fractions_must_sum_to_one():
    raw = _raw()
    raw["cathode"]["binder_mass_fraction"] = 0.05
    with pytest.raises(RecipeError, match=r"cathode: mass fractions sum to 1\.03 \[1\]"):
        recipe_from_dict(raw)


def test_porosity_plus_volume_fractions_above_one():
    raw = _raw()
    for comp, phi in (("active_material", 0.6), ("conductive_additive", 0.1), ("binder", 0.1)):
        del raw["anode"][f"{comp}_mass_fraction"]
        raw["anode"][f"{comp}_volume_fraction"] = phi
    raw["anode"]["calendered_porosity"] = 0.3
    with pytest.raises(RecipeError, match=r"anode: porosity \+ solid volume fractions = 1\.1 \[1\]"
                                          r" is outside the allowed range"):
        recipe_from_dict(raw)


def test_negative_gap_names_field_value_unit_range():
    raw = _raw()
    raw["cathode"]["coating_gap"] = "-120 um +- 1 um"
    with pytest.raises(RecipeError) as info:
        recipe_from_dict(raw)
    message = str(info.value)
    assert "cathode.coating_gap: -120 um is outside the physical limits (0, inf) um" in message


def test_all_problems_reported_together_and_unknown_material():
    raw = copy.deepcopy(_raw())
    raw["cell"]["cell_format"] = "coin"
    raw["anode"]["active_material"] = "unobtainium"
    with pytest.raises(RecipeError) as info:
        recipe_from_dict(raw)
    assert len(info.value.problems) == 2
    assert "unobtainium" in str(info.value) and "coin" in str(info.value)


def test_spec_limit_min_above_max():
    raw = _raw()
    raw["spec_limits"]["eol_discharge_capacity"] = {"min": 70, "max": 60, "unit": "A*h"}
    with pytest.raises(RecipeError, match="min 70 > max 60"):
        recipe_from_dict(raw)
