"""The cell passport lists the time series a machine recorded while it made an ancestor,
on the metre range of that ancestor that reached the cell, in display units.

A hand-made store: coater COAT-1 starts roll R-1 (100 m) at t0 and roll R-2 at t0 + 1000
s; its areal-loading gauge samples every 10 s from t0 to t0 + 90 s, value
``0.190 + 0.001 i`` kg/m^2 for sample i (i = 0..9), and keeps sampling during R-2. The
run of R-1 ends one interval after its last sample (t1 = 100 s), so sample i lies at
``100 m * 10 i / 100 = 10 i`` m. The cell came from metres 20-40 of R-1: samples 2 and
3, mean 0.1925 kg/m^2 = 19.25 mg/cm^2 (1 kg/m^2 = 100 mg/cm^2). The samples of R-2 are
not its.
"""

from datetime import UTC, datetime, timedelta

import pytest

from gigatwin.store import open_store
from gigatwin.trace.passport import passport

T0 = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path):
    with open_store(f"duckdb://{tmp_path / 's.duckdb'}") as db:
        db.add_objects([
            {"object_id": "R-1", "kind": "roll", "length_m": 100.0, "asset_id": "COAT-1",
             "created_ts": T0},
            {"object_id": "R-2", "kind": "roll", "length_m": 100.0, "asset_id": "COAT-1",
             "created_ts": T0 + timedelta(seconds=1000)},
            {"object_id": "CELL-1", "kind": "cell", "asset_id": "STACK-1",
             "created_ts": T0 + timedelta(hours=2)},
        ])
        db.add_edges([{"parent_id": "R-1", "child_id": "CELL-1", "parent_from_m": 20.0,
                       "parent_to_m": 40.0}])
        signals = [{"record_id": f"s{i}", "ts": T0 + timedelta(seconds=10 * i),
                    "asset_id": "COAT-1", "key": "coating_areal_loading",
                    "value": 0.190 + 0.001 * i, "unit": "kg/m^2", "quality": "good"}
                   for i in range(10)]
        signals += [{"record_id": f"r2-{i}", "ts": T0 + timedelta(seconds=1000 + 10 * i),
                     "asset_id": "COAT-1", "key": "coating_areal_loading", "value": 0.5,
                     "unit": "kg/m^2", "quality": "good"} for i in range(10)]
        with db.transaction():
            db.write_samples(signals, None)
        yield db


def test_the_coater_series_on_the_cells_metres_is_in_the_passport(store):
    entries = [e for e in passport(store, "CELL-1") if e.source != "measurement"]
    assert len(entries) == 1
    entry = entries[0]
    assert (entry.object_id, entry.key, entry.asset) == ("R-1", "coating_areal_loading",
                                                        "COAT-1")
    assert entry.unit == "mg/cm^2"
    assert entry.value == pytest.approx(19.25)
    assert entry.source.startswith("series: mean of 2 samples")
    assert entry.ts == T0 + timedelta(seconds=20)


def test_an_object_without_its_machine_recorded_adds_no_series(store):
    with store.transaction():
        store.add_objects([{"object_id": "R-9", "kind": "roll", "length_m": 50.0},
                           {"object_id": "CELL-9", "kind": "cell"}])
        store.add_edges([{"parent_id": "R-9", "child_id": "CELL-9", "parent_from_m": 0.0,
                          "parent_to_m": 10.0}])
    assert [e for e in passport(store, "CELL-9") if e.source != "measurement"] == []


def test_the_command_shows_the_series_in_table_and_csv(store, capsys, monkeypatch):
    import csv
    import io

    from gigatwin.cli._common import console
    from gigatwin.cli.app import main

    # the key cell on one line: the console is made once per process, so its width is
    # set here (COLUMNS alone does not reach a console another test already sized)
    monkeypatch.setattr(console, "_width", 160)
    url = store.url
    store.close()                      # the command opens the store read-only
    for fmt in ("table", "csv"):
        with pytest.raises(SystemExit) as stop:
            main(["passport", "CELL-1", "--store", url, "--format", fmt])
        assert stop.value.code in (0, None)
        out = capsys.readouterr().out
        if fmt == "table":
            assert "coating_areal_loading (COAT-1, mean of 2 samples)" in " ".join(
                out.replace("│", " ").split())
        else:
            rows = list(csv.DictReader(io.StringIO(out)))
            assert [float(r["value"]) for r in rows if r["source"] != "measurement"] == [
                pytest.approx(19.25)]
