"""Validate incoming records with the spec and write them to the store in one transaction.

Every delivery (an MQTT message, an OPC UA data change, a file row) becomes records in
the spec's format (``key``, ``value``, ``unit``, ``ts``, optional ``asset``, ``product``,
``id``). :func:`gigatwin.spec.validate_batch` (the per-record outcome of
:func:`gigatwin.spec.validate_record`, computed on columns) converts each to SI or rejects it; accepted
ones go to ``signals`` (or ``measurements`` when they name a ``product``), rejected ones
to ``quarantine`` with their raw text and reason. Nothing is dropped.

Idempotency: a record's identity is its ``id`` when it has one, else a hash of its
content (key, value, unit, ts, asset, product); a payload that is not a record at all is
identified by a hash of its source and bytes. Stored tables are unique on these ids, so a
re-delivered message (MQTT QoS 1 after a reconnect, a file imported twice) is counted as
a duplicate and stored once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import pyarrow as pa

from gigatwin.spec import ValidatedColumns, load_registry, validate_batch
from gigatwin.store import tables


@dataclass
class Delivery:
    """One unit of input: where it came from and its payload (bytes, text, a record or a list)."""

    source: str
    payload: bytes | str | Mapping | list
    defaults: Mapping[str, str] = field(default_factory=dict)  # e.g. asset from the topic
    rejected_because: str | None = None  # set by a source that already knows it is unusable


@dataclass
class Counts:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0

    def add(self, other: Counts) -> None:
        self.received += other.received
        self.stored += other.stored
        self.duplicates += other.duplicates
        self.quarantined += other.quarantined

    def as_dict(self) -> dict[str, int]:
        return {"received": self.received, "stored": self.stored, "duplicates": self.duplicates,
                "quarantined": self.quarantined}


def _digest(*parts: str) -> str:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=16).hexdigest()


def content_id(record: Mapping) -> str:
    """The identity of a record without an ``id``: a hash of what it says."""
    fields = ("key", "value", "unit", "ts", "asset", "product")
    return "h:" + _digest(*(str(record.get(name, "")) for name in fields))


def decode(payload) -> tuple[list | None, str | None]:
    """Records of a payload, or ``(None, reason)`` when it is not a record or a list of them."""
    if isinstance(payload, bytes | bytearray | memoryview):
        try:
            payload = bytes(payload).decode("utf-8")
        except UnicodeDecodeError as exc:
            return None, f"payload: not UTF-8 text ({exc})"
    if isinstance(payload, str):
        try:
            payload = json.loads(payload)
        except json.JSONDecodeError as exc:
            return None, f"payload: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
    if isinstance(payload, Mapping):
        return [payload], None
    if isinstance(payload, list):
        return payload, None
    return None, f"payload: expected a JSON object or a list of them, got {type(payload).__name__}"


def _raw_text(payload) -> str:
    if isinstance(payload, bytes | bytearray | memoryview):
        return bytes(payload).decode("utf-8", errors="replace")
    if isinstance(payload, str):
        return payload
    return json.dumps(payload, default=str, sort_keys=True)


class _Batch:
    """Columns of the rows of one write, deduplicated by id within the batch."""

    def __init__(self):
        self.signals: dict[str, list] = {n: [] for n in tables.SIGNALS.names}
        self.measurements: dict[str, list] = {n: [] for n in tables.MEASUREMENTS.names}
        self.quarantine: dict[str, list] = {n: [] for n in tables.QUARANTINE.names}
        self.seen: set[str] = set()
        self.counts = Counts()
        self.now = datetime.now(UTC)

    def reject(self, source: str, raw: str, reason: str, ident: str | None = None) -> None:
        self.counts.received += 1
        qid = "q:" + (ident or _digest(source, raw))
        if qid in self.seen:
            self.counts.duplicates += 1
            return
        self.seen.add(qid)
        for name, value in zip(tables.QUARANTINE.names, (qid, self.now, source, raw, reason), strict=True):
            self.quarantine[name].append(value)

    def accept(self, source: str, result, record: Mapping) -> None:
        self.counts.received += 1
        record_id = result.id or content_id(record)
        if record_id in self.seen:
            self.counts.duplicates += 1
            return
        self.seen.add(record_id)
        number, text = (None, result.value) if isinstance(result.value, str) else (result.value, None)
        quality = "uncertain" if result.warnings else "good"
        if result.product:
            columns = self.measurements
            values = (record_id, result.product, result.ts, result.asset, result.key, number, text,
                      result.unit, quality, source)
        else:
            columns = self.signals
            values = (record_id, result.ts, result.asset, result.key, number, text, result.unit,
                      quality, source)
        for name, value in zip(columns, values, strict=True):
            columns[name].append(value)

    def accept_columns(self, clean: ValidatedColumns, records: list, sources: list[str]) -> None:
        """Accept the records validated on the columnar path (valid, no warning), in bulk."""
        ids = [ident or content_id(records[i]) for ident, i in zip(clean.id, clean.row, strict=True)]
        signal_rows, measurement_rows = [], []
        for position, record_id in enumerate(ids):
            self.counts.received += 1
            if record_id in self.seen:
                self.counts.duplicates += 1
                continue
            self.seen.add(record_id)
            (measurement_rows if clean.product[position] else signal_rows).append(position)
        for rows, columns in ((signal_rows, self.signals), (measurement_rows, self.measurements)):
            if not rows:
                continue
            picked = {
                "record_id": [ids[p] for p in rows], "product_id": [clean.product[p] for p in rows],
                "ts": [clean.ts[p] for p in rows], "asset_id": [clean.asset[p] for p in rows],
                "key": [clean.key[p] for p in rows], "value": clean.value[rows].tolist(),
                "text_value": [None] * len(rows), "unit": [clean.unit[p] for p in rows],
                "quality": ["good"] * len(rows), "source": [sources[clean.row[p]] for p in rows],
            }
            for name in columns:
                columns[name].extend(picked[name])

    def tables(self) -> tuple[pa.Table, pa.Table, pa.Table]:
        return (pa.table(self.signals, schema=tables.SIGNALS),
                pa.table(self.measurements, schema=tables.MEASUREMENTS),
                pa.table(self.quarantine, schema=tables.QUARANTINE))


class RecordWriter:
    """Validates deliveries and commits each batch (samples, quarantine, counters) atomically."""

    def __init__(self, store, registry=None):
        self.store = store
        self.registry = registry or load_registry()
        self.totals: dict[str, Counts] = {}

    def _records(self, batch: _Batch, delivery: Delivery) -> list:
        """The records of a delivery (with its defaults), or [] after quarantining an unusable payload."""
        if delivery.rejected_because:
            batch.reject(delivery.source, _raw_text(delivery.payload), delivery.rejected_because)
            return []
        records, problem = decode(delivery.payload)
        if records is None:
            batch.reject(delivery.source, _raw_text(delivery.payload), problem)
            return []
        if delivery.defaults:
            records = [{**delivery.defaults, **r} if isinstance(r, Mapping) else r for r in records]
        return records

    def _validate(self, batch: _Batch, records: list, sources: list[str]) -> None:
        """Validate all records of a write at once; clean ones in bulk, the rest one by one."""
        validated = validate_batch(records, self.registry)
        batch.accept_columns(validated, records, sources)
        for result in validated.results:
            record, source = records[result.row], sources[result.row]
            if result.ok:
                batch.accept(source, result, record)
            else:
                raw = _raw_text(record if isinstance(record, Mapping) else {"payload": record})
                batch.reject(source, raw, result.reason, result.id or None)

    def write(self, deliveries: Iterable[Delivery], *, counter_source: str) -> Counts:
        """Validate and store ``deliveries`` in one transaction; return this batch's counts."""
        batch = _Batch()
        records: list = []
        sources: list[str] = []
        for delivery in deliveries:
            found = self._records(batch, delivery)
            records.extend(found)
            sources.extend([delivery.source] * len(found))
        self._validate(batch, records, sources)
        signals, measurements, quarantine = batch.tables()
        counts = batch.counts
        with self.store.transaction():
            counts.stored = self.store.write_samples(signals, measurements)
            counts.quarantined = self.store.quarantine(quarantine)
            counts.duplicates += (signals.num_rows + measurements.num_rows - counts.stored
                                  + quarantine.num_rows - counts.quarantined)
            self.store.bump_counters(counter_source, **counts.as_dict())
        self.totals.setdefault(counter_source, Counts()).add(counts)
        return counts
