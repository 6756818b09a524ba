"""The pure models against hand calculations and published values."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigatwin.checks import RangeError
from gigatwin.factory import cost, energy, throughput


def test_labour_cost_by_hand():
    # 1 operator per shift, 3 shifts x 8 h x 300 days at $15/h = $108,000 per year
    assert cost.labour_cost(1, 3, 8, 300, 15) == 108_000


def test_floor_space_and_depreciation_by_hand():
    # 1,000 m2 x $3,000/m2 x 5 %/yr = $150,000/yr; 16.7 % of $10 M = $1.67 M/yr (BatPaC)
    assert cost.floor_space_cost(1000.0) == pytest.approx(150_000)
    assert cost.depreciation(10e6) == pytest.approx(1.67e6)


def test_scaled_quantity_below_one_unit_buys_one_unit():
    assert cost.scaled_quantity(5e6, 0.2, 0.7) == 5e6
    assert cost.scaled_quantity(5e6, 4.0, 0.5) == pytest.approx(10e6)


def test_humidity_ratio_at_minus_40_dew_point():
    # Magnus over ice at -40 C (Alduchov & Eskridge 1996, the twin's post_drying): 12.84
    # Pa (WMO tables 12.84 Pa); x = (18.015/28.9647) e / (p - e) = 0.62196 x 12.84 /
    # (101325 - 12.84) = 7.88e-5 kg/kg
    assert energy.humidity_ratio(233.15) == pytest.approx(7.88e-5, rel=0.01)


def test_dryer_power_by_hand():
    # 1 m3/s at the 20 C intake: rho = 101325 x 0.0289647 / (8.314462618 x 293.15) =
    # 1.20410 kg/m3 (ideal gas, steps.drying.air_properties); 100 K above ambient, no
    # recovery: 1.20410 x 1007 x 100 = 121,252.6 W; plus 1 g/s of solvent x 530 kJ/kg =
    # 530 W; fan 1 m3/s x 2000 Pa / 0.6 = 3.33 kW
    heat, fan = energy.dryer_power(1.0, 393.15, 293.15, 1e-3, 5.3e5)
    assert heat == pytest.approx(121_252.59 + 530, rel=1e-6)
    assert fan == pytest.approx(3333.3, rel=1e-4)


def test_nmp_recovery_is_zero_without_solvent_and_vectorised():
    e, t = energy.nmp_recovery_power(np.array([0.0, 0.1]), 0.01, 393.15, 283.15)
    assert e[0] == 0.0 and t[0] == 0.0
    # 0.1 kg/s at 10 g/m3 -> 10 m3/s of exhaust at 120 C, rho = 0.897828 kg/m3, so
    # 8.97828 kg/s of air; condenser (steps.drying.drying_energy): 8.97828 x 1007 x 110
    # + 0.75 x 0.1 x 528 kJ/kg (NMP, materials data) = 1,034,124 W; /COP 3 plus the fan
    # 10 m3/s x 3000 Pa / 0.6 = 50 kW
    assert e[1] == pytest.approx(1_034_124.16 / 3.0 + 50_000, rel=1e-6)
    assert t[1] == pytest.approx(0.75 * 0.1 * 1e6)


def test_dry_room_scalar_and_array_agree():
    args = (650.0, 20 / 3600, 0.1, 233.15, 283.15, 293.15, 293.15)
    e, r = energy.dry_room_power(*args)
    ea, ra = energy.dry_room_power(np.array([650.0, 1300.0]), *args[1:])
    assert ea[0] == pytest.approx(e) and ea[1] == pytest.approx(2 * e)
    assert ra[1] == pytest.approx(2 * r)


def test_web_lot_by_hand():
    # 2,000 m coil x 1.3 m / 1.962 m2 per cell = 1325 cells in 2000 / (50/60) = 2400 s
    cells, seconds = throughput.web_lot(50 / 60, 1.3, 2000.0, 1.962)
    assert cells == pytest.approx(1325.2, rel=1e-4)
    assert seconds == pytest.approx(2400.0)


def test_bad_input_names_field_and_unit():
    with pytest.raises(RangeError, match=r"speed = -1 \[m/s\]"):
        throughput.web_lot(-1.0, 1.0, 1.0, 1.0)


@given(st.lists(st.floats(min_value=0.01, max_value=1.0), min_size=1, max_size=12))
def test_cumulative_yield_is_monotone_and_bounded(yields):
    cum = throughput.cumulative_yield(yields)
    assert np.all(cum <= 1.0) and np.all(cum > 0)
    assert np.all(np.diff(cum) >= -1e-15)  # later steps keep at least as much
    assert cum[0] == pytest.approx(np.prod(yields))


@given(st.floats(min_value=0.0, max_value=1e3), st.floats(min_value=0.1, max_value=100),
       st.floats(min_value=0.5, max_value=1.0))
def test_machines_cover_the_rate(rate, unit_rate, availability):
    m = throughput.machine_equivalents(rate, unit_rate, availability)
    n = throughput.installed_units(m)
    assert throughput.step_capacity(n, unit_rate, availability) >= rate * (1 - 1e-9)


def test_batpac_rate_law_by_hand():
    """X = X0 (R/R0)^p: 8 M$ coating at twice the baseline area with p = 0.8 -> 8 x 2^0.8."""
    from gigatwin.factory.batpac import rate_law
    assert rate_law(8e6, 2.0, 1.0, 0.8) == pytest.approx(8e6 * 2 ** 0.8, rel=1e-12)
    assert rate_law(8e6, [1.0, 4.0], 1.0, 0.5).tolist() == pytest.approx([8e6, 16e6])


def test_batpac_baseline_table_matches_references_capitals():
    """The data file's capitals are BatPaC's 2012 baseline (Nelson et al. 2012, ANL-12/55)."""
    from gigatwin.factory.batpac import load_baseline
    p = load_baseline("2012").processes
    expected = {"cathode_material_preparation": 2, "anode_material_preparation": 2,
                "cathode_coating": 8, "anode_coating": 8, "nmp_recovery": 3,
                "cathode_calendering": 1, "anode_calendering": 1, "electrode_slitting": 2,
                "vacuum_drying": 1.6, "cell_stacking": 4, "current_collector_welding": 4,
                "cell_insertion_into_container": 3, "electrolyte_filling_and_sealing": 5,
                "dry_room_control": 20, "formation_cycling": 30, "final_cell_sealing": 2,
                "charge_retention_testing": 4.75, "receiving": 3.6, "shipping": 5}
    for name, musd in expected.items():
        assert p[name].capital == pytest.approx(musd * 1e6), name


def test_batpac_unknown_process_is_named(batpac_plant):
    from gigatwin.factory import PlantError, evaluate_plant
    from gigatwin.factory.plant import StepBatpac
    batpac_plant.steps[0].batpac = StepBatpac(processes=("mixing_magic",))
    with pytest.raises(PlantError, match="mixing_magic"):
        evaluate_plant(batpac_plant)


def test_batpac_dry_room_area_at_baseline_rates_by_hand():
    """BatPaC port's dry-room rule: areas of stacking 600 + welding 600 + insertion 600 +
    filling and sealing 900 + a third of materials handling 900 = 3,000 m^2 at BatPaC's own
    baseline rates (the port's baseline dry-room area is 6,100 m^2), so dry-room control
    capital there is 20 M$ x (3000/6100)^0.6 = 13.06 M$ and labour 14,400 h x (3000/6100)^0.4."""
    from gigatwin.factory.batpac import dry_room_area, load_baseline, step_inputs
    from gigatwin.factory.plant import StepBatpac
    base = load_baseline("2012")
    area = dry_room_area(base.rates, base)
    assert area == pytest.approx(3000.0, rel=1e-12)
    capital, hours, floor = step_inputs(StepBatpac(processes=("dry_room_control",)), None,
                                        {**base.rates, "dry_room_area": area}, "test", base)
    assert capital == pytest.approx(20e6 * (3000 / 6100) ** 0.6, rel=1e-12)
    assert capital == pytest.approx(13.06e6, rel=1e-3)
    assert hours == pytest.approx(14_400 * (3000 / 6100) ** 0.4, rel=1e-12)
    assert floor == pytest.approx(100 * (3000 / 6100) ** 0.4, rel=1e-12)
