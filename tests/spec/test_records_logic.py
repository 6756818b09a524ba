"""Record validation logic on a small fixed specification (tests/spec/mini_spec)."""

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gigatwin.spec import load_files, read_records, validate_record, validate_records

MINI = load_files(sorted((Path(__file__).parent / "mini_spec").glob("*.yaml")))
TS = "2026-11-22T10:00:00Z"


def check(**record):
    return validate_record(record, MINI)


def test_valid_record_is_converted_to_si_with_metadata():
    r = check(key="coating_speed", value="30", unit="m/min", ts=TS, asset="coater-1", product="R1", id="m-1")
    assert r.ok and r.value == pytest.approx(0.5) and r.unit == "m/s"
    assert (r.asset, r.product, r.id) == ("coater-1", "R1", "m-1")
    assert r.ts.isoformat() == "2026-11-22T10:00:00+00:00"


def test_every_problem_is_listed_at_once():
    r = check(key="coating_speed", value="fast", unit="kg", ts="yesterday")
    fields = sorted(p.field for p in r.errors)
    assert fields == ["ts", "unit", "value"]
    assert "[mass]" in r.reason and "[length] / [time]" in r.reason


def test_missing_unit_for_dimensional_quantity_is_rejected():
    r = check(key="coating_speed", value=30, ts=TS)
    assert not r.ok and "missing unit" in r.reason


def test_dimensionless_accepts_empty_unit_or_percent():
    assert check(key="porosity_dried", value=0.4, unit="", ts=TS).value == pytest.approx(0.4)
    assert check(key="porosity_dried", value=40, unit="%", ts=TS).value == pytest.approx(0.4)


def test_typical_range_gives_warning_not_error():
    r = check(key="porosity_dried", value=0.2, unit="1", ts=TS)
    assert r.ok and r.warnings and "typical range" in str(r.warnings[0])


def test_exclusive_physical_limits():
    assert not check(key="porosity_dried", value=0.0, unit="1", ts=TS).ok
    assert not check(key="porosity_dried", value=1.0, unit="1", ts=TS).ok
    assert not check(key="coating_speed", value=0, unit="m/min", ts=TS).ok


def test_category_values():
    assert check(key="mixer_type", value="planetary", ts=TS).value == "planetary"
    r = check(key="mixer_type", value="blender", ts=TS)
    assert not r.ok and "planetary, dissolver" in r.reason


def test_non_finite_and_boolean_values_are_rejected():
    for bad in ("nan", float("inf"), True, None, ""):
        assert not check(key="coating_speed", value=bad, unit="m/min", ts=TS).ok, bad


def test_non_object_record_is_rejected_and_kept():
    r = validate_record(["not", "a", "record"], MINI)
    assert not r.ok and r.raw == {"payload": ["not", "a", "record"]}


def test_naive_timestamp_is_utc_with_warning():
    r = check(key="coating_speed", value=30, unit="m/min", ts="2026-11-22T10:00:00")
    assert r.ok and r.ts.utcoffset().total_seconds() == 0 and "UTC" in str(r.warnings[0])


def test_offset_timestamp_is_normalised_to_utc():
    r = check(key="coating_speed", value=30, unit="m/min", ts="2026-11-22T11:00:00+01:00")
    assert r.ts.hour == 10


def test_batch_keeps_every_row_in_order():
    records = [dict(key="coating_speed", value=v, unit="m/min", ts=TS) for v in (10, -1, 20, "x")]
    batch = validate_records(records, MINI)
    assert batch.received == 4 and len(batch.accepted) == 2 and len(batch.rejected) == 2
    assert [r.row for r in batch.all] == [1, 2, 3, 4]


@given(st.floats(min_value=1e-3, max_value=1e3, allow_nan=False))
def test_conversion_round_trips_for_any_valid_speed(speed_m_per_min):
    r = check(key="coating_speed", value=speed_m_per_min, unit="m/min", ts=TS)
    assert r.ok and r.value == pytest.approx(speed_m_per_min / 60, rel=1e-12)


def test_read_records_json_object_list_and_errors(tmp_path):
    one = tmp_path / "one.json"
    one.write_text(json.dumps({"key": "coating_speed", "value": 1, "unit": "m/s", "ts": TS}))
    assert len(read_records(one)) == 1
    broken = tmp_path / "broken.json"
    broken.write_text("[{")
    with pytest.raises(ValueError, match="broken.json: not valid JSON at line 1"):
        read_records(broken)
    bad_csv = tmp_path / "bad.csv"
    bad_csv.write_text("name,val\nx,1\n")
    with pytest.raises(ValueError, match="lacks column"):
        read_records(bad_csv)
