"""The live twin: bias filter, setpoint limits, calibration and control on the line."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigatwin.line.config import NO_DISTURBANCE, load_line, load_scenario
from gigatwin.line.live import experiment, run_mode
from gigatwin.twin.live import BiasFilter, EwmaController, Limits, TwinController

LINE = "examples/lines/pilot_line.yaml"


def _recipe_load(line, electrode: str) -> float:
    """The recipe's nominal calender line load of ``electrode`` [N/m]: the controllers'
    limits are relative to it (50-150 %, 5 % a write)."""
    from gigatwin.twin import load_recipe
    return load_recipe(line.recipe_path)[f"{electrode}.calender_line_load"].nominal


def test_filter_recovers_a_known_bias_within_its_interval():
    # y = base (1 + u + b) + noise, b = 0.01: the posterior must cover it
    rng = np.random.default_rng(1)
    f = BiasFilter()
    base, r = 0.2, 0.001**2
    for i in range(200):
        y = base * (1 + 0.0 + 0.01) + math.sqrt(r) * rng.standard_normal()
        f.update(10.0 * i, y, base, 0.0, r)
    low, high = f.history[-1].interval()
    assert low <= 0.01 <= high
    # posterior variance of a constant from n readings: r / (n base^2) (plus random walk)
    assert f.std < 3 * math.sqrt(r / 200) / base


def test_filter_rejects_outliers_with_a_reason_and_resets_on_alarm():
    f = BiasFilter()
    f.update(0.0, 0.2, 0.2, 0.0, 1e-8)
    est = f.update(10.0, 0.4, 0.2, 0.0, 1e-8)
    assert not est.accepted and "outlier" in est.reason
    assert f.mean == pytest.approx(f.history[0].mean)
    f.alarm(20.0, "SPC alarm")
    assert f.std == pytest.approx(f.prior_std)


@given(wanted=st.floats(allow_nan=True, allow_infinity=True, width=64),
       previous=st.floats(-0.05, 0.05), max_step=st.floats(1e-4, 0.05))
def test_no_recommendation_outside_range_or_rate_limit(wanted, previous, max_step):
    limits = Limits(-0.05, 0.05, max_step)
    u = limits.clip(wanted, previous)
    assert limits.low <= u <= limits.high
    assert abs(u - previous) <= max_step + 1e-12


@settings(deadline=None)
@given(base=st.floats(0.01, 1.0), bias=st.floats(-0.5, 0.5), y=st.floats(0.0, 1.0),
       steps=st.integers(1, 20))
def test_controllers_stay_within_limits_over_runs(base, bias, y, steps):
    limits = Limits.for_setting("cathode.coating_slot_flow_rate_deviation")
    twin, ewma = TwinController(0.205, limits), EwmaController(0.205, 0.205, limits)
    for _ in range(steps):
        for ctl, u in ((twin, twin.u), (ewma, ewma.u)):
            new = ctl.recommend(base, bias) if ctl is twin else ctl.after_run(y)
            assert limits.low <= new <= limits.high
            assert abs(new - u) <= limits.max_step + 1e-12


def test_calibration_recovers_the_hidden_die_bias():
    # pilot_line.yaml: hidden cathode.coating_slot_flow_rate_deviation = 0.006
    line = load_line(LINE)
    run = run_mode(line, NO_DISTURBANCE, "open", duration=8 * 3600, seed=3)
    est = run["estimates"]["cathode.coating_slot_flow_rate_deviation"]
    assert est["final_true"] == 0.006
    assert abs(est["final_mean"] - 0.006) <= 1.959964 * est["final_std"]
    assert est["final_std"] < 0.003     # learned: the prior's is 0.02


@pytest.mark.parametrize("scenario", ["solid_content_drift", "slot_die_wear"])
def test_closed_loop_beats_open_loop_on_areal_loading(scenario):
    line = load_line(LINE)
    plan = load_scenario(f"examples/lines/scenarios/{scenario}.yaml", line)
    result = experiment(line, plan, duration=24 * 3600, seed=0)
    key = "cathode.coating_areal_loading"
    ppk = {m: r["targets"][key]["ppk"] for m, r in result["runs"].items()}
    assert ppk["open"] < 1.0
    assert ppk["twin"] >= 1.33
    assert ppk["twin"] > ppk["ewma"]
    # feed-forward error per coil: the lab's 0.1 point of solid content alone is 0.32 % of
    # loading (dL0/dw = 0.646 kg/m^2 per unit, L0 = 0.205); fused with the pycnometer
    # (5 kg/m^3 over d rho/dw = 3720 kg/m^3, i.e. 0.13 point) 0.08 point, 0.25 %; the
    # coil's own batch even when the coater stops (a wrong batch was 1.6 % off)
    twin = result["runs"]["twin"]["targets"][key]
    assert twin["feed_forward_rmse"] < 0.004 * twin["target"]
    # every setpoint the twin wrote: within its range and rate limit (pump +-5 %, 1 % a
    # write; line load 50-150 % of the recipe's, 5 % a write; speed 90-100 %, 2 %)
    writes = result["runs"]["twin"]["writes"]
    for e in ("cathode", "anode"):
        flow = writes[f"{e}.coating_slot_flow_rate_deviation"]
        assert flow["min"] >= -0.05 and flow["max"] <= 0.05
        assert flow["max_step"] <= 0.01 + 1e-12
        if f"{e}.calender_line_load" in writes:     # 50-150 % of the recipe's load
            load = writes[f"{e}.calender_line_load"]
            f0 = _recipe_load(line, e)
            assert 0.5 * f0 <= load["min"] and load["max"] <= 1.5 * f0
            assert load["max_step"] <= 0.05 * f0 * (1 + 1e-9)
        if f"{e}.coating_speed" in writes:     # the recipe: 30 m/min = 0.5 m/s
            speed = writes[f"{e}.coating_speed"]
            assert speed["min"] >= 0.45 - 1e-12 and speed["max"] <= 0.5 + 1e-12
            assert speed["max_step"] <= 0.01 + 1e-12



@pytest.fixture(scope="module")
def two_days_of_solid_content_drift():
    # three runs of 2 days: about 1-3 minutes
    line = load_line(LINE)
    plan = load_scenario("examples/lines/scenarios/solid_content_drift.yaml", line)
    result = experiment(line, plan, duration=2 * 86400, seed=0)
    return result, {m: r["targets"]["cathode.coating_areal_loading"]["ppk"]
                    for m, r in result["runs"].items()}


@pytest.mark.slow
def test_two_days_of_drift_twin_beats_ewma_beats_open(two_days_of_solid_content_drift):
    result, ppk = two_days_of_solid_content_drift
    assert ppk["open"] < 1.0 and ppk["open"] < ppk["ewma"] < ppk["twin"]
    est = result["runs"]["twin"]["estimates"]["cathode.coating_slot_flow_rate_deviation"]
    assert est["final_inside_95"]


@pytest.mark.slow
def test_two_days_of_drift_calibration_stays_inside_its_interval(
        two_days_of_solid_content_drift):
    # "recovering ... and staying there": after the first hour, the 95 % interval holds
    # the truth at least 95 % of the time, for every calibrated parameter in every mode
    # (was 85-86 % for the cathode die's bias: a coater stop of hours published hundreds
    # of readings of the same metres, each taken as independent; now one update per
    # metre range, calibration.segment_means)
    result, _ = two_days_of_solid_content_drift
    for mode, run in result["runs"].items():
        for key, est in run["estimates"].items():
            if est.get("coverage_95_after_1h") is not None and est["updates"] > 20:
                assert est["coverage_95_after_1h"] >= 0.95, (mode, key)


@pytest.mark.slow
def test_two_days_of_drift_twin_reaches_ppk_133(two_days_of_solid_content_drift):
    # was a strict xfail at Ppk 1.22: from about 30 h the drift (-2 points of solid
    # content, base loading -2.9 %) needs a pump setpoint of +6.1 % (0.205 / 0.192 - 1 -
    # 0.006), beyond the trim's +5 %; the twin now slows the coater instead (at most 10 %,
    # 2 % a write; TwinController.speed), so the loading stays on target
    result, ppk = two_days_of_solid_content_drift
    assert ppk["twin"] >= 1.33
    loading = result["runs"]["twin"]["targets"]["cathode.coating_areal_loading"]
    assert loading["scrap_fraction"] == 0.0
    # the speed acted, within 90-100 % of the recipe's 0.5 m/s and 2 % (0.01 m/s) a write
    speed = result["runs"]["twin"]["writes"]["cathode.coating_speed"]
    assert speed["n"] > 0 and speed["min"] >= 0.45 - 1e-12 and speed["max"] <= 0.5 + 1e-12
    assert speed["max_step"] <= 0.01 + 1e-12


@pytest.mark.slow
def test_two_days_of_drift_predictive_alarm_ahead_of_the_tester(
        two_days_of_solid_content_drift):
    # open loop: the cells of the drifting coils are predicted light when their coils are
    # coated; the end-of-line tester sees none of them within the 2 days (formation and
    # a day of aging), so the measured SPC alarm on capacity is at least 2 d - alarm away
    result, _ = two_days_of_solid_content_drift
    p = result["runs"]["open"]["predictive"]
    assert p["first_alarm_h"] is not None and p["first_alarm_h"] > 8.0   # drift from 8 h
    assert p["lead_time"]["eol_discharge_capacity"]["hours_at_least"] > 12.0
    # closed loop keeps the predicted pair means inside the action limits
    assert result["runs"]["twin"]["predictive"]["alarm_count"] == 0
    # the prediction of each assembled pair's mean: within 0.5 % of the truth
    for mode in ("open", "twin"):
        assert result["runs"][mode]["predictive"]["capacity_rmse_rel"] < 0.005


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "closed-loop cell capacity Ppk 1.14 over 2 days of solid-content drift at a +-2 % "
    "window (seed 0, 28 pairs assembled; 1.30 under slot-die wear): within a pair 0.43 % "
    "(one sigma: the pump's 0.4 % per cell of a cathode-limited cell, the coating speed's "
    "0.16 %), white along the web, so no controller removes it (ceiling 2 / (3 x 0.43) = "
    "1.57); between pairs 0.41 %, the feed-forward error per coil (0.31 % of loading: the "
    "batch's solid content known to 0.08 point), pair 0 coated before the die's bias "
    "is learned (+0.76 %) and pair 9 behind a coater stop (-1.21 %, rate limit). 1.33 "
    "needs between-pair <= 0.26 %, i.e. feedback within the "
    "coil from the beta gauge a few metres after the die, which the virtual line cannot "
    "represent: it applies a coil's settings and publishes its readings when the coil "
    "ends"))
def test_two_days_of_drift_cell_capacity_ppk_133(two_days_of_solid_content_drift):
    result, _ = two_days_of_solid_content_drift
    assert result["runs"]["twin"]["targets"]["cell_capacity"]["ppk"] >= 1.33


def test_calender_line_load_offset_and_porosity_under_roll_wear():
    # roll wear: -140 N/mm over 12-36 h on 1400 N/mm, i.e. -10 % of the recipe's load
    line = load_line(LINE)
    plan = load_scenario("examples/lines/scenarios/calender_roll_wear.yaml", line)
    result = experiment(line, plan, duration=36 * 3600, seed=0, modes=("open", "twin"))
    est = result["runs"]["twin"]["estimates"]["cathode.calender_line_load"]
    assert est["final_true"] == pytest.approx(-140e3 / _recipe_load(line, "cathode"),
                                              abs=0.005)
    assert abs(est["final_mean"] - est["final_true"]) <= 1.959964 * est["final_std"]
    ppk = {m: r["targets"]["cathode.calendered_porosity"]["ppk"]
           for m, r in result["runs"].items()}
    assert ppk["open"] < 1.0 and ppk["twin"] >= 1.33


def test_first_departure_needs_a_held_excursion():
    from gigatwin.line.live import first_departure
    from gigatwin.twin.live import Estimate

    # flat at 0 (std 0.001) until 100 s, one 5-sigma blip at 200 s, then a held shift
    hist = [Estimate(float(t), 0.0, 0.001, "r") for t in range(0, 100, 10)]
    hist += [Estimate(200.0, 0.005, 0.001, "r"), Estimate(210.0, 0.0, 0.001, "r")]
    hist += [Estimate(float(t), 0.004, 0.001, "r") for t in range(300, 2500, 10)]
    assert first_departure(hist, 150.0, z=3.0, hold=1800.0) == 300.0
    assert first_departure(hist[:-100], 150.0, z=3.0, hold=1800.0) is None


def test_advise_mode_records_but_never_writes():
    line = load_line(LINE)
    run = run_mode(line, NO_DISTURBANCE, "advise", duration=4 * 3600, seed=1)
    assert run["recommendations"] > 0
    for key in ("cathode.coating_areal_loading", "cathode.calendered_porosity"):
        assert run["targets"][key]["setpoint_writes"] == 0


@pytest.mark.slow
def test_two_days_of_drift_anode_thickness_ppk_133(two_days_of_solid_content_drift):
    # was a strict xfail at 1.12: the thickness varies 0.6 % within coils (pump, dried
    # porosity and the calender's own load, per metre). The calender now sets its line
    # load per metre range from the loading and dried porosity gauged upstream
    # (CalenderModel.segment_loads), which cancels the dried porosity's share
    result, _ = two_days_of_solid_content_drift
    twin = result["runs"]["twin"]["targets"]
    assert twin["anode.calendered_thickness"]["ppk"] >= 1.33
    assert twin["anode.calendered_thickness"]["ppk"] > \
        result["runs"]["ewma"]["targets"]["anode.calendered_thickness"]["ppk"]
    # porosity (per coil) stays capable, and every profile came to its own coil
    assert twin["anode.calendered_porosity"]["ppk"] >= 1.33
    line = load_line(LINE)
    for e in ("anode", "cathode"):
        f0 = _recipe_load(line, e)
        prof = twin[f"{e}.calendered_porosity"]["profiles"]
        assert prof["misaligned"] == 0
        assert 0.5 * f0 <= prof["min"] and prof["max"] <= 1.5 * f0
        assert prof["max_step"] <= 0.05 * f0 * (1 + 1e-9)


@pytest.fixture(scope="module")
def two_days_of_lot_change():
    line = load_line(LINE)
    plan = load_scenario("examples/lines/scenarios/lot_change.yaml", line)
    return experiment(line, plan, duration=2 * 86400, seed=0, modes=("open", "twin"))


@pytest.mark.slow
def test_two_days_of_lot_change_predicted_when_the_lot_arrives(two_days_of_lot_change):
    # the graphite lot of 2.1 m^2/g (recipe 1.5; inspection 0.05 m^2/g, 12 sigma off)
    # enters at 16 h: its first pair is predicted about 4 % light when its batch is
    # reported, a day before any of its cells reach the tester
    twin = two_days_of_lot_change["runs"]["twin"]
    p = twin["predictive"]
    assert 16.0 < p["first_alarm_h"] < 24.0
    assert p["lead_time"]["eol_discharge_capacity"]["hours_at_least"] > 24.0
    assert p["capacity_rmse_rel"] < 0.01
    # the SEI loss factor, learned from the formation's first-cycle loss with the
    # inspected BET, holds its truth (the chain's SEI, factor 1) in its 95 % interval
    sei = twin["estimates"]["formation.sei_loss_factor"]
    assert sei["updates"] >= 10 and sei["final_inside_95"]
    used = [lot for lot, c in sei["lots_inspected"].items() if c["used"]]
    # lots of 6 one-hour batches: lot 3, from 18 h, is the first after the change
    assert used and min(int(lot) for lot in used) == 3


@pytest.mark.slow
@pytest.mark.xfail(strict=True, reason=(
    "closed-loop cell capacity under the graphite lot change (2 days, seed 0): the new "
    "lot's SEI takes about 4 % of the capacity of every cell made from it. The twin "
    "predicts it when the lot is inspected, but has no actuator for it within the other "
    "targets' windows: +4 % cathode loading would restore the lithium but leaves the "
    "loading's +-2 % window (and lowers the N/P ratio). The remedy is the lot's "
    "acceptance at incoming inspection or a recipe re-balanced for the lot, not "
    "run-to-run control"))
def test_two_days_of_lot_change_cell_capacity_ppk_133(two_days_of_lot_change):
    twin = two_days_of_lot_change["runs"]["twin"]
    assert twin["targets"]["cell_capacity"]["ppk"] >= 1.33
