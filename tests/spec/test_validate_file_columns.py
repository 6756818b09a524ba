"""`spec validate` on Arrow columns gives the per-record outcome, for Parquet files too
(typed columns: float values, integer ids, zoned and naive timestamp columns)."""

import random
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from gigatwin.spec import load_registry, validate_record
from gigatwin.spec.batch import check_file, validate_file

REG = load_registry()
KEYS = ["coating_speed", "dryer_zone1_air_temperature", "coating_sped", "", "electrode_type", None]
UNITS = ["m/min", "degC", "kg", "", None, "K"]


def _rows(n=400, seed=11):
    rng = random.Random(seed)
    t0 = datetime(2026, 11, 22, 10, tzinfo=UTC)
    rows = []
    for i in range(n):
        if i % 3:
            rows.append({"key": "coating_speed", "value": 30.0 + i % 7, "unit": "m/min",
                         "ts": t0 + timedelta(seconds=i), "asset": "line1/coater", "id": i})
        else:
            rows.append({"key": rng.choice(KEYS), "value": rng.choice([25.0, -5.0, 1e9, None, 110.0]),
                         "unit": rng.choice(UNITS), "ts": rng.choice([t0, None]),
                         "asset": rng.choice(["", None, "a\x00b", "line1"]), "id": rng.choice([None, i])})
    return rows


def _per_row(table: pa.Table) -> list:
    """The reference: validate_record on each row without its null cells (as ingestion)."""
    return [validate_record({k: v for k, v in row.items() if v is not None}, REG, row=i + 1)
            for i, row in enumerate(table.to_pylist())]


@pytest.mark.parametrize("ts_type", [pa.timestamp("us", tz="UTC"), pa.timestamp("us"), pa.string()])
def test_parquet_file_on_columns_equals_validation_record_by_record(tmp_path, ts_type):
    rows = _rows()
    if ts_type == pa.string():
        for row in rows:
            row["ts"] = row["ts"].isoformat() if row["ts"] else None
    elif ts_type.tz is None:
        for row in rows:
            row["ts"] = row["ts"].replace(tzinfo=None) if row["ts"] else None
    schema = pa.schema([("key", pa.string()), ("value", pa.float64()), ("unit", pa.string()),
                        ("ts", ts_type), ("asset", pa.string()), ("id", pa.int64())])
    table = pa.Table.from_pylist(rows, schema=schema)
    path = tmp_path / "records.parquet"
    pq.write_table(table, path)
    fast = validate_file(path, REG)
    slow = _per_row(table)
    assert [r.as_dict() for r in fast.all] == [r.as_dict() for r in slow]
    checked = check_file(path, REG)
    assert checked.received == 400
    assert checked.rejected == sum(not r.ok for r in slow) > 20
    assert checked.accepted == sum(r.ok for r in slow)
    # a naive timestamp column is valid with a warning per row, never on the clean path
    if ts_type == pa.timestamp("us"):
        assert checked.clean.num_rows == 0 and checked.warned == checked.accepted > 200
    else:
        assert checked.clean.num_rows > 200


def test_clean_rows_are_converted_to_si(tmp_path):
    path = tmp_path / "r.csv"
    path.write_text("key,value,unit,ts\ncoating_speed,30,m/min,2026-11-22T10:00:00Z\n"
                    "dryer_zone1_air_temperature,110,degC,2026-11-22T11:00:00+01:00\n")
    checked = check_file(path, REG)
    assert checked.clean.column("line").to_pylist() == [2, 3]
    assert checked.clean.column("value").to_pylist() == pytest.approx([0.5, 383.15])  # 30/60; 110+273.15
    assert checked.clean.column("ts").to_pylist() == [datetime(2026, 11, 22, 10, tzinfo=UTC)] * 2


def test_parquet_lacking_a_column_is_refused(tmp_path):
    path = tmp_path / "r.parquet"
    pq.write_table(pa.table({"key": ["coating_speed"], "value": [1.0]}), path)
    with pytest.raises(ValueError, match="lacks column.*ts"):
        check_file(path, REG)
