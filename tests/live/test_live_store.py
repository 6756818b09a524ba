"""The live twin on a store filled by file ingestion of recorded line data."""

from gigatwin.ingest.files import ingest_file
from gigatwin.ingest.live import decide, follow, recommendations
from gigatwin.line.config import NO_DISTURBANCE, load_line
from gigatwin.line.sinks import FileSink, run_to
from gigatwin.store import open_store
from gigatwin.twin import load_recipe


def test_follow_a_file_ingested_store_recovers_the_hidden_bias(tmp_path):
    line = load_line("examples/lines/pilot_line.yaml")
    run_to(line, NO_DISTURBANCE, [FileSink(tmp_path / "rec")], duration=8 * 3600, seed=5)
    store = open_store(f"duckdb://{tmp_path / 'line.duckdb'}")
    ingest_file(store, tmp_path / "rec" / "records.csv")
    recipe = load_recipe(line.recipe_path)
    summary = follow(store, recipe)
    est = summary["cathode.coating_slot_flow_rate_deviation"]
    assert abs(est["mean"] - 0.006) <= 1.959964 * est["std"]
    anode = summary["anode.coating_slot_flow_rate_deviation"]
    assert abs(anode["mean"]) <= 1.959964 * anode["std"]
    # estimates kept per reading, with their provenance
    rows = store.query("SELECT count(*), min(source), min(model) FROM live_estimates "
                       "WHERE key = 'cathode.coating_slot_flow_rate_deviation'")
    assert rows[0][0] == est["readings"]
    assert "wet_film_thickness" in rows[0][1] and "mass balance" in rows[0][2]
    recs = recommendations(store)
    assert recs and all(r["status"] == "advised" for r in recs)
    # advice for the cathode: pump down by about the bias (a heavy die), within limits
    last = [r for r in recs if r["key"].startswith("cathode")][-1]
    assert -0.05 <= last["value"] < 0
    decide(store, last["rec_id"], "accepted")
    follow(store, recipe)        # rerun: decisions kept, estimates rewritten
    status = {r["rec_id"]: r["status"] for r in recommendations(store)}
    assert status[last["rec_id"]] == "accepted"
    store.close()
