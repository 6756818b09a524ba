"""Records one backend cannot store, and conflicting values, on DuckDB and PostgreSQL.

A record PostgreSQL refuses (NUL in a text, an id too long for its B-tree index, a lone
surrogate) once crash-looped the ingester: the failed commit was never acknowledged and
came back forever. Now such records are rejected with a reason before the write,
identically on both backends, and a write that still fails is split until the row at
fault is isolated and quarantined."""

import json
import random
import string

import pytest

from gigatwin.ingest import record_writer
from gigatwin.ingest.files import ingest_file
from gigatwin.ingest.record_writer import CONFLICT_REASON, ID_MAX_CHARS, Delivery, RecordWriter
from gigatwin.store import open_store

pytestmark = pytest.mark.integration


def _good(i: int) -> bytes:
    return json.dumps({"key": "coating_speed", "value": 30 + i % 10, "unit": "m/min",
                       "ts": f"2026-11-22T10:{i // 60 % 60:02d}:{i % 60:02d}Z", "id": f"g{i}"}).encode()


def _record(**fields) -> bytes:
    record = {"key": "coating_speed", "value": 30, "unit": "m/min", "ts": "2026-11-22T11:00:00Z"}
    return json.dumps({**record, **fields}).encode()


# The poison messages the issue found, and their kin: each names its field and problem.
POISON = {
    "NUL in the id": (_record(id="p\x00nul"), "id: 'p\\x00nul' contains a NUL character"),
    "3,000-character id": (_record(id="x" * 3000), "id: 3,000 characters long"),
    "3,000-character asset": (_record(id="p-asset", asset="a" * 3000), "asset: 3,000 characters long"),
    "lone surrogate in the id": (b'{"key": "coating_speed", "value": 30, "unit": "m/min", '
                                 b'"ts": "2026-11-22T11:00:00Z", "id": "p\\ud800"}', "is not valid Unicode"),
    "3,000-character product": (_record(id="p-product", product="c" * 3000), "product: 3,000 characters"),
}


def test_poison_messages_among_1000_good_ones_are_quarantined_on_both_backends(store_url):
    good = [Delivery("mqtt:gigatwin/s/l/c/signals", _good(i)) for i in range(1000)]
    poison = [Delivery("mqtt:gigatwin/s/l/c/signals", payload) for payload, _ in POISON.values()]
    mixed = good[:300] + poison + good[300:]  # poison in the middle of one batch
    with open_store(store_url) as store:
        counts = RecordWriter(store).write(mixed, counter_source="test")
        assert counts.as_dict() == {"received": 1005, "stored": 1000, "duplicates": 0, "quarantined": 5}
        assert store.count("signals") == 1000
        reasons = [r[0] for r in store.query("SELECT reason FROM quarantine")]
    for name, (_, expected) in POISON.items():
        assert sum(expected in r for r in reasons) == 1, name


def test_a_row_the_store_refuses_is_isolated_and_the_rest_stored(postgres_server, monkeypatch):
    """With the checks before the write switched off, PostgreSQL refuses a 6,000-character
    id that does not compress (index row too large): the batch is split until that row is
    found and quarantined with the server's error; the other 999 are stored."""
    monkeypatch.setitem(record_writer._LIMITS, "id", 10**6)
    url = postgres_server.new_database("refused")
    long_id = "".join(random.Random(0).choices(string.ascii_letters + string.digits, k=6000))
    deliveries = [Delivery("mqtt:t", _good(i)) for i in range(999)]
    deliveries.insert(500, Delivery("mqtt:t", _record(id=long_id)))
    with open_store(url) as store:
        counts = RecordWriter(store).write(deliveries, counter_source="test")
        assert counts.as_dict() == {"received": 1000, "stored": 999, "duplicates": 0, "quarantined": 1}
        (reason, raw), = store.query("SELECT reason, raw FROM quarantine")
        assert reason.startswith("the store refused it: ProgramLimitExceeded")
        assert json.loads(raw)["record_id"] == long_id
        assert store.counters()["test"] == counts.as_dict()


def test_the_id_limit_is_inclusive(store_url):
    with open_store(store_url) as store:
        counts = RecordWriter(store).write([Delivery("t", _record(id="z" * ID_MAX_CHARS))],
                                           counter_source="test")
        assert counts.stored == 1


def test_a_conflicting_value_is_quarantined_a_repeat_is_a_duplicate(store_url):
    """Same id and timestamp: the same value again is a duplicate, another value a conflict
    kept in quarantine with both values (a data manager must see it)."""
    with open_store(store_url) as store:
        writer = RecordWriter(store)
        assert writer.write([Delivery("t", _record(id="c1"))], counter_source="t").stored == 1
        again = writer.write([Delivery("t", _record(id="c1"))], counter_source="t")
        assert (again.stored, again.duplicates, again.quarantined) == (0, 1, 0)
        other = writer.write([Delivery("t", _record(id="c1", value=31))], counter_source="t")
        assert (other.stored, other.duplicates, other.quarantined) == (0, 0, 1)
        redelivered = writer.write([Delivery("t", _record(id="c1", value=31))], counter_source="t")
        assert (redelivered.quarantined, redelivered.duplicates) == (0, 1)  # the same conflict once
        (reason,), = store.query("SELECT reason FROM quarantine")
        assert reason.startswith(CONFLICT_REASON)
        assert "stored as coating_speed = 0.5 m/s" in reason  # 30 m/min
        assert "received coating_speed = 0.516666666667 m/s" in reason  # 31 m/min
        assert store.query("SELECT value FROM signals") == [(0.5,)]


def test_a_conflicting_measurement_in_a_file_is_quarantined(store_url, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    header = "key,value,unit,ts,product,id\n"
    first.write_text(header + "dried_porosity,35,%,2026-11-22T10:00:00Z,C-1,m1\n")
    second.write_text(header + "dried_porosity,36,%,2026-11-22T10:00:00Z,C-1,m1\n")
    with open_store(store_url) as store:
        assert ingest_file(store, first).stored == 1
        counts = ingest_file(store, second)
        assert (counts.stored, counts.quarantined) == (0, 1)
        (reason,), = store.query("SELECT reason FROM quarantine")
        assert reason.startswith(CONFLICT_REASON) and "0.36" in reason
