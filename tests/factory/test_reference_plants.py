"""Reference plants against published figures (seed 001 Table 1; Degen et al. 2023)."""

import pytest

from gigatwin.factory import evaluate_plant

# Liu et al. 2021 (iScience 24, 102332) Table 1, cost per year by step (BatPaC, Nelson 2019).
TABLE1_COST_USD_PER_YEAR = {
    "Slurry mixing": 7_396_000, "Coating/drying": 13_984_000, "Solvent recovery": 4_296_000,
    "Calendering": 4_849_000, "Slitting": 2_891_000, "Vacuum drying": 2_990_000,
    "Stacking": 8_086_000, "Welding": 6_864_000, "Enclosing": 11_636_000,
    "Formation/aging": 30_482_750,
}
# Liu et al. 2021 Table 1, energy per cell by step (Yuan et al. 2017 pilot plant) [kWh].
TABLE1_ENERGY_KWH_PER_CELL = {
    "Slurry mixing": 0.11, "Coating": 0.18, "Drying/solvent recovery": 6.22, "Calendering": 0.38,
    "Slitting": 0.71, "Stacking": 0.77, "Welding": 0.25, "Enclosing": 0.69,
    "Formation/aging": 0.07, "Dry room": 3.9,
}
# The percentages printed in Table 1 (the test compares against these published values).
TABLE1_COST_PERCENT = {
    "Slurry mixing": 7.91, "Coating/drying": 14.96, "Solvent recovery": 4.60, "Calendering": 5.19,
    "Slitting": 3.09, "Vacuum drying": 3.20, "Stacking": 8.65, "Welding": 7.34,
    "Enclosing": 12.45, "Formation/aging": 32.61,
}
TABLE1_ENERGY_PERCENT = {
    "Slurry mixing": 0.83, "Coating": 1.36, "Drying/solvent recovery": 46.84, "Calendering": 2.86,
    "Slitting": 5.35, "Stacking": 5.80, "Welding": 1.88, "Enclosing": 5.20,
    "Formation/aging": 0.53, "Dry room": 29.37,
}
TOLERANCE_POINTS = 1.5


def test_table1_percentages_are_the_published_costs():
    total = sum(TABLE1_COST_USD_PER_YEAR.values())
    for name, cost in TABLE1_COST_USD_PER_YEAR.items():
        assert 100 * cost / total == pytest.approx(TABLE1_COST_PERCENT[name], abs=0.01)


# Steps whose share the BatPaC-input model does NOT bring within 1.5 points of Table 1
# (computed - published, points): the gaps are documented in docs/factory.md. They are
# strict xfails: if a change brings them inside, the test fails and this list must go.
TABLE1_KNOWN_GAPS = {
    "Coating/drying": "+2.0: BatPaC 2012 coating capital 8+8 M$ weighs more than in Table 1",
    "Solvent recovery": "-2.0: this cell evaporates 0.21 kg NMP per cell (65 % solids), "
                        "BatPaC's baseline ~0.54 kg, so recovery capital scales down",
    "Calendering": "-1.8: BatPaC 2012 calendering 1+1 M$ and 3 persons/shift are small",
    "Formation/aging": "+2.9: BatPaC 2012 formation capital 30 M$ at the baseline rate",
}


def _share_param(step):
    if step in TABLE1_KNOWN_GAPS:
        return pytest.param(step, marks=pytest.mark.xfail(strict=True,
                                                          reason=TABLE1_KNOWN_GAPS[step]))
    return step


@pytest.mark.parametrize("step", [_share_param(s) for s in TABLE1_COST_PERCENT])
def test_batpac_cost_share_within_1_5_points_of_table1(batpac_plant, step):
    """A prediction, not a fit: capital, direct labour and area of every step come from
    BatPaC's per-process baseline table (BatPaC 2012 baseline, Nelson et al. ANL-12/55, as
    transcribed in BattModels/BatteryCost src/default_constructors.jl) scaled to this plant
    with X0 (R/R0)^p; cost = 0.167 C + $15/h x hours + 0.05 x $3000/m^2 x area (Liu 2021
    footnote, BatPaC's building depreciation). No input is fitted to Table 1. Six of ten
    steps land within 1.5 points; the four in TABLE1_KNOWN_GAPS do not (strict xfail)."""
    result = evaluate_plant(batpac_plant)
    computed = 100 * result.step(step).cost_share
    assert computed == pytest.approx(TABLE1_COST_PERCENT[step], abs=TOLERANCE_POINTS)


def test_batpac_cost_shares_within_3_points_and_same_top_three(batpac_plant):
    """Whole-table check of the unfitted prediction: every share within 3 points of Table 1
    (a band stated after the first computation, max 2.9 points: it guards the result, it is
    not a published bound), and the published ranking of the three largest items
    (formation/aging > coating/drying > enclosing, Liu 2021 Table 1) is reproduced."""
    result = evaluate_plant(batpac_plant)
    computed = {s.name: 100 * s.cost_share for s in result.steps}
    for step, published in TABLE1_COST_PERCENT.items():
        assert computed[step] == pytest.approx(published, abs=3.0), step
    top3 = sorted(computed, key=computed.get, reverse=True)[:3]
    assert top3 == ["Formation/aging", "Coating/drying", "Enclosing"]


def test_batpac_coating_and_formation_about_half_of_cost(batpac_plant):
    """Liu 2021 text: "electrode coating, drying, cell formation and aging contributed to 48 %
    of the entire manufacturing cost". Unfitted model: 52 %; within 5 points."""
    result = evaluate_plant(batpac_plant)
    both = result.step("Coating/drying").cost_share + result.step("Formation/aging").cost_share
    assert 100 * both == pytest.approx(48.0, abs=5.0)


def test_batpac_formation_inputs_by_hand(batpac_plant):
    """BatPaC formation cycling: 30 M$, 57,600 h/yr and 2,200 m^2 at 25,263,158 cells/yr,
    exponents 0.8 / 0.7 / 0.8. Cells entering formation here: 28.8e6 / 0.97 = 29.69e6, ratio
    1.17525, so capital 30 x 1.17525^0.8 = 34.14 M$, labour 57,600 x 1.17525^0.7 = 64,740 h
    (8.99 persons per shift over 7,200 h), area 2,200 x 1.17525^0.8 = 2,504 m^2."""
    step = evaluate_plant(batpac_plant).step("Formation/aging")
    ratio = 28.8e6 / 0.97 / 25_263_158
    assert ratio == pytest.approx(1.17525, rel=1e-4)
    assert step.capital == pytest.approx(30e6 * ratio ** 0.8, rel=1e-9)
    assert step.operators_per_shift * 7200 == pytest.approx(57_600 * ratio ** 0.7, rel=1e-9)
    assert step.area == pytest.approx(2200 * ratio ** 0.8, rel=1e-9)
    assert step.cost_per_year == pytest.approx(
        0.167 * step.capital + 15 * step.operators_per_shift * 7200 + 150 * step.area, rel=1e-9)


def test_batpac_plant_has_no_cost_input_fitted_to_table1(batpac_plant, plant_raw):
    """Guard against a return of the circular fit: no step of the Table 1 plant carries its
    own capital, operators or footprint; all ten are sized by BatPaC processes."""
    for step in plant_raw(batpac_plant)["steps"]:
        assert "batpac" in step, step["name"]
        for key in ("unit_capital_usd", "operators_per_unit", "footprint"):
            assert key not in step, (step["name"], key)


@pytest.mark.xfail(strict=True, reason="Table 1's absolute costs (93.5 M$/yr) are 4.7x the "
                   "BatPaC-2012-input model (19.9 M$/yr); see docs/factory.md")
def test_batpac_annual_cost_matches_table1_total(batpac_plant):
    result = evaluate_plant(batpac_plant)
    assert result.conversion_cost == pytest.approx(sum(TABLE1_COST_USD_PER_YEAR.values()), rel=0.25)


@pytest.mark.parametrize("step", list(TABLE1_ENERGY_PERCENT))
def test_yuan_energy_share_within_1_5_points_of_table1(yuan_plant, step):
    result = evaluate_plant(yuan_plant)
    computed = 100 * result.step(step).energy_share
    assert computed == pytest.approx(TABLE1_ENERGY_PERCENT[step], abs=TOLERANCE_POINTS)


def test_yuan_drying_and_dry_room_are_computed_not_given(yuan_plant):
    """The two big items come from the dryer/recovery and dry-room models, within 5 %."""
    result = evaluate_plant(yuan_plant)
    for step in ("Drying/solvent recovery", "Dry room"):
        assert yuan_plant.step(step).electric_energy_per_cell == 0.0
        kwh = result.step(step).energy_per_cell / 3.6e6
        assert kwh == pytest.approx(TABLE1_ENERGY_KWH_PER_CELL[step], rel=0.05)


def test_industrial_energy_per_kwh_in_degen_2023_range(industrial_plant):
    """Degen et al. 2023 (Nature Energy 8, 1284): 20.3-37.5 kWh per kWh of cells today."""
    result = evaluate_plant(industrial_plant)
    assert 20.0 <= result.energy_per_energy <= 40.0
    shares = {s.name: s.energy_share for s in result.steps}
    drying_and_dry_room = (shares["Coating/drying"] + shares["Solvent recovery"]
                           + shares["Vacuum drying"] + shares["Dry room"])
    assert drying_and_dry_room > 0.5  # "drying and dry room dominate" (Degen 2023)


def test_industrial_plant_is_at_least_8_gwh(industrial_plant):
    assert industrial_plant.annual_energy / 3.6e12 >= 8.0


def test_industrial_plant_has_no_fitted_cost_input(industrial_plant, plant_raw):
    """Capital, labour and area of the 10 GWh plant come from BatPaC processes only (until
    2026-11-22 it carried unit capitals solved from Table 1, e.g. a 22 M$ calender). The
    building-services step has energy only (BatPaC has no such process)."""
    for step in plant_raw(industrial_plant)["steps"]:
        for key in ("unit_capital_usd", "operators_per_unit", "footprint"):
            assert key not in step, (step["name"], key)
        if step["name"] not in ("Building services", "Aging"):  # BatPaC 5.0 counts aging
            assert "batpac" in step, step["name"]                # in its formation process


def test_industrial_formation_inputs_by_hand(industrial_plant):
    """BatPaC 5.0. 10 GWh/yr of 67 Ah x 3.65 V = 244.55 Wh cells = 40.891e6 good cells; into
    formation 40.891e6 / (0.97 x 0.995) = 42.368e6 cells/yr, x (67/68)^0.3 for the cell
    capacity, ratio to BatPaC 5.0's 211e6 cells = 0.19991. Total formation process: capital
    830 M$ x 0.19991^0.95 = 179.8 M$, labour 560,000 h x 0.19991^0.7, area 110,000 m^2 x
    0.19991^0.95."""
    step = evaluate_plant(industrial_plant).step("Formation")
    ratio = 10e9 / (67 * 3.65) / (0.97 * 0.995) * (67 / 68) ** 0.3 / 211e6
    assert ratio == pytest.approx(0.19991, rel=1e-4)
    assert step.capital == pytest.approx(179.8e6, rel=1e-3)
    assert step.capital == pytest.approx(830e6 * ratio ** 0.95, rel=1e-9)
    assert step.labour / 15 == pytest.approx(560_000 * ratio ** 0.7, rel=1e-9)
    assert step.area == pytest.approx(110_000 * ratio ** 0.95, rel=1e-9)


def test_industrial_formation_and_aging_about_a_third_of_equipment_capital(industrial_plant):
    """batterydesign.net/costs (read 2026-11-22): cell-plant equipment capex ~36 M$/GWh, "of
    which 1/3 ... is for formation and aging". BatPaC-sized here: formation cycling + final
    sealing + charge-retention testing = 54.9 of 148 M$ = 37 %. Band +-5 points (ours: "about
    a third" is no more precise than that)."""
    result = evaluate_plant(industrial_plant)
    share = (result.step("Formation").capital + result.step("Aging").capital) / result.capital
    assert 100 * share == pytest.approx(100 / 3, abs=5.0)


def test_table1_plant_caveat_states_its_own_numbers(batpac_plant, plants_dir):
    """The caveat printed with the Table 1 plant quotes the model's own absolute level and
    Table 1's: if the model moves, the caveat must be rewritten (no stale numbers)."""
    from typer.testing import CliRunner

    from gigatwin.cli.app import app
    result = evaluate_plant(batpac_plant)
    (caveat,) = batpac_plant.caveats
    assert f"{result.conversion_cost / 1e6:.1f} M$/yr" in caveat
    assert f"{result.cost_per_energy * 3.6e6:.2f} USD/kWh" in caveat
    assert f"{sum(TABLE1_COST_USD_PER_YEAR.values()) / 1e6:.1f} M$/yr" in caveat
    assert "does not reproduce seed 001 Table 1" in caveat and "BatPaC 4.0" in caveat
    out = CliRunner().invoke(app, ["plant", str(plants_dir / "batpac_nmc622_100k_packs.yaml")])
    assert out.exit_code == 0, out.output
    assert "Caveat:" in out.output.split("cost by step")[0]  # printed before the tables
