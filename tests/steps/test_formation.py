"""Unit and property tests of gigatwin.steps.formation."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigatwin.steps import formation
from gigatwin.units import to_si


def test_cc_step_c20_full_charge_is_20_hours():
    # An et al. 2017 baseline: C/20 steps; a full SOC sweep at C/20 takes 20 h
    assert formation.cc_step_duration(1.0, to_si(0.05, "C_rate")) == pytest.approx(20 * 3600)


def test_cv_step_hand_computed():
    # tau ln(I0/Icut) = 1800 s ln(0.3/0.05) = 3225.2 s
    assert formation.cv_step_duration(0.3, 0.05, 1800.0) == pytest.approx(1800 * math.log(6))


def test_soc_at_voltage_interpolates():
    assert formation.soc_at_voltage(3.95, [0, 0.5, 1], [3.0, 3.7, 4.2]) == pytest.approx(0.75)
    with pytest.raises(ValueError, match="ocv_voltage"):
        formation.soc_at_voltage(3.9, [0, 1], [4.2, 3.0])


def test_gas_volume_hand_computed():
    # 5 Ah of SEI charge, 5 % via EC -> C2H4 (2 e- per molecule):
    # n = 0.05 * 18000 / (2 F) = 4.664 mmol; V = n R T / p = 114.1 mL at 25 C, 1 atm
    v = formation.formation_gas_volume(18000.0, 0.05, 298.15, 101325.0)
    assert v == pytest.approx(0.05 * 18000 / (2 * 96485.33212) * 8.314462618 * 298.15 / 101325)
    assert v == pytest.approx(114.1e-6, rel=1e-3)


def test_sei_loss_parabolic_in_time():
    s, q0, k = 300.0, 40.0, 0.02
    loss_0 = formation.sei_lithium_loss(s, q0, k, 0.0)
    loss_t = formation.sei_lithium_loss(s, q0, k, 4e6)
    assert loss_0 == pytest.approx(s * q0)
    assert loss_t - loss_0 == pytest.approx(s * k * 2000.0)


def test_dcir_hand_computed():
    # kappa = 1 S/m, eps^1.5: separator 12e-6/(0.4^1.5) = 4.743e-5; cathode 70e-6/(3*0.25^1.5)
    # = 1.8667e-4; anode 85e-6/(3*0.3^1.5) = 1.7243e-4; + ASR_ct 1.5e-3 ohm m^2 -> / 2 m^2 + 0.1 mOhm
    ionic = 12e-6 / 0.4**1.5 + 70e-6 / (3 * 0.25**1.5) + 85e-6 / (3 * 0.3**1.5)
    r = formation.dc_internal_resistance(2.0, 70e-6, 0.25, 85e-6, 0.3, 12e-6, 0.4, 1.0, 1.5e-3,
                                         1e-4)
    assert r == pytest.approx((ionic + 1.5e-3) / 2 + 1e-4)


def test_k_value_hand_computed():
    # 1e-4 A/m^2 * 2 m^2 = 0.2 mA; dQ/dV = 5e5 C/V -> 4e-10 V/s = 34.6 uV/day; a 1 kOhm short
    # adds 3.7 mA
    assert formation.self_discharge_k_value(1e-4, 2.0, 5e5) == pytest.approx(4e-10)
    assert formation.self_discharge_k_value(1e-4, 2.0, 5e5, 1e3, 3.7) == pytest.approx(
        (2e-4 + 3.7e-3) / 5e5)


@given(st.floats(0.01, 1.0), st.floats(0.02, 2.0), st.floats(0.0, 3e4), st.floats(0.0, 1e6))
def test_formation_times_positive(delta_soc, c_rate, cv_tau, rest):
    t = formation.cc_step_duration(delta_soc, to_si(c_rate, "C_rate"))
    assert t > 0 and np.isfinite(t)
    assert t + cv_tau + rest > 0


def test_sei_loss_grows_in_proportion_to_the_anode_surface():
    """Joho et al. 2001: first-cycle loss linear in BET area; a 12 times larger surface
    binds 12 times as much lithium (the old per-BET normalisation gave +21 %)."""
    from gigatwin.steps.formation import sei_lithium_loss

    small = sei_lithium_loss(100.0, 74.1, 0.0, 0.0)
    assert sei_lithium_loss(1200.0, 74.1, 0.0, 0.0) == pytest.approx(12 * small, rel=1e-12)


def test_silicon_first_cycle_loss_by_hand():
    """1 g SiOx at 1600 mAh/g and FCE 0.72: 5760 C x (1/0.72 - 1) = 2240 C."""
    from gigatwin.steps.formation import silicon_first_cycle_loss

    assert silicon_first_cycle_loss(1e-3, 5.76e6, 0.72) == pytest.approx(2240.0, rel=1e-12)


def test_graphite_and_silicon_blend_first_cycle_loss_in_published_ranges():
    """Material data: graphite at 1.5 m2/g loses 5-10 % on its first cycle; the SiOx blend
    (surface term on its graphite part, SiOx by its own FCE) 10-20 % (Si-graphite FCE
    0.80-0.90), and its loss matches the blend's tabulated first-cycle efficiency."""
    from gigatwin import materials
    from gigatwin.twin.cell_steps import anode_first_cycle_loss

    def loss_fraction(name):
        m = materials.active_material(name)
        loss = anode_first_cycle_loss(m, 1.0, m.specific_surface_area,
                                      m.silicon_mass_fraction or 0.0)
        return loss / (m.specific_capacity + loss)

    assert 0.05 <= loss_fraction("graphite") <= 0.10
    blend = loss_fraction("silicon_graphite")
    assert 0.10 <= blend <= 0.20
    fce = materials.active_material("silicon_graphite").first_cycle_efficiency
    assert 1 - blend == pytest.approx(fce, abs=0.01)


def test_blend_surface_term_counts_the_graphite_part_only():
    """1 g of a 10 wt% blend at 1.5 m2/g and 74.1 C/m2, SiOx 1600 mAh/g at FCE 0.72:
    0.9 x 1.5 x 74.1 = 100.035 C plus 0.1 x 5760 x (1/0.72 - 1) = 224 C (by hand)."""
    from types import SimpleNamespace

    from gigatwin.twin.cell_steps import anode_first_cycle_loss

    aam = SimpleNamespace(sei_charge_per_area=74.1, silicon_specific_capacity=5.76e6,
                          silicon_first_cycle_efficiency=0.72)
    loss = anode_first_cycle_loss(aam, 1e-3, 1500.0, 0.10)
    assert loss == pytest.approx(0.9 * 1.5 * 74.1 + 576.0 * (1 / 0.72 - 1), rel=1e-12)


def test_formation_energy_by_hand():
    """1 C in at 3.7 V through a 0.9 cycler, 0.8 C out at 3.6 V with 50 % recovery:
    3.7 / 0.9 - 0.5 x 0.8 x 3.6 = 2.6711 J."""
    from gigatwin.steps.formation import formation_electric_energy

    assert formation_electric_energy(1.0, 3.7, 0.8, 3.6, 0.9, 0.5) == pytest.approx(
        3.7 / 0.9 - 1.44, rel=1e-12)
