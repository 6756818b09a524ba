"""Calendering models against Meyer et al. (2017) by hand and physical invariants."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigatwin import materials
from gigatwin.steps import calendering


def test_meyer_2017_exponential_by_hand():
    # eps = 0.2 + (0.5 - 0.2) exp(-1e6/5e5) = 0.2 + 0.3 e^-2 = 0.240601
    eps = calendering.porosity_after_calendering(1e6, 0.5, 0.2, 5e5)
    assert eps == pytest.approx(0.2 + 0.3 * math.exp(-2))
    assert eps == pytest.approx(0.240601, rel=1e-5)


def test_meyer_density_form_is_equivalent():
    # Meyer 2017: rho = rho_max - (rho_max - rho_0) exp(-q/gamma) with rho = rho_s (1 - eps)
    rho_s, q, gamma = 4300.0, 7e5, 4e5
    rho_0, rho_max = rho_s * (1 - 0.48), rho_s * (1 - 0.22)
    eps = calendering.porosity_after_calendering(q, 0.48, 0.22, gamma)
    expected = rho_max - (rho_max - rho_0) * math.exp(-q / gamma)
    assert calendering.coating_density(eps, rho_s) == pytest.approx(expected, rel=1e-12)


def test_no_load_keeps_initial_porosity():
    assert calendering.porosity_after_calendering(0.0, 0.5, 0.2, 5e5) == pytest.approx(0.5)


def test_compaction_resistance_grows_with_loading_and_falls_with_temperature():
    # by hand: 2.5e6 * 0.2 * (1 - 3e-3 * 55) = 4.175e5 N/m
    assert calendering.compaction_resistance(0.2, 353.15) == pytest.approx(2.5e6 * 0.2 * (1 - 0.165))
    loads = calendering.compaction_resistance(np.array([0.1, 0.2, 0.3]), 298.15)
    assert np.all(np.diff(loads) > 0)
    assert calendering.compaction_resistance(0.2, 373.15) < calendering.compaction_resistance(0.2, 298.15)


def test_spring_back_by_hand_and_bounds():
    # 3e-8 * 1e6 * (0.2/0.2) * (0.03/0.03) = 0.03
    assert calendering.spring_back(1e6, 0.2, 0.03) == pytest.approx(0.03)
    s = calendering.spring_back(np.array([5e5, 1e6, 2e6]), 0.2, 0.03)
    assert np.all(np.diff(s) > 0)  # Meyer 2018: grows with line load
    assert calendering.spring_back(1e6, 0.3, 0.03) < calendering.spring_back(1e6, 0.2, 0.03)
    assert calendering.spring_back(1e6, 0.2, 0.05) < calendering.spring_back(1e6, 0.2, 0.03)
    assert calendering.spring_back(1e7, 0.02, 0.005) == pytest.approx(0.17)  # DEM bound


def test_roll_force_and_foil_elongation_by_hand():
    assert calendering.roll_force(1e6, 0.5) == pytest.approx(5e5)
    al = materials.foil("Al").calendering_elongation
    assert calendering.foil_length_after_calendering(1000.0, al) == pytest.approx(1010.0)
    cu = materials.foil("Cu").calendering_elongation
    assert calendering.foil_length_after_calendering(1000.0, cu) == pytest.approx(1000.0)


def test_raising_line_load_lowers_porosity_and_thickness():
    result = calendering.calender(np.array([2e5, 6e5, 1.2e6]), 0.2, 4300.0, 0.5, 0.2, 5e5, 0.03, 0.5)
    assert np.all(np.diff(result.porosity) < 0)
    assert np.all(np.diff(result.coating_thickness) < 0)
    assert np.all(result.compressed_thickness <= result.coating_thickness)


@settings(max_examples=60, deadline=None)
@given(st.floats(0, 1e7), st.floats(0.01, 0.9), st.floats(0.01, 0.99), st.floats(1e3, 1e7),
       st.floats(0.01, 1.0), st.floats(1500, 6000))
def test_porosity_stays_a_fraction_and_density_below_solid(q, eps_min, frac, gamma, loading, rho_s):
    eps_0 = eps_min + frac * (0.99 - eps_min)
    result = calendering.calender(q, loading, rho_s, eps_0, eps_min, gamma, 0.03, 0.5)
    assert 0 < result.porosity < 1
    assert eps_min <= result.porosity <= eps_0 + 1e-15
    assert result.coating_density < rho_s
    # mass conservation: thickness x density = loading
    assert result.coating_thickness * result.coating_density == pytest.approx(loading, rel=1e-12)


def test_minimum_porosity_below_reference_temperature_stays_a_fraction():
    # eps_min (1 - alpha (T - T_ref)) = 0.99 (1 + 3e-3 x 15) = 1.035 > 1 must raise
    with pytest.raises(ValueError, match="eps_min at roll_temperature"):
        calendering.minimum_porosity_at_temperature(0.99, 283.15, temperature_coefficient=3e-3)
    # by hand: 0.2 (1 - 1e-3 x 55) = 0.189
    assert calendering.minimum_porosity_at_temperature(0.2, 353.15) == pytest.approx(0.189)


def test_calendering_models_cite_the_papers_the_trends_come_from():
    # Zanotto et al. 2022 s.4.1.4: temperature trends from Meyer, Weyhe et al. 2020 (ref. 131),
    # spring-back trends from Diener et al. 2022 (ref. 133)
    from gigatwin.citations import collect

    with collect() as used:
        calendering.spring_back(1e6, 0.2, 0.03)
        calendering.minimum_porosity_at_temperature(0.2, 353.15)
    assert {"diener2022", "meyer2020"} <= set(used.keys())
    assert calendering.DIENER_2022.doi == "10.1002/ente.202101033"
    assert calendering.MEYER_2020.doi == "10.1002/ente.201900175"


@settings(max_examples=50, deadline=None)
@given(st.floats(0.21, 0.49), st.floats(1e5, 2e6))
def test_line_load_for_porosity_inverts_meyer(target, gamma):
    q = calendering.line_load_for_porosity(target, 0.5, 0.2, gamma)
    assert calendering.porosity_after_calendering(q, 0.5, 0.2, gamma) == pytest.approx(target, rel=1e-9)


def test_line_load_for_porosity_by_hand_and_unreachable_target():
    # gamma_c ln((0.45 - 0.2)/(0.25 - 0.2)) = 500 N/mm x ln 5 = 804.7 N/mm
    assert calendering.line_load_for_porosity(0.25, 0.45, 0.2, 5e5) == pytest.approx(5e5 * math.log(5))
    with pytest.raises(ValueError, match="target_porosity"):
        calendering.line_load_for_porosity(0.19, 0.45, 0.2, 5e5)


def test_cathodes_resist_compaction_more_than_graphite():
    """Meyer et al. 2017: harder, spherical NCM packs closer and needs more line load than
    graphite; the materials data carry one parameter set per active material."""
    nmc, graphite = materials.active_material("NMC622"), materials.active_material("graphite")
    assert nmc.compaction_resistance_per_areal_loading > graphite.compaction_resistance_per_areal_loading
    for name in materials.names("active_material"):
        am = materials.active_material(name)
        assert 0 < am.minimum_porosity < 0.35 and am.compaction_resistance_per_areal_loading > 0
        assert "Meyer" in am.source("minimum_porosity")
