"""Post-drying: dew point, sorption equilibrium, kinetics and the Huttner (2019) calibration."""

import math

import numpy as np
import pytest

from gigatwin.steps import post_drying


def test_frost_point_pressure_matches_alduchov_by_hand():
    # Alduchov & Eskridge (1996) over ice: 611.21 exp(22.587*(-60)/(213.86)) = 1.0817 Pa
    assert post_drying.water_partial_pressure_from_dew_point(213.15) == pytest.approx(1.0817, rel=1e-3)
    # over water at 20 C: 610.94 exp(17.625*20/263.04) = 2333 Pa (Wexler 1976: 2339 Pa, 0.3 %)
    assert post_drying.water_partial_pressure_from_dew_point(293.15) == pytest.approx(2339, rel=3e-3)


def test_water_activity_by_hand():
    # 1000 Pa at 100 C over p_sat = 101.05 kPa (Poling Antoine) -> 0.009896
    assert post_drying.water_activity(373.15, 1000.0) == pytest.approx(1000 / 101047.25, rel=1e-4)


def test_gab_isotherm_by_hand_and_cmc_takes_far_more_water_than_pvdf():
    # CMC GAB (Xm 0.09, C 8, K 0.85) at a = 0.5: Ka = 0.425,
    # X = 0.09*8*0.425/((0.575)(0.575 + 3.4)) = 0.13390 kg/kg for pure binder (w_b = 0.3 -> scaled)
    gab = 0.09 * 8 * 0.425 / (0.575 * (0.575 + 8 * 0.425))
    x = post_drying.equilibrium_moisture(0.5, 0.3, "CMC")
    assert x == pytest.approx(0.3 * gab + 0.7 * 5e-4 * 0.5, rel=1e-9)
    # Zanotto 2022 s.4.1.5: CMC absorbs high amounts of water compared to PVDF electrodes
    assert x > 20 * post_drying.equilibrium_moisture(0.5, 0.3, "PVDF")


def test_huttner_argon_purge_calibration_point():
    # Huttner et al. (2019): 20 min argon purge at 20 C gave 326 ppm. The default time
    # constant is calibrated to this point for a 2 wt% CMC anode starting at 1000 ppm
    # (assumed) in -60 C dew-point gas: this test guards the calibration, it is not a
    # prediction.
    p_w = post_drying.water_partial_pressure_from_dew_point(213.15)
    result = post_drying.post_drying(1e-3, 0.02, 1200.0, 293.15, p_w)
    assert result.residual_moisture * 1e6 == pytest.approx(326, rel=0.01)


def test_hotter_longer_and_drier_gas_all_lower_residual_moisture():
    p_w = post_drying.water_partial_pressure_from_dew_point(213.15)
    base = post_drying.post_drying(1e-3, 0.02, 3600.0, 333.15, p_w).residual_moisture
    assert post_drying.post_drying(1e-3, 0.02, 3600.0, 393.15, p_w).residual_moisture < base
    assert post_drying.post_drying(1e-3, 0.02, 7200.0, 333.15, p_w).residual_moisture < base
    wetter = post_drying.water_partial_pressure_from_dew_point(253.15)
    assert post_drying.post_drying(1e-3, 0.02, 3600.0, 333.15, wetter).residual_moisture > base


def test_long_drying_reaches_equilibrium_and_never_undershoots_it():
    times = np.array([0.0, 600.0, 3600.0, 86400.0])
    result = post_drying.post_drying(1e-3, 0.02, times, 353.15, 50.0)
    assert result.residual_moisture[0] == pytest.approx(1e-3)
    assert np.all(np.diff(result.residual_moisture) <= 0) and result.residual_moisture[1] < 1e-3
    assert np.all(result.residual_moisture >= result.equilibrium_moisture * (1 - 1e-12))
    assert result.residual_moisture[-1] == pytest.approx(result.equilibrium_moisture, rel=1e-6)


def test_frost_point_pressure_matches_iapws_2011_sublimation():
    # IAPWS 2011 sublimation pressure of ice (Wagner, Riethmann, Feistel, Harvey 2011,
    # doi:10.1063/1.3657937), evaluated with the iapws package: 0.054773 Pa at -80 C,
    # 1.08135 Pa at -60 C, 12.8412 Pa at -40 C, 103.239 Pa at -20 C. Alduchov & Eskridge's
    # Magnus form over ice must be within 0.2 % over the dry-room range.
    iapws = {193.15: 0.054773, 213.15: 1.08135, 233.15: 12.8412, 253.15: 103.239}
    for dew_point, p in iapws.items():
        assert post_drying.water_partial_pressure_from_dew_point(dew_point) == pytest.approx(p, rel=2e-3)


def test_bound_water_release_rate_by_hand():
    # k_b(120 C) = 1/(16 h); at 110 C: exp(-60000/8.314462618 (1/383.15 - 1/393.15)) = 0.6193
    assert post_drying.bound_water_release_rate(393.15) == pytest.approx(1 / 57600)
    factor = math.exp(-60e3 / 8.314462618 * (1 / 383.15 - 1 / 393.15))
    assert post_drying.bound_water_release_rate(383.15) == pytest.approx(factor / 57600)
    assert factor == pytest.approx(0.6193, rel=1e-3)
    # a room-temperature purge releases almost none of it (k at 20 C below 1e-7 1/s)
    assert post_drying.bound_water_release_rate(293.15) < 1e-7


def test_two_pools_by_hand():
    # 16 h at 120 C, 100 Pa, PVDF 2 wt%: the free pool (tau ~ 16 s) is gone, the bound pool
    # keeps exp(-1): 672 ppm -> 247.2 ppm; the equilibrium adds a few tenths of a ppm
    bound = post_drying.bound_moisture((0.96, 0.02), (700e-6, 0.0))
    assert bound == pytest.approx(672e-6)
    r = post_drying.post_drying(800e-6, 0.02, 16 * 3600.0, 393.15, 100.0, "PVDF", bound_moisture=bound)
    assert r.bound_moisture == pytest.approx(672e-6 * math.exp(-1))
    assert r.free_moisture == pytest.approx(r.equilibrium_moisture, abs=1e-12)
    assert r.residual_moisture * 1e6 == pytest.approx(247.2, abs=0.5)
    # without bound water the model is the one-pool model of before
    one = post_drying.post_drying(800e-6, 0.02, 3600.0, 393.15, 100.0, "PVDF")
    assert one.bound_moisture == 0 and one.residual_moisture == one.free_moisture


def test_bound_moisture_needs_one_content_per_component():
    with pytest.raises(ValueError, match="bound_water_contents"):
        post_drying.bound_moisture((0.96, 0.04), (1e-4,))


def test_dry_room_uptake_relaxes_the_free_pool_only():
    # -40 C dew point: p_w = 12.84 Pa; at 20 C a = 12.84/2339 = 0.00549. CMC 3 wt%:
    # X_eq = 0.03 X_GAB + 0.97 k_o a; after many time constants the free pool reaches it,
    # the bound pool is untouched
    p_w = post_drying.water_partial_pressure_from_dew_point(233.15)
    a = post_drying.water_activity(293.15, p_w)
    x_eq = post_drying.equilibrium_moisture(a, 0.03, "CMC")
    done = post_drying.dry_room_uptake(1e-6, 300e-6, 0.03, 1e6, 233.15, binder="CMC")
    assert done == pytest.approx(x_eq + 300e-6, rel=1e-9)
    assert 50e-6 < x_eq < 200e-6
    # a wetter room gives more water; no exposure gives what left the oven
    wetter = post_drying.dry_room_uptake(1e-6, 300e-6, 0.03, 1e6, 243.15, binder="CMC")
    assert wetter > done
    assert post_drying.dry_room_uptake(1e-6, 300e-6, 0.03, 0.0, 233.15) == pytest.approx(301e-6)
