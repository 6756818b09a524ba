"""End-of-line grading, self-discharge screening, matching and KPIs on generated data."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from gigatwin.quality import (
    GradeConfig,
    energy_per_kwh,
    grade_cells,
    match_cells,
    resistance_spread,
    robust_z,
    self_discharge_outliers,
    self_discharge_rate,
    step_yields,
)
from gigatwin.quality.grading import min_detectable_rate
from gigatwin.quality.synthetic import eol_cells

EXAMPLES = Path(__file__).parents[2] / "examples" / "quality"


def config():
    return GradeConfig.load(EXAMPLES / "GRADES.yaml")


def test_grading_by_hand():
    table = pd.DataFrame({"capacity_Ah": [5.0, 4.95, 4.90, 5.0, np.nan],
                          "dcir_mohm": [18.0, 19.0, 20.0, 25.0, 18.0],
                          "k_mV_per_day": [1.0, 1.0, 2.5, 1.0, 1.0], "batch": 0})
    g = grade_cells(table, config())
    assert g["grade"].tolist() == ["A", "B", "C", "scrap", "scrap"]
    assert "dcir above" in g["reasons"][3] and g["reasons"][4] == "missing capacity"
    assert g["reasons"][0] == ""


def test_grading_keeps_every_cell_and_finds_the_soft_shorts():
    cells = eol_cells(400, seed=7, soft_shorts=4)
    g = grade_cells(cells, config())
    assert len(g) == 400
    # The generator multiplies k of 4 cells by 5-10: exactly those are outliers.
    k = cells["k_mV_per_day"].to_numpy()
    assert g["self_discharge_outlier"].sum() == 4
    assert set(np.argsort(k)[-4:]) == set(np.flatnonzero(g["self_discharge_outlier"]))


def test_robust_z_by_hand_and_per_batch():
    # median 2, MAD = median(|[-1,0,0,1,8]|) = 1 -> z = 0.6745 * (x - 2)
    assert robust_z([1, 2, 2, 3, 10]).tolist() == pytest.approx([-0.6745, 0, 0, 0.6745, 5.396])
    # the same values shifted by a batch offset are not outliers within their batch
    x = np.r_[[1.0, 1.1, 0.9, 1.0], [5.0, 5.1, 4.9, 5.0]]
    assert not self_discharge_outliers(x, groups=[0] * 4 + [1] * 4).any()


def test_self_discharge_rate_and_resolution():
    day = 86400.0
    assert self_discharge_rate(3.650, 3.636, 14 * day) == pytest.approx(1e-3 / day)
    # 0.1 mV meter over 7 vs 28 days: four times smaller leak resolvable
    assert min_detectable_rate(1e-4, 7 * day) / min_detectable_rate(1e-4, 28 * day) == 4.0
    with pytest.raises(ValueError, match="aging_time"):
        self_discharge_rate(3.6, 3.5, 0.0)


def test_matching_reduces_capacity_spread_against_sequential():
    cells = eol_cells(1200, seed=1)
    r = match_cells(cells["capacity_Ah"], cells["dcir_mohm"], 12)
    assert r.capacity_improvement > 5.0
    assert r.unassigned == []
    counts = np.bincount(r.module)
    assert counts.min() == counts.max() == 12
    banded = match_cells(cells["capacity_Ah"], cells["dcir_mohm"], 12, modules_per_band=4)
    assert banded.resistance_spread < r.resistance_spread
    assert banded.capacity_improvement > 2.0


def test_matching_small_case_by_hand():
    cap = [3.0, 1.0, 2.0, 4.0, 9.0]
    r = match_cells(cap, [1, 1, 1, 1, 1], 2)
    # sorted 1,2 | 3,4 | 9 left over; sequential [3,1] [2,4] -> ranges 2, 2
    assert r.module.tolist() == [1, 0, 0, 1, -1]
    assert r.capacity_spread == 1.0 and r.sequential_capacity_spread == 2.0
    assert r.unassigned == [4]


def test_step_yields_and_first_pass_yield():
    rows = [("c1", "formation", True), ("c1", "eol", True),
            ("c2", "formation", False), ("c2", "formation", True), ("c2", "eol", True),
            ("c3", "formation", True), ("c3", "eol", False),
            ("c4", "formation", True), ("c4", "eol", True)]
    y = step_yields(pd.DataFrame(rows, columns=["cell_id", "step", "passed"]))
    assert y["steps"]["formation"] == {"entered": 4, "passed": 4, "yield": 1.0,
                                       "first_pass_yield": 0.75}
    assert y["steps"]["eol"]["yield"] == 0.75
    assert y["first_pass_yield"] == 0.5  # c1 and c4
    assert y["rolled_throughput_yield"] == pytest.approx(0.75 * 0.75)


def test_resistance_spread_and_energy_per_kwh():
    s = resistance_spread([1.0, 2.0, 3.0, 4.0, 5.0])
    assert s["iqr"] == 2.0 and s["std"] == pytest.approx(np.sqrt(2.5))
    assert energy_per_kwh([30.0, 20.0], [10.0, 15.0]) == 2.0
    with pytest.raises(ValueError, match="must be > 0"):
        energy_per_kwh([1.0], [0.0])


def test_config_errors_name_the_problem(tmp_path):
    bad = tmp_path / "g.yaml"
    bad.write_text("grades:\n  - name: A\n    voltage: {min: 3}\n")
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['voltage'\]"):
        GradeConfig.load(bad)
