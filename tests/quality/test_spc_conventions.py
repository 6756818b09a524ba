"""SPC as quality engineers read it (Minitab, JMP, qcc): signals at the data's subgroup
labels, one line per test, a stability warning before capability, decimal-comma CSV
files, labelled plots of a reasonable size."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from reference_rules import naive_rules
from typer.testing import CliRunner

from gigatwin.cli.app import app
from gigatwin.cli.quality import name_points
from gigatwin.quality import capability, imr, subgroup_matrix, xbar_r
from gigatwin.quality.capability import stability
from gigatwin.quality.chart_model import standardise
from gigatwin.quality.plots import RULE_MARKERS, chart_figure
from gigatwin.quality.rules import Signal, summarise_signals

EXAMPLES = Path(__file__).parents[2] / "examples" / "quality"
runner = CliRunner()


def run(*args, code=0):
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == code, result.output
    return result


@pytest.fixture(scope="module")
def phase_two(tmp_path_factory):
    """Montgomery Example 6.3: limits from samples 1-25, samples 26-40 monitored."""
    out = tmp_path_factory.mktemp("p")
    run("spc", "chart", EXAMPLES / "pistonrings_phase1.csv", "--column", "diameter",
        "--type", "xbar-r", "--subgroup-column", "sample", "--json", out / "p1.json")
    result = run("spc", "chart", EXAMPLES / "pistonrings_phase2.csv", "--column", "diameter",
                 "--type", "xbar-r", "--subgroup-column", "sample", "--limits",
                 out / "p1.json", "--json", out / "p2.json", "--unit", "mm",
                 "--plot", out / "p2.html")
    return result, json.loads((out / "p2.json").read_text()), out


def test_piston_rings_signal_at_samples_37_38_39_one_line_per_test(phase_two):
    result, data, _ = phase_two
    lines = [line for line in result.stdout.splitlines() if line.startswith("  xbar ")]
    rules = [line.split()[1] for line in lines]
    assert rules == sorted(set(rules), key=lambda r: (r != "limits", r))  # one line per test
    limits = [line for line in lines if line.startswith("  xbar limits")]
    # Montgomery (7th ed., Example 6.3): samples 37, 38 and 39 plot above the UCL
    assert len(limits) == 1 and limits[0].endswith("at 37, 38, 39")
    xbar = data["charts"][0]
    assert data["labels"] == list(range(26, 41))
    assert xbar["tests"][0]["rule"] == "limits" and xbar["tests"][0]["at"] == [37, 38, 39]
    assert [s["label"] for s in xbar["signals"] if s["rule"] == "limits"] == [37, 38, 39]


def test_run_rule_tests_name_the_points_of_the_reference_rules(phase_two):
    """Each run-rule test lists the labels where the per-point reference fires."""
    _, data, _ = phase_two
    xbar = data["charts"][0]
    sigma = data["parameters"]["sigma"] / np.sqrt(5)
    z = standardise(np.array(xbar["points"]), data["parameters"]["center"], sigma)
    reference = naive_rules(list(z), ["WE2", "WE3", "WE4"])
    got = {t["rule"]: t["at"] for t in xbar["tests"] if t["rule"] != "limits"}
    want = {rule: [26 + i for i in idx] for rule, idx in reference.items() if idx}
    assert got == want and got  # the shift also fires run rules


def test_capability_warns_on_unstable_data_and_names_the_test():
    result = run("spc", "capability", EXAMPLES / "pistonrings_phase2.csv", "--column",
                 "diameter", "--subgroup-column", "sample", "--lsl", "73.95", "--usl", "74.05")
    assert "warning: the process is not in statistical control" in result.stderr
    assert "xbar limits (beyond the control limits) at" in result.stderr
    stable = run("spc", "capability", EXAMPLES / "pistonrings_phase1.csv", "--column",
                 "diameter", "--subgroup-column", "sample", "--lsl", "73.95", "--usl", "74.05")
    assert "warning" not in stable.stderr
    assert "stability: in statistical control" in stable.stdout


def test_stability_of_a_shifted_process_by_hand():
    # 20 values alternating 9, 11, then 10 values at 30: center 500/30 = 16.667,
    # MR-bar = (19 * 2 + 19) / 29 = 1.966, sigma = MR-bar / 1.128 = 1.743, limits
    # 16.667 +- 5.228 = [11.44, 21.89]: every point is beyond them. (The moving range
    # chart is not part of the check.)
    x = np.r_[np.tile([9.0, 11.0], 10), np.full(10, 30.0)]
    s = stability(x)
    assert s["chart"] == "imr" and s["in_control"] is False
    assert [(t["chart"], t["rule"], t["at"]) for t in s["tests"]] == [
        ("I", "limits", list(range(1, 31)))]
    # eight points in a row above the center: WE4 only when asked for
    y = np.r_[np.tile([-1.0, 1.0], 8), np.full(8, 0.5)]
    assert stability(y)["in_control"] is True
    assert [t["rule"] for t in stability(y, rules="western-electric")["tests"]] == ["WE4"]
    result = capability(x, lsl=0, usl=40)
    assert any("not in statistical control" in n for n in result.notes)
    quiet = capability(np.tile([9.0, 11.0], 10), lsl=0, usl=40)
    assert quiet.stability["in_control"] is True and quiet.notes == []


def test_semicolon_decimal_comma_file_reads_like_the_original(tmp_path):
    original = pd.read_csv(EXAMPLES / "pistonrings_phase1.csv")
    german = tmp_path / "kolbenringe.csv"
    german.write_text("Durchmesser;Probe\n" + "".join(
        f"{d:.3f}".replace(".", ",") + f";{s}\n" for d, s in original.itertuples(index=False)))
    out = tmp_path / "cap.json"
    run("spc", "capability", german, "--column", "Durchmesser", "--subgroup-column", "Probe",
        "--lsl", "73,95".replace(",", "."), "--usl", "74.05", "--delimiter", ";",
        "--decimal", ",", "--json", out)
    expected = capability(subgroup_matrix(original.diameter, subgroup_ids=original["sample"]),
                          lsl=73.95, usl=74.05)
    assert json.loads(out.read_text())["cp"]["value"] == pytest.approx(
        expected.indices["cp"].value, rel=1e-12)
    assert expected.indices["cp"].value == pytest.approx(1.703, abs=5e-4)  # Montgomery 8.3
    run("spc", "capability", german, "--column", "Durchmesser", "--lsl", "73.95",
        "--usl", "74.05", "--delimiter", ";", code=1)  # decimal commas without --decimal


def test_labels_default_to_one_based_and_follow_a_label_column(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("when,x\n" + "".join(f"t{i},{v}\n" for i, v in
                                           enumerate([0, 1, 0, 1, 0, 1, 0, 9])))
    out = tmp_path / "d.json"
    run("spc", "chart", data, "--column", "x", "--type", "imr", "--json", out)
    assert json.loads(out.read_text())["charts"][0]["tests"][0]["at"] == [8]
    run("spc", "chart", data, "--column", "x", "--type", "imr", "--label-column", "when",
        "--json", out)
    assert json.loads(out.read_text())["charts"][0]["tests"][0]["at"] == ["t7"]


def test_tests_group_signals_by_rule():
    signals = [Signal("WE2", 9, (8, 9), "2 of 3"), Signal("WE2", 10, (8, 9), "2 of 3"),
               Signal("limits", 11, (11,), "beyond")]
    limits, we2 = summarise_signals(signals)
    assert (limits.rule, limits.indices) == ("limits", (11,))
    assert (we2.rule, we2.indices, we2.points) == ("WE2", (9, 10), (8, 9))
    labels = list(range(26, 41))
    assert we2.as_dict(labels)["at"] == [35, 36] and we2.as_dict(labels)["points"] == [34, 35]
    assert name_points([0, 1, 2, 3, 4, 7], list(range(1, 9))) == "1-5, 8"
    assert name_points([0, 1], ["a", "b"]) == "a, b"


def test_plot_has_labelled_limits_units_distinct_markers_and_a_small_file(phase_two):
    _, _, out = phase_two
    html = out / "p2.html"
    assert html.stat().st_size < 100_000  # the 4.9 MB plotly.js bundle is shared
    assert (out / "plotly.min.js").stat().st_size > 1_000_000
    assert 'src="plotly.min.js"' in html.read_text()
    d = pd.read_csv(EXAMPLES / "pistonrings_phase2.csv")
    analysis = xbar_r(subgroup_matrix(d.diameter, subgroup_ids=d["sample"]),
                      parameters={"center": 74.0012, "sigma": 0.009785}).with_labels(
                          list(range(26, 41)))
    fig = chart_figure(analysis, quantity="diameter", unit="mm", x_title="sample")
    texts = [a.text for a in fig.layout.annotations]
    assert "UCL = 74.0143" in texts and "CL = 74.0012" in texts and "LCL = 73.9881" in texts
    assert fig.layout.yaxis.title.text == "mean of diameter [mm]"
    assert fig.layout.yaxis2.title.text == "range of diameter [mm]"
    assert fig.layout.xaxis2.title.text == "sample"
    markers = {t.name.split(":")[0]: t.marker.symbol for t in fig.data
               if t.mode == "markers"}
    assert len(markers) >= 3 and len(set(markers.values())) == len(markers)
    assert markers["limits"] == RULE_MARKERS["limits"][0]
    assert list(fig.data[0].x) == list(range(26, 41))


def test_individuals_with_one_infinite_value_are_refused_not_charted():
    with pytest.raises(ValueError, match="infinite"):
        imr([1.0, 2.0, np.inf, 1.5])
