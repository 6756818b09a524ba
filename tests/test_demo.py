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


@pytest.mark.slow
def test_demo_summary_is_short_and_readable_at_80_columns(tmp_path):
    # The terminal gets a summary of at most ~80 lines; each command's full output is
    # kept in out/log/, which the summary names.
    import subprocess
    import sys

    # exactly what `make demo` runs: no --out (the default out/demo, a relative path)
    run = subprocess.run([sys.executable, "-m", "gigatwin.cli.app", "demo"], cwd=tmp_path,
                         capture_output=True, text=True, timeout=600,
                         env={**__import__("os").environ, "COLUMNS": "80"})
    tmp_path = tmp_path / "out" / "demo"
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines) <= 80, run.stdout
    assert max(len(line) for line in lines) <= 80
    assert "Traceback" not in run.stdout + run.stderr
    logs = sorted(p.name for p in (tmp_path / "log").glob("*.log"))
    assert logs and all(f"log/{name}" in run.stdout for name in logs)
    assert "$ gigatwin simulate" in (tmp_path / "log" / logs[0]).read_text()
