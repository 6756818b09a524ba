"""One storage test suite, run on DuckDB and on a throwaway PostgreSQL server."""

from datetime import UTC, datetime

import pyarrow as pa
import pytest

from gigatwin.store import SCHEMA_VERSION, migrate, open_store
from gigatwin.store.tables import SIGNALS

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def _signal(record_id, value, key="coating_speed", ts=T0):
    return {"record_id": record_id, "ts": ts, "asset_id": "line1/coater", "key": key,
            "value": value, "unit": "m/s", "quality": "good", "source": "test"}


def test_schema_is_migrated_once(store_url):
    with open_store(store_url) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert migrate(store.backend) == []  # nothing pending on the second run
    with open_store(store_url) as store:
        assert store.schema_version() == SCHEMA_VERSION
        versions = store.query("SELECT count(*) FROM schema_migrations")[0][0]
        assert versions == SCHEMA_VERSION


def test_samples_are_stored_once_per_record_id(store_url):
    with open_store(store_url) as store:
        first = pa.Table.from_pylist([_signal("a", 0.5), _signal("b", 0.6)], schema=SIGNALS)
        with store.transaction():
            assert store.write_samples(first, None) == 2
        again = pa.Table.from_pylist([_signal("b", 0.6), _signal("c", 0.7)], schema=SIGNALS)
        with store.transaction():
            assert store.write_samples(again, None) == 1  # "b" was already there
        rows = store.query("SELECT record_id, value, ts FROM signals ORDER BY record_id")
        assert [(r[0], r[1]) for r in rows] == [("a", 0.5), ("b", 0.6), ("c", 0.7)]
        assert rows[0][2] == T0  # timestamps come back timezone-aware, in UTC


def test_rolled_back_batch_leaves_nothing(store_url):
    with open_store(store_url) as store:
        table = pa.Table.from_pylist([_signal("a", 0.5)], schema=SIGNALS)
        with pytest.raises(RuntimeError), store.transaction():
            store.write_samples(table, None)
            store.bump_counters("src", received=1, stored=1, duplicates=0, quarantined=0)
            raise RuntimeError("crash before commit")
        assert store.count("signals") == 0
        assert store.counters() == {}


def test_measurements_belong_to_a_product(store_url):
    with open_store(store_url) as store:
        row = {"record_id": "m1", "product_id": "CELL-1", "ts": T0, "key": "cell_capacity",
               "value": 7200.0 * 5, "unit": "C", "quality": "good", "source": "eol"}
        with store.transaction():
            assert store.write_samples(None, [row]) == 1
        assert store.measurements_of("CELL-1")[0]["value"] == pytest.approx(36000.0)


def test_quarantine_keeps_raw_payload_and_reason_once(store_url):
    with open_store(store_url) as store:
        row = {"quarantine_id": "q1", "received_ts": T0, "source": "mqtt:gigatwin/x",
               "raw": "{not json", "reason": "payload: not valid JSON"}
        with store.transaction():
            assert store.quarantine([row]) == 1
            assert store.quarantine([row]) == 0
        assert store.query("SELECT raw, reason FROM quarantine") == [("{not json", "payload: not valid JSON")]


def test_counters_accumulate_per_source(store_url):
    with open_store(store_url) as store:
        for _ in range(2):
            with store.transaction():
                store.bump_counters("mqtt", received=10, stored=8, duplicates=1, quarantined=1)
        assert store.counters() == {"mqtt": {"received": 20, "stored": 16, "duplicates": 2,
                                             "quarantined": 2}}


def test_objects_and_edges_are_idempotent_and_checked(store_url):
    with open_store(store_url) as store:
        objects = [{"object_id": "R1", "kind": "roll", "length_m": 2000.0},
                   {"object_id": "C1", "kind": "coil", "length_m": 2000.0}]
        assert store.add_objects(objects) == 2
        assert store.add_objects(objects) == 0
        edge = {"parent_id": "R1", "child_id": "C1", "parent_from_m": 0.0, "parent_to_m": 2000.0,
                "child_from_m": 0.0, "child_to_m": 2000.0}
        assert store.add_edges([edge]) == 1
        assert store.add_edges([edge]) == 0
        with pytest.raises(ValueError, match="NOPE"):
            store.add_edges([{"parent_id": "R1", "child_id": "NOPE"}])
        assert store.count("genealogy") == 1
        assert store.object("C1")["kind"] == "coil"
        assert store.object("missing") is None


def test_assets_follow_isa95_levels(store_url):
    with open_store(store_url) as store:
        assert store.add_assets([{"asset_id": "site1", "level": "site"},
                                 {"asset_id": "site1/line1", "parent_id": "site1", "level": "line"}]) == 2
        with pytest.raises(ValueError, match="ISA-95"):
            store.add_assets([{"asset_id": "x", "level": "shelf"}])
        assert store.query("SELECT parent_id FROM assets WHERE asset_id = ?", ("site1/line1",)) == [("site1",)]


def test_recipes_setpoints_and_alarms(store_url):
    with open_store(store_url) as store:
        store.add_recipe("NMC811-coat", 3, step="coating",
                         setpoints={"coating_speed": (0.5, "m/s"), "coating_method": ("slot_die", "")})
        assert store.setpoints("NMC811-coat", 3) == {"coating_method": ("slot_die", ""),
                                                      "coating_speed": (0.5, "m/s")}
        assert store.add_event("alarm-1", T0, "alarm", asset_id="line1/dryer", severity="high",
                               code="TEMP_HIGH", message="zone 3 above limit")
        assert not store.add_event("alarm-1", T0, "alarm")  # re-delivered: kept once
        store.clear_alarm("alarm-1", T0)
        assert store.query("SELECT code, cleared_ts FROM events") == [("TEMP_HIGH", T0)]


def test_edges_differing_only_in_child_range_are_both_kept(store_url):
    """A batch coating two separate stretches of one roll is two edges; the second used to
    be taken for a duplicate (same parent, child and parent range) and dropped."""
    with open_store(store_url) as store:
        store.add_objects([{"object_id": "B1", "kind": "slurry_batch"}, {"object_id": "R1", "kind": "roll"}])
        first = {"parent_id": "B1", "child_id": "R1", "child_from_m": 0.0, "child_to_m": 500.0}
        assert store.add_edges([first]) == 1
        assert store.add_edges([{**first, "child_from_m": 1500.0, "child_to_m": 2000.0}]) == 1
        assert store.add_edges([first]) == 0  # a true duplicate is still kept once
        rows = store.query("SELECT child_from_m, child_to_m FROM genealogy ORDER BY child_from_m")
        assert rows == [(0.0, 500.0), (1500.0, 2000.0)]


def test_unknown_column_is_an_error_not_dropped(store_url):
    with open_store(store_url) as store:
        store.add_objects([{"object_id": "R1", "kind": "roll"}, {"object_id": "K1", "kind": "coil"}])
        with pytest.raises(ValueError, match="'parent_from'"):
            store.add_edges([{"parent_id": "R1", "child_id": "K1", "parent_from": 0.0, "parent_to_m": 9.0}])
        with pytest.raises(ValueError, match="'lenght_m'"):
            store.add_objects(pa.table({"object_id": ["X"], "kind": ["roll"], "lenght_m": [1.0]}))
        assert store.count("genealogy") == 0 and store.object("X") is None


def test_empty_text_stays_empty_and_null_stays_null(store_url):
    """PostgreSQL stages through CSV, where an empty field and NULL differ only by quotes."""
    with open_store(store_url) as store:
        row = {**_signal("a", None), "unit": "", "text_value": ""}
        with store.transaction():
            store.write_samples([row, {**_signal("b", 1.5), "unit": None}], None)
        assert store.query("SELECT record_id, value, text_value, unit FROM signals ORDER BY record_id") == [
            ("a", None, "", ""), ("b", 1.5, None, None)]


_OLD_EDGE_COLUMNS = ("parent_pk, child_pk, quantity, quantity_unit, parent_from_m, parent_to_m, "
                     "child_from_m, child_to_m")


def _store_at_version(store_url, monkeypatch, version, objects, edges):
    """A store created by the first ``version`` migrations, with ``objects`` (id, kind) and
    ``edges`` (parent, child, parent_from_m, parent_to_m) inserted the way that schema
    took them (before version 3 an edge row had no names); returns the edge rows."""
    import gigatwin.store.migrations as migrations

    with monkeypatch.context() as patch:
        patch.setattr(migrations, "MIGRATIONS", migrations.MIGRATIONS[:version])
        with open_store(store_url) as store:
            assert store.schema_version() == version
            store.add_objects([{"object_id": i, "kind": k} for i, k in objects])
            pk = dict(store.query("SELECT object_id, object_pk FROM objects"))
            for parent, child, pf, pt in edges:
                store.backend.execute(f"INSERT INTO genealogy ({_OLD_EDGE_COLUMNS}) VALUES (?, ?, NULL, NULL, ?, ?, "
                                      "NULL, NULL)", (pk.get(parent, -1), pk.get(child, -1), pf, pt))
            return sorted(store.query(f"SELECT {_OLD_EDGE_COLUMNS} FROM genealogy"))


@pytest.mark.parametrize("version", [1, 2])
def test_older_store_is_upgraded_keeping_its_genealogy_and_naming_its_edges(store_url, monkeypatch, version):
    objects = [("R", "roll"), ("K", "coil"), ("S1", "segment"), ("S2", "segment")]
    edges = [("K", "S2", 2.0, 4.0), ("K", "S1", 0.0, 2.0), ("R", "K", None, None)]
    before = _store_at_version(store_url, monkeypatch, version, objects, edges)
    with open_store(store_url) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert sorted(store.query(f"SELECT {_OLD_EDGE_COLUMNS} FROM genealogy")) == before
        kinds = dict(objects)
        named = store.query("SELECT parent_id, parent_kind, child_id, child_kind FROM genealogy")
        assert sorted(named) == sorted((p, kinds[p], c, kinds[c]) for p, c, _, _ in edges)
        # the rebuilt table still knows its edges, and takes new ones with their names
        assert store.add_edges([dict(zip(("parent_id", "child_id", "parent_from_m", "parent_to_m"), e,
                                         strict=True)) for e in edges]) == 0
        store.add_objects([{"object_id": "S3", "kind": "segment"}])
        assert store.add_edges([{"parent_id": "K", "child_id": "S3", "parent_from_m": 4.0,
                                 "parent_to_m": 6.0}]) == 1
        assert store.query("SELECT parent_id, parent_kind, child_id, child_kind FROM genealogy "
                           "WHERE child_id = 'S3'") == [("K", "coil", "S3", "segment")]


def test_upgrade_fails_rather_than_drop_an_edge_to_a_missing_object(store_url, monkeypatch):
    before = _store_at_version(store_url, monkeypatch, 2, [("R", "roll"), ("K", "coil")],
                               [("R", "K", None, None), ("R", "GONE", 0.0, 1.0)])
    with pytest.raises(Exception, match="(?i)null"):
        open_store(store_url)
    with open_store(store_url, migrate_schema=False) as store:  # left as it was
        assert store.schema_version() == 2
        assert sorted(store.query(f"SELECT {_OLD_EDGE_COLUMNS} FROM genealogy")) == before
