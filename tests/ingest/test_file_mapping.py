"""`gigatwin ingest file --mapping`: wide CSV/Parquet files as long records, units
converted with the spec, timestamps never taken without a zone (issue 16 item 5)."""

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gigatwin.cli.app import main
from gigatwin.ingest.files import ingest_file, load_file_mapping
from gigatwin.store import open_store

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "linedata"
WIDE, MAPPING = EXAMPLES / "coater_wide.csv", EXAMPLES / "coater_wide_mapping.yaml"


def _run(args, capsys):
    with pytest.raises(SystemExit) as stop:
        main(args)
    out = capsys.readouterr()
    return stop.value.code or 0, out.out, out.err


def _measurements(store):
    return store.query("SELECT key, ts, value, unit, asset_id, product_id, quality FROM measurements "
                       "ORDER BY ts, key")


def _mapping(tmp_path, text: str) -> Path:
    path = tmp_path / "m.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_wide_csv_is_stored_as_long_records_in_si_units(tmp_path):
    with open_store(f"duckdb://{tmp_path / 's.duckdb'}") as store:
        counts = ingest_file(store, WIDE, mapping=load_file_mapping(MAPPING))
        # 4 rows x 4 value columns = 16 cells: 1 empty (no measurement), 1 "--" quarantined
        assert counts.as_dict() == {"received": 15, "stored": 14, "duplicates": 0, "quarantined": 1,
                                    "empty_cells": 1}
        rows = _measurements(store)
        first = {key: (ts, value, unit, asset, product, quality)
                 for key, ts, value, unit, asset, product, quality in rows[:4]}
        # 22.11.2026 07:00:00 in Europe/Berlin is CET (UTC+1): 06:00:00 UTC
        t0 = datetime(2026, 11, 22, 6, tzinfo=UTC)
        assert {v[0] for v in first.values()} == {t0}
        assert first["coating_speed"][1:3] == (pytest.approx(30 / 60), "m/s")          # 30 m/min
        assert first["dryer_zone1_air_temperature"][1:3] == (pytest.approx(110 + 273.15), "K")
        assert first["coating_areal_loading"][1:3] == (pytest.approx(0.200), "kg/m^2")  # 200 g/m2
        assert first["wet_film_thickness"][1:3] == (pytest.approx(150e-6), "m")         # 150 um
        assert {v[3:] for v in first.values()} == {("site1/line1/coater", "C-ROLL-0042", "good")}
        assert len(rows) == 14
        # row 3 (10 s later) has no areal loading: three records, none invented
        assert sorted(k for k, ts, *_ in rows if ts == datetime(2026, 11, 22, 6, 0, 10, tzinfo=UTC)) == [
            "coating_speed", "dryer_zone1_air_temperature", "wet_film_thickness"]
        # imported again: stored once (content ids), the quarantined cell counted as a duplicate
        again = ingest_file(store, WIDE, mapping=load_file_mapping(MAPPING))
        assert (again.stored, again.duplicates, again.quarantined) == (0, 15, 0)


def test_parquet_with_numbers_and_zoned_timestamps_and_an_id_column(tmp_path):
    table = pa.table({
        "time": pa.array([datetime(2026, 11, 22, 10, tzinfo=UTC), datetime(2026, 11, 22, 10, 1, tzinfo=UTC)],
                         pa.timestamp("ms", tz="UTC")),
        "seq": ["s1", "s2"], "v_mm_s": [10.0, 20.0], "t_K": [300.0, None]})
    path = tmp_path / "w.parquet"
    pq.write_table(table, path)
    mapping = _mapping(tmp_path, "timestamp: time\nasset: site1/line1/coater\nid: {column: seq}\n"
                                 "columns:\n  v_mm_s: {key: coating_speed, unit: mm/s}\n"
                                 "  t_K: {key: dryer_zone1_air_temperature, unit: K}\n")
    with open_store(f"duckdb://{tmp_path / 's.duckdb'}") as store:
        counts = ingest_file(store, path, mapping=load_file_mapping(mapping))
        assert (counts.stored, counts.quarantined, counts.empty_cells) == (3, 0, 1)
        rows = store.query("SELECT record_id, ts, value FROM signals ORDER BY ts, key")
    assert rows == [("s1:coating_speed", datetime(2026, 11, 22, 10, tzinfo=UTC), pytest.approx(0.010)),
                    ("s1:dryer_zone1_air_temperature", datetime(2026, 11, 22, 10, tzinfo=UTC), 300.0),
                    ("s2:coating_speed", datetime(2026, 11, 22, 10, 1, tzinfo=UTC), pytest.approx(0.020))]


def test_a_naive_timestamp_is_refused_naming_file_row_and_value(tmp_path, capsys):
    path = tmp_path / "naive.csv"
    path.write_text("key,value,unit,ts\ncoating_speed,30,m/min,2026-11-22T10:00:00Z\n"
                    "coating_speed,31,m/min,2026-11-22T10:00:01\n"
                    "coating_speed,32,m/min,2026-11-22 10:00:02\n"
                    "coating_speed,33,m/min,2026-11-23\n")  # a date alone: midnight, where?
    url = f"duckdb://{tmp_path / 's.duckdb'}"
    code, _, err = _run(["ingest", "file", str(path), "--store", url], capsys)
    assert code == 1 and "Traceback" not in err
    assert str(path) in err and "row 3" in err and "'2026-11-22T10:00:01'" in err
    assert "no time zone (and 2 more row(s))" in err and "--timezone" in err
    with open_store(url, read_only=True) as store:
        assert store.count("signals") == 0 and store.count("quarantine") == 0  # nothing imported
    # with the zone: local time there (CET, UTC+1 in November); the zoned row as written
    code, _, err = _run(["ingest", "file", str(path), "--store", url, "--timezone", "Europe/Berlin"], capsys)
    assert code == 0, err
    with open_store(url, read_only=True) as store:
        stamps = [ts for (ts,) in store.query("SELECT ts FROM signals ORDER BY value")]
    assert stamps == [datetime(2026, 11, 22, 10, 0, 0, tzinfo=UTC), datetime(2026, 11, 22, 9, 0, 1, tzinfo=UTC),
                      datetime(2026, 11, 22, 9, 0, 2, tzinfo=UTC), datetime(2026, 11, 22, 23, tzinfo=UTC)]
    code, _, err = _run(["ingest", "file", str(path), "--store", url, "--timezone", "Mars/Olympus"], capsys)
    assert code == 2 and "unknown time zone 'Mars/Olympus'" in err
    # spec validate warns per record and says the import refuses them
    code, out, _ = _run(["spec", "validate", str(path)], capsys)
    assert code == 0 and "3 record(s) have a timestamp without a time zone" in " ".join(out.split())


def test_a_mapping_without_a_zone_refuses_naive_timestamps(tmp_path):
    text = MAPPING.read_text(encoding="utf-8").replace("  timezone: Europe/Berlin", "")
    mapping = load_file_mapping(_mapping(tmp_path, text))
    with open_store(f"duckdb://{tmp_path / 's.duckdb'}") as store:
        with pytest.raises(ValueError, match=r"coater_wide.csv: row 2: timestamp '22.11.2026 07:00:00' has "
                                             r"no time zone \(and 3 more"):
            ingest_file(store, WIDE, mapping=mapping)
        assert store.count("measurements") == 0
        counts = ingest_file(store, WIDE, mapping=mapping, timezone="Europe/Berlin")  # or the option
        assert counts.stored == 14


def test_daylight_saving_gaps_and_repeats_are_quarantined_with_the_reason(tmp_path):
    path = tmp_path / "dst.csv"
    # Europe/Berlin: 2026-03-29 02:00 -> 03:00 (02:30 does not exist); 2026-10-25 03:00 -> 02:00
    # (02:30 happens twice)
    path.write_text("key,value,unit,ts\ncoating_speed,30,m/min,2026-03-29T02:30:00\n"
                    "coating_speed,31,m/min,2026-10-25T02:30:00\n"
                    "coating_speed,32,m/min,2026-10-25T04:30:00\n")
    with open_store(f"duckdb://{tmp_path / 's.duckdb'}") as store:
        counts = ingest_file(store, path, timezone="Europe/Berlin")
        assert (counts.stored, counts.quarantined) == (1, 2)
        reasons = sorted(r for (r,) in store.query("SELECT reason FROM quarantine"))
        assert "'2026-03-29T02:30:00' does not exist in Europe/Berlin" in reasons[0]
        assert "'2026-10-25T02:30:00' is ambiguous" in reasons[1]
        # 04:30 CET (UTC+1, after the change back) is 03:30 UTC
        assert store.query("SELECT ts FROM signals") == [(datetime(2026, 10, 25, 3, 30, tzinfo=UTC),)]


@pytest.mark.parametrize(("entry", "expected"), [
    ("{key: coating_sped, unit: m/min}", r"column 'Speed': unknown spec key 'coating_sped'; did you mean "
                                         r"coating_speed"),
    ("{key: coating_speed, unit: kg}", r"column 'Speed': unit 'kg' measures \[mass\], but coating_speed "
                                       r"expects \[length\] / \[time\]"),
    ("{key: coating_speed, unit: furlongs_x}", r"column 'Speed': unit 'furlongs_x' is not a unit"),
    ("{key: coating_speed}", r"column 'Speed': coating_speed is a quantity of dimension \[length\] / \[time\]; "
                             r"give the unit"),
    ("{key: coating_speed, unit: m/min, scale: 2}", r"column 'Speed': unknown field\(s\) scale"),
])
def test_a_bad_mapping_is_rejected_naming_the_column(tmp_path, entry, expected):
    path = _mapping(tmp_path, f"timestamp: {{column: t, timezone: UTC}}\ncolumns:\n  Speed: {entry}\n")
    with pytest.raises(ValueError, match=rf"mapping {path}: {expected}"):
        load_file_mapping(path)


def test_mapping_and_file_must_agree_on_the_columns(tmp_path, capsys):
    url = f"duckdb://{tmp_path / 's.duckdb'}"
    text = MAPPING.read_text(encoding="utf-8")
    unmapped = _mapping(tmp_path, text.replace("ignore: [Bediener]", ""))
    code, _, err = _run(["ingest", "file", str(WIDE), "--mapping", str(unmapped), "--store", url], capsys)
    assert code == 1 and "column(s) 'Bediener' are not in mapping" in err and "'ignore'" in err
    missing = _mapping(tmp_path, text.replace("Rolle}", "Roll}"))
    code, _, err = _run(["ingest", "file", str(WIDE), "--mapping", str(missing), "--store", url], capsys)
    assert code == 1 and "column(s) 'Roll' of mapping" in err and "are not in the file" in err
    bad_zone = _mapping(tmp_path, text.replace("Europe/Berlin", "Europe/Berlim"))
    code, _, err = _run(["ingest", "file", str(WIDE), "--mapping", str(bad_zone), "--store", url], capsys)
    assert code == 1 and "timestamp.timezone: unknown time zone 'Europe/Berlim'" in err
    assert "Traceback" not in err


def test_bad_cells_are_quarantined_listed_and_released_when_corrected(tmp_path, capsys):
    path = tmp_path / "wide.csv"
    path.write_text(WIDE.read_text(encoding="utf-8").replace("30.0,110.0", "30.0,-300")  # below 0 K
                    .replace("22.11.2026 07:00:30", "31.11.2026 07:00:30"), encoding="utf-8")  # no 31 Nov
    url = f"duckdb://{tmp_path / 's.duckdb'}"
    code, out, err = _run(["ingest", "file", str(path), "--mapping", str(MAPPING), "--store", url,
                           "--json", "-"], capsys)
    assert code == 0, err
    # row 2: -300 degC below absolute zero; row 4: "--"; row 5: a date that does not exist, all
    # four of its cells
    assert json.loads(out) == {"received": 15, "stored": 9, "duplicates": 0, "quarantined": 6,
                               "empty_cells": 1}
    code, out, err = _run(["quarantine", "list", "--store", url, "--json", "-"], capsys)
    listed = {json.loads(e["raw"])["row"]: e for e in json.loads(out) if json.loads(e["raw"])["key"]
              in ("dryer_zone1_air_temperature", "coating_speed")}
    assert "physical limits" in listed[2]["reason"]
    assert "'31.11.2026 07:00:30' does not match the format '%d.%m.%Y %H:%M:%S'" in listed[5]["reason"]
    assert json.loads(listed[4]["raw"])["value"] == "--"
    code, _, err = _run(["quarantine", "release", listed[4]["quarantine_id"], "--store", url], capsys)
    assert code == 1 and "still invalid" in err
    fixed = {**json.loads(listed[4]["raw"]), "value": 30.7}
    code, out, err = _run(["quarantine", "release", listed[4]["quarantine_id"], "--store", url,
                           "--record", json.dumps(fixed)], capsys)
    assert code == 0, err
    with open_store(url, read_only=True) as store:
        assert store.count("quarantine") == 5
        speeds = store.query("SELECT ts, value FROM measurements WHERE key = 'coating_speed' ORDER BY ts")
    # 06:00:00 and 06:00:10 UTC as imported, 06:00:20 the correction (30.7 m/min)
    assert [ts.second for ts, _ in speeds] == [0, 10, 20]
    assert speeds[2][1] == pytest.approx(30.7 / 60)


def test_spec_validate_with_the_mapping_predicts_the_import(tmp_path, capsys):
    from gigatwin.ingest.files import check_file

    path = tmp_path / "wide.csv"
    path.write_text(WIDE.read_text(encoding="utf-8").replace("22.11.2026 07:00:30", "31.11.2026 07:00:30"),
                    encoding="utf-8")
    checked = check_file(path, mapping=load_file_mapping(MAPPING))
    # rows 2-5 of the file: "--" in row 4, and row 5's four cells have an impossible date
    assert (checked.received, checked.accepted, checked.rejected) == (15, 10, 5)
    assert [r.row for r in checked.problems] == [4, 5, 5, 5, 5]
    assert checked.clean.column("line").to_pylist()[:4] == [2, 2, 2, 2]
    with open_store(f"duckdb://{tmp_path / 's.duckdb'}") as store:
        counts = ingest_file(store, path, mapping=load_file_mapping(MAPPING))
    assert (counts.stored, counts.quarantined) == (checked.accepted, checked.rejected)
    code, out, err = _run(["spec", "validate", str(path), "--mapping", str(MAPPING)], capsys)
    assert code == 1 and "15 records, 10 valid, 5 rejected" in " ".join(out.split())
    assert "Traceback" not in err


def test_records_of_a_wide_file_get_the_ids_a_long_file_gives_the_same_records(tmp_path):
    """Without an id column, each record is identified by its content, as a record of a
    long file is (gigatwin.ingest.record_writer.content_id): the two imports are one."""
    long = tmp_path / "long.csv"
    long.write_text("key,value,unit,ts,asset,product\n"
                    "coating_speed,30.0,m/min,2026-11-22T06:00:00+00:00,site1/line1/coater,C-ROLL-0042\n")
    with open_store(f"duckdb://{tmp_path / 's.duckdb'}") as store:
        assert ingest_file(store, long).stored == 1
        counts = ingest_file(store, WIDE, mapping=load_file_mapping(MAPPING))
        assert (counts.stored, counts.duplicates) == (13, 1)
