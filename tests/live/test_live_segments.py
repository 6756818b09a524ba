"""Metre-resolved calibration and feed-forward of the live twin: readings binned per
metre range, the calender's line load per range, the pump plan over a batch queue, and
the SEI loss factor's sensitivity."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigatwin.line.config import NO_DISTURBANCE, load_line
from gigatwin.line.engine import VirtualLine
from gigatwin.twin import load_recipe
from gigatwin.twin.live import Limits, TwinController
from gigatwin.twin.live.calender import CalenderModel, shrink
from gigatwin.twin.live.calibration import segment_index, segment_means
from gigatwin.twin.live.control import plan

RECIPE = "examples/recipes/nmc622_graphite_pouch.yaml"
LINE = "examples/lines/pilot_line.yaml"


def test_segment_means_by_hand():
    # a coil run from 0 to 100 s in 4 ranges of 25 s: readings at 0, 10, 20 s fall in
    # range 0, 30 and 40 s in range 1, 99 s in range 3; a NaN reading is left out
    ts = [0.0, 10.0, 20.0, 30.0, 40.0, 60.0, 99.0]
    values = [1.0, 2.0, 3.0, 10.0, 20.0, float("nan"), 7.0]
    assert segment_means(ts, values, 0.0, 100.0, 4) == [
        (0, 20.0, 2.0, 3), (1, 40.0, 15.0, 2), (3, 99.0, 7.0, 1)]
    assert segment_index([0.0, 24.9, 25.0, 100.0], 0.0, 100.0, 4).tolist() == [0, 0, 1, 3]
    # a zero-length run: every reading in range 0
    assert segment_index([5.0, 5.0], 5.0, 5.0, 4).tolist() == [0, 0]


def test_shrink_by_hand():
    # values 1 and 3 (mean 2), spread variance 1, gauge variance 2 over 2 readings each:
    # gain 1 / (1 + 1) = 0.5, so 1.5 and 2.5
    assert shrink([1.0, 3.0], [2, 2], 2.0, 1.0) == pytest.approx([1.5, 2.5])
    # no spread between ranges: all at the coil's mean
    assert shrink([1.0, 3.0], [1, 1], 1.0, 0.0) == pytest.approx([2.0, 2.0])


@given(wanted=st.lists(st.floats(allow_nan=True, allow_infinity=True, width=64),
                       min_size=1, max_size=40),
       previous=st.floats(-0.5, 0.5), max_step=st.floats(1e-4, 0.1))
def test_no_profile_value_outside_range_or_rate_limit(wanted, previous, max_step):
    # the calender's relative line load: 50-150 % of the recipe's
    limits = Limits(-0.5, 0.5, max_step)
    profile = limits.clip_profile(wanted, previous)
    assert profile.size == len(wanted)
    assert np.all((profile >= limits.low) & (profile <= limits.high))
    steps = np.abs(np.diff(np.r_[previous, profile]))
    assert np.all(steps <= max_step + 1e-12)


def test_plan_spreads_a_change_over_the_queue_by_hand():
    # in force -0.0116; the head wants -0.0116, the batch behind it +0.014; 1 % a write.
    # Alone, the second coil gets -0.0016 (1.5 % short). Planned: u1 = u0 + 0.01 at the
    # optimum of (u0 + 0.0116)^2 + (u0 + 0.01 - 0.014)^2, i.e. u0 = -0.0038, u1 = 0.0062
    limits = Limits(-0.05, 0.05, 0.01)
    assert plan([-0.0116, 0.014], -0.0116, limits) == pytest.approx([-0.0038, 0.0062],
                                                                   abs=1e-7)
    # reachable targets are met exactly
    assert plan([0.0, 0.005], 0.0, limits) == pytest.approx([0.0, 0.005], abs=1e-9)


@settings(deadline=None, max_examples=50)
@given(wanted=st.lists(st.floats(-0.2, 0.2), min_size=1, max_size=5),
       previous=st.floats(-0.05, 0.05), max_step=st.floats(1e-3, 0.05))
def test_plan_stays_within_range_and_rate_limit(wanted, previous, max_step):
    limits = Limits(-0.05, 0.05, max_step)
    u = plan(wanted, previous, limits)
    assert len(u) == len(wanted)
    assert all(limits.low <= x <= limits.high for x in u)
    steps = np.abs(np.diff(np.r_[previous, u]))
    assert np.all(steps <= max_step + 1e-12)


@pytest.fixture(scope="module")
def anode_calender():
    return CalenderModel(load_recipe(RECIPE), "anode")


def test_segment_loads_at_the_recipe_are_the_recipe_load(anode_calender):
    m = anode_calender
    loading = m.recipe["anode.coating_areal_loading"].nominal
    x = m.segment_loads(np.full(3, loading), np.full(3, m.dried_nominal), 1.0)
    assert x == pytest.approx(1.0, abs=1e-3)


def test_segment_loads_cancel_a_dried_porosity_deviation(anode_calender):
    # a range dried 1 point more porous: thickness +0.37 %, porosity +1.3 % at the
    # recipe's load (both rise; more load lowers both, in about the same ratio), so the
    # load found brings both back within 0.05 % (the claim of segment_loads)
    m = anode_calender
    loading = m.recipe["anode.coating_areal_loading"].nominal
    dried = np.array([m.dried_nominal + 0.01])
    before = m._chain(np.ones(1), np.full(1, loading), dried)
    x = m.segment_loads(np.full(1, loading), dried, 1.0)
    after = m._chain(x, np.full(1, loading), dried)
    assert before["calendered_thickness"][0] / m.thickness_target - 1 > 0.003
    assert before["calendered_porosity"][0] / m.target - 1 > 0.01
    assert x[0] > 1.0
    assert abs(after["calendered_thickness"][0] / m.thickness_target - 1) < 5e-4
    assert abs(after["calendered_porosity"][0] / m.target - 1) < 5e-4


def test_dried_porosity_inverts_the_dry_thickness(anode_calender):
    m = anode_calender
    loading = np.array([0.11, 0.115, 0.12])
    dried = np.array([0.48, 0.50, 0.52])
    h = m._chain(np.ones(3), loading, dried)["dry_coating_thickness"]
    assert m.dried_porosity(loading, h) == pytest.approx(dried, abs=1e-9)


def test_write_profile_checks_length_and_range():
    line = load_line(LINE)
    vline = VirtualLine(line, NO_DISTURBANCE, sink=lambda b: None,
                        genealogy=lambda g: None)
    path, f0 = "anode.calender_line_load", 131e3
    with pytest.raises(ValueError, match="one per segment of a coil, 30"):
        vline.write_profile(path, np.full(vline.segments + 1, f0))
    with pytest.raises(KeyError):
        vline.write_profile("anode.dried_porosity", np.full(vline.segments, 0.5))
    profile = f0 * (1 + 0.01 * np.arange(vline.segments) / vline.segments)
    vline.write_profile(path, profile)
    # one value per sample: lane-major, each lane the profile in metre order
    assert vline.setpoints[path].shape == (vline.samples,)
    assert vline.setpoints[path][:vline.segments] == pytest.approx(profile)
    assert vline.setpoints[path][vline.segments:2 * vline.segments] == pytest.approx(profile)


def test_twin_controller_plans_the_queue_only_when_asked():
    # target 0.2, head base 0.2 (ideal u = 0), the batch behind it base 0.2 / 1.02
    # (ideal u = +0.02), bias 0, in force -0.005, 1 % a write: alone the head gets 0
    # (within the step); planned, u0 = u1 - 0.01 at the optimum of u0^2 + (u0 + 0.01 -
    # 0.02)^2, i.e. u0 = 0.005 (one step from -0.005), u1 = 0.015
    limits = Limits(-0.05, 0.05, 0.01)
    alone = TwinController(0.2, limits, u=-0.005)
    assert alone.recommend(0.2, 0.0, [0.2 / 1.02]) == pytest.approx(0.0, abs=1e-12)
    planned = TwinController(0.2, limits, u=-0.005, plan_queue=True)
    assert planned.recommend(0.2, 0.0, [0.2 / 1.02]) == pytest.approx(0.005, abs=1e-7)
