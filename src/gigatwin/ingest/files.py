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

A **wide** file (a coater log, an MES export: one row per time, one column per quantity)
is imported with a **mapping** (:func:`load_file_mapping`, YAML): which columns hold
values, the spec key and unit of each, the timestamp column with its format and time
zone, and the asset, product and id columns. Each value cell becomes a record in the
spec's format and is validated like any other (the unit converted to the spec's SI unit
with pint).

A timestamp without a zone (``2026-11-22T10:00:00``) is an error unless the time zone is
given (the mapping's ``timestamp.timezone`` or ``ingest file --timezone``): the whole file
is refused, naming the row and value, before anything is written. With a zone, such a
timestamp is local time there; one that a daylight-saving change makes ambiguous or
nonexistent is quarantined with that reason.

A records file is stored in chunks of :data:`CHUNK_ROWS`, each in one transaction; a
failure that stops the import (a full disk) raises :class:`ImportStoppedError` with the
rows committed so far. Importing the file again resumes it: committed rows are
recognised by their ids and counted as duplicates. A genealogy file is one transaction.
"""

from __future__ import annotations

import contextlib
import gc
import json
import zoneinfo
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from gigatwin.ingest.genealogy import cycle_edges, row_problems, stored_kinds
from gigatwin.ingest.record_writer import Counts, Delivery, RecordWriter, _digest, _storable
from gigatwin.spec.batch import RecordColumns, parse_timestamps, pylist, text_numbers
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


@dataclass
class FileCounts(Counts):
    """:class:`Counts` of a file import, and the empty cells of a wide file's value
    columns (no measurement at that time: not a record, counted and reported)."""

    empty_cells: int = 0

    def as_dict(self) -> dict[str, int]:
        return {**super().as_dict(), "empty_cells": self.empty_cells}


def ingest_file(store, path: str | Path, *, mapping: FileMapping | None = None,
                timezone: str | None = None) -> Counts:
    """Import a records or genealogy file; returns received/stored/duplicates/quarantined.

    ``mapping`` reads a wide file (see :func:`load_file_mapping`); ``timezone`` (an IANA
    name) is the zone of timestamps written without one, which are refused otherwise."""
    path = Path(path)
    zone = time_zone(timezone, "--timezone") if timezone is not None else None
    if mapping is not None:
        if zone is not None and mapping.timezone is not None and mapping.timezone_name != timezone:
            raise ValueError(f"--timezone {timezone} contradicts the mapping's timezone "
                             f"{mapping.timezone_name} ({mapping.path}); give one of them")
        data = read_table(path)
        long, rejected, empty = wide_to_long(path, data, mapping, zone or mapping.timezone)
        if mapping.id_column is None:
            long = _with_content_ids(long)
        counts = _ingest_records(store, path, long, rejected)
        return FileCounts(**counts.as_dict(), empty_cells=empty)
    data = read_table(path)
    columns = set(data.column_names)
    if columns >= RECORD_COLUMNS:
        data, rejected, _ = _zoned_records(path, data, zone)
        return _ingest_records(store, path, data, rejected)
    if columns >= GENEALOGY_COLUMNS:
        return _ingest_genealogy(store, path, data)
    raise ValueError(f"{path}: columns {', '.join(sorted(columns))} are neither records "
                     f"({', '.join(sorted(RECORD_COLUMNS))}, ...) nor genealogy "
                     f"({', '.join(sorted(GENEALOGY_COLUMNS))}, ...); a wide file needs "
                     "--mapping (docs/linedata.md)")


# -- time zones ---------------------------------------------------------------------

def time_zone(name, where: str) -> tzinfo:
    """The time zone of an IANA name (``Europe/Berlin``, ``UTC``); an error names ``where``."""
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"{where}: the time zone must be an IANA name such as Europe/Berlin or UTC, "
                         f"got {name!r}")
    try:
        return zoneinfo.ZoneInfo(name.strip())
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{where}: unknown time zone {name!r}; use an IANA name such as "
                         "Europe/Berlin, America/New_York or UTC") from None


class _NaiveError(ValueError):
    """A timestamp without a zone where none was given."""


def _utc_text(value, fmt: str | None, zone: tzinfo | None) -> tuple[str | None, str | None]:
    """``value`` (a text or a datetime) as an ISO 8601 text in UTC, or ``(None, why
    not)``; a text without a zone is local time in ``zone`` (raises :class:`_NaiveError`
    without one). ``fmt``: a strptime format, else ISO 8601, and a text that is not ISO
    8601 gives ``(None, None)``: validation then says what is wrong with the record."""
    if isinstance(value, datetime):
        ts = value
    else:
        text = str(value).strip()
        try:
            ts = datetime.strptime(text, fmt) if fmt else datetime.fromisoformat(text)
        except ValueError:
            return None, f"ts: {text!r} does not match the format {fmt!r}" if fmt else None
    if ts.tzinfo is None:
        if zone is None:
            raise _NaiveError(str(value))
        first, second = ts.replace(tzinfo=zone), ts.replace(tzinfo=zone, fold=1)
        if first.utcoffset() != second.utcoffset():
            exists = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == ts
            what = "is ambiguous (it occurs twice)" if exists else "does not exist"
            return None, (f"ts: {str(value)!r} {what} in {zone} because of a daylight-saving "
                          "change; write it with its UTC offset")
        ts = first
    try:
        return ts.astimezone(UTC).isoformat(), None
    except OverflowError:
        return None, f"ts: {str(value)!r} is outside the representable range in UTC"


def _naive_error(path: Path, line: int, value, count: int, hint: str) -> ValueError:
    more = f" (and {count - 1:,} more row(s))" if count > 1 else ""
    return ValueError(f"{path}: row {line}: timestamp {str(value)!r} has no time zone{more}; "
                      f"nothing was imported. {hint}")


def _zoned_texts(path: Path, column, fmt: str | None, zone: tzinfo | None, first_line: int,
                 hint: str) -> tuple[pa.Array, dict[int, str]]:
    """A timestamp column as ISO 8601 texts with a zone (null where a cell is empty) and
    ``{position: reason}`` of the cells that cannot be read. Texts already of the plain
    form with a zone are kept as they are (Arrow checks them on the whole column); the
    others are read one by one. A timestamp without a zone raises ``ValueError`` naming
    the file, the first such row and its value, unless ``zone`` is given."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_timestamp(column.type) and column.type.tz is not None:
        return pc.strftime(column.cast(pa.timestamp("us", tz="UTC")), "%Y-%m-%dT%H:%M:%SZ"), {}
    texts = column.cast(pa.string()) if not pa.types.is_timestamp(column.type) else None
    if texts is not None and fmt is None:
        keep = parse_timestamps(texts).is_valid()
    else:
        keep = pa.array([False] * len(column))
    todo = np.flatnonzero(~keep.to_numpy(zero_copy_only=False).astype(bool))
    if texts is not None and len(todo) == 0:
        return texts, {}
    values = column.take(pa.array(todo, pa.int64())).to_pylist()
    out: list = texts.to_pylist() if texts is not None else [None] * len(column)
    problems: dict[int, str] = {}
    naive: list[int] = []
    for i, value in zip(todo.tolist(), values, strict=True):
        if value is None or value == "":
            out[i] = None
            continue
        try:
            text, problem = _utc_text(value, fmt, zone)
        except _NaiveError:
            naive.append(i)
            continue
        out[i] = text if text is not None or problem else str(value)  # not ISO: as written
        if problem:
            problems[i] = problem
    if naive:
        raise _naive_error(path, first_line + naive[0], column[naive[0]].as_py(), len(naive), hint)
    return pa.array(out, pa.string()), problems


# A text that ends like a timestamp with a zone; any other is read by _utc_text (which
# refuses it if it is a timestamp without a zone, and leaves validation to say what is
# wrong with text that is no timestamp at all).
_ENDS_WITH_ZONE = r"\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})$"

_NAIVE_HINT = ("Give the zone the file's clock was set to with --timezone (e.g. --timezone "
               "Europe/Berlin), or write the offset (2026-11-22T10:00:00+01:00 or ...Z).")


def _first_line(path: Path) -> int:
    """The file line of a table's first row (CSV: after the header)."""
    return 2 if path.suffix.lower() == ".csv" else 1


def _zoned_records(path: Path, data: pa.Table, zone: tzinfo | None) -> tuple[pa.Table, list, np.ndarray]:
    """A records file with every timestamp given a zone: without a zone, a timestamp is
    refused (``ValueError``) unless ``zone`` says where it was taken. Rows whose local
    time does not exist or is ambiguous in ``zone`` are returned apart as (record,
    reason, file line); also returned: the positions of the rows kept."""
    every = np.arange(data.num_rows)
    column = data["ts"]
    is_text = pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
    if is_text and zone is None:  # the common case: one regex over the column, nothing changed
        zoned = pc.fill_null(pc.match_substring_regex(column, _ENDS_WITH_ZONE), True)
        if pc.all(zoned).as_py() is not False:
            return data, [], every
    texts, problems = _zoned_texts(path, column, None, zone, _first_line(path), _NAIVE_HINT)
    data = data.set_column(data.column_names.index("ts"), "ts", texts)
    if not problems:
        return data, [], every
    bad = sorted(problems)
    rows = data.take(pa.array(bad, pa.int64())).to_pylist()
    first = _first_line(path)
    rejected = [({k: v for k, v in row.items() if v is not None}, problems[i], first + i)
                for i, row in zip(bad, rows, strict=True)]
    keep = np.ones(data.num_rows, dtype=bool)
    keep[bad] = False
    return data.filter(pa.array(keep)), rejected, np.flatnonzero(keep)


# -- wide files with a mapping --------------------------------------------------------

_MAPPING_FIELDS = {"timestamp", "columns", "asset", "product", "id", "ignore"}
_TIMESTAMP_FIELDS = {"column", "format", "timezone"}
_COLUMN_FIELDS = {"key", "unit"}


def _refuse_unknown(where: str, given: dict, allowed: set[str]) -> None:
    """Raise ``ValueError`` naming the fields of ``given`` that ``allowed`` lacks, and
    the allowed ones (both sorted)."""
    unknown = sorted(set(map(str, given)) - allowed)
    if unknown:
        raise ValueError(f"{where}: unknown field(s) {', '.join(unknown)}; allowed: "
                         f"{', '.join(sorted(allowed))}")


@dataclass(frozen=True)
class ValueColumn:
    """A column of values: the spec key it measures and the unit it is written in."""

    column: str
    key: str
    unit: str  # "" for text and category keys


@dataclass
class FileMapping:
    """How a wide CSV or Parquet file becomes records (docs/linedata.md, "File mappings")."""

    path: Path
    ts_column: str
    values: list[ValueColumn]
    ts_format: str | None = None  # strptime format; None: ISO 8601
    timezone_name: str | None = None
    timezone: tzinfo | None = None
    asset: str | None = None  # one asset for every row ...
    asset_column: str | None = None  # ... or the column that names it
    product_column: str | None = None
    id_column: str | None = None
    ignore: list[str] = field(default_factory=list)

    def used_columns(self) -> list[str]:
        named = [self.ts_column, self.asset_column, self.product_column, self.id_column]
        return [c for c in named if c] + [v.column for v in self.values]


def _column_field(where: str, value, name: str) -> tuple[str | None, str | None]:
    """A field given as a fixed text or as ``{column: NAME}``: (text, column)."""
    if value is None:
        return None, None
    if isinstance(value, dict):
        if set(value) != {"column"} or not isinstance(value["column"], str) or not value["column"]:
            raise ValueError(f"{where}: {name} must be a text (one {name} for every row) or "
                             f"{{column: NAME}}, got {value!r}")
        return None, value["column"]
    if isinstance(value, str) and value.strip():
        return value.strip(), None
    raise ValueError(f"{where}: {name} must be a text or {{column: NAME}}, got {value!r}")


def load_file_mapping(path: str | Path, registry=None) -> FileMapping:
    """The mapping of a wide file, checked against the spec before any row is read: known
    keys (else suggestions), units of the key's dimension, a valid time zone and format.
    Errors are ``ValueError`` naming the mapping file and the column."""
    from gigatwin import units
    from gigatwin.checks import load_yaml
    from gigatwin.spec import load_registry
    from gigatwin.spec.vocabulary import close_matches, renamed_key

    path = Path(path)
    registry = registry or load_registry()
    data = load_yaml(path, "mapping")
    where = f"mapping {path}"
    if not isinstance(data, dict):
        raise ValueError(f"{where}: expected a mapping with 'timestamp' and 'columns', as in "
                         "examples/linedata/coater_wide_mapping.yaml")
    _refuse_unknown(where, data, _MAPPING_FIELDS)
    stamp = data.get("timestamp")
    if isinstance(stamp, str):
        stamp = {"column": stamp}
    if not isinstance(stamp, dict) or not isinstance(stamp.get("column"), str) or not stamp["column"]:
        raise ValueError(f"{where}: 'timestamp' needs the column of the timestamps, e.g. "
                         "timestamp: {column: Time, format: '%d.%m.%Y %H:%M:%S', timezone: Europe/Berlin}")
    _refuse_unknown(f"{where}: timestamp", stamp, _TIMESTAMP_FIELDS)
    fmt = stamp.get("format")
    if fmt is not None:
        if not isinstance(fmt, str) or "%" not in fmt:
            raise ValueError(f"{where}: timestamp.format {fmt!r} is not a strptime format such as "
                             "'%d.%m.%Y %H:%M:%S' (leave it out for ISO 8601)")
        try:
            datetime.now().strftime(fmt)
        except ValueError as exc:
            raise ValueError(f"{where}: timestamp.format {fmt!r}: {exc}") from None
    zone_name = stamp.get("timezone")
    zone = time_zone(zone_name, f"{where}: timestamp.timezone") if zone_name is not None else None
    columns = data.get("columns")
    if not isinstance(columns, dict) or not columns:
        raise ValueError(f"{where}: 'columns' must map each value column to its key and unit, e.g. "
                         "columns: {'Speed [m/min]': {key: coating_speed, unit: m/min}}")
    values = []
    for column, entry in columns.items():
        column = str(column)
        at = f"{where}: column {column!r}"
        if isinstance(entry, str):
            entry = {"key": entry}
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
            raise ValueError(f"{at}: give {{key: SPEC_KEY, unit: UNIT}}, got {entry!r}")
        _refuse_unknown(at, entry, _COLUMN_FIELDS)
        key = entry["key"].strip()
        param = registry.get(key)
        if param is None:
            new = renamed_key(key.split(".")[-1])
            close = close_matches(key.split(".")[-1], registry.parameters)
            hint = (f"; renamed to {new!r}" if new else f"; did you mean {', '.join(close)}?" if close
                    else "; see `gigatwin spec list`")
            raise ValueError(f"{at}: unknown spec key {key!r}{hint}")
        unit = entry.get("unit")
        if param.is_quantity:
            if unit is None and param.unit != "1":
                raise ValueError(f"{at}: {key} is a quantity of dimension {units.dimensionality(param.unit)}; "
                                 f"give the unit the column is written in (e.g. unit: {param.display_unit})")
            unit = "1" if unit is None else str(unit).strip()
            try:
                units.parse_unit(unit)
            except units.UnitError as exc:
                raise ValueError(f"{at}: unit {unit!r} is not a unit ({exc})") from None
            if not units.same_dimension(unit, param.unit):
                raise ValueError(f"{at}: unit {unit!r} measures {units.dimensionality(unit)}, but {key} "
                                 f"expects {units.dimensionality(param.unit)} (SI unit {param.unit!r}, "
                                 f"e.g. {param.display_unit!r})")
        elif unit not in (None, ""):
            raise ValueError(f"{at}: {key} is a {param.kind} parameter (text, no unit); remove unit {unit!r}")
        values.append(ValueColumn(column, key, unit or ""))
    asset, asset_column = _column_field(where, data.get("asset"), "asset")
    _, product_column = _column_field(where, data.get("product"), "product")
    if data.get("product") is not None and product_column is None:
        raise ValueError(f"{where}: product must be {{column: NAME}} (the product differs from row to row)")
    _, id_column = _column_field(where, data.get("id"), "id")
    if data.get("id") is not None and id_column is None:
        raise ValueError(f"{where}: id must be {{column: NAME}}; each record's id is that cell and its key")
    ignore = data.get("ignore") or []
    if not isinstance(ignore, list) or not all(isinstance(c, str) for c in ignore):
        raise ValueError(f"{where}: 'ignore' must be a list of column names")
    mapping = FileMapping(path, stamp["column"], values, fmt, zone_name, zone, asset, asset_column,
                          product_column, id_column, list(ignore))
    used = mapping.used_columns()
    repeated = sorted({c for c in used if used.count(c) > 1})
    if repeated:
        raise ValueError(f"{where}: column(s) {', '.join(map(repr, repeated))} mapped more than once")
    return mapping


def wide_to_long(path: Path, data: pa.Table, mapping: FileMapping, zone: tzinfo | None
                 ) -> tuple[pa.Table, list, int]:
    """The records of a wide file: one per non-empty value cell, in the spec's format
    with the mapping's key and unit, the timestamp in UTC, and the file ``row`` and
    ``column`` it came from (kept with a quarantined record). Returns the records, the
    cells rejected before validation (a timestamp that cannot be read) with reasons, and
    the number of empty value cells. Columns the mapping does not name are an error
    unless listed under ``ignore``."""
    names = data.column_names
    missing = [c for c in mapping.used_columns() if c not in names]
    if missing:
        raise ValueError(f"{path}: column(s) {', '.join(map(repr, missing))} of mapping {mapping.path} "
                         f"are not in the file; its columns: {', '.join(map(repr, names))}")
    unmapped = [c for c in names if c not in mapping.used_columns() and c not in mapping.ignore]
    if unmapped:
        raise ValueError(f"{path}: column(s) {', '.join(map(repr, unmapped))} are not in mapping "
                         f"{mapping.path}; map them under 'columns' or list them under 'ignore'")
    first = _first_line(path)
    hint = (f"Give the zone the file's clock was set to as timestamp.timezone in {mapping.path} "
            "or with --timezone (e.g. Europe/Berlin).")
    ts, problems = _zoned_texts(path, data[mapping.ts_column], mapping.ts_format, zone, first, hint)
    raw_ts = data[mapping.ts_column].cast(pa.string())
    n = data.num_rows
    lines = pa.array(np.arange(first, first + n), pa.int64())
    texts = {name: data[c].cast(pa.string()) if c else None
             for name, c in (("asset", mapping.asset_column), ("product", mapping.product_column),
                             ("id", mapping.id_column))}
    bad = np.zeros(n, dtype=bool)
    bad[list(problems)] = True
    good = pa.array(~bad)
    numeric = all(pa.types.is_integer(data[v.column].type) or pa.types.is_floating(data[v.column].type)
                  for v in mapping.values)
    parts, rejected, empty = [], [], 0
    for v in mapping.values:
        cells = data[v.column].cast(pa.float64() if numeric else pa.string())
        present = pc.is_valid(cells)
        if not numeric:
            present = pc.and_(present, pc.invert(pc.fill_null(pc.equal(pc.utf8_trim_whitespace(cells), ""), False)))
        empty += n - pc.sum(present.cast(pa.int64())).as_py() if n else 0
        part = {
            "key": pa.repeat(pa.scalar(v.key), n), "value": cells, "unit": pa.repeat(pa.scalar(v.unit), n),
            "ts": ts,
            "asset": texts["asset"] if texts["asset"] is not None
            else pa.repeat(pa.scalar(mapping.asset, pa.string()), n),
            "product": texts["product"] if texts["product"] is not None else pa.nulls(n, pa.string()),
            "id": pc.binary_join_element_wise(texts["id"], pa.scalar(v.key), ":")
            if texts["id"] is not None else pa.nulls(n, pa.string()),
            "row": lines, "column": pa.repeat(pa.scalar(v.column), n),
        }
        table = pa.table(part)
        parts.append(table.filter(pc.and_(present, good)))
        if problems:
            for row in table.filter(pc.and_(present, pc.invert(good))).to_pylist():
                position = row["row"] - first
                row["ts"] = raw_ts[position].as_py()
                rejected.append(({k: val for k, val in row.items() if val is not None}, problems[position],
                                 row["row"]))
    long = pa.concat_tables(parts) if parts else pa.table({})
    # file order (row by row, the columns of a row in mapping order)
    order = pc.sort_indices(pa.table({"row": long["row"], "n": pa.array(np.arange(long.num_rows))}),
                            sort_keys=[("row", "ascending"), ("n", "ascending")])
    return long.take(order), rejected, empty


def _with_content_ids(records: pa.Table) -> pa.Table:
    """``records`` with the id each would be given without one (:func:`content_id`: a
    hash of key, value, unit, ts, asset and product), computed here on columns instead of
    from one rebuilt dict per record during the write: the same ids, a fraction of the
    time."""
    columns = [pylist(records[name]) for name in ("key", "value", "unit", "ts", "asset", "product")]
    ids = ["h:" + _digest(*("" if v is None else str(v) for v in fields))
           for fields in zip(*columns, strict=True)]
    return records.set_column(records.column_names.index("id"), "id", pa.array(ids, pa.string()))


def check_file(path: str | Path, *, mapping: FileMapping | None = None, timezone: str | None = None,
               registry=None):
    """`spec validate` of a file read as :func:`ingest_file` reads it with a ``mapping``
    or a ``timezone``: the records it would store or quarantine, on columns
    (:func:`gigatwin.spec.batch.validate_table`), rows numbered by file line; nothing
    is written. A timestamp without a zone is refused as by the import."""
    from gigatwin.spec import load_registry
    from gigatwin.spec.batch import validate_table
    from gigatwin.spec.record_validation import Problem, RecordResult

    path = Path(path)
    registry = registry or load_registry()
    zone = time_zone(timezone, "--timezone") if timezone is not None else None
    data = read_table(path)
    if mapping is not None:
        if zone is not None and mapping.timezone is not None and mapping.timezone_name != timezone:
            raise ValueError(f"--timezone {timezone} contradicts the mapping's timezone "
                             f"{mapping.timezone_name} ({mapping.path}); give one of them")
        records, rejected, _ = wide_to_long(path, data, mapping, zone or mapping.timezone)
        lines = records["row"].to_numpy() if records.num_rows else np.zeros(0, np.int64)
    else:
        missing = RECORD_COLUMNS - set(data.column_names)
        if missing:
            raise ValueError(f"{path}: the file lacks column(s) {', '.join(sorted(missing))} of a records "
                             "file; a wide file needs --mapping")
        records, rejected, kept = _zoned_records(path, data, zone)
        lines = kept + _first_line(path)
    checked = validate_table(records, registry, path=path, lines=lines)
    checked.results += [RecordResult(raw=record, errors=[Problem("ts", reason.removeprefix("ts: "))], row=line)
                        for record, reason, line in rejected]
    checked.results.sort(key=lambda r: r.row)
    return checked


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


def _ingest_records(store, path: Path, data: pa.Table, rejected: list | None = None) -> Counts:
    """Validate and store a records table in chunks; ``rejected``: (record, reason, line) of
    rows refused before validation (an unreadable timestamp), quarantined first."""
    writer = RecordWriter(store)
    source = f"file:{path.name}"
    total = Counts()
    if rejected:
        prepared = writer.prepare([Delivery(source, record, rejected_because=reason)
                                   for record, reason, _ in rejected])
        total.add(writer.commit(prepared, counter_source=source))
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
