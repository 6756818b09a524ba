"""Coating models against hand calculations and the viscocapillary model."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigatwin.steps import coating


def test_wet_film_thickness_by_hand():
    # h = Q/(W U): 1e-5 m3/s over 0.5 m at 0.5 m/s = 40 um
    assert coating.wet_film_thickness(1e-5, 0.5, 0.5) == pytest.approx(40e-6)


def test_flow_rate_is_the_inverse_of_thickness():
    q = coating.volumetric_flow_rate(150e-6, 0.6, 40 / 60)
    assert coating.wet_film_thickness(q, 0.6, 40 / 60) == pytest.approx(150e-6)


def test_areal_loading_by_hand():
    # 150 um x 2000 kg/m3 x 0.65 = 0.195 kg/m2 = 19.5 mg/cm2
    assert coating.areal_loading(150e-6, 2000.0, 0.65) == pytest.approx(0.195)
    assert coating.wet_film_thickness_for_loading(0.195, 2000.0, 0.65) == pytest.approx(150e-6)


def test_capillary_number_by_hand():
    # Ca = mu U / sigma = 2 * 0.5 / 0.04 = 25
    assert coating.capillary_number(2.0, 0.5, 0.04) == pytest.approx(25.0)
    assert coating.gap_shear_rate(0.5, 200e-6) == pytest.approx(2500.0)


def test_minimum_wet_thickness_matches_higgins_scriven_form():
    # Viscocapillary low-flow limit: H/h_min = 1 + 1.49 Ca^(-2/3) (1.49 = 2/1.34)
    ca, gap = 0.1, 200e-6
    expected = gap / (1 + (2 / 1.34) * ca ** (-2 / 3))
    assert coating.minimum_wet_film_thickness(gap, ca) == pytest.approx(expected, rel=1e-12)
    # by hand: 0.67*0.1^(2/3) = 0.14435; h/H = 0.14435/1.14435 = 0.12614
    assert coating.minimum_wet_film_thickness(gap, ca) / gap == pytest.approx(0.12614, rel=1e-4)


def test_coating_window_flags_thin_films():
    window = coating.coating_window(np.array([10e-6, 150e-6]), 200e-6, 0.05, 0.2, 0.04)
    assert window.low_flow_defect.tolist() == [True, False]
    assert window.low_flow_margin[1] > 0 > window.low_flow_margin[0]


@given(st.floats(1e-4, 100), st.floats(1e-4, 100), st.floats(20e-6, 1e-3))
def test_minimum_thickness_grows_with_ca_and_stays_below_gap(ca_a, ca_b, gap):
    lo, hi = sorted((ca_a, ca_b))
    h_lo = coating.minimum_wet_film_thickness(gap, lo)
    h_hi = coating.minimum_wet_film_thickness(gap, hi)
    assert 0 < h_lo <= h_hi < gap


@given(st.floats(1e-7, 1e-4), st.floats(0.1, 2.0), st.floats(0.01, 2.0))
def test_mass_balance_pump_to_film(q, width, speed):
    h = coating.wet_film_thickness(q, width, speed)
    assert h * width * speed == pytest.approx(q, rel=1e-12)
