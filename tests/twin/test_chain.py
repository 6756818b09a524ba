"""The process chain on the example recipes: published ranges, trends, invariants."""

import copy

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gigatwin.twin import load_recipe, recipe_from_dict, simulate
from gigatwin.twin.recipe import example_recipes
from gigatwin.twin.sensitivity import evaluate

POUCH = next(p for p in example_recipes() if "pouch" in p.name)


@pytest.fixture(scope="module")
def pouch():
    return load_recipe(POUCH)


@pytest.fixture(scope="module")
def pouch_result(pouch):
    return simulate(pouch, samples=20_000, seed=3)


def test_nmc622_pouch_in_published_ranges(pouch_result):
    """EV pouch cells of this class: 60-70 Ah (BatPaC 67 Ah NMC622/graphite cell, Liu et al.
    2021 Table 1, doi:10.1016/j.isci.2021.102332); cell level ~240-280 Wh/kg and ~500-700 Wh/L
    (Loebberding et al. 2020, World Electr. Veh. J. 11, 77, doi:10.3390/wevj11040077, pouch
    cells of 2019 BEVs); N/P 1.05-1.2 (typical N/P of Li-ion cells 1.1-1.2)."""
    cell = {k: pouch_result.summary("cell", k)["mean"] for k in
            ("cell_capacity", "gravimetric_energy_density", "volumetric_energy_density", "np_ratio")}
    assert 60 <= cell["cell_capacity"] <= 70  # Ah
    assert 240 <= cell["gravimetric_energy_density"] <= 280  # Wh/kg
    assert 500 <= cell["volumetric_energy_density"] <= 700  # Wh/L
    assert 1.05 <= cell["np_ratio"] <= 1.2


def test_json_document_shape(pouch_result):
    doc = pouch_result.to_dict()
    assert {"samples", "steps", "cell", "yield", "citations"} <= set(doc)
    for name in ("cell_capacity", "cell_energy", "gravimetric_energy_density",
                 "volumetric_energy_density", "np_ratio"):
        assert {"mean", "std", "p05", "p95", "unit"} <= set(doc["cell"][name])
    for step in ("coating", "calendering", "assembly", "electrolyte_filling", "formation",
                 "aging_eol"):
        for q in doc["steps"][step].values():
            assert {"mean", "std", "p05", "p95", "unit"} <= set(q)
    assert 0 < doc["yield"]["overall"] <= 1
    keys = {c["key"] for c in doc["citations"]}
    assert {"washburn1921", "meyer2017", "holm1967", "an2017"} <= keys


def test_seed_reproducible_and_dataframe(pouch):
    a = simulate(pouch, 500, seed=11)
    b = simulate(pouch, 500, seed=11)
    np.testing.assert_array_equal(a.outputs["cell"]["cell_capacity"],
                                  b.outputs["cell"]["cell_capacity"])
    frame = a.to_dataframe()
    assert len(frame) == 500 and "cell.cell_capacity [A*h]" in frame.columns


def test_machine_tolerances_spread_outputs(pouch_result):
    # loading varies with pump (0.4 %), speed (0.17 %) and solid content: capacity spread > 0
    assert pouch_result.summary("cell", "cell_capacity")["std"] > 0.1  # Ah
    nominal = pouch_result.nominal["cell"]["cell_capacity"] / 3600
    assert nominal == pytest.approx(pouch_result.summary("cell", "cell_capacity")["mean"], rel=0.01)


def test_higher_line_load_trends(pouch):
    """Harder calendering: lower porosity, thinner coating, less electrolyte, slower wetting
    (Zanotto et al. 2022 s.4.1.7: wetting slower after harder calendering)."""
    loads = np.array([600e3, 850e3, 1100e3, 1400e3])  # N/m
    out = {}
    for name, key in (("porosity", ("calendering", "cathode.calendered_porosity")),
                      ("thickness", ("calendering", "cathode.calendered_thickness")),
                      ("electrolyte", ("electrolyte_filling", "electrolyte_volume")),
                      ("wetting", ("electrolyte_filling", "cathode.wetting_time"))):
        from gigatwin.twin.chain import run
        from gigatwin.twin.sampling import SettingDraws

        draws = SettingDraws(pouch, np.random.default_rng(0), loads.size, nominal=True,
                             given={"cathode.calender_line_load": loads})
        out[name] = run(pouch, draws)[key[0]][key[1]]
    assert np.all(np.diff(out["porosity"]) < 0)
    assert np.all(np.diff(out["thickness"]) < 0)
    assert np.all(np.diff(out["electrolyte"]) < 0)
    assert np.all(np.diff(out["wetting"]) > 0)


@settings(max_examples=10, deadline=None)
@given(st.floats(0.5, 2.0))
def test_capacity_linear_in_electrode_area(scale):
    raw = yaml.safe_load(POUCH.read_text())
    base = recipe_from_dict(copy.deepcopy(raw))
    raw["cell"]["cathode_sheet_width"] = f"{95 * scale} mm"
    raw["cell"]["pouch_width"] = f"{110 * scale} mm"
    scaled = recipe_from_dict(raw)
    q0 = evaluate(base, "capacity", {}, 1)[0]
    q1 = evaluate(scaled, "capacity", {}, 1)[0]
    # facing area = 2 n W H sets the electrode capacities; the SEI also forms on the anode
    # overhang (rows that do not scale with W), so the lithium loss and the capacity are
    # proportional only to within the overhang's share of the anode (~1 %) of the loss
    assert q1 / q0 == pytest.approx(scale, rel=2e-4)


@pytest.mark.parametrize("path", example_recipes(), ids=lambda p: p.stem)
def test_invariants_on_every_example(path):
    result = simulate(load_recipe(path), samples=3000, seed=5)
    o = result.outputs
    for electrode in ("cathode", "anode"):
        for step, name in (("drying", "dried_porosity"), ("calendering", "calendered_porosity")):
            eps = o[step][f"{electrode}.{name}"]
            assert np.all((eps > 0) & (eps < 1))
        # mass conserved from slurry to dried coating: loading = wet film x slurry density x
        # solid content = dried thickness x solids density x (1 - porosity)
        loading = o["coating"][f"{electrode}.coating_areal_loading"]
        np.testing.assert_allclose(
            loading, o["coating"][f"{electrode}.wet_film_thickness"]
            * o["mixing"][f"{electrode}.slurry_density"]
            * o["mixing"][f"{electrode}.slurry_solid_content"],
            rtol=1e-12)
        np.testing.assert_allclose(
            loading, o["drying"][f"{electrode}.dry_coating_thickness"]
            * o["mixing"][f"{electrode}.solids_density"]
            * (1 - o["drying"][f"{electrode}.dried_porosity"]), rtol=1e-12)
        # calendered density never above the solid density
        assert np.all(o["calendering"][f"{electrode}.calendered_coating_density"]
                      < o["mixing"][f"{electrode}.solids_density"])
    assert np.all(o["electrolyte_filling"]["wetting_time"] > 0)
    assert np.all(o["formation"]["formation_duration"] > 0)
    assert np.all(o["cell"]["cell_energy"] > 0)
    assert 0 <= result.overall_yield <= 1


def test_silicon_content_of_the_anode_raises_the_first_cycle_loss():
    """The recipe's silicon fraction replaces the material's (8 wt% SiOx): 12 wt% binds
    more lithium in formation and leaves less capacity."""
    import yaml as _yaml

    from gigatwin.twin.recipe import recipe_from_dict
    from gigatwin.twin.sensitivity import evaluate

    path = POUCH.parent / "nmc811_sigraphite_21700.yaml"
    raw = _yaml.safe_load(path.read_text())
    base = evaluate(recipe_from_dict(copy.deepcopy(raw)), "capacity", {}, 1)[0]
    raw["anode"]["active_material_silicon_mass_fraction"] = 0.12
    more = evaluate(recipe_from_dict(raw), "capacity", {}, 1)[0]
    assert more < base


def test_wetting_limits_can_trip():
    """Gas left at a poor vacuum stops the electrode wetting short (degree below 90 %), and
    the hours a large pouch needs trip a 6 h wetting-time limit."""
    import yaml as _yaml

    from gigatwin.twin.chain import simulate
    from gigatwin.twin.recipe import recipe_from_dict

    raw = _yaml.safe_load(POUCH.read_text())
    raw["spec_limits"]["wetting_degree"] = {"min": 90, "unit": "%"}
    good = simulate(recipe_from_dict(copy.deepcopy(raw)), 200, seed=0)
    assert good.step_yield["electrolyte_filling"] == 1.0
    raw["electrolyte_filling"]["filling_chamber_pressure"] = "60 kPa +- 1 kPa"
    poor_vacuum = simulate(recipe_from_dict(copy.deepcopy(raw)), 200, seed=0)
    assert poor_vacuum.nominal["electrolyte_filling"]["wetting_degree"] < 0.9
    assert poor_vacuum.step_yield["electrolyte_filling"] == 0.0
    raw["electrolyte_filling"]["filling_chamber_pressure"] = "10 kPa +- 1 kPa"
    raw["spec_limits"]["wetting_time"] = {"max": 6, "unit": "h"}
    slow = simulate(recipe_from_dict(raw), 200, seed=0)
    assert slow.nominal["electrolyte_filling"]["wetting_time"] > 6 * 3600
    assert slow.step_yield["electrolyte_filling"] == 0.0


def test_electrode_ocv_override_moves_the_cell_voltage():
    """An anode table 50 mV above the material's curve lowers the mean open-circuit
    voltage of the cell by about 50 mV (the windows shift a little too)."""
    import yaml as _yaml

    from gigatwin import materials
    from gigatwin.twin.chain import simulate
    from gigatwin.twin.recipe import recipe_from_dict

    raw = _yaml.safe_load(POUCH.read_text())
    base = simulate(recipe_from_dict(copy.deepcopy(raw)), 5, seed=0).nominal["formation"]
    curve = materials.half_cell_ocv("graphite_Mohtat2020")
    raw["anode"]["electrode_ocv_curve"] = {
        "stoichiometry": list(curve.stoichiometry),
        "voltage": [v + 0.05 for v in curve.voltage], "source": "shifted for the test"}
    shifted = simulate(recipe_from_dict(raw), 5, seed=0).nominal["formation"]
    drop = (base["cell_open_circuit_mean_voltage"]
            - shifted["cell_open_circuit_mean_voltage"])
    assert 0.03 < drop < 0.07
