"""Unit and property tests of gigatwin.steps.filling."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigatwin.steps import filling


def test_pore_volume_and_volume_factor():
    # 1 m^2 x 60 um x 0.3 = 18 cm^3; x 1.4 (Guenter via Zanotto 2022 s.4.1.7) = 25.2 cm^3
    vp = filling.pore_volume(1.0, 60e-6, 0.3)
    assert vp == pytest.approx(18e-6)
    assert filling.electrolyte_volume(vp, 1.4) == pytest.approx(25.2e-6)


def test_washburn_no_pressure_matches_classic_form():
    # Washburn 1921: L^2 = r sigma cos(theta) t / (2 mu) -> t = 2 mu L^2 / (r sigma cos theta)
    mu, length, r, sigma, theta = 3.5e-3, 0.05, 1e-6, 0.035, 0.3
    expected = 2 * mu * length**2 / (r * sigma * math.cos(theta))
    assert filling.washburn_wetting_time(length, r, 1.0, sigma, theta, mu) == pytest.approx(expected)


def test_washburn_tortuosity_squares_time():
    base = filling.washburn_wetting_time(0.05, 1e-6, 1.0, 0.035, 0.3, 3.5e-3)
    assert filling.washburn_wetting_time(0.05, 1e-6, 2.0, 0.035, 0.3, 3.5e-3) == pytest.approx(
        4 * base)


def test_pressure_speeds_wetting():
    slow = filling.washburn_wetting_time(0.05, 1e-6, 1.8, 0.035, 0.3, 3.5e-3, 0.0)
    fast = filling.washburn_wetting_time(0.05, 1e-6, 1.8, 0.035, 0.3, 3.5e-3, 9e4)
    # drive 2 sigma cos(theta) = 0.0669 N/m vs + r dP = 0.09 N/m: ratio (0.0669+0.09)/0.0669
    ratio = (2 * 0.035 * math.cos(0.3) + 1e-6 * 9e4) / (2 * 0.035 * math.cos(0.3))
    assert slow / fast == pytest.approx(ratio)


def test_carman_radius_and_bruggeman():
    # eps = 0.25, d = 9 um: r = 0.25 * 9 / (3 * 0.75) = 1 um; tau = 0.25^-0.5 = 2
    assert filling.carman_capillary_radius(0.25, 9e-6) == pytest.approx(1e-6)
    assert filling.bruggeman_tortuosity(0.25) == pytest.approx(2.0)


def test_viscosity_arrhenius_hand_computed():
    # E_a = 15 kJ/mol, 25 -> 45 C: factor exp(15000/8.314 (1/318.15 - 1/298.15)) = 0.6834
    mu = filling.electrolyte_viscosity(318.15, 3.5e-3, 15e3)
    assert mu / 3.5e-3 == pytest.approx(math.exp(15000 / 8.314462618 * (1 / 318.15 - 1 / 298.15)))
    assert mu / 3.5e-3 == pytest.approx(0.6834, abs=1e-3)


@given(st.floats(0.1, 0.6), st.floats(1e-6, 20e-6), st.floats(270, 350), st.floats(0, 1e5))
def test_wetting_time_positive_and_slower_when_denser(eps, d, temperature, dp):
    mu = filling.electrolyte_viscosity(temperature, 3.5e-3, 15e3)
    times = [filling.washburn_wetting_time(0.05, filling.carman_capillary_radius(e, d),
                                           filling.bruggeman_tortuosity(e), 0.035, 0.3, mu, dp)
             for e in (eps, eps * 0.8)]
    assert times[0] > 0
    assert times[1] > times[0]


def test_vacuum_pressure_rejects_chamber_above_ambient():
    with pytest.raises(ValueError, match="chamber_pressure"):
        filling.vacuum_driving_pressure(1e5, 2e5)
    assert filling.vacuum_driving_pressure(np.array([1e5]), 1e4)[0] == pytest.approx(9e4)


def test_wetting_without_gas_is_washburn_to_the_target_degree():
    """p_0 = 0: t(s L) = s^2 t_Washburn(L) with dP = p_l."""
    from gigatwin.steps.filling import washburn_wetting_time, wetting_time_with_gas

    args = dict(capillary_radius=1e-6, tortuosity=1.6, surface_tension=0.033,
                contact_angle=0.5, viscosity=3.3e-3)
    full = washburn_wetting_time(0.05, driving_pressure=101325.0, **args)
    gas_free = wetting_time_with_gas(0.05, liquid_pressure=101325.0, gas_pressure=0.0,
                                     wetting_degree=0.9, **args)
    assert gas_free == pytest.approx(0.81 * full, rel=1e-9)


def test_trapped_gas_slows_wetting_and_caps_the_degree():
    from gigatwin.steps.filling import equilibrium_wetting_degree, wetting_time_with_gas

    args = dict(wetting_distance=0.05, capillary_radius=3.2e-8, tortuosity=1.58,
                surface_tension=0.033, contact_angle=np.pi / 4, viscosity=3.3e-3,
                liquid_pressure=101325.0)
    times = [wetting_time_with_gas(gas_pressure=p, **args) for p in (0.0, 1e4, 3e4)]
    assert times[0] < times[1] < times[2]
    # s_eq = 1 - p_0 / (p_l + p_c): 1 - 2e4 / (1e5 + 1e5) = 0.9
    assert equilibrium_wetting_degree(1e5, 1e5, 2e4) == pytest.approx(0.9)
    # a separator-like pore (0.064 um, 45 deg) 5 cm long takes hours, not minutes
    assert 3600 < times[1] < 48 * 3600


def test_wetting_time_of_a_batch_is_each_sample_alone_bit_for_bit():
    # the in-place antiderivative works per element: a sample's time does not depend on
    # the batch (and scalars take the same path)
    rng = np.random.default_rng(3)
    r = 5e-8 * (1 + 0.1 * rng.standard_normal(50))
    gas = 1e4 * (1 + 0.1 * rng.standard_normal(50))
    batch = filling.wetting_time_with_gas(0.05, r, 1.5, 0.033, 0.7, 3.3e-3, 101325.0, gas)
    for i in (0, 21, 49):
        alone = filling.wetting_time_with_gas(0.05, r[i], 1.5, 0.033, 0.7, 3.3e-3, 101325.0,
                                              gas[i])
        assert float(alone) == batch[i]
