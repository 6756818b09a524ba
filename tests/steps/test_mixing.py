"""Mixing models against hand calculations and published forms."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigatwin.steps import mixing


def test_krieger_dougherty_by_hand():
    # Krieger & Dougherty (1959): eta_r = (1 - 0.3/0.64)^(-2.5*0.64) = 0.53125^-1.6 = exp(1.6*0.63252) = 2.7512
    assert mixing.krieger_dougherty_relative_viscosity(0.3, 0.64, 2.5) == pytest.approx(2.7512, rel=1e-4)


def test_krieger_dougherty_dilute_limit_is_einstein():
    # Einstein (1906): eta_r = 1 + 2.5 phi for phi -> 0
    assert mixing.krieger_dougherty_relative_viscosity(1e-4) == pytest.approx(1 + 2.5e-4, rel=1e-6)


def test_solids_density_by_hand():
    # 92/4/4 NMC622/C65/PVDF: 1/rho = 0.92/4750 + 0.04/1900 + 0.04/1780 -> 4215.7 kg/m3
    rho = mixing.solids_density(0.92, 4750.0, 0.04, 1900.0, 0.04, 1780.0)
    assert rho == pytest.approx(1.0 / (0.92 / 4750 + 0.04 / 1900 + 0.04 / 1780), rel=1e-12)
    assert rho == pytest.approx(4215.7, abs=0.5)


def test_solids_fractions_must_sum_to_one():
    with pytest.raises(ValueError, match="binder_mass_fraction"):
        mixing.solids_density(0.9, 4750.0, 0.04, 1900.0, 0.04, 1780.0)


def test_slurry_density_and_volume_fraction_by_hand():
    # w = 0.65, rho_s = 4300, rho_l = 1028: phi = (0.65/4300)/(0.65/4300 + 0.35/1028) = 0.30746
    # rho = 1/(0.65/4300 + 0.35/1028) = 2033.9 kg/m3
    assert mixing.solids_volume_fraction(0.65, 4300.0, 1028.0) == pytest.approx(0.30746, rel=1e-4)
    assert mixing.slurry_density(0.65, 4300.0, 1028.0) == pytest.approx(2033.9, rel=1e-4)


def test_cross_limits():
    # Cross (1965): eta -> eta_0 at low rate, -> eta_inf at high rate; eta(1/lambda) midway (m any)
    eta = mixing.cross_viscosity(np.array([1e-3, 10.0, 1e5]), 5.0, 0.01, 0.1, 0.8)
    assert eta[0] == pytest.approx(5.0, rel=1e-3)
    assert eta[1] == pytest.approx(0.01 + (5.0 - 0.01) / 2)
    assert eta[2] < 0.05
    assert np.all(np.diff(eta) < 0)


def test_power_law_by_hand():
    # eta = K gamma^(n-1) = 20 * 100^(-0.6) = 1.2619 Pa s
    assert mixing.power_law_viscosity(100.0, 20.0, 0.4) == pytest.approx(20 * 100 ** -0.6)


def test_slurry_viscosity_is_matrix_times_kd():
    eta = mixing.slurry_viscosity(100.0, 0.3, 5.0, 0.01, 0.1, 0.7)
    assert eta == pytest.approx(mixing.cross_viscosity(100.0, 5.0, 0.01, 0.1, 0.7) * 2.7512, rel=1e-4)


def test_specific_mixing_energy_by_hand():
    # 5 kW for 1 h into 100 kg: 5000*3600/100 = 180 kJ/kg
    assert mixing.specific_mixing_energy(5000.0, 3600.0, 100.0) == pytest.approx(180e3)


@given(st.floats(0.05, 0.95), st.floats(1500, 5000), st.floats(800, 1100))
def test_volume_fraction_is_a_fraction_and_density_between_components(w, rho_s, rho_l):
    phi = mixing.solids_volume_fraction(w, rho_s, rho_l)
    rho = mixing.slurry_density(w, rho_s, rho_l)
    assert 0 < phi < 1
    assert min(rho_s, rho_l) <= rho * (1 + 1e-12) and rho <= max(rho_s, rho_l) * (1 + 1e-12)
    # mass balance: solids mass per slurry volume = phi * rho_s = w * rho
    assert phi * rho_s == pytest.approx(w * rho, rel=1e-9)


@given(st.floats(0.0, 0.6), st.floats(0.0, 0.6))
def test_kd_viscosity_grows_with_solids(phi_a, phi_b):
    lo, hi = sorted((phi_a, phi_b))
    assert (mixing.krieger_dougherty_relative_viscosity(lo)
            <= mixing.krieger_dougherty_relative_viscosity(hi))


def test_krieger_dougherty_checks_each_sample_against_its_own_packing_limit():
    # Monte Carlo batches mix packing limits: phi = 0.6 is valid for phi_m = 0.64 even when
    # another sample has phi_m = 0.55 (the check used the batch minimum of phi_m and refused it).
    # By hand: (1 - 0.6/0.64)^(-2.5*0.64) = 0.0625^-1.6 = 84.45; (1 - 0.5/0.55)^(-1.375) = 27.03
    eta = mixing.krieger_dougherty_relative_viscosity(np.array([0.6, 0.5]), np.array([0.64, 0.55]))
    np.testing.assert_allclose(eta, [0.0625 ** -1.6, (1 / 11) ** -1.375], rtol=1e-12)
    assert eta[0] == pytest.approx(84.45, rel=1e-3) and eta[1] == pytest.approx(27.03, rel=1e-3)
    with pytest.raises(ValueError, match=r"solids_volume_fraction \(as phi/phi_m\) = 1"):
        mixing.krieger_dougherty_relative_viscosity(np.array([0.3, 0.55]), np.array([0.64, 0.55]))
