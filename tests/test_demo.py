"""`gigatwin demo` (what `make demo` runs) completes and writes every promised output."""

import json

import pytest
from typer.testing import CliRunner

from gigatwin.cli.app import app


@pytest.mark.slow
def test_demo_runs_end_to_end_and_writes_its_outputs(tmp_path):
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    for name in ("spec.jsonld", "spec.html", "spec_gaps.md", "twin/simulation.json", "twin/distributions.png",
                 "quality/xbar_r.html", "quality/capability.json", "quality/grades.json",
                 "quality/modules.json", "factory/plant.json", "line.duckdb", "trace_cell.json",
                 "track_roll.json"):
        assert (tmp_path / name).exists(), name
    simulation = json.loads((tmp_path / "twin" / "simulation.json").read_text())
    assert simulation["samples"] == 20000 and 0 < simulation["yield"]["overall"] <= 1
    # a 50 m segment of the first cathode roll reaches cells (2 m segments, one per cell and lane)
    track = json.loads((tmp_path / "track_roll.json").read_text())
    assert sum(obj["kind"] == "cell" for obj in track) > 0
