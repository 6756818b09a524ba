"""The fast (columnar) paths for files give exactly the outcome of the per-record ones.

`ingest file` validates a chunk of a records file on columns and `spec validate` a whole
file; both must agree, row for row, with validating each record alone (the path they
replaced), on clean rows and on every corner case."""

import random

import pyarrow as pa

from gigatwin.ingest.files import read_table, record_columns
from gigatwin.ingest.record_writer import Delivery, RecordWriter
from gigatwin.spec import load_registry, validate_file
from gigatwin.spec.record_validation import read_records, validate_records
from gigatwin.store import open_store

VALUES = ["30", " 30 ", "1e3", "nan", "inf", "abc", "", "-5", "1_000", "0.5", "1e400"]
UNITS = ["m/min", "m/s", "", "kg", "mm/s"]
KEYS = ["coating_speed", "coating_speed", "dryer_zone1_air_temperature", "coating_sped", "", "electrode_type"]
TIMES = ["2026-11-22T10:00:00Z", "2026-11-22 10:00:01+02:00", "2026-11-22T10:00:02", "yesterday", ""]


def _corner_case_file(path, n=600, seed=7):
    rng = random.Random(seed)
    lines = ["key,value,unit,ts,asset,product,id"]
    for i in range(n):
        if i % 3:  # mostly clean rows, as a real file
            lines.append(f"coating_speed,{30 + i % 7},m/min,2026-11-22T10:{i // 60 % 60:02d}:{i % 60:02d}Z,"
                         f"line1/coater,,r{i}")
        else:
            lines.append(",".join([rng.choice(KEYS), rng.choice(VALUES), rng.choice(UNITS), rng.choice(TIMES),
                                   rng.choice(["", "line1/coater"]), rng.choice(["", "C-1"]),
                                   rng.choice(["", f"x{i}"])]))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_spec_validate_on_columns_equals_validation_record_by_record(tmp_path):
    path = _corner_case_file(tmp_path / "records.csv")
    registry = load_registry()
    fast = validate_file(path, registry)
    slow = validate_records(read_records(path), registry, first_row=2)
    assert [r.as_dict() for r in fast.all] == [r.as_dict() for r in slow.all]
    assert len(fast.rejected) > 50 and len(fast.accepted) > 400  # the file has both


def test_ingest_file_on_columns_equals_one_delivery_per_row(tmp_path):
    path = _corner_case_file(tmp_path / "records.csv")
    chunk = read_table(path)
    outcomes = []
    for name, prepare in (("columns", lambda w: w.prepare_columns(record_columns(chunk), "file:x")),
                          ("rows", lambda w: w.prepare([Delivery("file:x", {k: v for k, v in row.items()
                                                                            if v is not None})
                                                        for row in chunk.to_pylist()]))):
        with open_store(f"duckdb://{tmp_path / (name + '.duckdb')}") as store:
            writer = RecordWriter(store)
            counts = writer.commit(prepare(writer), counter_source="file:x")
            outcomes.append((counts.as_dict(),
                             store.query("SELECT record_id, ts, asset_id, key, value, text_value, unit, "
                                         "quality FROM signals ORDER BY record_id, ts"),
                             store.query("SELECT record_id, product_id, key, value FROM measurements "
                                         "ORDER BY record_id"),
                             store.query("SELECT quarantine_id, raw, reason FROM quarantine ORDER BY 1")))
    assert outcomes[0] == outcomes[1]
    assert outcomes[0][0]["stored"] > 400 and outcomes[0][0]["quarantined"] > 50


def test_typed_parquet_columns_take_the_same_path(tmp_path):
    import pyarrow.parquet as pq

    path = tmp_path / "m.parquet"
    pq.write_table(pa.table({"key": ["coating_speed"] * 3, "value": [30.0, float("nan"), 60.0],
                             "unit": ["m/min"] * 3, "ts": ["2026-11-22T10:00:00Z", "2026-11-22T10:00:01Z",
                                                           "2026-11-22T10:00:02Z"]}), path)
    with open_store(f"duckdb://{tmp_path / 'p.duckdb'}") as store:
        writer = RecordWriter(store)
        counts = writer.commit(writer.prepare_columns(record_columns(read_table(path)), "file:m"),
                               counter_source="file:m")
        assert (counts.stored, counts.quarantined) == (2, 1)
        (reason,), = store.query("SELECT reason FROM quarantine")
        assert "not a finite number" in reason


def test_a_boolean_value_column_is_not_read_as_numbers(tmp_path):
    import pyarrow.parquet as pq

    path = tmp_path / "b.parquet"
    pq.write_table(pa.table({"key": ["coating_speed"], "value": [True], "unit": ["m/min"],
                             "ts": ["2026-11-22T10:00:00Z"]}), path)
    with open_store(f"duckdb://{tmp_path / 'b.duckdb'}") as store:
        writer = RecordWriter(store)
        counts = writer.commit(writer.prepare_columns(record_columns(read_table(path)), "file:b"),
                               counter_source="file:b")
        assert (counts.stored, counts.quarantined) == (0, 1)
        (reason,), = store.query("SELECT reason FROM quarantine")
        assert "True is not a number" in reason
