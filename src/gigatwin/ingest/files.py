"""File import: CSV and Parquet files of measurements (records) or of genealogy.

- A **records** file has the spec's record columns ``key, value, unit, ts`` and optional
  ``asset, product, id``; every row is validated like an MQTT record (SI conversion,
  quarantine with reason, idempotent ids so importing a file twice stores it once).
- A **genealogy** file has ``parent_id, child_id`` and optional ``parent_kind, child_kind``
  (objects created when missing), ``quantity, quantity_unit``, ``parent_from_m,
  parent_to_m, child_from_m, child_to_m`` (metres). Every row is checked first
  (:mod:`gigatwin.ingest.genealogy`: ids, kinds, ranges, self-loops and cycles); rows
  that fail, and rows naming an object that is not in the store and has no kind, are
  quarantined with their reasons.

A file whose header names a column twice is refused (which ``value`` is meant?).

A records file is stored in chunks of :data:`CHUNK_ROWS`, each in one transaction; a
failure that stops the import (a full disk) raises :class:`ImportStoppedError` with the
rows committed so far. Importing the file again resumes it: committed rows are
recognised by their ids and counted as duplicates. A genealogy file is one transaction.
"""

from __future__ import annotations

import contextlib
import gc
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from gigatwin.ingest.genealogy import cycle_edges, row_problems, stored_kinds
from gigatwin.ingest.record_writer import Counts, Delivery, RecordWriter, _digest, _storable
from gigatwin.spec.batch import RecordColumns, pylist, text_numbers
from gigatwin.store import tables

CHUNK_ROWS = 100_000
RECORD_COLUMNS = {"key", "value", "ts"}
GENEALOGY_COLUMNS = {"parent_id", "child_id"}


class ImportStoppedError(Exception):
    """A records import stopped part-way: ``committed`` holds the counts of the rows
    stored before (each chunk is one transaction), ``rows`` the rows of the file."""

    def __init__(self, message: str, committed: Counts, rows: int):
        super().__init__(message)
        self.committed, self.rows = committed, rows


def csv_header(path: Path) -> list[str]:
    """The column names of a CSV file, from its first block only (repeats kept)."""
    reader = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=1 << 16))
    try:
        return reader.schema.names
    finally:
        reader.close()


def _refuse_repeated(path: Path, names: list[str]) -> None:
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ValueError(f"{path}: column(s) {', '.join(map(repr, repeated))} appear more than once in "
                         "the header; which one is meant? Rename or remove the repeats")


def read_table(path: Path) -> pa.Table:
    """A CSV (every column read as text) or Parquet file as an Arrow table; a column
    named twice is refused."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        _refuse_repeated(path, pq.read_schema(path).names)
        return pq.read_table(path)
    if suffix == ".csv":
        names = csv_header(path)
        _refuse_repeated(path, names)
        # Only an empty cell is missing: Arrow's default null spellings ("nan", "NULL",
        # "N/A", ...) would turn a NaN metre into "no range", i.e. the whole parent.
        types = dict.fromkeys(names, pa.string())
        return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types=types, strings_can_be_null=True, null_values=[""]))
    raise ValueError(f"{path}: unknown file type {suffix!r}; use .csv or .parquet")


def ingest_file(store, path: str | Path) -> Counts:
    """Import a records or genealogy file; returns received/stored/duplicates/quarantined."""
    path = Path(path)
    data = read_table(path)
    columns = set(data.column_names)
    if columns >= RECORD_COLUMNS:
        return _ingest_records(store, path, data)
    if columns >= GENEALOGY_COLUMNS:
        return _ingest_genealogy(store, path, data)
    raise ValueError(f"{path}: columns {', '.join(sorted(columns))} are neither records "
                     f"({', '.join(sorted(RECORD_COLUMNS))}, ...) nor genealogy "
                     f"({', '.join(sorted(GENEALOGY_COLUMNS))}, ...)")


def record_columns(chunk: pa.Table) -> RecordColumns:
    """The records of a chunk of a records file as columns, without a dict per row
    (only a record that needs the per-record path is rebuilt as one, without its
    empty fields, as the file row it came from)."""
    names = chunk.column_names
    column = {n: pylist(chunk[n]) if n in names else [None] * chunk.num_rows
              for n in ("key", "value", "unit", "ts", "asset", "product", "id")}
    extra = {n: pylist(chunk[n]) for n in names if n not in column}
    every = {**column, **extra}

    def record(i: int) -> dict:
        return {n: values[i] for n, values in every.items() if values[i] is not None}

    plain = all(chunk[n].null_count == 0 and pa.types.is_string(chunk[n].type)
                for n in ("key", "unit", "ts") if n in names) and "unit" in names \
        and all(pa.types.is_string(chunk[n].type) for n in ("asset", "product", "id") if n in names)
    return RecordColumns(**column, numbers=text_numbers(column["value"]),
                         is_record=np.ones(chunk.num_rows, dtype=bool), record=record, plain=plain)


@contextlib.contextmanager
def _gc_paused():
    """No cyclic garbage collection while a chunk's ~10^6 small objects are built: it
    would walk them again and again (none of them forms a cycle)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _ingest_records(store, path: Path, data: pa.Table) -> Counts:
    writer = RecordWriter(store)
    source = f"file:{path.name}"
    total = Counts()
    for start in range(0, data.num_rows, CHUNK_ROWS):  # (Arrow's CSV batches are ~10^4 rows)
        chunk = data.slice(start, CHUNK_ROWS)
        try:
            with _gc_paused():
                prepared = writer.prepare_columns(record_columns(chunk), source)
        except Exception:  # noqa: BLE001 - the per-row path isolates what failed
            rows = chunk.to_pylist()
            prepared = writer.prepare([Delivery(source, {k: v for k, v in row.items() if v is not None})
                                       for row in rows])
        try:
            total.add(writer.commit(prepared, counter_source=source))
        except Exception as exc:
            raise ImportStoppedError(f"{path}: import stopped after {total.received:,} of {data.num_rows:,} "
                                     f"rows were committed: {type(exc).__name__}: "
                                     f"{str(exc).strip().splitlines()[0] if str(exc).strip() else ''}. "
                                     "Importing the file again resumes it (committed rows count as "
                                     "duplicates).", total, data.num_rows) from exc
    return total


def _float_column(data: pa.Table, name: str) -> pa.Array:
    if name not in data.column_names:
        return pa.nulls(data.num_rows, pa.float64())
    return pc.cast(data[name], pa.float64())


def _text(value) -> str | None:
    return None if value is None else str(value)


def _ingest_genealogy(store, path: Path, data: pa.Table) -> Counts:
    """Check every row, create the objects of the good ones from their kinds, store
    their edges and quarantine the rest with reasons, in one transaction."""
    source = f"file:{path.name}"
    rows = data.to_pylist()
    for row in rows:  # ids, kinds and units as text whatever the file's column types
        for name in ("parent_id", "child_id", "parent_kind", "child_kind", "quantity_unit"):
            row[name] = _text(row.get(name))
    ids = sorted({r[n] for r in rows for n in ("parent_id", "child_id") if r[n]})
    kinds = stored_kinds(store, ids)
    known = set(kinds)
    reasons = [row_problems(row, kinds) for row in rows]
    for row, problems in zip(rows, reasons, strict=True):
        if not problems:
            unknown = [row[k] for k in ("parent_id", "child_id") if row[k] not in kinds]
            if unknown:
                problems.append("unknown object(s) " + ", ".join(unknown)
                                + "; add them first or give parent_kind/child_kind")
    candidates = [i for i, problems in enumerate(reasons) if not problems]
    for position in cycle_edges(store, [(rows[i]["parent_id"], rows[i]["child_id"]) for i in candidates]):
        row = rows[candidates[position]]
        reasons[candidates[position]].append(f"{row['parent_id']} -> {row['child_id']} would close a cycle "
                                             "in the genealogy (an object its own ancestor)")
    good = [row for row, problems in zip(rows, reasons, strict=True) if not problems]
    objects = {}
    for row in good:
        for side in ("parent", "child"):
            object_id = row[f"{side}_id"]
            if object_id not in known and object_id not in objects:
                objects[object_id] = kinds[object_id]
    edges = pa.table({
        "parent_id": pa.array([r["parent_id"] for r in good], pa.string()),
        "child_id": pa.array([r["child_id"] for r in good], pa.string()),
        "quantity": pa.array([_float(r.get("quantity")) for r in good], pa.float64()),
        "quantity_unit": pa.array([r.get("quantity_unit") for r in good], pa.string()),
        **{n: pa.array([_float(r.get(n)) for r in good], pa.float64())
           for n in ("parent_from_m", "parent_to_m", "child_from_m", "child_to_m")},
    })
    counts = Counts(received=len(rows))
    now = datetime.now(UTC)
    rejected = []
    for row, problems in zip(rows, reasons, strict=True):
        if problems:
            raw = _storable(json.dumps(row, sort_keys=True, default=str))
            rejected.append({"quarantine_id": "q:" + _digest(source, raw), "received_ts": now, "source": source,
                             "raw": raw, "reason": _storable("; ".join(problems))})
    with store.transaction():
        if objects:
            store.add_objects(pa.table({"object_id": pa.array(list(objects), pa.string()),
                                        "kind": pa.array(list(objects.values()), pa.string())}))
        counts.stored = store.add_edges(edges) if good else 0
        counts.duplicates = len(good) - counts.stored
        counts.quarantined = store.quarantine(tables.table(rejected, tables.QUARANTINE))
        counts.duplicates += len(rejected) - counts.quarantined
        store.bump_counters(source, **counts.as_dict())
    return counts


def _float(value) -> float | None:
    return None if value in (None, "") else float(value)
