"""Inputs that used to give silently wrong answers now give a clear error, or a rejected
cell with its reason: units of grade data and limits against the spec, limits, grade
names, cell ids, physical ranges, chart options, infinite measurements."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from gigatwin.checks import RangeError
from gigatwin.cli.app import app
from gigatwin.quality import (
    GradeConfig,
    capability,
    cusum,
    ewma,
    grade_cells,
    imr,
    match_cells,
    p_chart,
    xbar_r,
)

EXAMPLES = Path(__file__).parents[2] / "examples" / "quality"
RAW = yaml.safe_load((EXAMPLES / "GRADES.yaml").read_text())
runner = CliRunner()


def config(**changes) -> dict:
    raw = yaml.safe_load((EXAMPLES / "GRADES.yaml").read_text())
    raw.update(changes)
    return raw


def cells(**columns) -> pd.DataFrame:
    base = {"cell_id": ["a", "b", "c"], "batch": 0, "capacity_Ah": [5.0, 5.0, 4.95],
            "dcir_mohm": [18.0, 18.2, 19.0], "k_mV_per_day": [1.0, 1.1, 1.2]}
    base.update(columns)
    return pd.DataFrame(base)


def test_capacity_column_in_kg_is_an_error_not_400_cells_in_scrap():
    raw = config(columns={**RAW["columns"], "capacity": {"column": "capacity_Ah",
                                                         "unit": "kg"}})
    with pytest.raises(ValueError, match=r"unit 'kg' does not measure capacity.*A\*s"):
        GradeConfig.from_dict(raw, "g.yaml")


def test_limits_in_the_wrong_unit_are_an_error():
    with pytest.raises(ValueError, match="units.dcir: unit 'mV' does not measure dcir"):
        GradeConfig.from_dict(config(units={**RAW["units"], "dcir": "mV"}), "g.yaml")


@pytest.mark.parametrize(("limit", "message"), [
    ({"min": float("nan")}, r"capacity.min = nan must be a finite number"),
    ({"min": float("inf")}, r"capacity.min = inf must be a finite number"),
    ({"min": "4.9 Ah"}, r"capacity.min = '4.9 Ah' must be a finite number"),
    ({"min": 5.1, "max": 4.9}, r"min = 5.1 must be below max = 4.9 \[Ah\]"),
    ({"mini": 4.9}, r"unknown key\(s\) \['mini'\]"),
    ({}, r"give min and/or max"),
])
def test_grade_limits_are_finite_ordered_and_known(limit, message):
    grades = [{"name": "A", "capacity": limit}]
    with pytest.raises(ValueError, match=message):
        GradeConfig.from_dict(config(grades=grades), "g.yaml")


def test_grade_names_are_unique_and_differ_from_the_reject_grade():
    with pytest.raises(ValueError, match="grade name 'A' is used twice"):
        GradeConfig.from_dict(config(grades=[{"name": "A"}, {"name": "A"}]), "g.yaml")
    with pytest.raises(ValueError, match="is the reject grade"):
        GradeConfig.from_dict(config(grades=[{"name": "scrap"}]), "g.yaml")


def test_a_limit_on_a_quantity_without_a_column_is_an_error_not_ignored():
    columns = {k: v for k, v in RAW["columns"].items() if k != "dcir"}
    with pytest.raises(ValueError, match="no column is configured for dcir"):
        GradeConfig.from_dict(config(columns=columns), "g.yaml")


def test_duplicate_cell_ids_are_an_error():
    cfg = GradeConfig.from_dict(RAW)
    with pytest.raises(ValueError, match=r"cell id 'a' appears 2 times \(data rows \[1, 3\]\)"):
        grade_cells(cells(cell_id=["a", "b", "a"]), cfg)


def test_unreal_cells_are_rejected_with_their_reason_and_never_matched():
    cfg = GradeConfig.from_dict(RAW)
    g = grade_cells(cells(capacity_Ah=[5.0, -5.0, 4.95], dcir_mohm=[18.0, 18.2, np.inf]), cfg)
    assert g["grade"].tolist() == ["A", "scrap", "scrap"]
    assert "capacity = -5 Ah is outside the physical range [0, inf)" in g["reasons"][1]
    assert "dcir = inf is not a finite measurement" in g["reasons"][2]
    # a -5 Ah cell is not placed in a module; the other cells are
    r = match_cells(np.array([5.0, -5.0, 5.01, 4.99]) * 3600, [0.018] * 4, 3)
    assert r.module[1] == -1 and "physical range" in r.reasons[1]
    assert sorted(r.module[[0, 2, 3]]) == [0, 0, 0]


def test_more_cells_per_module_than_cells_is_an_error_not_nan():
    with pytest.raises(ValueError, match="cells_per_module = 100000 is more than the 4 cells"):
        match_cells([1.0, 2.0, 3.0, 4.0], [1.0] * 4, 100000)


def test_grade_cli_kg_column_and_unreal_cell(tmp_path):
    g = tmp_path / "g.yaml"
    g.write_text((EXAMPLES / "GRADES.yaml").read_text().replace(
        "{column: capacity_Ah, unit: Ah}", "{column: capacity_Ah, unit: kg}"))
    result = runner.invoke(app, ["grade", str(EXAMPLES / "eol_cells.csv"), "--config", str(g)])
    assert result.exit_code == 1 and "'kg' does not measure capacity" in result.stderr
    data = tmp_path / "eol.csv"
    cells(capacity_Ah=[5.0, -5.0, 4.95]).to_csv(data, index=False)
    result = runner.invoke(app, ["grade", str(data), "--config",
                                 str(EXAMPLES / "GRADES.yaml")])
    assert result.exit_code == 0
    assert "1 cell(s) have measurements that cannot be real" in result.stderr
    assert "line 3 (cell b): capacity = -5 Ah" in result.stderr


@pytest.mark.parametrize(("call", "field"), [
    (lambda x: imr(x, sigma=0.0), "sigma"),
    (lambda x: imr(x, sigma=float("nan")), "sigma"),
    (lambda x: imr(x, width=-3.0), "width"),
    (lambda x: imr(x, width=0.0), "width"),
    (lambda x: imr(x, target=float("nan")), "target"),
    (lambda x: xbar_r(x.reshape(4, 5), width=float("inf")), "width"),
    (lambda x: ewma(x, target=float("nan")), "target"),
    (lambda x: ewma(x, lam=0.0), "lambda"),
    (lambda x: cusum(x, h=float("nan")), "h"),
    (lambda x: cusum(x, k=-0.5), "k"),
    (lambda x: p_chart(np.round(np.abs(x)), 50, target=1.5), "target"),
    (lambda x: imr(x, parameters={"center": 0.0, "sigma": 0.0}), "parameters.sigma"),
])
def test_chart_options_must_be_finite_and_positive_where_needed(call, field):
    x = np.random.default_rng(1).normal(size=20)
    with pytest.raises(RangeError) as info:
        call(x)
    assert info.value.field == field


def test_phase_two_parameters_are_checked():
    with pytest.raises(ValueError, match=r"parameters lack \['center'\]"):
        imr([1.0, 2.0, 3.0], parameters={"sigma": 1.0})
    with pytest.raises(ValueError, match="is not a number"):
        imr([1.0, 2.0, 3.0], parameters={"center": "abc", "sigma": 1.0})


def test_infinite_values_are_reported_never_dropped():
    x = [74.0, 74.01, np.inf, 73.99]
    for call in (lambda: imr(x), lambda: xbar_r(np.array(x * 2).reshape(4, 2)),
                 lambda: capability(x, lsl=73.9, usl=74.1), lambda: ewma(x),
                 lambda: p_chart([1, np.inf], 10)):
        with pytest.raises(ValueError, match="infinite"):
            call()
    # missing values (NaN) are left out and counted
    result = capability([74.0, 74.01, np.nan, 73.99, 74.02], lsl=73.9, usl=74.1)
    assert result.n == 4 and "1 missing values (NaN) left out" in result.notes


def test_cli_reports_missing_values_and_refuses_inf(tmp_path):
    data = tmp_path / "x.csv"
    data.write_text("x\n1\n2\n\n3\nNA\n2\n")
    result = runner.invoke(app, ["spc", "chart", str(data), "--column", "x", "--type", "imr"])
    assert result.exit_code == 0
    assert "column 'x' has 1 missing value(s) (lines 6)" in result.stderr
    data.write_text("x\n1\n2\ninf\n3\n")
    result = runner.invoke(app, ["spc", "chart", str(data), "--column", "x", "--type", "imr"])
    assert result.exit_code == 1 and "line 4, column 'x': 'inf' is infinite" in result.stderr


def test_match_with_no_usable_cell_is_a_data_error(tmp_path):
    data = tmp_path / "m.csv"
    data.write_text("cell_id,capacity_Ah,dcir_mohm\na,,18\nb,-1,18\n")
    result = runner.invoke(app, ["match", str(data), "--cells-per-module", "2"])
    assert result.exit_code == 1
    assert "no cell has a valid capacity and resistance (of 2; first: missing capacity)" \
        in result.stderr
