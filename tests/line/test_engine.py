"""The virtual line: reproducible, physical, traceable, and the twin's statistics."""

from dataclasses import replace

import numpy as np
import pytest
from scipy import stats

from gigatwin.line.config import NO_DISTURBANCE, Disturbance, Scenario
from gigatwin.line.engine import VirtualLine
from gigatwin.line.sinks import run_to

DAY = 86400.0


def _run(line, collect, days=1.0, scenario=NO_DISTURBANCE, seed=3):
    return run_to(line, scenario, [collect], duration=days * DAY, seed=seed)


def _series(rows, key, asset_end=None):
    picked = [r for r in rows if r["key"] == key
              and (asset_end is None or r["asset"].endswith(asset_end))]
    return np.array([r["value"] for r in picked]), [r["ts"] for r in picked]


def test_the_same_seed_gives_the_same_records(fast_line, collect):
    a, b, c = collect, type(collect)(), type(collect)()
    _run(fast_line, a, 0.5, seed=7)
    _run(fast_line, b, 0.5, seed=7)
    _run(fast_line, c, 0.5, seed=8)
    assert a.rows == b.rows and len(a.rows) > 1000
    assert a.rows != c.rows


def test_every_record_speaks_the_spec_and_has_an_id(fast_line, collect):
    from gigatwin.spec.vocabulary import display_unit, parameter

    _run(fast_line, collect, 0.5)
    keys = {r["key"] for r in collect.rows}
    for key in keys:
        parameter(key)                      # a key of the specification
    for row in collect.rows[:2000]:
        assert row["unit"] == display_unit(row["key"])
        assert row["asset"].startswith("pilot/line1/") and row["id"]
    assert len({r["id"] for r in collect.rows}) == len(collect.rows)


def test_a_solid_content_drift_shows_in_loading_as_the_physics_says(fast_line, collect):
    # Loading = wet film x slurry density x solid content, with the wet film fixed by the
    # pump flow (slot-die mass balance, h = Q / (W U)). Slurry density 1 / (w / rho_s +
    # (1 - w) / rho_NMP) with the twin's solids density 4467 kg/m3 and NMP 1028 kg/m3:
    # 2230.0 kg/m3 at w = 0.70 and 2158.3 at 0.68, so the loading changes by
    # 0.68 / 0.70 x 2158.3 / 2230.0 - 1 = -5.97 %.
    drift = Disturbance("step", target="cathode.slurry_solid_content", start=0.25 * DAY,
                        change=-0.02, name="solids -2 %")
    _run(fast_line, collect, 0.5, Scenario("step", "<test>", (drift,)))
    values, times = _series(collect.rows, "cathode.coating_areal_loading")
    before = values[[t < "2026-01-05T11" for t in times]].mean()
    after = values[[t > "2026-01-05T14" for t in times]].mean()
    assert after / before - 1 == pytest.approx(-0.0597, abs=0.004)


def test_a_setpoint_written_by_a_client_takes_effect(fast_line, collect):
    line = VirtualLine(fast_line, NO_DISTURBANCE, seed=1, sink=lambda b: None,
                       genealogy=lambda g: None)
    with pytest.raises(KeyError, match="not a writable setpoint"):
        line.write_setpoint("cathode.calendered_porosity", 0.3)
    with pytest.raises(ValueError, match="outside the allowed range"):
        line.write_setpoint("cathode.calender_line_load", -5.0)
    line.write_setpoint("cathode.calender_line_load", 500e3)   # 850 -> 500 N/mm
    assert line._nominal("cathode.calender_line_load") == 500e3
    assert line.truth.setpoint_writes[0]["key"] == "cathode.calender_line_load"


def test_every_cell_reaches_its_lots_and_coil_metre_ranges(fast_line, collect):
    _run(fast_line, collect, 1.0)
    cells = [o["object_id"] for o in collect.objects if o["kind"] == "cell"]
    assert cells
    parents = {}
    for e in collect.edges:
        parents.setdefault(e["child_id"], []).append(e)
    for cell in cells[:50]:
        edges = parents[cell]
        assert {e["parent_id"][0] for e in edges} == {"C", "A"}      # both electrodes
        for e in edges:
            assert 0 <= e["parent_from_m"] < e["parent_to_m"] <= fast_line.coil_length
            # lane coil -> coil -> slurry batch -> lot
            chain = [e["parent_id"]]
            while chain[-1] in parents:
                chain.append(parents[chain[-1]][0]["parent_id"])
            assert "-LOT-" in chain[-1] and any("-BATCH-" in x for x in chain)


@pytest.mark.slow
def test_without_disturbances_the_line_matches_the_twins_monte_carlo(fast_line, collect):
    """End-of-line capacity of the virtual line against the twin's Monte Carlo of the
    same recipe: a two-sample Kolmogorov-Smirnov test on one cell per coil pair (cells
    of one coil share their slurry batch, so only one per coil is independent)."""
    from gigatwin.twin import load_recipe, simulate

    truth = _run(fast_line, collect, 3.0)
    tested = [r for r in collect.rows if r["key"] == "eol_discharge_capacity"]
    by_coil = {}
    for r in tested:
        by_coil.setdefault(r["product"].split("-")[1], r["value"])
    line_capacity = np.array(list(by_coil.values()))
    assert line_capacity.size >= 40, line_capacity.size
    twin = simulate(load_recipe(fast_line.recipe_path), 4000, seed=11)
    from gigatwin.units import from_si

    twin_capacity = from_si(twin.outputs["aging_eol"]["eol_discharge_capacity"], "A*h")
    result = stats.ks_2samp(line_capacity, twin_capacity)
    assert result.pvalue > 0.01, (result, line_capacity.mean(), twin_capacity.mean())
    assert truth.cell_rows


def test_sensor_faults_are_in_the_data_and_the_truth(fast_line, collect):
    line = fast_line
    stuck = Disturbance("sensor_fault", target="cathode.coating_areal_loading",
                        station="pilot/line1/C-COAT-01", start=0.1 * DAY, end=0.2 * DAY,
                        mode="stuck", name="stuck gauge")
    truth = _run(line, collect, 0.3, Scenario("s", "<test>", (stuck,)))
    values, times = _series(collect.rows, "cathode.coating_areal_loading")
    inside = values[[("2026-01-05T08:30" < t < "2026-01-05T10:45") for t in times]]
    assert inside.size > 10 and np.unique(inside).size == 1
    assert truth.sensor_faults["stuck gauge"]["readings"] > 10


def test_duplicated_messages_are_stored_once(fast_line, tmp_path):
    from gigatwin.line.sinks import StoreSink
    from gigatwin.store import open_store

    dup = Disturbance("comm_fault", mode="duplicate", probability=0.05, name="dups")
    with open_store(f"duckdb://{tmp_path / 'line.duckdb'}") as store:
        sink = StoreSink(store)
        run_to(replace(fast_line), Scenario("d", "<test>", (dup,)), [sink], duration=0.3 * DAY)
        counts = store.counters()
        stored = store.count("signals") + store.count("measurements")
        quarantined = store.count("quarantine")
    total = sum(c["received"] for c in counts.values())
    duplicates = sum(c["duplicates"] for c in counts.values())
    assert total == sink.sent and duplicates > 0
    assert stored + quarantined + duplicates == total
