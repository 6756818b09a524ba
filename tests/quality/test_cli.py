"""The quality commands end to end on the example files."""

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from gigatwin.cli.app import app

EXAMPLES = Path(__file__).parents[2] / "examples" / "quality"
runner = CliRunner()


def run(*args):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def test_chart_phase_one_then_phase_two(tmp_path):
    p1, p2 = tmp_path / "p1.json", tmp_path / "p2.json"
    run("spc", "chart", EXAMPLES / "pistonrings_phase1.csv", "--column", "diameter",
        "--type", "xbar-r", "--subgroup-column", "sample", "--json", p1,
        "--plot", tmp_path / "p1.html")
    first = json.loads(p1.read_text())
    assert [c["name"] for c in first["charts"]] == ["xbar", "R"]
    assert abs(first["charts"][0]["ucl"] - 74.0143) < 2e-5
    run("spc", "chart", EXAMPLES / "pistonrings_phase2.csv", "--column", "diameter",
        "--type", "xbar-r", "--subgroup-column", "sample", "--limits", p1, "--json", p2,
        "--rules", "none")
    second = json.loads(p2.read_text())
    assert second["phase"] == "II"
    assert [s["index"] for s in second["charts"][0]["signals"]] == [11, 12, 13]
    assert (tmp_path / "p1.html").stat().st_size > 1000


def test_attribute_and_time_weighted_charts(tmp_path):
    data = Path(__file__).parent / "data"
    out = tmp_path / "p.json"
    run("spc", "chart", data / "orangejuice.csv", "--column", "D", "--type", "p",
        "--subgroup-column", "size", "--json", out)
    oj = pd.read_csv(data / "orangejuice.csv", comment="#")  # all 54 samples
    assert abs(json.loads(out.read_text())["charts"][0]["center"] - oj.D.sum() / oj["size"].sum()) < 1e-12
    run("spc", "chart", data / "circuit.csv", "--column", "x", "--type", "cusum",
        "--target", "19", "--sigma", "4.4", "--k", "0.5", "--h", "4", "--json", out)
    assert [c["name"] for c in json.loads(out.read_text())["charts"]] == ["cusum_upper", "cusum_lower"]
    run("spc", "chart", data / "circuit.csv", "--column", "x", "--type", "ewma",
        "--lambda", "0.2", "--json", out, "--plot", tmp_path / "e.html")
    assert isinstance(json.loads(out.read_text())["charts"][0]["ucl"], list)


def test_capability_grade_match(tmp_path):
    cap = tmp_path / "cap.json"
    run("spc", "capability", EXAMPLES / "pistonrings_phase1.csv", "--column", "diameter",
        "--subgroup-column", "sample", "--lsl", "73.95", "--usl", "74.05", "--json", cap)
    d = json.loads(cap.read_text())
    assert abs(d["cp"]["value"] - 1.703) < 5e-4 and d["n"] == 125
    g = tmp_path / "g.json"
    run("grade", EXAMPLES / "eol_cells.csv", "--config", EXAMPLES / "GRADES.yaml", "--json", g)
    graded = json.loads(g.read_text())
    assert graded["summary"]["cells"] == 400 and len(graded["cells"]) == 400
    m = tmp_path / "m.json"
    run("match", EXAMPLES / "eol_cells.csv", "--cells-per-module", "12", "--json", m)
    assert json.loads(m.read_text())["capacity_improvement"] > 5


def test_bad_input_is_reported():
    result = runner.invoke(app, ["spc", "chart", str(EXAMPLES / "pistonrings_phase1.csv"),
                                 "--column", "nope", "--type", "imr"])
    assert result.exit_code == 2 and "no column 'nope'" in result.output


def test_json_to_stdout_is_only_json():
    """``--json -``: the tables go to stderr, stdout parses as JSON."""
    for args in (["spc", "chart", EXAMPLES / "pistonrings_phase2.csv", "--column", "diameter",
                  "--type", "xbar-r", "--subgroup-column", "sample"],
                 ["spc", "capability", EXAMPLES / "pistonrings_phase1.csv", "--column",
                  "diameter", "--lsl", "73.95", "--usl", "74.05"],
                 ["grade", EXAMPLES / "eol_cells.csv", "--config", EXAMPLES / "GRADES.yaml"],
                 ["match", EXAMPLES / "eol_cells.csv", "--cells-per-module", "12"]):
        result = run(*args, "--json", "-")
        assert isinstance(json.loads(result.stdout), dict)
