"""Slitting: lane geometry by hand, trim loss, and the empirical burr model's assumptions."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigatwin.steps import slitting


def test_lane_width_by_hand():
    # (0.62 - 2*0.01)/3 = 0.2 m
    assert slitting.lane_width(0.62, 3, 0.01) == pytest.approx(0.2)


def test_lanes_that_fit_and_trim_loss_by_hand():
    # 0.62 m web, 10 mm trims, 0.18 m lanes: floor(0.60/0.18) = 3; loss = 1 - 3*0.18/0.62 = 0.12903
    assert slitting.lanes_that_fit(0.62, 0.18, 0.01) == 3
    assert slitting.trim_loss_fraction(0.62, 3, 0.18) == pytest.approx(1 - 0.54 / 0.62)


def test_burr_model_assumptions_by_hand():
    # b = (2 um + 1e-10 * 5e4 m = 5 um) * (1 + 0.3 (2.5/(100/60) - 1)) = 7 um * 1.15 = 8.05 um
    assert slitting.mean_burr_height(5e4, 2.5) == pytest.approx(8.05e-6)
    # at the limit the defect probability is one half (normal scatter)
    length_at_limit = (8e-6 - 2e-6) / 1e-10
    assert slitting.edge_defect_probability(length_at_limit, 100 / 60) == pytest.approx(0.5)


def test_defect_probability_grows_with_wear_and_speed():
    wear = slitting.edge_defect_probability(np.array([0.0, 3e4, 6e4, 9e4]), 2.0)
    assert np.all(np.diff(wear) > 0)
    assert slitting.edge_defect_probability(5e4, 2.5) > slitting.edge_defect_probability(5e4, 1.5)


@given(st.floats(0.1, 3.0), st.integers(1, 20), st.floats(0.0, 0.02))
def test_lanes_and_trim_tile_the_web(web, lanes, trim):
    if web - 2 * trim <= 0:
        return
    width = slitting.lane_width(web, lanes, trim)
    loss = slitting.trim_loss_fraction(web, lanes, width)
    assert 0 <= loss < 1
    assert lanes * width + loss * web == pytest.approx(web, rel=1e-12)


def test_fractional_lane_count_and_oversized_trim_raise_instead_of_being_floored():
    # 2.5 lanes used to be floored to 2 silently; a trim wider than half the web returned 0 lanes
    with pytest.raises(ValueError, match="number_of_lanes = 2.5"):
        slitting.lane_width(0.62, 2.5)
    with pytest.raises(ValueError, match="number_of_lanes = 2.5"):
        slitting.trim_loss_fraction(0.62, 2.5, 0.2)
    with pytest.raises(ValueError, match="edge_trim_width"):
        slitting.lanes_that_fit(0.62, 0.2, 0.35)
    # whole numbers given as floats (e.g. from lanes_that_fit) are fine: (0.62 - 0.02)/3 = 0.2 m
    assert slitting.lane_width(0.62, slitting.lanes_that_fit(0.62, 0.2)) == pytest.approx(0.2)
