"""RecordWriter: the msgspec wire path and the general path store exactly the same rows."""

import json

import pytest

from gigatwin.ingest.record_writer import Delivery, RecordWriter
from gigatwin.store import open_store

TOPIC_DEFAULTS = {"asset": "site1/line1/coater"}

RECORDS = [
    {"key": "coating_speed", "value": 30, "unit": "m/min", "ts": "2026-11-22T10:00:00Z", "id": "a"},
    {"key": "coating_speed", "value": 30, "unit": "m/min", "ts": "2026-11-22T10:00:00Z", "id": "a"},  # repeat
    {"key": "coating_speed", "value": 31.5, "unit": "m/min", "ts": "2026-11-22T11:00:01.5+01:00"},  # no id
    {"key": "coating_speed", "value": 31.5, "unit": "m/min", "ts": "2026-11-22T10:00:01.5Z", "asset": None},
    {"key": "dryer_zone1_air_temperature", "value": 110, "unit": "degC", "ts": "2026-11-22T10:00:02Z",
     "asset": "site1/line1/dryer"},
    {"key": "coating_speed", "value": 30, "unit": "kg", "ts": "2026-11-22T10:00:03Z", "id": "bad-unit"},
    {"key": "coating_sped", "value": 30, "unit": "m/min", "ts": "2026-11-22T10:00:04Z", "id": "bad-key"},
    {"key": "coating_speed", "value": 30, "unit": "m/min", "ts": "2026-11-22T10:00:05", "id": "naive"},
    {"key": "coating_speed", "value": 10**400, "unit": "m/min", "ts": "2026-11-22T10:00:07Z", "id": "huge"},
    {"key": "eol_discharge_capacity", "value": 65.1, "unit": "A*h", "ts": "2026-11-22T10:00:06Z", "product": "CELL-1",
     "id": "cap-1"},
]


def _store_rows(url, deliveries):
    with open_store(url) as store:
        counts = RecordWriter(store).write(deliveries, counter_source="test")
        tables = {name: store.query(f"SELECT * FROM {name} ORDER BY 1, 2")  # noqa: S608 (constant names)
                  for name in ("signals", "measurements")}
        tables["quarantine"] = store.query("SELECT quarantine_id, source, raw, reason FROM quarantine ORDER BY 1")
    return counts.as_dict(), tables


def test_wire_path_and_general_path_store_the_same(tmp_path):
    """Bytes of the common shape take the msgspec path; the same records as dicts take the
    general one. Both must give the same counts, rows, ids (content hashes included),
    quarantine texts and reasons."""
    as_bytes = [Delivery("mqtt:t", json.dumps(RECORDS[:4]).encode(), TOPIC_DEFAULTS),
                *(Delivery("mqtt:t", json.dumps(r).encode(), TOPIC_DEFAULTS) for r in RECORDS[4:])]
    as_dicts = [Delivery("mqtt:t", RECORDS[:4], TOPIC_DEFAULTS),
                *(Delivery("mqtt:t", r, TOPIC_DEFAULTS) for r in RECORDS[4:])]
    wire = _store_rows(f"duckdb://{tmp_path / 'wire.duckdb'}", as_bytes)
    general = _store_rows(f"duckdb://{tmp_path / 'general.duckdb'}", as_dicts)
    assert wire == general
    counts, tables = wire
    # 10 received: 1 repeat, 3 rejected (unit, key, an integer beyond float range, which must
    # not crash the batch); the naive timestamp is accepted with a warning
    assert counts == {"received": 10, "stored": 6, "duplicates": 1, "quarantined": 3}
    assert any("is not a finite number" in row[3] for row in tables["quarantine"])
    assert len(tables["signals"]) == 5 and len(tables["measurements"]) == 1
    assets = {row[0]: row[2] for row in tables["signals"]}
    assert assets["a"] == "site1/line1/coater"  # from the topic
    assert None in assets.values()  # explicit null is kept, not replaced by the topic's asset
    assert "site1/line1/dryer" in assets.values()  # the record's own asset wins


def test_a_delivery_that_breaks_validation_is_quarantined_not_fatal(tmp_path, monkeypatch):
    """An unforeseen error on one delivery quarantines that delivery with the error; the
    others of the batch are stored (else the message would come back forever)."""
    import gigatwin.ingest.record_writer as writer

    real = writer.validate_columns

    def broken_on_poison(columns, registry=None):
        if "poison" in columns.key:
            raise ZeroDivisionError("a bug somewhere in validation")
        return real(columns, registry)

    monkeypatch.setattr(writer, "validate_columns", broken_on_poison)
    good = {"key": "coating_speed", "value": 30, "unit": "m/min", "ts": "2026-11-22T10:00:00Z", "id": "g"}
    poison = {**good, "key": "poison", "id": "p"}
    with open_store(f"duckdb://{tmp_path / 'x.duckdb'}") as store:
        counts = RecordWriter(store).write([Delivery("mqtt:t", json.dumps(good).encode()),
                                            Delivery("mqtt:t", json.dumps(poison).encode())],
                                           counter_source="test")
        assert counts.as_dict() == {"received": 2, "stored": 1, "duplicates": 0, "quarantined": 1}
        (reason, raw), = store.query("SELECT reason, raw FROM quarantine")
    assert reason == "internal error while validating: ZeroDivisionError: a bug somewhere in validation"
    assert json.loads(raw)["key"] == "poison"


def test_the_first_record_to_arrive_wins_whichever_path_validates_it(tmp_path):
    """Two records with one id and time in one write: the earlier one is kept, even when
    it takes the general path (an extra field) and the later one the wire path; the later
    one has another value, so it is a conflict, quarantined with both values."""
    first = {"key": "coating_speed", "value": 10, "unit": "m/min", "ts": "2026-11-22T10:00:00Z", "id": "m1",
             "note": "operator entry"}
    later = {"key": "coating_speed", "value": 20, "unit": "m/min", "ts": "2026-11-22T10:00:00Z", "id": "m1"}
    for encode in (lambda r: json.dumps(r).encode(), json.dumps):  # bytes: wire path possible; str: not
        url = f"duckdb://{tmp_path / f'order-{encode.__name__}.duckdb'}"
        with open_store(url) as store:
            counts = RecordWriter(store).write([Delivery("f", encode(first)), Delivery("f", encode(later))],
                                               counter_source="test")
            assert (counts.stored, counts.duplicates, counts.quarantined) == (1, 0, 1)
            assert store.query("SELECT value FROM signals") == [(10 / 60,)]
            (reason,), = store.query("SELECT reason FROM quarantine")
            assert reason == ("conflicts with the stored value: id 'm1' at 2026-11-22T10:00:00+00:00 is "
                              "stored as coating_speed = 0.166666666667 m/s, received "
                              "coating_speed = 0.333333333333 m/s")  # 10 and 20 m/min in SI


@pytest.mark.integration
def test_nul_characters_are_rejected_or_escaped_alike_on_both_backends(store_url):
    """PostgreSQL text cannot hold NUL: a record naming an asset with NUL is rejected with a
    reason, and a raw payload with NUL is kept in quarantine with NUL written as \\x00;
    neither may fail the write (an unacknowledged MQTT message would come back forever)."""
    record = {"key": "coating_speed", "value": 30, "unit": "m/min", "ts": "2026-11-22T10:00:00Z",
              "asset": "line1/co\x00ater", "id": "n1"}
    with open_store(store_url) as store:
        counts = RecordWriter(store).write([Delivery("mqtt:t", json.dumps(record).encode()),
                                            Delivery("mqtt:t", b"\x00")], counter_source="test")
        assert counts.as_dict() == {"received": 2, "stored": 0, "duplicates": 0, "quarantined": 2}
        reasons = sorted(r[0] for r in store.query("SELECT reason FROM quarantine"))
    assert any("asset: 'line1/co\\x00ater' contains a NUL character" in r for r in reasons)
    assert any(r.startswith("payload: not valid JSON") for r in reasons)
