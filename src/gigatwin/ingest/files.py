"""File import: CSV and Parquet files of measurements (records) or of genealogy.

- A **records** file has the spec's record columns ``key, value, unit, ts`` and optional
  ``asset, product, id``; every row is validated like an MQTT record (SI conversion,
  quarantine with reason, idempotent ids so importing a file twice stores it once).
- A **genealogy** file has ``parent_id, child_id`` and optional ``parent_kind, child_kind``
  (objects created when missing), ``quantity, quantity_unit``, ``parent_from_m,
  parent_to_m, child_from_m, child_to_m`` (metres). Rows naming an object that is not in
  the store and has no kind are quarantined with their reason.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from gigatwin.ingest.records import Counts, Delivery, RecordWriter, _digest
from gigatwin.store import tables

CHUNK_ROWS = 50_000
RECORD_COLUMNS = {"key", "value", "ts"}
GENEALOGY_COLUMNS = {"parent_id", "child_id"}


def read_table(path: Path) -> pa.Table:
    """A CSV (every column read as text) or Parquet file as an Arrow table."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return pq.read_table(path)
    if suffix == ".csv":
        with path.open("rb") as handle:
            names = pacsv.read_csv(handle, read_options=pacsv.ReadOptions(block_size=1 << 16)
                                   ).column_names
        types = dict.fromkeys(names, pa.string())
        return pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(column_types=types,
                                                                         strings_can_be_null=True))
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


def _ingest_records(store, path: Path, data: pa.Table) -> Counts:
    writer = RecordWriter(store)
    source = f"file:{path.name}"
    total = Counts()
    for batch in data.to_batches(max_chunksize=CHUNK_ROWS):
        rows = batch.to_pylist()
        deliveries = [Delivery(source, {k: v for k, v in row.items() if v is not None}) for row in rows]
        total.add(writer.write(deliveries, counter_source=source))
    return total


def _float_column(data: pa.Table, name: str) -> pa.Array:
    if name not in data.column_names:
        return pa.nulls(data.num_rows, pa.float64())
    return pc.cast(data[name], pa.float64())


def _ingest_genealogy(store, path: Path, data: pa.Table) -> Counts:
    source = f"file:{path.name}"
    for side in ("parent", "child"):
        if f"{side}_kind" in data.column_names:
            kinded = data.filter(pc.is_valid(data[f"{side}_kind"]))
            store.add_objects(pa.table({"object_id": kinded[f"{side}_id"], "kind": kinded[f"{side}_kind"]}))
    edges = pa.table({
        "parent_id": data["parent_id"], "child_id": data["child_id"],
        "quantity": _float_column(data, "quantity"),
        "quantity_unit": data["quantity_unit"] if "quantity_unit" in data.column_names
        else pa.nulls(data.num_rows, pa.string()),
        **{n: _float_column(data, n) for n in ("parent_from_m", "parent_to_m", "child_from_m", "child_to_m")},
    })
    known = {r[0] for r in store.query(
        "SELECT object_id FROM objects WHERE object_id = ANY(?)",
        (list(set(edges["parent_id"].to_pylist()) | set(edges["child_id"].to_pylist())),))}
    ok = pc.and_(pc.is_in(edges["parent_id"], pa.array(list(known), pa.string())),
                 pc.is_in(edges["child_id"], pa.array(list(known), pa.string())))
    good, bad = edges.filter(ok), data.filter(pc.invert(ok))
    counts = Counts(received=data.num_rows)
    counts.stored = store.add_edges(good)
    counts.duplicates = good.num_rows - counts.stored
    now = datetime.now(UTC)
    rejected = []
    for row in bad.to_pylist():
        unknown = [row[k] for k in ("parent_id", "child_id") if row[k] not in known]
        raw = json.dumps(row, sort_keys=True, default=str)
        rejected.append({"quarantine_id": "q:" + _digest(source, raw), "received_ts": now, "source": source,
                         "raw": raw, "reason": "unknown object(s) " + ", ".join(map(str, unknown))
                         + "; add them first or give parent_kind/child_kind"})
    with store.transaction():
        counts.quarantined = store.quarantine(tables.table(rejected, tables.QUARANTINE))
        store.bump_counters(source, **counts.as_dict())
    return counts
