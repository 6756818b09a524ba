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
import threading
from collections.abc import Callable, Iterable, Mapping
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
from gigatwin.store.backends import StoreError, StoreUnavailableError

_log = logging.getLogger(__name__)

# What both backends can store, checked before any write so that DuckDB and PostgreSQL
# accept and reject the same records. PostgreSQL refuses a B-tree index entry above
# 2,704 bytes (a third of an 8 kB page) and ids, assets and products are indexed: 256
# characters take at most 1,024 bytes in UTF-8, with room for the other key columns.
# Text values are not indexed; 10,000 characters keep a row well inside one page.
# Neither backend stores a lone UTF-16 surrogate (valid JSON "\ud800" decodes to one);
# PostgreSQL text cannot hold NUL (checked by the spec's validation).
ID_MAX_CHARS = 256
TEXT_MAX_CHARS = 10_000


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


def _not_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def storage_problem(name: str, text, limit: int = ID_MAX_CHARS) -> str | None:
    """Why the text ``text`` of field ``name`` cannot be stored on both backends, else None."""
    if type(text) is not str:
        return None
    if len(text) > limit:
        return (f"{name}: {len(text):,} characters long ({text[:40]!r}...); "
                f"the store keeps at most {limit:,}")
    if not text.isascii() and _not_encodable(text):
        return f"{name}: {text[:80].encode('utf-8', 'backslashreplace').decode()!r} is not valid " \
               "Unicode (a lone surrogate), which no text column stores"
    return None


def _unstorable_rows(columns: dict[str, list], limits: dict[str, int]) -> dict[int, str]:
    """``{position: reason}`` of the rows with a text the store cannot hold; fast when
    every text is short ASCII (one join and one max per column)."""
    found: dict[int, str] = {}
    for name, column in columns.items():
        texts = [v for v in column if type(v) is str]
        if not texts:
            continue
        joined = "".join(texts)
        if max(map(len, texts)) <= limits[name] and (joined.isascii() or not _not_encodable(joined)):
            continue
        for i, value in enumerate(column):
            if i not in found and (problem := storage_problem(name, value, limits[name])):
                found[i] = problem
    return found


_LIMITS = {"id": ID_MAX_CHARS, "asset": ID_MAX_CHARS, "product": ID_MAX_CHARS, "value": TEXT_MAX_CHARS}


def _result_storage_problem(result) -> str | None:
    """Why an accepted record (per-record path) cannot be stored, else None."""
    for name in ("id", "asset", "product", "value"):
        if problem := storage_problem(name, getattr(result, name), _LIMITS[name]):
            return problem
    return None


def _without_clean(validated: ValidatedColumns, positions: list[int]) -> ValidatedColumns:
    """``validated`` without the clean rows at ``positions`` (they are rejected instead)."""
    keep = np.ones(len(validated.row), dtype=bool)
    keep[positions] = False
    where = np.flatnonzero(keep)
    pick = where.tolist()
    return ValidatedColumns(
        row=validated.row[where], key=[validated.key[i] for i in pick], value=validated.value[where],
        unit=[validated.unit[i] for i in pick], ts=validated.ts.take(pa.array(where, pa.int64())),
        asset=[validated.asset[i] for i in pick], product=[validated.product[i] for i in pick],
        id=[validated.id[i] for i in pick], results=validated.results)


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
        qid = _quarantine_id(ident, source, raw)
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
        if unique.num_rows < rows.num_rows and "record_id" in keys:
            self._quarantine_conflicts(rows)
        return unique.drop_columns([_ARRIVAL])

    def _quarantine_conflicts(self, rows: pa.Table) -> None:
        """Repeats of an identity with another key, asset or value than the first (kept)
        one are conflicts, not duplicates: quarantined with both values."""
        # only ids that occur more than once can conflict: the rest (nearly all rows of a
        # batch with a few re-deliveries) need no conversion to Python rows
        counts = rows.group_by("record_id").aggregate([("record_id", "count")])
        repeated = counts.filter(pc.greater(counts["record_id_count"], 1))["record_id"]
        rows = rows.filter(pc.is_in(rows["record_id"], value_set=repeated))
        first: dict[tuple, dict] = {}
        for row in rows.to_pylist():
            kept = first.setdefault((row["record_id"], row["ts"]), row)
            if kept is not row and _differs(kept, row):
                self.counts.duplicates -= 1
                for name, value in zip(self.quarantine, _conflict_row(row, kept, self.now), strict=True):
                    self.quarantine[name].append(value)

    def tables(self) -> tuple[pa.Table, pa.Table, pa.Table]:
        rows = pa.concat_tables([*self.parts, pa.table(self.measurements, schema=_WITH_ARRIVAL)])
        rows = self._first_arrived(rows, ["record_id", "ts"])
        is_signal = pc.is_null(rows["product_id"])
        signals = rows.filter(is_signal).select(tables.SIGNALS.names)
        quarantine = pa.table(self.quarantine, schema=tables.QUARANTINE.append(pa.field(_ARRIVAL, pa.int64())))
        return (signals, rows.filter(pc.invert(is_signal)), self._first_arrived(quarantine, ["quarantine_id"]))


_WITH_ARRIVAL = tables.MEASUREMENTS.append(pa.field(_ARRIVAL, pa.int64()))
_COMPARED = ("key", "value", "text_value", "asset_id")  # what makes a repeat a conflict
CONFLICT_REASON = "conflicts with the stored value"


def _differs(stored: Mapping, received: Mapping) -> bool:
    return any(stored[name] != received[name] for name in _COMPARED)


def _shown(row: Mapping) -> str:
    value = row["text_value"] if row["value"] is None else f"{row['value']:.12g} {row['unit'] or ''}".strip()
    return f"{row['key']} = {value}" + (f" at {row['asset_id']}" if row["asset_id"] else "")


def _conflict_row(received: Mapping, stored: Mapping, now: datetime, arrival: int = 0) -> tuple:
    """A quarantine row for ``received``, which has the identity of ``stored`` but another
    value: ``(quarantine_id, received_ts, source, raw, reason[, arrival])``."""
    ts = received["ts"].isoformat() if hasattr(received["ts"], "isoformat") else str(received["ts"])
    raw = json.dumps({"id": received["record_id"], "key": received["key"], "value": received["value"]
                      if received["value"] is not None else received["text_value"], "unit": received["unit"],
                      "ts": ts, "asset": received["asset_id"], "product": received.get("product_id")},
                     sort_keys=True, default=str)
    reason = (f"{CONFLICT_REASON}: id {received['record_id']!r} at {ts} is stored as "
              f"{_shown(stored)}, received {_shown(received)}")
    qid = "q:" + _digest("conflict", _storable(raw))
    return qid, now, received["source"], _storable(raw), _storable(reason), arrival


def _conflict_table(conflicts: list[dict], now: datetime) -> pa.Table:
    """Quarantine rows of the conflicts :meth:`Store.store_samples` found."""
    rows = []
    for row in conflicts:
        stored = {"key": row["stored_key"], "value": row["stored_value"], "unit": row["unit"],
                  "text_value": row["stored_text_value"], "asset_id": row["stored_asset_id"]}
        rows.append(dict(zip(tables.QUARANTINE.names, _conflict_row(row, stored, now)[:5], strict=True)))
    return pa.Table.from_pylist(rows, schema=tables.QUARANTINE)


def _storable(text: str) -> str:
    """``text`` with NUL characters written as ``\\x00`` and lone surrogates as ``\\udxxx``:
    neither backend stores them, and both must keep the same quarantine text."""
    text = text.replace("\x00", "\\x00") if "\x00" in text else text
    if not text.isascii() and _not_encodable(text):
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text


def _quarantine_id(ident: str | None, source: str, raw: str) -> str:
    """``q:`` and the record id when it is storable as a key, else a hash."""
    if ident is None:
        return "q:" + _digest(source, raw)
    if len(ident) <= ID_MAX_CHARS - 2 and storage_problem("id", ident) is None:
        return "q:" + ident
    return "q:" + _digest(source, _storable(ident), raw)


@dataclass
class Prepared:
    """A validated batch ready to commit: its rows and its counts so far."""

    signals: pa.Table
    measurements: pa.Table
    quarantine: pa.Table
    counts: Counts


def _rows(prepared: Prepared) -> int:
    return prepared.signals.num_rows + prepared.measurements.num_rows + prepared.quarantine.num_rows


def _halves(prepared: Prepared) -> tuple[Prepared, Prepared]:
    """The rows of ``prepared`` in two halves (signals, then measurements, then
    quarantine); the counts so far (received, duplicates within the batch) go with the first."""
    take = _rows(prepared) // 2
    first, second = [], []
    for table in (prepared.signals, prepared.measurements, prepared.quarantine):
        n = min(take, table.num_rows)
        first.append(table.slice(0, n))
        second.append(table.slice(n))
        take -= n
    return Prepared(*first, Counts(**prepared.counts.as_dict())), Prepared(*second, Counts())


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def _refused(prepared: Prepared, error: BaseException) -> Prepared:
    """The one row of ``prepared`` as a quarantine row with the store's error as reason."""
    for table in (prepared.signals, prepared.measurements, prepared.quarantine):
        if table.num_rows:
            row = table.to_pylist()[0]
            break
    else:
        raise error  # no row to blame: the store itself failed
    reason = f"the store refused it: {_first_line(error)}"
    if "raw" in row:  # a quarantine row that could not be stored as it was
        raw, reason = row["raw"], f"{row['reason']}; {reason}"
    else:
        raw = json.dumps(row, sort_keys=True, default=str)
    raw, reason = _storable(raw), _storable(reason)
    quarantined = pa.Table.from_pylist([{
        "quarantine_id": "q:" + _digest(row["source"] or "", raw), "received_ts": datetime.now(UTC),
        "source": row["source"], "raw": raw, "reason": reason}], schema=tables.QUARANTINE)
    return Prepared(prepared.signals.slice(0, 0), prepared.measurements.slice(0, 0), quarantined,
                    Counts(**prepared.counts.as_dict()))


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

    def __init__(self, store, registry=None, on_retry: Callable[[str], None] | None = None):
        self.store = store
        self.registry = registry or load_registry()
        self.totals: dict[str, Counts] = {}
        self.retries = 0  # reconnect attempts to the store (and, for streams, to the source)
        self.outages = 0  # outages recorded as events
        self.on_retry: Callable[[str], None] = on_retry or (lambda message: _log.warning("%s", message))
        self.stopping = threading.Event()

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
        rejects: list[tuple[int, str, str | None]] = []  # input row, reason, record id
        unstorable = _unstorable_rows({"id": validated.id, "asset": validated.asset,
                                       "product": validated.product}, _LIMITS)
        if unstorable:
            rejects += [(int(validated.row[i]), reason, validated.id[i]) for i, reason in unstorable.items()]
            validated = _without_clean(validated, list(unstorable))
        batch.accept_columns(validated, columns, sources, arrivals)
        for result in validated.results:
            problem = _result_storage_problem(result) if result.ok else None
            if result.ok and problem is None:
                batch.accept(sources[result.row], result, columns.record(result.row), int(arrivals[result.row]))
            else:
                rejects.append((result.row, problem or result.reason, result.id or None))
        for row, reason, ident in sorted(rejects):
            record = columns.record(row)
            raw = _raw_text(record if isinstance(record, Mapping) else {"payload": record})
            batch.reject(sources[row], raw, reason, ident, int(arrivals[row]))

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

    def prepare_columns(self, columns: RecordColumns, source: str) -> Prepared:
        """:meth:`prepare` for records already in columns (a chunk of a file), all from ``source``."""
        batch = _Batch()
        n = len(columns)
        self._validate(batch, columns, [source] * n, list(range(n)))
        return Prepared(*batch.tables(), batch.counts)

    def commit(self, prepared: Prepared, *, counter_source: str) -> Counts:
        """Store a prepared batch in one transaction; return its counts.

        A batch the store refuses because of a row (a value, a key too long for an
        index: a case the checks before the write missed) is split in halves until the
        row is isolated; that row is quarantined with the store's error, the rest stored.
        A store that went away (a PostgreSQL restart) is reconnected with backoff and the
        batch committed again (see :meth:`wait_for_store`); any other error is raised."""
        while True:
            try:
                return self._commit_splitting(prepared, counter_source)
            except Exception as exc:
                if not self.store.backend.is_unavailable(exc):
                    raise
                self.wait_for_store(exc)

    def _commit_splitting(self, prepared: Prepared, counter_source: str) -> Counts:
        try:
            return self._commit_once(prepared, counter_source)
        except Exception as exc:
            if not self.store.backend.is_data_error(exc):
                raise
            if _rows(prepared) <= 1:
                _log.warning("ingestion: the store refused a record, quarantined: %s", exc)
                return self._commit_once(_refused(prepared, exc), counter_source)
            counts = Counts()
            for half in _halves(prepared):
                counts.add(self._commit_splitting(half, counter_source))
            return counts

    def _commit_once(self, prepared: Prepared, counter_source: str) -> Counts:
        signals, measurements, quarantine = prepared.signals, prepared.measurements, prepared.quarantine
        counts = Counts(**prepared.counts.as_dict())  # a retry must not count twice
        with self.store.transaction():
            counts.stored, conflicts = self.store.store_samples(signals, measurements)
            if conflicts:
                quarantine = pa.concat_tables([quarantine, _conflict_table(conflicts, datetime.now(UTC))])
            counts.quarantined = self.store.quarantine(quarantine)
            counts.duplicates += (signals.num_rows + measurements.num_rows - counts.stored - len(conflicts)
                                  + quarantine.num_rows - counts.quarantined)
            self.store.bump_counters(counter_source, **counts.as_dict())
        self.totals.setdefault(counter_source, Counts()).add(counts)
        return counts

    def wait_for_store(self, error: BaseException) -> None:
        """Reconnect to a store that went away, with backoff (0.5 s doubling to 10 s),
        counting retries in :attr:`retries` and reporting each on :attr:`on_retry`; once
        back, record the outage as an event in the store. :attr:`stopping` set while
        waiting raises :class:`StoreError`."""
        started, delay, first = datetime.now(UTC), 0.5, _first_line(error)
        retries = 0
        while True:
            if self.stopping.is_set():
                raise StoreError(f"stopped while the store was unavailable ({first})")
            retries += 1
            self.retries += 1
            self.on_retry(f"store unavailable ({first}); reconnect attempt {retries} in {delay:.1f} s")
            self.stopping.wait(delay)
            try:
                self.store.reconnect()
                break
            except Exception as exc:  # noqa: BLE001 - still away, whatever the driver says
                if not (isinstance(exc, StoreUnavailableError) or self.store.backend.is_unavailable(exc)):
                    raise
                delay = min(delay * 2, 10.0)
        seconds = (datetime.now(UTC) - started).total_seconds()
        self.record_outage("store", started, f"store unavailable for {seconds:.1f} s "
                           f"({retries} reconnect attempts): {first}")

    def record_outage(self, what: str, started: datetime, message: str) -> None:
        """An event in the store for an outage of ``what`` (store, broker, server)."""
        self.outages += 1
        self.on_retry(message)
        try:
            self.store.add_event(f"outage:{what}:{started.isoformat()}:{_digest(message)[:8]}", started,
                                 "alarm", severity="warning", code=f"{what}_unavailable", message=message)
        except Exception as exc:  # noqa: BLE001 - the data matter more than the note
            if not self.store.backend.is_unavailable(exc):
                raise
            _log.warning("could not record the outage event: %s", exc)

    def write(self, deliveries: Iterable[Delivery], *, counter_source: str) -> Counts:
        """Validate and store ``deliveries`` in one transaction; return this batch's counts."""
        return self.commit(self.prepare(deliveries), counter_source=counter_source)
