"""Drying models against hand calculations, textbook correlations and balances."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from gigatwin import materials
from gigatwin.steps import coating, drying, mixing

# Incropera et al. (2007) Table A.4, air at 300 K
RHO_300, MU_300, K_300, PR_300 = 1.1614, 184.6e-7, 26.3e-3, 0.707


def test_flat_plate_heat_transfer_matches_incropera_by_hand():
    # Incropera eq. 7.30: Nu = 0.664 Re^0.5 Pr^(1/3); U = 5 m/s, L = 0.3 m, air at 300 K
    re = RHO_300 * 5.0 * 0.3 / MU_300
    h = 0.664 * math.sqrt(re) * PR_300 ** (1 / 3) * K_300 / 0.3
    assert h == pytest.approx(15.9, abs=0.1)
    assert drying.heat_transfer_coefficient_flat_plate(5.0, 300.0, 0.3) == pytest.approx(h, rel=0.03)


def test_slot_nozzle_array_matches_martin_by_hand():
    # Martin (1977): B = 2 mm, pitch 50 mm, H = 20 mm, U = 20 m/s, air at 300 K
    re = RHO_300 * 20.0 * 4e-3 / MU_300
    f, f0 = 2e-3 / 0.05, (60 + 4 * (20 / 4 - 2) ** 2) ** -0.5
    nu = (2 / 3) * f0 ** 0.75 * (2 * re / (f / f0 + f0 / f)) ** (2 / 3) * PR_300 ** 0.42
    expected = nu * K_300 / 4e-3
    assert drying.heat_transfer_coefficient_slot_nozzles(20.0, 300.0) == pytest.approx(expected, rel=0.03)


def test_water_wet_bulb_is_close_to_adiabatic_saturation():
    # Hand calculation (psychrometric ratio 1): c_p,air (T - T_as) = x_sat(T_as) dh_v,
    # x_sat = (M_w/M_a) p_sat / (p - p_sat). Chilton-Colburn with Le(water-air) ~ 0.87 gives
    # a slightly lower wet-bulb; accept 2.5 K.
    water = materials.solvent("water")
    t_air = 313.15
    ts = np.linspace(275.0, 313.0, 40001)
    p = water.vapour_pressure(ts)
    x_sat = 0.018015 / 0.0289647 * p / (101325.0 - p)
    residual = 1007.0 * (t_air - ts) - x_sat * water.enthalpy_of_vaporisation
    t_as = ts[np.argmin(np.abs(residual))]
    result = drying.constant_rate_drying(t_air, 30.0, solvent="water")
    assert result.film_temperature == pytest.approx(t_as, abs=2.5)


def test_heat_balance_closes_and_film_is_colder_than_air():
    h = np.array([20.0, 50.0, 150.0])
    result = drying.constant_rate_drying(393.15, h, solvent="NMP")
    latent = materials.solvent("NMP").enthalpy_of_vaporisation
    heat_in = h * (393.15 - result.film_temperature)
    np.testing.assert_allclose(heat_in, result.evaporation_flux * latent, rtol=1e-8)
    assert np.all(result.film_temperature < 393.15)
    assert np.all(np.diff(result.evaporation_flux) > 0)


def test_wet_bulb_below_the_antoine_range_raises_instead_of_clamping():
    # NMP's Antoine set (Landolt-Boernstein IV/20C) starts at 336 K. Air at 67 C gives a
    # wet-bulb just below it: the bisection used to return 336.0 K silently.
    with pytest.raises(ValueError, match="air_temperature = 340.15"):
        drying.constant_rate_drying(340.15, 50.0, solvent="NMP")
    with pytest.raises(ValueError, match=r"air_temperature = 303.15 \[K\].*Antoine range of NMP"):
        drying.constant_rate_drying(np.array([393.15, 303.15]), 50.0, solvent="NMP")
    ok = drying.constant_rate_drying(343.15, 50.0, solvent="NMP")
    assert 336.0 < ok.film_temperature < 343.15


def test_nmp_film_temperature_by_hand_heat_balance():
    # Independent check of the root at 120 C air, h = 50 W/(m2 K): evaluate the balance
    # h (T_air - T_f) = J(T_f) dh_v on a fine grid with evaporation_flux and take the sign change.
    t_air, h = 393.15, 50.0
    grid = np.linspace(340.0, 392.0, 52001)
    flux = drying.evaporation_flux(grid, t_air, h, "NMP")
    residual = h * (t_air - grid) - flux * materials.solvent("NMP").enthalpy_of_vaporisation
    t_root = grid[np.argmax(residual < 0)]
    assert drying.constant_rate_drying(t_air, h, "NMP").film_temperature == pytest.approx(t_root, abs=2e-3)


def test_hotter_air_dries_faster_and_vapour_in_air_slows_it():
    hot = drying.constant_rate_drying(np.array([353.15, 393.15, 433.15]), 50.0, solvent="NMP")
    assert np.all(np.diff(hot.evaporation_flux) > 0)
    wet = drying.constant_rate_drying(393.15, 50.0, solvent="NMP", solvent_partial_pressure=500.0)
    assert wet.evaporation_flux < hot.evaporation_flux[1]


def test_drying_time_and_length_by_hand():
    # t = m/J [(1 - f) + f ln(f/r)] = 100 s [0.9 + 0.1 ln(100)] = 136.05 s
    t = drying.drying_time(0.1, 1e-3, 0.1, 1e-3)
    assert t == pytest.approx(100 * (0.9 + 0.1 * math.log(100)))
    assert drying.dryer_length(0.5, 60.0) == pytest.approx(30.0)


def test_three_stage_profile_cuts_time_by_40_percent_by_hand():
    # Jaiser et al. (2017): ~40 % shorter. By hand with J_hi = 2 J_lo and a critical
    # window of 20 % of the solvent: (0.8/2 + 0.2)/1 = 0.6 of the constant low-rate time.
    m, j_lo = 0.1, 1e-3
    staged = drying.three_stage_drying_time(m, 2 * j_lo, j_lo, 0.5, 0.2)
    assert staged / (m / j_lo) == pytest.approx(0.6)


def test_binder_migration_index_by_hand():
    # I = (J/J_c)(t/t_ref) = (2/1)(140/70) = 4
    assert drying.binder_migration_risk(2e-3, 140e-6) == pytest.approx(4.0)


def test_drying_energy_by_hand_and_ahmed_order_of_magnitude():
    e = drying.drying_energy(0.1, 393.15, ambient_temperature=293.15, exhaust_solvent_mass_ratio=0.01,
                             solvent="NMP", recovery_loss_fraction=0.25)
    # air = 0.1/0.01 = 10 kg/m2; heating = 10 * 1007 * 100 = 1.007 MJ/m2
    assert e.air_heating == pytest.approx(1.007e6)
    assert e.evaporation == pytest.approx(0.1 * materials.solvent("NMP").enthalpy_of_vaporisation)
    assert e.solvent_recovered == pytest.approx(0.075) and e.solvent_lost == pytest.approx(0.025)
    # Ahmed et al. (2016): recovery imposes ~45 x the NMP vaporisation heat; the simple
    # balance must land in the same decade (10-100 x).
    ratio = (e.air_heating + e.condenser_duty) / e.evaporation
    assert 10 < ratio < 100


def test_film_shrinkage_fraction_by_hand():
    # pores hold 0.45 * 85e-6 * 1028 = 0.03932 kg/m2 of 0.1 -> f1 = 0.6068
    assert drying.film_shrinkage_solvent_fraction(0.1, 85e-6, 0.45, 1028.0) == pytest.approx(
        1 - 0.45 * 85e-6 * 1028 / 0.1)


@settings(max_examples=50, deadline=None)
@given(st.floats(50e-6, 500e-6), st.floats(0.4, 0.8), st.floats(0.3, 0.6))
def test_mass_is_conserved_from_slurry_to_dried_coating(wet, w, porosity):
    rho_s = mixing.solids_density(0.92, 4750.0, 0.04, 1900.0, 0.04, 1780.0)
    rho = mixing.slurry_density(w, rho_s, 1028.0)
    loading = coating.areal_loading(wet, rho, w)
    # dry_coating_thickness is valid up to 1 kg/m2 (100 mg/cm2); 500 um of an 80 % slurry exceeds it
    assume(loading <= 1.0)
    solvent = drying.solvent_areal_mass(wet, rho, w)
    assert loading + solvent == pytest.approx(wet * rho, rel=1e-12)
    thickness = drying.dry_coating_thickness(loading, rho_s, porosity)
    assert thickness * rho_s * (1 - porosity) == pytest.approx(loading, rel=1e-12)
    assert drying.porosity_from_thickness(loading, rho_s, thickness) == pytest.approx(porosity, rel=1e-9)
    # a film cannot swell on drying: when the dried structure is denser than the wet film
    # (porosity < 1 - phi_wet) the coating shrinks
    assume(porosity < 1 - mixing.solids_volume_fraction(w, rho_s, 1028.0))
    assert thickness < wet


@settings(max_examples=30, deadline=None)
@given(st.floats(0.01, 1.0), st.floats(1000, 6000), st.floats(1e-6, 1e-3))
def test_porosity_from_thickness_is_a_fraction(loading, rho_s, thickness):
    solid_thickness = loading / rho_s
    if thickness <= solid_thickness * (1 + 1e-9):
        with pytest.raises(ValueError, match="coating_thickness"):
            drying.porosity_from_thickness(loading, rho_s, thickness)
    else:
        assert 0 < drying.porosity_from_thickness(loading, rho_s, thickness) < 1


def test_array_validity_is_checked_per_sample_not_against_the_batch_extremes():
    # drying_time: r must be below its own f. By hand, f = 0.2, r = 0.1:
    # t = m/J [0.8 + 0.2 ln 2] = 100 s x 0.93863 (the check used min(f) = 0.05 and refused r = 0.1)
    t = drying.drying_time(0.1, 1e-3, np.array([0.2, 0.05]), np.array([0.1, 1e-3]))
    assert t[0] == pytest.approx(100 * (0.8 + 0.2 * math.log(2)))
    assert t[1] == pytest.approx(100 * (0.95 + 0.05 * math.log(50)))
    # three-stage: f_c <= 1 - f_1 per sample (0.5 <= 0.8 is valid next to a sample with f_1 = 0.7)
    staged = drying.three_stage_drying_time(0.1, 2e-3, 1e-3, np.array([0.7, 0.2]), np.array([0.2, 0.5]))
    np.testing.assert_allclose(staged, [0.1 * (0.8 / 2e-3 + 0.2 / 1e-3), 0.1 * (0.5 / 2e-3 + 0.5 / 1e-3)])
    with pytest.raises(ValueError, match="critical_solvent_fraction"):
        drying.three_stage_drying_time(0.1, 2e-3, 1e-3, np.array([0.7, 0.2]), np.array([0.4, 0.5]))
    # slot nozzles: H/(2B) in [1, 40] per sample (the check used max(2B) and min(80B))
    widths, distances, pitches = np.array([1e-3, 5e-3]), np.array([0.005, 0.3]), np.array([0.05, 0.2])
    batch = drying.heat_transfer_coefficient_slot_nozzles(30.0, 393.15, widths, pitches, distances)
    single = [drying.heat_transfer_coefficient_slot_nozzles(30.0, 393.15, b, p, d)
              for b, p, d in zip(widths, pitches, distances, strict=True)]
    np.testing.assert_allclose(batch, single, rtol=1e-12)
    with pytest.raises(ValueError, match=r"nozzle_distance \(as H/\(2B\)\) = 0.5"):
        drying.heat_transfer_coefficient_slot_nozzles(30.0, 393.15, 5e-3, 0.05, 0.005)


def test_chilton_colburn_mass_transfer_by_hand():
    # beta = h/(rho c_p) Le^(-2/3), Le = k/(rho c_p D); water in air at 330 K, h = 50 W/(m2 K)
    rho, _, k = drying.air_properties(330.0)
    d = materials.solvent("water").diffusivity_in_air(330.0)
    lewis = k / (rho * 1007.0 * d)
    assert 0.8 < lewis < 0.95  # water-air Le ~ 0.85 (Incropera Table A.8 / A.4 ratio)
    assert drying.mass_transfer_coefficient(50.0, 330.0, "water") == pytest.approx(
        50.0 / (rho * 1007.0) * lewis ** (-2 / 3), rel=1e-12)


def test_solvent_partial_pressure_by_hand():
    # NMP (99.13 g/mol) at Y = 0.01 kg/kg air: x = 0.01 / (0.01 + 99.13/28.9647) = 2.913e-3,
    # p = 101325 x = 295.2 Pa (about 23 % of the 1.3 vol% LEL)
    y, ratio = 0.01, materials.solvent("NMP").molar_mass / 0.0289647
    assert drying.solvent_partial_pressure(y, "NMP") == pytest.approx(101325 * y / (y + ratio))
    assert drying.solvent_partial_pressure(0.01, "NMP") == pytest.approx(295.2, rel=2e-3)
    assert drying.solvent_partial_pressure(0.0, "water") == 0.0


def test_heat_up_time_by_hand():
    # (0.088 kg NMP x 1685 + 0.24 kg web x 800) J/(m2 K) / 90 W/(m2 K) = 3.78 s
    expected = (0.088 * materials.solvent("NMP").heat_capacity + 0.24 * 800.0) / 90.0
    assert drying.heat_up_time(0.088, 0.24, 90.0, "NMP") == pytest.approx(expected)
    assert expected == pytest.approx(3.78, rel=0.01)


def test_one_zone_dryer_equals_the_one_rate_drying_time():
    m_s, flux = 0.09, 2e-3
    zoned = drying.zoned_drying(m_s, [flux], [1e3], 0.5, 0.45)
    assert zoned.drying_time == pytest.approx(drying.drying_time(m_s, flux), rel=1e-12)
    assert zoned.consolidation_drying_rate == flux
    # a zone of any length split in two at the same flux gives the same film
    split = drying.zoned_drying(m_s, [flux, flux], [7.3, 1e3 - 7.3], 0.5, 0.45)
    assert split.drying_time == pytest.approx(zoned.drying_time, rel=1e-12)


def test_three_zones_by_hand():
    # 90 g/m2 at 0.5 m/s, no heat-up. Zone 1 (10 m, 20 s at 2 g/m2s): 40 g -> x = 0.5556.
    # Zone 2 (10 m, 20 s at 1 g/m2s): 20 g -> x = 0.3333, crossing x_c = 0.45 here.
    # Zone 3 at 3 g/m2s: constant until x = f = 0.1 (21 g, 7 s), then first order down
    # to r = 1e-3: (f m_s / J) ln(f/r) = 3 s x ln(100) = 13.82 s. Total 60.82 s.
    z = drying.zoned_drying(0.09, (2e-3, 1e-3, 3e-3), (10.0, 10.0, 30.0), 0.5, 0.45)
    assert z.drying_time == pytest.approx(40 + 7 + 3 * math.log(100), rel=1e-9)
    assert z.consolidation_drying_rate == pytest.approx(1e-3)
    assert z.mean_drying_rate == pytest.approx(0.09 * (1 - 1e-3) / z.drying_time, rel=1e-9)
    # too short a last zone: the film leaves wet, time extrapolated with the last zone
    short = drying.zoned_drying(0.09, (2e-3, 1e-3, 3e-3), (10.0, 10.0, 2.0), 0.5, 0.45)
    assert short.residual_solvent_fraction == pytest.approx(1 / 3 - 4 * 3e-3 / 0.09)
    assert short.drying_time == pytest.approx(z.drying_time, rel=1e-9)


def test_heat_up_delays_the_first_zone():
    # zone 1 lasts 20 s either way; with 4 s of heat-up it evaporates 16 s x 2 g/m2s, 8 g
    # less, which zone 2 removes at 3 g/m2s in 8/3 s more (the end is in zone 2 both times)
    base = drying.zoned_drying(0.09, (2e-3, 3e-3), (10.0, 40.0), 0.5, 0.45)
    late = drying.zoned_drying(0.09, (2e-3, 3e-3), (10.0, 40.0), 0.5, 0.45, heat_up_time=4.0)
    assert late.drying_time - base.drying_time == pytest.approx(8e-3 / 3e-3, rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.03, 0.2), st.floats(3e-4, 5e-3), st.floats(3e-4, 5e-3), st.floats(2.0, 30.0),
       st.floats(0.1, 0.8))
def test_zoned_drying_conserves_solvent_and_is_monotone(m_s, j1, j2, length, x_c):
    z = drying.zoned_drying(m_s, (j1, j2), (length, length), 0.5, x_c)
    assert 0 <= z.residual_solvent_fraction <= 1
    assert z.mean_drying_rate <= max(j1, j2) * (1 + 1e-12)
    assert z.consolidation_drying_rate <= max(j1, j2) * (1 + 1e-12)
    longer = drying.zoned_drying(m_s, (j1, j2), (length, 2 * length), 0.5, x_c)
    assert longer.residual_solvent_fraction <= z.residual_solvent_fraction + 1e-15


def test_drying_defect_probability_is_the_lognormal_cdf():
    # P = Phi(ln I / 0.3): I = 1 -> 0.5; I = exp(0.3) -> Phi(1) = 0.841345
    assert drying.drying_defect_probability(1.0) == pytest.approx(0.5)
    assert drying.drying_defect_probability(math.exp(0.3)) == pytest.approx(0.841345, rel=1e-6)
    p = drying.drying_defect_probability(np.array([0.3, 0.5, 2.0]))
    assert np.all(np.diff(p) > 0) and p[0] < 1e-4 and p[-1] > 0.98


def test_zone_lengths_may_differ_per_sample():
    # a film cut at each position along one zone: solvent falls linearly at the zone's rate
    lengths = np.array([1.0, 5.0, 10.0])
    z = drying.zoned_drying(0.09, [1e-3], [lengths], 0.5, 0.45)
    np.testing.assert_allclose(z.residual_solvent_fraction, 1 - 1e-3 * 2 * lengths / 0.09)


def test_zoned_drying_of_a_batch_is_each_film_alone_bit_for_bit():
    # the in-place zone march works per element: the batch does not change a film's result
    rng = np.random.default_rng(4)
    m_s = 0.09 * (1 + 0.2 * rng.standard_normal(40))
    speed = 0.5 * (1 + 0.05 * rng.standard_normal(40))
    zones, lengths = (2e-3, 1e-3, 2e-3), (10.0, 10.0, 15.0)
    batch = drying.zoned_drying(m_s, zones, lengths, speed, 0.45, heat_up_time=2.0)
    for i in (0, 13, 39):
        alone = drying.zoned_drying(m_s[i], zones, lengths, speed[i], 0.45, heat_up_time=2.0)
        for field in ("drying_time", "residual_solvent_fraction", "mean_drying_rate",
                      "consolidation_drying_rate"):
            assert float(getattr(alone, field)) == getattr(batch, field)[i], field
