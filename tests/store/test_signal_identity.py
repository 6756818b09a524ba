"""Signals are identified by (ts, record_id) on both backends (schema version 4).

Store.write_samples appends when nothing is stored in a batch's time window and skips
what is there otherwise; these tests take each of its paths on DuckDB and PostgreSQL.
"""

from datetime import UTC, datetime, timedelta

import pytest

from gigatwin.store import migrate, open_store
from gigatwin.store.backends import connect
from gigatwin.store.migrations import MIGRATIONS, statements_for

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def _signal(record_id, value, ts):
    return {"record_id": record_id, "ts": ts, "asset_id": "line1/coater", "key": "coating_speed",
            "value": value, "unit": "m/s", "quality": "good", "source": "test"}


def _rows(store):
    return store.query("SELECT record_id, ts, value FROM signals ORDER BY ts, record_id")


def test_a_new_time_window_is_appended_and_a_repeated_one_skips_what_is_stored(store_url):
    first = [_signal(f"s{i}", float(i), T0 + timedelta(seconds=i)) for i in range(4)]
    later = [_signal(f"s{i}", float(i), T0 + timedelta(seconds=i)) for i in range(4, 6)]
    with open_store(store_url) as store:
        with store.transaction():
            assert store.write_samples(first, None) == 4  # empty window: append
        with store.transaction():
            assert store.write_samples(later, None) == 2  # window after everything stored
        # a redelivery overlapping stored rows: s2, s3 stored already, s6 new
        again = [*first[2:], _signal("s6", 6.0, T0 + timedelta(seconds=6))]
        with store.transaction():
            assert store.write_samples(again, None) == 1
        assert [r[0] for r in _rows(store)] == [f"s{i}" for i in range(7)]


def test_the_same_id_at_another_time_is_another_sample(store_url):
    """An id names a record together with its timestamp (as in time-partitioned stores)."""
    with open_store(store_url) as store:
        with store.transaction():
            store.write_samples([_signal("m-1", 1.0, T0)], None)
        with store.transaction():
            assert store.write_samples([_signal("m-1", 2.0, T0 + timedelta(minutes=1))], None) == 1
            assert store.write_samples([_signal("m-1", 3.0, T0)], None) == 0  # same id, same time
        assert [r[2] for r in _rows(store)] == [1.0, 2.0]


def test_a_repeat_within_one_call_is_stored_once_on_both_backends(store_url):
    """DuckDB keeps no unique index on signals, so the call itself must drop repeats."""
    rows = [_signal("r", 1.0, T0), _signal("r", 1.0, T0), _signal("q", 2.0, T0)]
    with open_store(store_url) as store:
        with store.transaction():
            assert store.write_samples(rows, None) == 2
        assert [r[0] for r in _rows(store)] == ["q", "r"]


def test_write_samples_outside_a_transaction_commits_its_rows(store_url):
    with open_store(store_url) as store:
        assert store.write_samples([_signal("a", 1.0, T0)], None) == 1
    with open_store(store_url) as store:
        assert len(_rows(store)) == 1


def test_postgresql_append_that_meets_a_concurrent_writer_falls_back(postgres_server):
    """Another writer stores a row between the window check and the COPY: the COPY is
    rolled back to its savepoint and the ON CONFLICT path stores only the new rows."""
    url = postgres_server.new_database("race")
    with open_store(url) as store:
        with store.transaction():
            store.write_samples([_signal("x1", 1.0, T0)], None)
        real_query = store.backend.query

        def window_looks_empty(sql, params=()):
            return [] if sql.startswith("SELECT 1 FROM signals WHERE ts BETWEEN") else real_query(sql, params)

        store.backend.query = window_looks_empty
        batch = [_signal("x1", 1.0, T0), _signal("x2", 2.0, T0 + timedelta(seconds=1))]
        with store.transaction():
            assert store.backend.append("signals", _table(batch)) is None  # the unique key refuses
            assert store.write_samples(batch, None) == 1
        store.backend.query = real_query
        assert [r[0] for r in _rows(store)] == ["x1", "x2"]


def _table(rows):
    from gigatwin.store import tables

    return tables.table(rows, tables.SIGNALS)


def test_version_3_signals_migrate_to_version_4_keeping_rows(store_url):
    """A store at schema 3 with samples is upgraded: rows kept, identity (ts, record_id)."""
    backend = connect(store_url)
    backend.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
                    "applied_at TIMESTAMPTZ NOT NULL)")
    for version, name, statements in MIGRATIONS:
        if version > 3:
            break
        with backend.transaction():
            for sql in statements_for(backend.dialect, statements):
                backend.execute(sql)
            backend.execute("INSERT INTO schema_migrations VALUES (?, ?, CURRENT_TIMESTAMP)", (version, name))
    with backend.transaction():
        for i in range(3):
            backend.execute("INSERT INTO signals (record_id, ts, key, value, quality) VALUES (?, ?, ?, ?, ?)",
                            (f"old{i}", T0 + timedelta(seconds=i), "coating_speed", float(i), "good"))
    assert 4 in migrate(backend)
    backend.close()
    with open_store(store_url) as store:
        assert [r[0] for r in _rows(store)] == ["old0", "old1", "old2"]
        with store.transaction():  # old1 again is a duplicate; old1 a minute later is not
            assert store.write_samples([_signal("old1", 1.0, T0 + timedelta(seconds=1)),
                                        _signal("old1", 9.0, T0 + timedelta(minutes=1))], None) == 1
        assert len(_rows(store)) == 4
