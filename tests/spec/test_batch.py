"""Columnar batch validation gives exactly the per-record outcome (property test)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from gigatwin.spec import load_registry, validate_batch, validate_record

REG = load_registry()
KEYS = ["coating_speed", "wet_film_thickness", "calendered_porosity", "coating_ambient_temperature",
        "coating_method", "no_such_key", "", None, ["coating_speed"]]
UNITS = ["m/min", "m/s", "um", "mm", "%", "1", "", "degC", "K", "kg", "furlong_x", None, ["m/min"], {"u": 1}]
VALUES = st.one_of(st.floats(allow_nan=True, allow_infinity=True, width=64), st.integers(-10**6, 10**6),
                   st.sampled_from([10**400, -(10**309)]),
                   st.sampled_from(["30", "abc", "", True, None, "slot_die", 0.5, 150, 25, 1.2]))
TIMES = st.sampled_from(["2026-11-22T10:00:00Z", "2026-11-22T11:00:00+01:00", "2026-11-22T10:00:00",
                         "yesterday", "", None, "2026-11-22", "2026-11-22 10:00:00.123456Z",
                         "2026-11-22T10:00:00.5-05:30", "2026-11-22T10:00:00+0100", "2026-13-22T10:00:00Z",
                         "2026-11-22T10:00:00.1234567Z", "2026-11-22T10:00Z", "2026-11-22t10:00:00z", 7,
                         "0001-01-01T00:00:00+01:00", "9999-12-31T23:00:00-02:00", "2026-11-22T10:00:00+05:99"])
RECORD = st.fixed_dictionaries(
    {"key": st.sampled_from(KEYS), "unit": st.sampled_from(UNITS), "value": VALUES, "ts": TIMES},
    optional={"asset": st.sampled_from(["a/b", "", 7, "a\x00b"]), "product": st.sampled_from(["R1", ""]),
              "id": st.sampled_from(["m-1", "", 42, "m\x00"])},
)


def _as_tuple(r):
    return (r.ok, r.key, r.value, r.unit, r.ts, r.asset, r.product, r.id,
            [str(p) for p in r.errors], [str(p) for p in r.warnings])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(RECORD, st.sampled_from([["not", "a", "record"], 3, "x"])), max_size=25))
def test_batch_equals_per_record_validation(records):
    batch = validate_batch(records, REG)
    assert batch.received == len(records)
    assert sorted([*batch.row.tolist(), *[r.row for r in batch.results]]) == list(range(len(records)))
    for position, key, value, unit, ts, asset, product, ident in zip(
            batch.row, batch.key, batch.value, batch.unit, batch.ts.to_pylist(), batch.asset, batch.product, batch.id,
            strict=True):
        single = validate_record(records[position], REG)
        assert single.ok and not single.warnings
        assert (key, value, unit, ts, asset, product, ident) == (
            single.key, single.value, single.unit, single.ts, single.asset, single.product, single.id)
    for result in batch.results:
        assert _as_tuple(result) == _as_tuple(validate_record(records[result.row], REG))


def test_clean_records_take_the_columnar_path_and_convert_to_si():
    records = [{"key": "coating_speed", "value": v, "unit": "m/min", "ts": "2026-11-22T10:00:00Z"}
               for v in (30.0, 60, 6.0)]
    records.append({"key": "coating_speed", "value": 30, "unit": "kg", "ts": "2026-11-22T10:00:00Z"})
    batch = validate_batch(records, REG)
    assert batch.row.tolist() == [0, 1, 2]
    np.testing.assert_allclose(batch.value, [0.5, 1.0, 0.1])
    assert batch.accepted == 3 and batch.rejected == 1 and "[mass]" in batch.results[0].reason


def test_empty_batch():
    batch = validate_batch([], REG)
    assert batch.received == 0 and batch.row.size == 0
