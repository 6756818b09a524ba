"""Unit and property tests of gigatwin.steps.assembly (hand-computed values)."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigatwin.checks import RangeError
from gigatwin.steps import assembly


def test_stack_thickness_hand_computed():
    # 30 cathodes (150 um), 31 anodes (170 um), 62 separators (12 um):
    # 4.5 mm + 5.27 mm + 0.744 mm = 10.514 mm
    assert assembly.stack_thickness(30, 150e-6, 170e-6, 12e-6) == pytest.approx(10.514e-3)


def test_sheet_count_inverts_stack_thickness():
    h = assembly.stack_thickness(30, 150e-6, 170e-6, 12e-6)
    assert assembly.stack_sheet_count(h, 150e-6, 170e-6, 12e-6) == 30
    assert assembly.stack_sheet_count(h - 1e-6, 150e-6, 170e-6, 12e-6) == 29


def test_stack_too_thin_names_field():
    with pytest.raises(RangeError, match="stack_thickness"):
        assembly.stack_sheet_count(100e-6, 150e-6, 170e-6, 12e-6)


def test_winding_length_21700_hand_computed():
    # 21700 jelly roll 20.4 mm outer, 2 mm mandrel: A = pi/4 (20.4^2 - 2^2) mm^2 = 323.7 mm^2;
    # pitch 150 + 170 + 2*12 = 344 um -> L = 0.941 m (commercial 21700 cathodes ~0.7-0.9 m)
    area = assembly.cylindrical_winding_area(20.4e-3, 2e-3)
    assert area == pytest.approx(math.pi / 4 * (20.4**2 - 2**2) * 1e-6)
    length = assembly.winding_length(area, 150e-6, 170e-6, 12e-6)
    assert length == pytest.approx(area / 344e-6)
    assert assembly.jelly_roll_diameter(length, 2e-3, 344e-6) == pytest.approx(20.4e-3)


def test_flat_winding_area_is_racetrack():
    # T = 10 mm, W = 100 mm: 90 x 10 + pi 25 = 978.54 mm^2
    assert assembly.flat_winding_area(10e-3, 100e-3) == pytest.approx((900 + math.pi * 25) * 1e-6)


def test_defect_probability_single_sheet_hand_computed():
    # o = 2 sigma: p_axis = erfc(1) = 0.157299; one sheet, one axis.
    assert assembly.overhang_defect_probability(0.2e-3, 0.1e-3, 1, axes=1) == pytest.approx(
        math.erfc(1.0), rel=1e-12)
    # 2 axes, 10 sheets: 1 - (1 - erfc(1))^20
    assert assembly.overhang_defect_probability(0.2e-3, 0.1e-3, 10, axes=2) == pytest.approx(
        1 - (1 - math.erfc(1.0)) ** 20)


def test_defect_probability_decreases_with_overhang():
    p = assembly.overhang_defect_probability(np.array([0.3e-3, 0.5e-3, 1e-3]), 0.15e-3, 40)
    assert np.all(np.diff(p) < 0)


def test_holm_weld_resistance_hand_computed():
    # Holm: R = (rho1 + rho2) / (4 a); Al-Al, 20 mm^2 at 50 % bonded: a = sqrt(1e-5/pi) m
    a = math.sqrt(1e-5 / math.pi)
    assert assembly.tab_weld_resistance(20e-6, 0.5, 2.65e-8, 2.65e-8) == pytest.approx(
        5.3e-8 / (4 * a))


def test_tab_bulk_resistance():
    # rho L / (w t): 2.65e-8 * 0.02 / (0.045 * 0.2e-3) = 5.889e-5 ohm
    assert assembly.tab_bulk_resistance(0.02, 0.045, 0.2e-3, 2.65e-8) == pytest.approx(5.8889e-5,
                                                                                      rel=1e-4)


@given(st.integers(1, 200), st.floats(50e-6, 300e-6), st.floats(50e-6, 300e-6),
       st.floats(5e-6, 40e-6))
def test_stack_thickness_grows_with_sheet_count(n, tc, ta, ts):
    assert assembly.stack_thickness(n + 1, tc, ta, ts) > assembly.stack_thickness(n, tc, ta, ts)
