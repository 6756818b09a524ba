"""The line data store: one interface over DuckDB and PostgreSQL.

>>> store = open_store("duckdb://:memory:")
>>> store.add_objects([{"object_id": "R1", "kind": "roll", "length_m": 2000.0}])
1
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc

from gigatwin.store import tables
from gigatwin.store.backends import StoreError, connect
from gigatwin.store.migrations import LATEST, migrate

_OBJECT_COLUMNS = ", ".join(n for n in tables.OBJECTS.names)


class Store:
    """Assets, objects and genealogy, signals, measurements, recipes, events, quarantine."""

    def __init__(self, backend, url: str | None = None):
        self.backend = backend
        self.dialect = backend.dialect
        self.url = url

    # -- plumbing ---------------------------------------------------------------------
    def close(self) -> None:
        self.backend.close()

    def reconnect(self) -> None:
        """Open a new connection to the same URL (after the server went away); raises
        :class:`~gigatwin.store.backends.StoreUnavailable` while it is still away."""
        if self.url is None:
            raise StoreError("this store was not opened from a URL; it cannot reconnect")
        with contextlib.suppress(Exception):
            self.backend.close()
        self.backend = connect(self.url, read_only=getattr(self.backend, "read_only", False))

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def transaction(self):
        return self.backend.transaction()

    def query(self, sql: str, params=()) -> list[tuple]:
        return self.backend.query(sql, params)

    def schema_version(self) -> int:
        return self.backend.query("SELECT max(version) FROM schema_migrations")[0][0] or 0

    def _insert_staged(self, sql: str, name: str, data: pa.Table) -> int:
        self.backend.stage(name, data)
        try:
            return self.backend.rowcount(self.backend.execute(sql))
        finally:
            self.backend.unstage()

    # -- assets -----------------------------------------------------------------------
    def add_assets(self, rows: Iterable[Mapping]) -> int:
        """Add ISA-95 assets (``asset_id``, ``parent_id``, ``level``, ``name``); known ones are kept."""
        count = 0
        for row in rows:
            level = row["level"]
            if level not in tables.ASSET_LEVELS:
                raise ValueError(f"asset {row['asset_id']!r}: level {level!r} is not one of "
                                 f"{', '.join(tables.ASSET_LEVELS)} (ISA-95)")
            cur = self.backend.execute(
                "INSERT INTO assets VALUES (?, ?, ?, ?) ON CONFLICT (asset_id) DO NOTHING",
                (row["asset_id"], row.get("parent_id"), level, row.get("name")))
            count += self.backend.rowcount(cur)
        self.backend.commit()
        return count

    # -- material lots, intermediate products, genealogy --------------------------------
    def add_objects(self, rows: Iterable[Mapping] | pa.Table) -> int:
        """Add lots and intermediate products; an ``object_id`` already stored is kept as is."""
        data = tables.table(rows, tables.OBJECTS)
        sql = (f"INSERT INTO objects ({_OBJECT_COLUMNS}) SELECT {_OBJECT_COLUMNS} FROM staged_objects "
               "ON CONFLICT (object_id) DO NOTHING")
        with self._in_transaction():
            return self._insert_staged(sql, "staged_objects", data)

    def add_edges(self, rows: Iterable[Mapping] | pa.Table) -> int:
        """Add genealogy edges parent -> child (by object id); an identical edge is kept once.

        Raises ``ValueError`` naming the ids when an edge refers to an unknown object.
        """
        data = tables.table(rows, tables.EDGES)
        with self._in_transaction():
            self.backend.stage("staged_edges", data)
            try:
                missing = self.backend.query(
                    "SELECT DISTINCT s.id FROM (SELECT parent_id AS id FROM staged_edges UNION ALL "
                    "SELECT child_id FROM staged_edges) s LEFT JOIN objects o ON o.object_id = s.id "
                    "WHERE o.object_id IS NULL LIMIT 10")
                if missing:
                    raise ValueError("genealogy edges refer to unknown object(s): "
                                     + ", ".join(str(m[0]) for m in missing))
                cur = self.backend.execute(_INSERT_EDGES)
                return self.backend.rowcount(cur)
            finally:
                self.backend.unstage()

    def object(self, object_id: str) -> dict | None:
        rows = self.backend.query(f"SELECT {_OBJECT_COLUMNS}, object_pk FROM objects WHERE object_id = ?",
                                  (object_id,))
        if not rows:
            return None
        return dict(zip([*tables.OBJECTS.names, "object_pk"], rows[0], strict=True))

    # -- signals and measurements ---------------------------------------------------------
    def write_samples(self, signals: pa.Table | Iterable[Mapping] | None,
                      measurements: pa.Table | Iterable[Mapping] | None) -> int:
        """Insert validated SI samples; one already stored is skipped (a signal is the same
        when its ``ts`` and ``record_id`` are, a measurement when its ``record_id`` is).
        Returns how many rows were new (a repeat within the call counts once). Call inside
        :meth:`transaction` to commit with other writes."""
        return self.store_samples(signals, measurements)[0]

    def store_samples(self, signals, measurements) -> tuple[int, list[dict]]:
        """:meth:`write_samples`, also returning the rows that **conflict** with a stored
        sample of the same identity (another key, asset or value): each is the incoming
        row with the stored ``stored_key``, ``stored_value``, ``stored_text_value``,
        ``stored_asset_id``. Neither they nor repeats of stored rows are inserted."""
        stored, conflicts = 0, []
        if signals is not None:
            data = tables.first_of_each(tables.table(signals, tables.SIGNALS), ["ts", "record_id"])
            if data.num_rows:
                with self._in_transaction():
                    stored += self._write_signals(data, conflicts)
        if measurements is not None:
            data = tables.first_of_each(tables.table(measurements, tables.MEASUREMENTS), ["record_id"])
            if data.num_rows:
                columns = ", ".join(tables.MEASUREMENTS.names)
                sql = (f"INSERT INTO measurements ({columns}) SELECT {columns} FROM staged_measurements "
                       "ON CONFLICT (record_id) DO NOTHING")
                with self._in_transaction():
                    self.backend.stage("staged_measurements", data)
                    try:
                        conflicts += self._conflicts("staged_measurements", "measurements",
                                                     "g.record_id = s.record_id", ())
                        stored += self.backend.rowcount(self.backend.execute(sql))
                    finally:
                        self.backend.unstage()
        return stored, conflicts

    def _conflicts(self, staged: str, target: str, join: str, params) -> list[dict]:
        """Staged rows whose identity is stored with another key, asset or value."""
        names = tables.MEASUREMENTS.names if target == "measurements" else tables.SIGNALS.names
        rows = self.backend.query(
            f"SELECT {', '.join('s.' + n for n in names)}, g.key, g.value, g.text_value, g.asset_id "
            f"FROM {staged} s JOIN {target} g ON {join} WHERE g.key IS DISTINCT FROM s.key "
            "OR g.value IS DISTINCT FROM s.value OR g.text_value IS DISTINCT FROM s.text_value "
            "OR g.asset_id IS DISTINCT FROM s.asset_id", params)
        extra = ("stored_key", "stored_value", "stored_text_value", "stored_asset_id")
        return [dict(zip([*names, *extra], row, strict=True)) for row in rows]

    def _in_transaction(self):
        """The caller's transaction when there is one, else a new one for this block."""
        return contextlib.nullcontext() if self.backend.in_transaction else self.transaction()

    def _write_signals(self, data: pa.Table, conflicts: list) -> int:
        """Append when nothing is stored in the rows' time window (a live stream, almost
        always: one index probe on PostgreSQL, a row-group min/max test on DuckDB); else
        skip what is there: ``ON CONFLICT`` on PostgreSQL's (ts, record_id) key, an
        anti-join limited to the window on DuckDB (which keeps no index on signals).
        Rows whose identity is stored with another value are added to ``conflicts``."""
        window = pc.min_max(data["ts"])
        lo, hi = window["min"].as_py(), window["max"].as_py()
        occupied = self.backend.query("SELECT 1 FROM signals WHERE ts BETWEEN ? AND ? LIMIT 1", (lo, hi))
        if not occupied:
            appended = self.backend.append("signals", data)
            if appended is not None:
                return appended
        columns = ", ".join(tables.SIGNALS.names)
        if self.dialect == "postgresql":
            sql = (f"INSERT INTO signals ({columns}) SELECT {columns} FROM staged_signals "
                   "ON CONFLICT DO NOTHING")
            params = ()
        else:
            sql = (f"INSERT INTO signals ({columns}) SELECT {columns} FROM staged_signals s WHERE NOT EXISTS "
                   "(SELECT 1 FROM signals g WHERE g.ts BETWEEN ? AND ? AND g.ts = s.ts "
                   "AND g.record_id = s.record_id)")
            params = (lo, hi)
        self.backend.stage("staged_signals", data)
        try:
            conflicts += self._conflicts("staged_signals", "signals", "g.ts BETWEEN ? AND ? AND g.ts = s.ts "
                                         "AND g.record_id = s.record_id", (lo, hi))
            return self.backend.rowcount(self.backend.execute(sql, params))
        finally:
            self.backend.unstage()

    def quarantine(self, rows: Iterable[Mapping] | pa.Table) -> int:
        """Keep rejected input with its source and reason; an identical one is kept once."""
        data = tables.table(rows, tables.QUARANTINE)
        if data.num_rows == 0:
            return 0
        columns = ", ".join(tables.QUARANTINE.names)
        sql = (f"INSERT INTO quarantine ({columns}) SELECT {columns} FROM staged_quarantine "
               "ON CONFLICT (quarantine_id) DO NOTHING")
        return self._insert_staged(sql, "staged_quarantine", data)

    def bump_counters(self, source: str, *, received: int, stored: int, duplicates: int,
                      quarantined: int) -> None:
        self.backend.execute(
            "INSERT INTO ingest_counters VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (source) DO UPDATE SET "
            "received = ingest_counters.received + EXCLUDED.received, "
            "stored = ingest_counters.stored + EXCLUDED.stored, "
            "duplicates = ingest_counters.duplicates + EXCLUDED.duplicates, "
            "quarantined = ingest_counters.quarantined + EXCLUDED.quarantined, "
            "updated_ts = EXCLUDED.updated_ts",
            (source, received, stored, duplicates, quarantined, datetime.now(UTC)))

    def counters(self) -> dict[str, dict[str, int]]:
        rows = self.backend.query(
            "SELECT source, received, stored, duplicates, quarantined FROM ingest_counters ORDER BY source")
        return {r[0]: {"received": r[1], "stored": r[2], "duplicates": r[3], "quarantined": r[4]}
                for r in rows}

    def count(self, table_name: str) -> int:
        if table_name not in _COUNTABLE:
            raise ValueError(f"unknown table {table_name!r}; one of {', '.join(_COUNTABLE)}")
        return self.backend.query(f"SELECT count(*) FROM {table_name}")[0][0]

    def measurements_of(self, product_id: str) -> list[dict]:
        rows = self.backend.query(
            "SELECT key, value, text_value, unit, ts, asset_id, quality FROM measurements "
            "WHERE product_id = ? ORDER BY ts, key", (product_id,))
        names = ("key", "value", "text_value", "unit", "ts", "asset_id", "quality")
        return [dict(zip(names, r, strict=True)) for r in rows]

    # -- recipes, setpoints, events -------------------------------------------------------
    def add_recipe(self, recipe_id: str, version: int, *, step: str | None = None,
                   name: str | None = None, setpoints: Mapping[str, tuple] = ()) -> None:
        """A recipe version with setpoints ``{key: (SI value or text, SI unit)}``."""
        with self.transaction():
            self.backend.execute("INSERT INTO recipes VALUES (?, ?, ?, ?, ?)",
                                 (recipe_id, version, step, name, datetime.now(UTC)))
            for key, (value, unit) in dict(setpoints).items():
                number, text = (None, value) if isinstance(value, str) else (float(value), None)
                self.backend.execute("INSERT INTO setpoints VALUES (?, ?, ?, ?, ?, ?)",
                                     (recipe_id, version, key, number, text, unit))

    def setpoints(self, recipe_id: str, version: int) -> dict[str, tuple]:
        rows = self.backend.query("SELECT key, value, text_value, unit FROM setpoints "
                                  "WHERE recipe_id = ? AND version = ? ORDER BY key", (recipe_id, version))
        return {r[0]: (r[1] if r[2] is None else r[2], r[3]) for r in rows}

    def add_event(self, event_id: str, ts: datetime, kind: str, *, asset_id: str | None = None,
                  severity: str | None = None, code: str | None = None, message: str | None = None,
                  object_id: str | None = None) -> bool:
        """Record an event or an alarm; returns False when ``event_id`` was already stored."""
        if kind not in ("event", "alarm"):
            raise ValueError(f"event kind {kind!r} is not 'event' or 'alarm'")
        cur = self.backend.execute(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (event_id) DO NOTHING",
            (event_id, ts, asset_id, kind, severity, code, message, object_id))
        inserted = self.backend.rowcount(cur) == 1
        self.backend.commit()
        return inserted

    def clear_alarm(self, event_id: str, ts: datetime) -> None:
        self.backend.execute("UPDATE events SET cleared_ts = ? WHERE event_id = ?", (ts, event_id))
        self.backend.commit()

    # -- alarms and their acknowledgement (migration 5) -----------------------------------
    def alarms(self, *, state: str | None = None, asset_id: str | None = None,
               since: datetime | None = None, limit: int = 100, offset: int = 0) -> list[dict]:
        """Alarms (``events`` of kind ``alarm``), newest first, each with its
        acknowledgement (``acked_by``, ``acked_ts``, ``comment``; None when not
        acknowledged). ``state``: ``open`` (not cleared), ``cleared``, ``acknowledged``
        or ``unacknowledged``; ``since``: raised at or after that time; ``limit`` and
        ``offset`` page through them. Every value is a query parameter."""
        where, params = _alarm_filter(state, asset_id, since)
        if not 1 <= limit <= 10_000:
            raise ValueError(f"limit = {limit} is outside [1, 10000] (alarms per page)")
        if offset < 0:
            raise ValueError(f"offset = {offset} is below 0 (alarms to skip)")
        rows = self.backend.query(
            f"SELECT {_ALARM_SELECT} FROM events e LEFT JOIN alarm_acks a "
            f"ON a.event_id = e.event_id WHERE {where} ORDER BY e.ts DESC, e.event_id "
            "LIMIT ? OFFSET ?", (*params, int(limit), int(offset)))
        return [_alarm_row(r) for r in rows]

    def count_alarms(self, *, state: str | None = None, asset_id: str | None = None,
                     since: datetime | None = None) -> int:
        """How many alarms :meth:`alarms` finds with these filters, over all pages."""
        where, params = _alarm_filter(state, asset_id, since)
        return self.backend.query(
            "SELECT count(*) FROM events e LEFT JOIN alarm_acks a ON a.event_id = e.event_id "
            f"WHERE {where}", params)[0][0]

    def alarm(self, event_id: str) -> dict | None:
        """One alarm with its acknowledgement, or None when no alarm has that id."""
        rows = self.backend.query(
            f"SELECT {_ALARM_SELECT} FROM events e LEFT JOIN alarm_acks a "
            "ON a.event_id = e.event_id WHERE e.kind = 'alarm' AND e.event_id = ?", (event_id,))
        return _alarm_row(rows[0]) if rows else None

    def acknowledge_alarm(self, event_id: str, by: str, *, comment: str | None = None,
                          ts: datetime | None = None) -> tuple[dict, bool]:
        """Acknowledge alarm ``event_id`` as ``by`` (with an optional comment): returns
        the alarm and whether this call acknowledged it. Idempotent: an alarm that is
        acknowledged already keeps its first acknowledgement (who, when, comment) and
        the call returns False. Raises ``KeyError`` when no alarm has that id (an event
        of kind ``event`` is not an alarm). An alarm may be acknowledged before or
        after it clears."""
        if not by:
            raise ValueError("by: who acknowledges the alarm must be named")
        with self._in_transaction():
            if self.alarm(event_id) is None:
                raise KeyError(f"no alarm {event_id!r}")
            cur = self.backend.execute(
                "INSERT INTO alarm_acks VALUES (?, ?, ?, ?) ON CONFLICT (event_id) DO NOTHING",
                (event_id, by, ts or datetime.now(UTC), comment))
            acknowledged = self.backend.rowcount(cur) == 1
        return self.alarm(event_id), acknowledged


ALARM_STATES = ("open", "cleared", "acknowledged", "unacknowledged")
_ALARM_COLUMNS = ("event_id", "ts", "asset_id", "severity", "code", "message", "object_id",
                  "cleared_ts", "acked_by", "acked_ts", "comment")
_ALARM_SELECT = ("e.event_id, e.ts, e.asset_id, e.severity, e.code, e.message, e.object_id, "
                 "e.cleared_ts, a.acked_by, a.acked_ts, a.comment")
# Fixed SQL per state: the caller's value only chooses one of these.
_ALARM_STATE_SQL = {"open": "e.cleared_ts IS NULL", "cleared": "e.cleared_ts IS NOT NULL",
                    "acknowledged": "a.event_id IS NOT NULL",
                    "unacknowledged": "a.event_id IS NULL"}


def _alarm_filter(state, asset_id, since) -> tuple[str, list]:
    clauses, params = ["e.kind = 'alarm'"], []
    if state is not None:
        if state not in _ALARM_STATE_SQL:
            raise ValueError(f"state = {state!r} is not one of {', '.join(ALARM_STATES)}")
        clauses.append(_ALARM_STATE_SQL[state])
    if asset_id is not None:
        clauses.append("e.asset_id = ?")
        params.append(asset_id)
    if since is not None:
        clauses.append("e.ts >= ?")
        params.append(since)
    return " AND ".join(clauses), params


def _alarm_row(row) -> dict:
    alarm = dict(zip(_ALARM_COLUMNS, row, strict=True))
    alarm["state"] = "open" if alarm["cleared_ts"] is None else "cleared"
    alarm["acknowledged"] = alarm["acked_ts"] is not None
    return alarm


_COUNTABLE = ("assets", "objects", "genealogy", "signals", "measurements", "recipes", "setpoints",
              "events", "quarantine")

# An edge is a duplicate only when every column matches: the same batch coating two
# separate stretches of one roll is two edges (same parent range, different child ranges).
# Inserted in (parent, start metre) order, the order migration 2 stores DuckDB's table in,
# with the ids and kinds of both ends that trace/track read instead of objects (migration 3).
_INSERT_EDGES = """
INSERT INTO genealogy (parent_pk, child_pk, quantity, quantity_unit, parent_from_m, parent_to_m,
                       child_from_m, child_to_m, parent_id, parent_kind, child_id, child_kind)
SELECT DISTINCT p.object_pk, c.object_pk, s.quantity, s.quantity_unit, s.parent_from_m,
       s.parent_to_m, s.child_from_m, s.child_to_m, p.object_id, p.kind, c.object_id, c.kind
FROM staged_edges s
JOIN objects p ON p.object_id = s.parent_id
JOIN objects c ON c.object_id = s.child_id
WHERE NOT EXISTS (
    SELECT 1 FROM genealogy g
    WHERE g.child_pk = c.object_pk AND g.parent_pk = p.object_pk
      AND g.parent_from_m IS NOT DISTINCT FROM s.parent_from_m
      AND g.parent_to_m IS NOT DISTINCT FROM s.parent_to_m
      AND g.child_from_m IS NOT DISTINCT FROM s.child_from_m
      AND g.child_to_m IS NOT DISTINCT FROM s.child_to_m
      AND g.quantity IS NOT DISTINCT FROM s.quantity
      AND g.quantity_unit IS NOT DISTINCT FROM s.quantity_unit)
ORDER BY p.object_pk, s.parent_from_m, c.object_pk
"""


def open_store(url: str, *, migrate_schema: bool = True, read_only: bool = False,
               create: bool = True) -> Store:
    """Open the store at ``url`` and bring its schema to the latest version.

    ``read_only=True`` is how readers (trace, track, export) open a store: nothing is
    migrated or written (a DuckDB file opened read-only, a PostgreSQL session with
    ``default_transaction_read_only``), so it works on a read-only file system, with a
    read-only database role and, for DuckDB, beside a writing ingester (on a snapshot
    copy, see :class:`~gigatwin.store.backends.DuckDBBackend`). A DuckDB path that does
    not exist is then an error, as it is with ``create=False``."""
    backend = connect(url, read_only=read_only, create=create)
    try:
        if read_only:
            _check_readable(backend, url)
        elif migrate_schema:
            _check_not_newer(backend, url)
            migrate(backend)
    except BaseException:  # a failed migration rolled back; do not leak the connection
        backend.close()
        raise
    return Store(backend, url)


def _stored_version(backend) -> int | None:
    """The store's schema version, or None when it has no ``schema_migrations`` table."""
    try:
        return backend.query("SELECT max(version) FROM schema_migrations")[0][0] or 0
    except Exception:  # noqa: BLE001 - no such table (the error class differs per backend)
        backend.rollback()
        return None


def _check_not_newer(backend, url: str) -> None:
    version = _stored_version(backend)
    if version is not None and version > LATEST:
        raise StoreError(f"store {url} has schema version {version}, newer than this gigatwin's "
                         f"{LATEST}; upgrade gigatwin to write to it")


def _check_readable(backend, url: str) -> None:
    version = _stored_version(backend)
    if version is None:
        raise StoreError(f"{url} is not a gigatwin store (no schema_migrations table)")
    if version != LATEST:
        raise StoreError(f"store {url} has schema version {version}; this gigatwin reads version "
                         f"{LATEST}: open it once for writing (e.g. gigatwin ingest) to migrate it")
