"""Versioned schema migrations, shared by the DuckDB and PostgreSQL backends.

Each migration is a version number, a name and a list of SQL statements. A statement is
plain portable SQL, or a ``(sql, dialects)`` pair when only some backends run it (DuckDB
keeps fewer secondary indexes, because every ART index slows its bulk inserts).
:func:`migrate` applies the pending ones in order, each in its own transaction, and
records it in ``schema_migrations``; re-running it is a no-op.

Codes and conventions of the schema (see docs/linedata.md):

- values are SI (``value``) with the SI unit string of the spec key (``unit``); category
  and text parameters keep their value in ``text_value``;
- ``quality`` is ``good`` or ``uncertain`` (valid but outside the spec's typical range,
  or an OPC UA status that is not Good);
- assets follow ISA-95 (``enterprise > site > area > line > station``);
- objects are material lots and intermediate products (``kind``: lot, slurry_batch,
  roll, coil, sheet, segment, stack, cell, ...), with a text ``object_id`` for people
  and an integer ``object_pk`` for fast genealogy joins;
- a genealogy edge links a parent to a child, with the quantity used and, for roll
  goods, the position range on the parent (``parent_from_m`` .. ``parent_to_m``) and,
  when the child is roll goods too, the matching range on the child; since version 3
  it also carries the ``object_id`` and ``kind`` of both ends (``parent_id``,
  ``parent_kind``, ``child_id``, ``child_kind``).
"""

from __future__ import annotations

ALL = ("duckdb", "postgresql")
PG = ("postgresql",)
DUCKDB = ("duckdb",)

_GENEALOGY_COLUMNS = """
    parent_pk BIGINT NOT NULL,
    child_pk BIGINT NOT NULL,
    quantity DOUBLE PRECISION,
    quantity_unit TEXT,
    parent_from_m DOUBLE PRECISION,
    parent_to_m DOUBLE PRECISION,
    child_from_m DOUBLE PRECISION,
    child_to_m DOUBLE PRECISION"""

# Migration 3: copies of objects.object_id and objects.kind of both ends of an edge.
_GENEALOGY_NAMES = """
    parent_id TEXT NOT NULL,
    parent_kind TEXT NOT NULL,
    child_id TEXT NOT NULL,
    child_kind TEXT NOT NULL"""

# The columns of signals and measurements after their ids (the SQL of applied migrations
# must not change: these are the columns migration 1 always created).
_SAMPLE_COLUMNS = """
    ts TIMESTAMPTZ NOT NULL,
    asset_id TEXT,
    key TEXT NOT NULL,
    value DOUBLE PRECISION,
    text_value TEXT,
    unit TEXT,
    quality TEXT NOT NULL,
    source TEXT"""

MIGRATIONS: list[tuple[int, str, list]] = [
    (1, "core schema: assets, objects, genealogy, signals, measurements, recipes, events, quarantine", [
        """CREATE TABLE assets (
            asset_id TEXT PRIMARY KEY,
            parent_id TEXT,
            level TEXT NOT NULL CHECK (level IN ('enterprise', 'site', 'area', 'line', 'station')),
            name TEXT)""",
        "CREATE SEQUENCE object_pk_seq START 1",
        """CREATE TABLE objects (
            object_id TEXT PRIMARY KEY,
            object_pk BIGINT NOT NULL DEFAULT nextval('object_pk_seq'),
            kind TEXT NOT NULL,
            material TEXT,
            length_m DOUBLE PRECISION,
            quantity DOUBLE PRECISION,
            quantity_unit TEXT,
            asset_id TEXT,
            created_ts TIMESTAMPTZ,
            attributes TEXT)""",
        "CREATE UNIQUE INDEX objects_pk_idx ON objects (object_pk)",
        f"CREATE TABLE genealogy ({_GENEALOGY_COLUMNS})",
        "CREATE INDEX genealogy_child_idx ON genealogy (child_pk)",
        "CREATE INDEX genealogy_parent_idx ON genealogy (parent_pk)",
        f"CREATE TABLE signals (record_id TEXT PRIMARY KEY,{_SAMPLE_COLUMNS})",
        ("CREATE INDEX signals_key_ts_idx ON signals (key, ts)", PG),
        ("CREATE INDEX signals_asset_ts_idx ON signals (asset_id, ts)", PG),
        f"CREATE TABLE measurements (record_id TEXT PRIMARY KEY, product_id TEXT NOT NULL,{_SAMPLE_COLUMNS})",
        "CREATE INDEX measurements_product_idx ON measurements (product_id)",
        """CREATE TABLE recipes (
            recipe_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            step TEXT,
            name TEXT,
            created_ts TIMESTAMPTZ,
            PRIMARY KEY (recipe_id, version))""",
        """CREATE TABLE setpoints (
            recipe_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            key TEXT NOT NULL,
            value DOUBLE PRECISION,
            text_value TEXT,
            unit TEXT,
            PRIMARY KEY (recipe_id, version, key))""",
        """CREATE TABLE events (
            event_id TEXT PRIMARY KEY,
            ts TIMESTAMPTZ NOT NULL,
            asset_id TEXT,
            kind TEXT NOT NULL CHECK (kind IN ('event', 'alarm')),
            severity TEXT,
            code TEXT,
            message TEXT,
            object_id TEXT,
            cleared_ts TIMESTAMPTZ)""",
        """CREATE TABLE quarantine (
            quarantine_id TEXT PRIMARY KEY,
            received_ts TIMESTAMPTZ NOT NULL,
            source TEXT NOT NULL,
            raw TEXT NOT NULL,
            reason TEXT NOT NULL)""",
        """CREATE TABLE ingest_counters (
            source TEXT PRIMARY KEY,
            received BIGINT NOT NULL,
            stored BIGINT NOT NULL,
            duplicates BIGINT NOT NULL,
            quarantined BIGINT NOT NULL,
            updated_ts TIMESTAMPTZ)""",
        "CREATE VIEW material_lots AS SELECT * FROM objects WHERE kind = 'lot'",
    ]),
    (2, "genealogy ordered for position-range track: (parent_pk, parent_from_m) access", [
        # PostgreSQL: a B-tree on (parent, start metre) so that the overlap test
        # parent_from_m < :to is an index condition, and a partial index for the few
        # edges without a position range; the old (parent_pk) index is its prefix.
        ("CREATE INDEX genealogy_parent_from_idx ON genealogy (parent_pk, parent_from_m)", PG),
        ("CREATE INDEX genealogy_parent_unplaced_idx ON genealogy (parent_pk) "
         "WHERE parent_from_m IS NULL OR parent_to_m IS NULL", PG),
        ("DROP INDEX genealogy_parent_idx", PG),
        # DuckDB: its ART fetches rows one by one (the 1,000 edges of a coil: ~4 ms), while
        # a table stored in (parent_pk, parent_from_m) order lets a scan skip row groups by
        # their min/max; so the table is rewritten in that order (add_edges keeps inserting
        # in it) and only the child index, used by trace, is kept.
        (f"CREATE TABLE genealogy_ordered ({_GENEALOGY_COLUMNS})", DUCKDB),
        ("INSERT INTO genealogy_ordered SELECT parent_pk, child_pk, quantity, quantity_unit, parent_from_m, "
         "parent_to_m, child_from_m, child_to_m FROM genealogy ORDER BY parent_pk, parent_from_m, child_pk",
         DUCKDB),
        ("DROP TABLE genealogy", DUCKDB),
        ("ALTER TABLE genealogy_ordered RENAME TO genealogy", DUCKDB),
        ("CREATE INDEX genealogy_child_idx ON genealogy (child_pk)", DUCKDB),
    ]),
    (3, "genealogy carries the object ids and kinds of both ends: trace/track look no names up", [
        # Naming the ~300 objects a 50 m track reaches cost DuckDB 12-22 ms (one row-group
        # scan or ~40 us per ART fetch for each cluster of keys), more than all the walk's
        # generation queries together; with the names in the edge rows the walk reads them
        # with the edges it already fetches. Object ids and kinds never change once stored
        # (add_objects keeps an existing id as is), so the copies cannot go stale. Rebuilt,
        # not updated in place: LEFT JOIN and NOT NULL make an edge to a missing object fail
        # the migration instead of being dropped; rows stay in migration 2's order.
        f"CREATE TABLE genealogy_named ({_GENEALOGY_COLUMNS},{_GENEALOGY_NAMES})",
        "INSERT INTO genealogy_named SELECT g.parent_pk, g.child_pk, g.quantity, g.quantity_unit, "
        "g.parent_from_m, g.parent_to_m, g.child_from_m, g.child_to_m, p.object_id, p.kind, c.object_id, "
        "c.kind FROM genealogy g LEFT JOIN objects p ON p.object_pk = g.parent_pk "
        "LEFT JOIN objects c ON c.object_pk = g.child_pk ORDER BY g.parent_pk, g.parent_from_m, g.child_pk",
        "DROP TABLE genealogy",
        "ALTER TABLE genealogy_named RENAME TO genealogy",
        "CREATE INDEX genealogy_child_idx ON genealogy (child_pk)",
        ("CREATE INDEX genealogy_parent_from_idx ON genealogy (parent_pk, parent_from_m)", PG),
        ("CREATE INDEX genealogy_parent_unplaced_idx ON genealogy (parent_pk) "
         "WHERE parent_from_m IS NULL OR parent_to_m IS NULL", PG),
        ("ANALYZE genealogy", PG),
    ]),
    (4, "signals are identified by (ts, record_id); DuckDB drops the index for an anti-join", [
        # A time-series table keyed by time first (as hypertables require) answers "is
        # anything stored in this batch's time window?" from the key, and PostgreSQL's
        # COPY into it is 30 % faster than a text key alone. DuckDB's ART index on the key
        # cost 3-4 us per inserted row (a fifth of its insert rate); without it, ingestion
        # checks the batch's window and anti-joins only when the window holds rows
        # (Store.write_samples), which the table's time order keeps cheap.
        ("ALTER TABLE signals DROP CONSTRAINT signals_pkey", PG),
        ("ALTER TABLE signals ADD PRIMARY KEY (ts, record_id)", PG),
        (f"CREATE TABLE signals_by_time (record_id TEXT NOT NULL,{_SAMPLE_COLUMNS})", DUCKDB),
        ("INSERT INTO signals_by_time SELECT record_id, ts, asset_id, key, value, text_value, unit, quality, "
         "source FROM signals ORDER BY ts, record_id", DUCKDB),
        ("DROP TABLE signals", DUCKDB),
        ("ALTER TABLE signals_by_time RENAME TO signals", DUCKDB),
    ]),
    (5, "alarm acknowledgements: who acknowledged an alarm, when, with an optional comment", [
        # A table of its own rather than columns of events: events rows keep the shape
        # every writer inserts (add_event), and an acknowledgement is written once (the
        # first one is kept: acknowledging again changes nothing). No foreign key: DuckDB
        # refuses updates of a referenced row, and clear_alarm updates events;
        # Store.acknowledge_alarm checks that the alarm exists.
        """CREATE TABLE alarm_acks (
            event_id TEXT PRIMARY KEY,
            acked_by TEXT NOT NULL,
            acked_ts TIMESTAMPTZ NOT NULL,
            comment TEXT)""",
        # Alarm lists read the newest alarms first, by kind.
        ("CREATE INDEX events_kind_ts_idx ON events (kind, ts)", PG),
    ]),
]

LATEST = MIGRATIONS[-1][0]


def statements_for(dialect: str, statements: list) -> list[str]:
    """The SQL statements of one migration that ``dialect`` runs."""
    chosen = []
    for statement in statements:
        sql, dialects = statement if isinstance(statement, tuple) else (statement, ALL)
        if dialect in dialects:
            chosen.append(sql)
    return chosen


def applied_versions(backend) -> set[int]:
    backend.execute("""CREATE TABLE IF NOT EXISTS schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)""")
    backend.commit()
    return {row[0] for row in backend.query("SELECT version FROM schema_migrations")}


def migrate(backend) -> list[int]:
    """Apply the pending migrations; return the versions applied now."""
    done = applied_versions(backend)
    applied = []
    for version, name, statements in MIGRATIONS:
        if version in done:
            continue
        with backend.transaction():
            for sql in statements_for(backend.dialect, statements):
                backend.execute(sql)
            backend.execute("INSERT INTO schema_migrations VALUES (?, ?, CURRENT_TIMESTAMP)",
                            (version, name))
        applied.append(version)
    return applied
