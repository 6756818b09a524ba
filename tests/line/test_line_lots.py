"""Raw-material lots on the virtual line: a lot's properties reach the physics, the
incoming inspection measures each lot, and scoring counts only what the physics moves."""

from datetime import UTC, datetime

import numpy as np
import pytest

from gigatwin.line.config import NO_DISTURBANCE, Disturbance, Scenario
from gigatwin.line.engine import CoilPair, VirtualLine
from gigatwin.line.score import score
from gigatwin.line.sinks import run_to

DAY = 86400.0
BET = "anode.active_material_bet_surface_area"


def test_a_finer_graphite_lot_binds_lithium_in_proportion_to_its_bet_area(fast_line):
    # Q_SEI = S (q0 + k sqrt(t)), S = anode mass x BET area (Joho et al. 2001; Ploehn et
    # al. 2004): at the same mass and formation time, 2.1 instead of 1.5 m^2/g binds
    # 2.1 / 1.5 = 1.4 times the lithium.
    line = VirtualLine(fast_line, NO_DISTURBANCE, sink=lambda b: None,
                       genealogy=lambda g: None)
    nominal = line._physics(CoilPair(0, {}))
    fine = line._physics(CoilPair(0, {}, lot_values={BET: 2100.0}))   # m^2/kg
    ratio = fine["sei_lithium_loss"] / nominal["sei_lithium_loss"]
    assert ratio == pytest.approx(np.full(ratio.shape, 1.4), rel=1e-9)
    assert np.all(fine["cell_capacity"] < nominal["cell_capacity"])


def test_the_incoming_inspection_measures_each_lot_once(fast_line, collect):
    change = Disturbance("lot_change", target=BET, start=0.2 * DAY, change=600.0,
                         name="fine lot")
    truth = run_to(fast_line, Scenario("lot", "<test>", (change,)), [collect],
                   duration=0.6 * DAY, seed=1)
    rows = [r for r in collect.rows if r["asset"].endswith("A-IQC-01")]
    lots = [r["product"] for r in rows]
    assert len(lots) == len(set(lots)) >= 3 and all("-LOT-" in lot for lot in lots)
    before = [r["value"] for r in rows if r["ts"] < "2026-01-05T10:48"]
    after = [r["value"] for r in rows if r["ts"] > "2026-01-05T10:48"]
    assert rows[0]["unit"] == "m^2/g"
    # 1.5 m^2/g before, 2.1 after; the instrument's noise is 0.05 m^2/g
    assert np.mean(before) == pytest.approx(1.5, abs=0.15)
    assert np.mean(after) == pytest.approx(2.1, abs=0.15)
    # the truth names what the physics moves: formation and end of line, not stacking
    moved = truth.disturbances()[0]["affects"]
    assert "first_cycle_irreversible_capacity_loss" in moved
    assert "stack_thickness" not in moved and "anode.coating_areal_loading" not in moved


def test_an_alarm_on_a_series_the_physics_does_not_move_is_false():
    t = datetime(2026, 1, 5, 12, tzinfo=UTC)
    truth = {"start": "2026-01-05T06:00:00+00:00", "end": "2026-01-07T06:00:00+00:00",
             "coils": [], "disturbances": [
                 {"name": "fine lot", "kind": "lot_change", "target": BET, "station": None,
                  "start": "2026-01-05T10:00:00+00:00", "end": None,
                  "affects": ["first_cycle_irreversible_capacity_loss"]}]}
    alarms = [("pilot/line1/STACK-01", "stack_thickness", t),
              ("pilot/line1/FORM-01", "first_cycle_irreversible_capacity_loss",
               t.replace(hour=20))]
    result = score(truth, alarms)
    assert result.detections[0].series == ("pilot/line1/FORM-01 "
                                           "first_cycle_irreversible_capacity_loss")
    assert result.detections[0].delay_hours == pytest.approx(10.0)
    assert result.false_alarms == 1
