"""Material data: every file loads, every number has a source, correlations match references."""

import math

import numpy as np
import pytest

from gigatwin import materials
from gigatwin.materials.loader import MaterialDataError, load_file


def test_every_record_loads_with_a_source_for_every_number():
    records = materials.all_records()
    assert len(records["active_material"]) >= 9
    for kind, table in records.items():
        assert table, kind
        for record in table.values():
            for name, source in record.sources.items():
                assert source.strip(), f"{kind}/{record.name}.{name} has no source"


@pytest.mark.parametrize("name", ["NMC111", "NMC622", "NMC811", "NCA", "LFP", "LMO", "LCO",
                                  "graphite", "silicon_graphite"])
def test_required_active_materials_exist(name):
    am = materials.active_material(name)
    assert am.electrode in ("cathode", "anode")
    # typical material data: all listed actives lie between 2.2 and 5.0 g/cm3 and 110-450 mAh/g
    assert 2200 <= am.density <= 5000
    assert 110 * 3.6e3 <= am.specific_capacity <= 450 * 3.6e3


def test_lookup_api_and_units_are_si():
    # typical: density NMC ~4.7-4.8 g/cm3; 178 mAh/g = 178 * 3.6 C/g = 640 800 C/kg
    nmc = materials.active_material("NMC622")
    assert nmc.density == pytest.approx(4750)
    assert nmc.specific_capacity == pytest.approx(640_800)
    assert materials.get("active_material", "nmc622") is nmc
    assert materials.binder("PVDF").solvent == "NMP"
    assert materials.binder("CMC").solvent == "water"
    assert materials.foil("Al").density == pytest.approx(2700)
    assert materials.foil("Cu").calendering_elongation == 0.0
    assert 12e-6 in [pytest.approx(t) for t in materials.foil("Al").thickness_options]
    assert materials.conductive_carbon("C65").density == pytest.approx(1900)
    assert materials.separator("PE_16um").thickness == pytest.approx(16e-6)
    assert materials.electrolyte("LP30").contact_angle_on_electrode == pytest.approx(math.radians(30))
    with pytest.raises(KeyError, match="known"):
        materials.solvent("acetone")


def test_water_vapour_pressure_at_100_degc_is_one_atmosphere():
    # Steam tables: p_sat(100 C) = 101.42 kPa; p_sat(99.97 C) = 101.325 kPa. Poling Antoine
    # fit is within 0.5 %.
    assert materials.solvent("water").vapour_pressure(373.15) == pytest.approx(101.42e3, rel=5e-3)


def test_water_vapour_pressure_at_20_degc():
    # Wexler (1976) doi:10.6028/jres.080A.071: 2.339 kPa at 20 C
    assert materials.solvent("water").vapour_pressure(293.15) == pytest.approx(2339, rel=5e-3)


def test_nmp_normal_boiling_point_is_202_to_204_degc():
    # Seed 002 / Danish EPA 2003 / CRC: NMP boils at 202-204 C at 101.325 kPa. The
    # Landolt-Boernstein IV/20C Antoine set gives 203.7 C.
    nmp = materials.solvent("NMP")
    t_boil = nmp.saturation_temperature(101325.0) - 273.15
    assert 202.0 <= t_boil <= 204.5
    assert t_boil == pytest.approx(203.75, abs=0.05)


def test_nmp_antoine_is_the_landolt_boernstein_set():
    # Landolt-Boernstein IV/20C (Dykyj et al. 2001), as tabulated in CalebBell/chemicals
    # 'Landolt_antoine_V20.tsv' in ln-Pa form: A = 21.137754, B = 3811.4461 K, C = -80.355 K,
    # 336-477 K. Same numbers in the log10 form used here, by hand at 100 C:
    # exp(21.137754 - 3811.4461/(373.15 - 80.355)) = 3362.0 Pa
    nmp = materials.solvent("NMP")
    assert nmp.vapour_pressure(373.15) == pytest.approx(3362.0, rel=1e-4)
    assert (nmp.antoine_t_min, nmp.antoine_t_max) == (336.0, 477.0)


def test_nmp_vapour_pressure_below_its_validated_range_is_refused():
    # The Landolt set is fitted above 336 K; at 20 C it would give 25 Pa against 32-39 Pa
    # measured (Danish EPA 2003: 0.29 mmHg), so it must not be extrapolated silently.
    with pytest.raises(ValueError, match=r"temperature = 293.15 \[K\].*\[336, 477\]"):
        materials.solvent("NMP").vapour_pressure(293.15)


def test_nmp_latent_heat_is_watson_scaled_from_solomonov_2021():
    # Solomonov et al. (2021) doi:10.3390/molecules26051411: 56.4 kJ/mol at 298.15 K; Watson
    # to 373.15 K with Tc = 721.7 K: 56.4 ((721.7-373.15)/(721.7-298.15))^0.38 = 52.37 kJ/mol
    # = 528.3 kJ/kg at M = 99.13 g/mol
    by_hand = 56.4e3 * ((721.7 - 373.15) / (721.7 - 298.15)) ** 0.38 / 0.09913
    nmp = materials.solvent("NMP")
    assert nmp.enthalpy_of_vaporisation == pytest.approx(by_hand, rel=2e-3)
    # Clausius-Clapeyron on the Antoine set at 373.15 K, dH = R T^2 ln(10) B/(T + C)^2,
    # must agree within 3 %
    t = 373.15
    slope = 8.314462618 * t**2 * math.log(10) * nmp.antoine_b / (t + nmp.antoine_c) ** 2
    assert nmp.enthalpy_of_vaporisation * nmp.molar_mass == pytest.approx(slope, rel=0.03)


def test_nmp_fuller_volume_by_hand():
    # Poling (2001) Table 11-1 atomic volumes: C5H9NO with one ring
    # 5 x 15.9 + 9 x 2.31 + 4.54 + 6.11 - 18.3 = 92.64
    assert materials.solvent("NMP").fuller_diffusion_volume == pytest.approx(92.64)


def test_vapour_pressure_outside_antoine_range_names_the_field():
    with pytest.raises(ValueError, match="temperature"):
        materials.solvent("NMP").vapour_pressure(600.0)


def test_vapour_pressure_is_vectorised():
    water = materials.solvent("water")
    t = np.array([293.15, 333.15, 373.15])
    p = water.vapour_pressure(t)
    assert p.shape == (3,) and np.all(np.diff(p) > 0)
    assert p[1] == pytest.approx(water.vapour_pressure(333.15))


def test_water_diffusivity_in_air_matches_fuller_and_literature():
    # Cussler, Diffusion (3rd ed.) Table 5.1-2: water-air 0.26 cm2/s at 298 K (Fuller ~ 0.25)
    assert materials.solvent("water").diffusivity_in_air(298.15) == pytest.approx(2.6e-5, rel=0.06)


def test_water_viscosity_andrade_fit_matches_iapws():
    # IAPWS 2008 (Huber et al. 2009, computed with the iapws package): 1.0016 mPa s at 20 C,
    # 0.6527 at 40 C, 0.4660 at 60 C, 0.3541 at 80 C; the Andrade form is within 2.3 %
    water = materials.solvent("water")
    iapws = {293.15: 1.0016e-3, 313.15: 0.6527e-3, 333.15: 0.4660e-3, 353.15: 0.3541e-3}
    for t, mu in iapws.items():
        assert water.viscosity(t) == pytest.approx(mu, rel=0.023)


def test_water_antoine_matches_iapws_if97_over_its_range():
    # IAPWS-IF97 saturation pressure (iapws package): 1.2282 kPa at 10 C, 19.946 kPa at
    # 60 C, 198.67 kPa at 120 C, 1554.7 kPa at 200 C; Poling's Antoine set within 0.5 %
    water = materials.solvent("water")
    for t, p in {283.15: 1228.2, 333.15: 19945.8, 393.15: 198665.0, 473.15: 1554672.0}.items():
        assert water.vapour_pressure(t) == pytest.approx(p, rel=5e-3)


def _landesfeind_conductivity(c, t, p):
    # Landesfeind & Gasteiger (2019) doi:10.1149/2.0571912jes eq. for sigma [mS/cm], c [mol/L]
    a = p[0] * (1 + (t - p[1]))
    b = 1 + p[2] * math.sqrt(c) + p[3] * (1 + p[4] * math.exp(1000 / t)) * c
    return a * c * b / (1 + c**4 * p[5] * math.exp(1000 / t))


def test_electrolyte_conductivity_matches_landesfeind_2019():
    # coefficients as in PyBaMM's Landesfeind2019 electrolyte functions
    ec_dmc = _landesfeind_conductivity(1.0, 298.15, (7.98e-1, 2.28e2, -1.22, 5.09e-1, -4e-3, 3.79e-3))
    ec_emc = _landesfeind_conductivity(1.0, 298.15, (5.21e-1, 2.28e2, -1.06, 3.53e-1, -3.59e-3, 1.48e-3))
    assert materials.electrolyte("LP30").ionic_conductivity == pytest.approx(ec_dmc / 10, rel=0.01)
    assert materials.electrolyte("LP57").ionic_conductivity == pytest.approx(ec_emc / 10, rel=0.01)


def test_electrolyte_viscosity_falls_with_temperature():
    lp30 = materials.electrolyte("LP30")
    assert lp30.viscosity(318.15) < lp30.viscosity(298.15)
    assert lp30.viscosity(298.15) == pytest.approx(lp30.viscosity_reference)


def _write(tmp_path, text):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    return path


def test_missing_source_is_reported_with_file_entry_and_field(tmp_path):
    path = _write(tmp_path, """
kind: foil
entries:
  Al:
    density: {value: 2.7, unit: g/cm^3}
""")
    with pytest.raises(MaterialDataError, match=r"bad.yaml, entry 'Al', field 'density'.*source"):
        load_file(path)


def test_wrong_unit_dimension_is_reported(tmp_path):
    path = _write(tmp_path, """
kind: separator
entries:
  S:
    thickness: {value: 16, unit: kg, source: x}
    porosity: {value: 0.4, source: x}
    skeleton_density: {value: 0.95, unit: g/cm^3, source: x}
""")
    with pytest.raises(MaterialDataError, match="field 'thickness'.*unit"):
        load_file(path)


def test_out_of_range_value_is_reported(tmp_path):
    path = _write(tmp_path, """
kind: separator
entries:
  S:
    thickness: {value: 16, unit: um, source: x}
    porosity: {value: 1.4, source: x}
    skeleton_density: {value: 0.95, unit: g/cm^3, source: x}
""")
    with pytest.raises(MaterialDataError, match="field 'porosity'.*outside"):
        load_file(path)


def test_missing_field_and_unknown_kind_are_reported(tmp_path):
    with pytest.raises(MaterialDataError, match="field 'porosity'.*missing"):
        load_file(_write(tmp_path, """
kind: separator
entries:
  S:
    thickness: {value: 16, unit: um, source: x}
    skeleton_density: {value: 0.95, unit: g/cm^3, source: x}
"""))
    with pytest.raises(MaterialDataError, match="unknown kind"):
        load_file(_write(tmp_path, "kind: cheese\nentries: {a: {}}\n"))
