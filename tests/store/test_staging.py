"""Bulk staging survives a failed write: the next write on the same connection works."""

from datetime import UTC, datetime

import pytest

from gigatwin.store import open_store

pytestmark = pytest.mark.integration


def test_a_refused_write_leaves_staging_usable(store_url):
    """add_edges refuses an edge to an unknown object and rolls its transaction back; on
    PostgreSQL that also drops a temporary staging table created in it, which the next
    write must create again rather than COPY into a table that is gone."""
    with open_store(store_url) as store:
        store.add_objects([{"object_id": "R1", "kind": "roll", "length_m": 100.0},
                           {"object_id": "C1", "kind": "coil", "length_m": 100.0}])
        with pytest.raises(ValueError, match="unknown object"):
            store.add_edges([{"parent_id": "R1", "child_id": "NOPE"}])
        assert store.add_edges([{"parent_id": "R1", "child_id": "C1", "parent_from_m": 0.0,
                                 "parent_to_m": 100.0}]) == 1


def test_a_failed_sql_statement_is_reported_not_masked(store_url):
    """A write that fails inside SQL raises that error (not one from emptying staging)."""
    with open_store(store_url) as store:
        row = {"record_id": "m1", "product_id": None, "ts": datetime(2026, 11, 22, tzinfo=UTC),
               "key": "eol_discharge_capacity", "value": 1.0, "quality": "good"}
        with pytest.raises(Exception) as failure, store.transaction():
            store.write_samples(None, [row])  # product_id is NOT NULL in measurements
        assert "null" in str(failure.value).lower() or "not null" in str(failure.value).lower()
        with store.transaction():
            assert store.write_samples(None, [{**row, "product_id": "CELL-1"}]) == 1
