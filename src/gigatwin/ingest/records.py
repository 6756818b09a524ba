"""Validate incoming records with the spec and write them to the store in one transaction.

Every delivery (an MQTT message, an OPC UA data change, a file row) becomes records in
the spec's format (``key``, ``value``, ``unit``, ``ts``, optional ``asset``, ``product``,
``id``). :func:`gigatwin.spec.batch.validate_columns` (the per-record outcome of
:func:`gigatwin.spec.validate_record`, computed on columns) converts each to SI or rejects it; accepted
ones go to ``signals`` (or ``measurements`` when they name a ``product``), rejected ones
to ``quarantine`` with their raw text and reason. Nothing is dropped.

Idempotency: a record's identity is its ``id`` when it has one, else a hash of its
content (key, value, unit, ts, asset, product), together with its timestamp for signals;
a payload that is not a record at all is identified by a hash of its source and bytes.
Stored tables are unique on these identities, so a
re-delivered message (MQTT QoS 1 after a reconnect, a file imported twice) is counted as
a duplicate and stored once.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import msgspec
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from msgspec import UNSET, UnsetType

from gigatwin.spec import ValidatedColumns, load_registry
from gigatwin.spec.batch import RecordColumns, numbers_of, validate_columns
from gigatwin.store import tables

_log = logging.getLogger(__name__)


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


class _WireRecord(msgspec.Struct, forbid_unknown_fields=True):
    """The common shape of a record on the wire, decoded without a dict per record.

    Only records of exactly this shape (number value, text unit and timestamp, no other
    field) take this path; a payload that does not decode as a list of them (or one of
    them) is decoded again with :func:`decode` and validated record by record as before,
    so the two paths cannot disagree. ``UNSET`` keeps "absent" apart from ``null``.
    """

    key: str
    value: int | float
    unit: str
    ts: str
    asset: str | None | UnsetType = UNSET
    product: str | None | UnsetType = UNSET
    id: str | None | UnsetType = UNSET


_WIRE = msgspec.json.Decoder(list[_WireRecord] | _WireRecord)
_FAST_DEFAULTS = frozenset({"asset", "product"})  # defaults the wire path can apply


def _decode_wire(delivery: Delivery) -> list[_WireRecord] | None:
    """The records of a bytes payload of the common shape, else None (the general path)."""
    if not isinstance(delivery.payload, bytes | bytearray | memoryview) or delivery.rejected_because \
            or not _FAST_DEFAULTS.issuperset(delivery.defaults):
        return None
    try:
        decoded = _WIRE.decode(delivery.payload)
    except msgspec.DecodeError:  # malformed, or another shape: the general path says why
        return None
    return decoded if isinstance(decoded, list) else [decoded]


def _wire_columns(wire: list[_WireRecord], defaults: list[Mapping]) -> RecordColumns:
    """Columns of decoded wire records, each with its delivery's defaults applied."""
    def field(column: list, name: str) -> list:
        for i in [i for i, v in enumerate(column) if v is UNSET]:
            column[i] = defaults[i].get(name)
        return column

    def record(i: int) -> dict:
        r, d = wire[i], defaults[i]
        out = {**d, "key": r.key, "value": r.value, "unit": r.unit, "ts": r.ts}
        out.update((n, v) for n in ("asset", "product", "id") if (v := getattr(r, n)) is not UNSET)
        return out

    values = [r.value for r in wire]
    return RecordColumns(key=[r.key for r in wire], value=values, unit=[r.unit for r in wire],
                         ts=[r.ts for r in wire], asset=field([r.asset for r in wire], "asset"),
                         product=field([r.product for r in wire], "product"),
                         id=field([r.id for r in wire], "id"),
                         numbers=numbers_of(values), is_record=np.ones(len(wire), dtype=bool),
                         record=record, plain=True)


_ARRIVAL = "arrival_"  # position of a record in the write, across deliveries and paths


class _Batch:
    """The rows of one write, deduplicated within the write: accepted rows by (record id,
    timestamp), quarantined ones by quarantine id, the first to arrive kept whichever path
    (wire or general) validated it.

    Records accepted on the columnar path arrive as whole Arrow tables; the few accepted
    one by one (warnings, text values) and the quarantined ones as Python rows."""

    def __init__(self):
        self.parts: list[pa.Table] = []  # signal and measurement rows, _WITH_ARRIVAL columns
        self.measurements: dict[str, list] = {n: [] for n in [*tables.MEASUREMENTS.names, _ARRIVAL]}
        self.quarantine: dict[str, list] = {n: [] for n in [*tables.QUARANTINE.names, _ARRIVAL]}
        self.counts = Counts()
        self.now = datetime.now(UTC)

    def reject(self, source: str, raw: str, reason: str, ident: str | None, arrival: int) -> None:
        self.counts.received += 1
        raw, reason = _storable(raw), _storable(reason)
        qid = "q:" + (ident or _digest(source, raw))
        for name, value in zip(self.quarantine, (qid, self.now, source, raw, reason, arrival), strict=True):
            self.quarantine[name].append(value)

    def accept(self, source: str, result, record: Mapping, arrival: int) -> None:
        self.counts.received += 1
        record_id = result.id or content_id(record)
        number, text = (None, result.value) if isinstance(result.value, str) else (result.value, None)
        quality = "uncertain" if result.warnings else "good"
        values = (record_id, result.product, result.ts, result.asset, result.key, number, text,
                  result.unit, quality, source, arrival)
        for name, value in zip(self.measurements, values, strict=True):
            self.measurements[name].append(value)

    def accept_columns(self, clean: ValidatedColumns, columns: RecordColumns, sources: list[str],
                       arrivals: np.ndarray) -> None:
        """Accept the records validated on the columnar path (valid, no warning), in bulk."""
        n = len(clean.row)
        self.counts.received += n
        if n == 0:
            return
        ids = [ident or content_id(columns.record(int(i))) for ident, i in zip(clean.id, clean.row, strict=True)]
        self.parts.append(pa.table({
            "record_id": pa.array(ids, pa.string()), "product_id": pa.array(clean.product, pa.string()),
            "ts": clean.ts, "asset_id": pa.array(clean.asset, pa.string()),
            "key": pa.array(clean.key, pa.string()), "value": pa.array(clean.value, pa.float64()),
            "text_value": pa.nulls(n, pa.string()), "unit": pa.array(clean.unit, pa.string()),
            "quality": pa.repeat(pa.scalar("good"), n),
            "source": pa.array([sources[i] for i in clean.row.tolist()], pa.string()),
            _ARRIVAL: pa.array(arrivals[clean.row], pa.int64()),
        }, schema=_WITH_ARRIVAL))

    def _first_arrived(self, rows: pa.Table, keys: list[str]) -> pa.Table:
        """``rows`` in arrival order without repeats of ``keys`` (repeats counted as duplicates)."""
        if rows.num_rows == 0:
            return rows.drop_columns([_ARRIVAL])
        rows = rows.take(pc.sort_indices(rows[_ARRIVAL]))
        unique = tables.first_of_each(rows, keys)
        self.counts.duplicates += rows.num_rows - unique.num_rows
        return unique.drop_columns([_ARRIVAL])

    def tables(self) -> tuple[pa.Table, pa.Table, pa.Table]:
        rows = pa.concat_tables([*self.parts, pa.table(self.measurements, schema=_WITH_ARRIVAL)])
        rows = self._first_arrived(rows, ["record_id", "ts"])
        is_signal = pc.is_null(rows["product_id"])
        signals = rows.filter(is_signal).select(tables.SIGNALS.names)
        quarantine = pa.table(self.quarantine, schema=tables.QUARANTINE.append(pa.field(_ARRIVAL, pa.int64())))
        return (signals, rows.filter(pc.invert(is_signal)), self._first_arrived(quarantine, ["quarantine_id"]))


_WITH_ARRIVAL = tables.MEASUREMENTS.append(pa.field(_ARRIVAL, pa.int64()))


def _storable(text: str) -> str:
    """``text`` with NUL characters written as ``\\x00``: PostgreSQL text cannot hold NUL,
    and both backends must keep the same quarantine text."""
    return text.replace("\x00", "\\x00") if "\x00" in text else text


@dataclass
class Prepared:
    """A validated batch ready to commit: its rows and its counts so far."""

    signals: pa.Table
    measurements: pa.Table
    quarantine: pa.Table
    counts: Counts


def _merge(parts: list[Prepared]) -> Prepared:
    counts = Counts()
    for part in parts:
        counts.add(part.counts)
    return Prepared(*(pa.concat_tables([getattr(p, name) for p in parts])
                      for name in ("signals", "measurements", "quarantine")), counts)


class RecordWriter:
    """Validates deliveries and commits each batch (samples, quarantine, counters) atomically.

    :meth:`prepare` is pure computation (decode, validate, convert, deduplicate within the
    batch); :meth:`commit` is one transaction. :meth:`write` does both; an ingester that
    wants the database to work while it prepares the next batch calls them apart."""

    def __init__(self, store, registry=None):
        self.store = store
        self.registry = registry or load_registry()
        self.totals: dict[str, Counts] = {}

    def _records(self, batch: _Batch, delivery: Delivery, arrival: int) -> list:
        """The records of a delivery (with its defaults), or [] after quarantining an unusable payload."""
        if delivery.rejected_because:
            batch.reject(delivery.source, _raw_text(delivery.payload), delivery.rejected_because, None, arrival)
            return []
        records, problem = decode(delivery.payload)
        if records is None:
            batch.reject(delivery.source, _raw_text(delivery.payload), problem, None, arrival)
            return []
        if delivery.defaults:
            records = [{**delivery.defaults, **r} if isinstance(r, Mapping) else r for r in records]
        return records

    def _validate(self, batch: _Batch, columns: RecordColumns, sources: list[str], arrivals: list[int]) -> None:
        """Validate all records of a write at once; clean ones in bulk, the rest one by one."""
        validated = validate_columns(columns, self.registry)
        arrivals = np.asarray(arrivals, dtype=np.int64)
        batch.accept_columns(validated, columns, sources, arrivals)
        for result in validated.results:
            record, source, arrival = columns.record(result.row), sources[result.row], int(arrivals[result.row])
            if result.ok:
                batch.accept(source, result, record, arrival)
            else:
                raw = _raw_text(record if isinstance(record, Mapping) else {"payload": record})
                batch.reject(source, raw, result.reason, result.id or None, arrival)

    def prepare(self, deliveries: Iterable[Delivery]) -> Prepared:
        """Decode, validate and convert ``deliveries``; nothing touches the store.

        A delivery whose processing fails in a way validation does not foresee (a bug, an
        input no rule covers) must not stop the stream: it would never be acknowledged and
        come back forever. The batch is then prepared again one delivery at a time and the
        failing one is quarantined with the error as its reason (and logged)."""
        deliveries = list(deliveries)
        try:
            return self._prepare(deliveries)
        except Exception as exc:
            if len(deliveries) == 1:
                _log.exception("ingestion: quarantining a delivery from %s that failed validation",
                               deliveries[0].source)
                batch = _Batch()
                batch.reject(deliveries[0].source, _raw_text(deliveries[0].payload),
                             f"internal error while validating: {type(exc).__name__}: {exc}", None, 0)
                return Prepared(*batch.tables(), batch.counts)
            return _merge([self.prepare([delivery]) for delivery in deliveries])

    def _prepare(self, deliveries: list[Delivery]) -> Prepared:
        batch = _Batch()
        wire: list[_WireRecord] = []
        wire_defaults: list[Mapping] = []
        wire_sources: list[str] = []
        wire_arrivals: list[int] = []
        records: list = []
        sources: list[str] = []
        arrivals: list[int] = []
        arrived = 0  # records (or unusable payloads) so far, in delivery order
        for delivery in deliveries:
            decoded = _decode_wire(delivery)
            if decoded is not None:
                wire.extend(decoded)
                wire_defaults.extend([delivery.defaults] * len(decoded))
                wire_sources.extend([delivery.source] * len(decoded))
                wire_arrivals.extend(range(arrived, arrived + len(decoded)))
                arrived += len(decoded)
                continue
            found = self._records(batch, delivery, arrived)
            records.extend(found)
            sources.extend([delivery.source] * len(found))
            arrivals.extend(range(arrived, arrived + len(found)))
            arrived += max(len(found), 1)
        if wire:
            self._validate(batch, _wire_columns(wire, wire_defaults), wire_sources, wire_arrivals)
        if records:
            self._validate(batch, RecordColumns.from_records(records), sources, arrivals)
        return Prepared(*batch.tables(), batch.counts)

    def commit(self, prepared: Prepared, *, counter_source: str) -> Counts:
        """Store a prepared batch in one transaction; return its counts."""
        signals, measurements, quarantine = prepared.signals, prepared.measurements, prepared.quarantine
        counts = prepared.counts
        with self.store.transaction():
            counts.stored = self.store.write_samples(signals, measurements)
            counts.quarantined = self.store.quarantine(quarantine)
            counts.duplicates += (signals.num_rows + measurements.num_rows - counts.stored
                                  + quarantine.num_rows - counts.quarantined)
            self.store.bump_counters(counter_source, **counts.as_dict())
        self.totals.setdefault(counter_source, Counts()).add(counts)
        return counts

    def write(self, deliveries: Iterable[Delivery], *, counter_source: str) -> Counts:
        """Validate and store ``deliveries`` in one transaction; return this batch's counts."""
        return self.commit(self.prepare(deliveries), counter_source=counter_source)
