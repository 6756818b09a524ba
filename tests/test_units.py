"""gigatwin.units: one pint registry, conversions at the edges (values by hand)."""

import numpy as np
import pytest

from gigatwin import units


def test_speed_in_m_per_min_converts_to_si():
    # 30 m/min = 30 m / 60 s = 0.5 m/s (issue 2 acceptance)
    assert units.to_si(30, "m/min") == pytest.approx(0.5, rel=1e-12)


def test_thickness_in_micrometres_converts_to_si():
    # 150 um = 150e-6 m = 1.5e-4 m (issue 2 acceptance)
    assert units.to_si(150, "um") == pytest.approx(1.5e-4, rel=1e-12)


def test_from_si_is_the_inverse():
    assert units.from_si(1.5e-4, "um") == pytest.approx(150.0)
    assert units.from_si(0.5, "m/min") == pytest.approx(30.0)


def test_offset_temperature_units():
    # 25 degC = 298.15 K; an array keeps its shape
    assert units.to_si(25, "degC") == pytest.approx(298.15)
    out = units.to_si(np.array([0.0, 100.0]), "degC")
    assert isinstance(out, np.ndarray)
    np.testing.assert_allclose(out, [273.15, 373.15])


def test_battery_units():
    # 1 Ah = 3600 C; 10 mg/cm2 = 10e-6 kg / 1e-4 m2 = 0.1 kg/m2; 1000 ppm = 1e-3
    assert units.to_si(1, "Ah") == pytest.approx(3600.0)
    assert units.to_si(10, "mg/cm^2") == pytest.approx(0.1)
    assert units.to_si(1000, "ppm") == pytest.approx(1e-3)
    assert units.si_unit_string("mg/cm^2") == "kg/m**2"


def test_dimension_checks():
    assert units.same_dimension("m/min", "mm/s")
    assert not units.same_dimension("m/min", "kg")
    assert units.dimensionality("kg") == "[mass]"


def test_unknown_unit_is_a_clear_error():
    with pytest.raises(units.UnitError, match="furlongs_per_fortnightx"):
        units.parse_unit("furlongs_per_fortnightx")


def test_parse_quantity_strips_plus_minus():
    assert units.parse_quantity("± 0.01 mg/cm^2") == (0.01, "mg/cm**2")
    magnitude, unit = units.parse_quantity("+-1 um")
    assert magnitude == 1.0 and units.to_si(magnitude, unit) == pytest.approx(1e-6)
