"""Predictive quality, the in-process streaming SPC, correction delays and the speed
actuator of the live twin."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigatwin.line.config import NO_DISTURBANCE, load_line
from gigatwin.line.live import MeasuredSpc, corrections, run_mode
from gigatwin.twin import load_recipe
from gigatwin.twin.live import Limits, TwinController
from gigatwin.twin.live.calibration import CoatingModel
from gigatwin.twin.live.quality import CellPredictor, ElectrodeInput, cpk

RECIPE = "examples/recipes/nmc622_graphite_pouch.yaml"


def test_cpk_by_hand():
    # mean 1, s = 0.1 (ddof 1 of 0.9, 1.0, 1.1), window 0.7..1.2: min(0.2, 0.3) / 0.3
    assert cpk([0.9, 1.0, 1.1], 0.7, 1.2) == pytest.approx(2 / 3)
    assert math.isnan(cpk([1.0], 0.0, 2.0))


@pytest.fixture(scope="module")
def predictor():
    recipe = load_recipe(RECIPE)
    return recipe, CellPredictor(recipe, samples=256)


def _inputs(recipe, scale: dict, std: float = 0.0):
    out = {}
    for e in ("cathode", "anode"):
        w = recipe[f"{e}.slurry_solid_content"].nominal
        base = CoatingModel(recipe, e).base_loading(w)
        out[e] = ElectrodeInput(base * scale.get(e, 1.0), std * base, w, base)
    return out


def test_capacity_follows_the_cathode_loading(predictor):
    # the recipe's cell is cathode-limited (capacity = cathode loading x specific
    # capacity x area, less the formation loss): 3 % less cathode loading, about 3 %
    # less capacity; anode loading +3 % moves it by far less
    recipe, q = predictor
    nominal = np.mean(q.predict(0, 0.0, "coated", _inputs(recipe, {})).capacity)
    light = np.mean(q.predict(1, 0.0, "coated", _inputs(recipe, {"cathode": 0.97})).capacity)
    heavy_anode = np.mean(q.predict(2, 0.0, "coated",
                                    _inputs(recipe, {"anode": 1.03})).capacity)
    assert light / nominal == pytest.approx(0.97, abs=0.004)
    assert abs(heavy_anode / nominal - 1) < 0.01
    assert nominal == pytest.approx(q.nominal["cell_capacity"], rel=0.01)


def test_loading_uncertainty_widens_the_prediction(predictor):
    recipe, q = predictor
    narrow = q.predict(3, 0.0, "coated", _inputs(recipe, {}, std=0.0)).capacity
    wide = q.predict(4, 0.0, "coated", _inputs(recipe, {}, std=0.01)).capacity
    # spread: the pump's 0.4 % along the web; with a 1 % loading error sqrt(0.4^2 + 1^2)
    assert np.std(wide) > 2 * np.std(narrow)


def test_predictive_alarm_when_the_ewma_of_pair_means_leaves_the_action_limits():
    recipe = load_recipe(RECIPE)
    q = CellPredictor(recipe, samples=64)
    # one light pair (-3 %) after nominal ones: the EWMA (0.2) moves by 0.6 %, inside
    # the +-1 % action limits; two light pairs in a row: (1 - 0.8^2) 3 % = 1.08 %
    for k in range(3):
        q.predict(k, 3600.0 * k, "coated", _inputs(recipe, {}))
    q.predict(3, 3 * 3600.0, "coated", _inputs(recipe, {"cathode": 0.97}))
    assert q.alarms == []
    for k in range(4, 7):
        q.predict(k, 3600.0 * k, "coated", _inputs(recipe, {"cathode": 0.97}))
    assert [a["pair"] for a in q.alarms] == [4, 5, 6]
    low, high = q.action_limits()
    assert low == pytest.approx(q.nominal["cell_capacity"] * 0.99)
    result = q.predicted_cpk()
    assert result["cell_capacity"]["n_pairs"] == 7 and result["cell_capacity"]["cpk"] < 1


def test_measured_spc_alarms_on_a_shift_after_phase_one():
    # 6 h of phase I (one reading a minute, per-reading points), then a 5 sigma step
    rng = np.random.default_rng(0)
    spc = MeasuredSpc(subgroup=None)
    t = np.arange(0, 12 * 3600, 60.0)
    y = rng.standard_normal(t.size) + np.where(t >= 9 * 3600, 5.0, 0.0)
    spc.add(t, y)
    assert spc.monitor is not None
    assert 9 * 3600 <= spc.first_alarm <= 9 * 3600 + 600


def test_measured_spc_subgroups_a_gauge():
    spc = MeasuredSpc(subgroup=300.0)
    t = np.arange(0, 3000, 10.0)
    spc.add(t, np.ones(t.size))
    assert len(spc.points) == 10      # 30 readings of 10 s per 300 s subgroup


def test_corrections_by_hand():
    class D:
        def __init__(self, target, start):
            self.name, self.target, self.start = "d", target, start

    class S:
        def of(self, *kinds):
            return [D("cathode.x", 3600.0)]

    coils = [(0.0, 1.0), (3600.0, 1.0), (7200.0, 1.03), (10800.0, 1.0), (14400.0, 1.0)]
    assert corrections(coils, S(), 1.0, 0.02)[0]["delay_h"] == pytest.approx(2.0)
    assert corrections(coils[:3], S(), 1.0, 0.02)[0]["delay_h"] is None
    assert not corrections(coils[:2], S(), 1.0, 0.02)[0]["left_band"]
    assert corrections(coils, S(), 1.0, 0.02, "anode") == []


def test_speed_takes_over_when_the_pump_saturates():
    # base loading 0.192 for a target of 0.205 and bias 0.006: the pump would need
    # 0.205 / 0.192 - 1 - 0.006 = +6.1 %, beyond +5 %; the speed goes down by 2 % a run
    # until s = 0.192 (1 + 0.045 + 0.006) / 0.205 = 0.9844, then the pump gives the rest
    ctl = TwinController(0.205, Limits(-0.05, 0.05, 0.01), speed=Limits(0.9, 1.0, 0.02))
    for _ in range(10):
        u = ctl.recommend(0.192, 0.006)
    assert ctl.s == pytest.approx(0.192 * 1.051 / 0.205)
    assert 0.192 / ctl.s * (1 + u + 0.006) == pytest.approx(0.205)
    assert u == pytest.approx(0.045)
    for _ in range(10):                 # the slurry is back to normal: back to full speed
        ctl.recommend(0.205, 0.006)
    assert ctl.s == 1.0


@settings(deadline=None, max_examples=200)
@given(base=st.floats(0.05, 0.5), bias=st.floats(-0.2, 0.2),
       target=st.floats(0.05, 0.5), steps=st.integers(1, 30),
       u0=st.floats(-0.05, 0.05), s0=st.floats(0.9, 1.0))
def test_no_setpoint_leaves_its_range_or_rate_with_the_speed(base, bias, target, steps,
                                                             u0, s0):
    pump, speed = Limits(-0.05, 0.05, 0.01), Limits(0.9, 1.0, 0.02)
    ctl = TwinController(target, pump, u=u0, speed=speed, s=s0)
    for _ in range(steps):
        u, s = ctl.u, ctl.s
        new = ctl.recommend(base, bias)
        assert pump.low <= new <= pump.high and abs(new - u) <= pump.max_step + 1e-12
        assert speed.low <= ctl.s <= speed.high
        assert abs(ctl.s - s) <= speed.max_step + 1e-12


@pytest.mark.slow
def test_predicted_capacity_matches_the_assembled_cells():
    # 30 h without disturbance: the cells of the coil pairs assembled in the run, against
    # the twin's prediction made when their coils were coated
    line = load_line("examples/lines/pilot_line.yaml")
    run = run_mode(line, NO_DISTURBANCE, "open", duration=30 * 3600, seed=1)
    p = run["predictive"]
    assert p["pairs_scored"] >= 3
    # the pair means: within 0.5 % of capacity (the gauge's and lab's errors)
    assert p["capacity_rmse_rel"] < 0.005
    # the true cells inside the predicted central 95 %: about 95 %
    assert 0.85 <= p["capacity_inside_95"] <= 1.0


def test_bad_inputs_name_the_field_value_unit_and_range():
    with pytest.raises(ValueError, match=r"loading = -0.1 \[kg/m\^2\].*\(0, inf\)"):
        ElectrodeInput(-0.1, 0.0, 0.7, 0.2)
    with pytest.raises(ValueError, match=r"loading_std = nan \[kg/m\^2\]"):
        ElectrodeInput(0.2, float("nan"), 0.7, 0.2)
