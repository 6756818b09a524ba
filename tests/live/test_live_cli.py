"""``gigatwin live``: the experiment's JSON, and clear errors for bad input."""

import json
import subprocess
import sys

from gigatwin.ingest.files import ingest_file
from gigatwin.line.config import NO_DISTURBANCE, load_line
from gigatwin.line.sinks import FileSink, run_to
from gigatwin.store import open_store


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "gigatwin.cli.app", *args],
                          capture_output=True, text=True, timeout=600)


def test_experiment_writes_three_runs_on_the_same_seed(tmp_path):
    out, md = tmp_path / "exp.json", tmp_path / "exp.md"
    res = _cli("live", "experiment", "examples/lines/pilot_line.yaml", "--scenario",
               "examples/lines/scenarios/slot_die_wear.yaml", "--duration", "6h",
               "--json", str(out), "--markdown", str(md))
    assert res.returncode == 0, res.stderr
    data = json.loads(out.read_text())
    assert set(data["runs"]) == {"open", "ewma", "twin"}
    for run in data["runs"].values():
        assert {"cathode.coating_areal_loading", "cathode.calendered_porosity",
                "cathode.calendered_thickness"} <= set(run["targets"])
        # predictive quality: every coil pair whose batches were reported is predicted
        assert run["predictive"]["pairs_predicted"] >= 3
        assert "eol_discharge_capacity" in run["predictive"]["lead_time"]
    # the Markdown rows: one per target and mode with a sample (18), one per mode below
    lines = md.read_text().splitlines()
    assert sum(line.startswith("| slot_die_wear |") for line in lines) >= 3 * 6 + 3
    # the same seed: open loop writes nothing, the others write setpoints
    assert data["runs"]["open"]["targets"]["cathode.coating_areal_loading"][
        "setpoint_writes"] == 0
    assert data["runs"]["twin"]["targets"]["cathode.coating_areal_loading"][
        "setpoint_writes"] > 0


def test_bad_inputs_are_named_without_a_traceback(tmp_path):
    res = _cli("live", "experiment", str(tmp_path / "nope.yaml"), "--scenario",
               "examples/lines/scenarios/slot_die_wear.yaml")
    assert res.returncode != 0 and "nope.yaml" in res.stderr
    assert "Traceback" not in res.stderr
    res = _cli("live", "experiment", "examples/lines/pilot_line.yaml", "--scenario",
               "examples/lines/scenarios/slot_die_wear.yaml", "--duration", "-1 h")
    assert res.returncode != 0 and "--duration" in res.stderr
    missing = tmp_path / "missing.duckdb"
    res = _cli("live", "recommendations", "--store", f"duckdb://{missing}")
    assert res.returncode != 0 and "missing.duckdb" in res.stderr
    assert not missing.exists()      # a reader never creates the store it was given
    open_store(f"duckdb://{tmp_path / 's.duckdb'}").close()
    res = _cli("live", "recommendations", "--store", f"duckdb://{tmp_path / 's.duckdb'}",
               "--accept", "nope")
    assert res.returncode != 0 and "no recommendation 'nope'" in res.stderr


def test_follow_and_recommendations_on_an_ingested_store(tmp_path):
    line = load_line("examples/lines/pilot_line.yaml")
    run_to(line, NO_DISTURBANCE, [FileSink(tmp_path / "rec")], duration=4 * 3600, seed=2)
    from gigatwin.store import open_store

    url = f"duckdb://{tmp_path / 'line.duckdb'}"
    with open_store(url) as store:
        ingest_file(store, tmp_path / "rec" / "records.csv")
    res = _cli("live", "follow", "--store", url, "--recipe",
               "examples/recipes/nmc622_graphite_pouch.yaml")
    assert res.returncode == 0, res.stderr
    assert "cathode.coating_slot_flo" in res.stdout
    res = _cli("live", "recommendations", "--store", url, "--last", "1")
    assert res.returncode == 0 and "advised" in res.stdout
