"""The shipped dryer temperature step is detected by streaming SPC on the line's data,
on the one series the physics says can show it (the zone's own air temperature)."""

from datetime import timedelta
from pathlib import Path

import pytest

from gigatwin.line import load_scenario
from gigatwin.line.sinks import StoreSink, run_to

SCENARIO = (Path(__file__).parents[2] / "examples" / "lines" / "scenarios" /
            "dryer_temperature_step.yaml")


@pytest.mark.slow
def test_the_dryer_step_is_detected_within_minutes(fast_line, tmp_path):
    from gigatwin.ingest.spc import watch
    from gigatwin.line.score import score, stored_alarms
    from gigatwin.store import open_store

    scenario = load_scenario(SCENARIO, fast_line)
    with open_store(f"duckdb://{tmp_path / 'dryer.duckdb'}") as store:
        truth = run_to(fast_line, scenario, [StoreSink(store)], duration=1.25 * 86400,
                       seed=0)
        facts = truth.as_dict()
        facts["end"] = truth._iso(truth.duration)
        watch(store)
        result = score(facts, stored_alarms(store), phase1=timedelta(hours=6))
    (step,) = result.detections
    assert step.detected and step.series.endswith("cathode.dryer_zone1_air_temperature")
    # a -10 K step against 0.5 K sensor noise: the first 5-minute subgroup after 18 h
    assert step.delay_hours < 0.25
    # the twin's dryer moves no published quality figure by a -10 K zone-1 step
    assert facts["disturbances"][0]["affects"] == []
