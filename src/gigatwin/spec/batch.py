"""Columnar validation of many records at once, for ingestion at stream rates.

:func:`validate_batch` gives exactly the outcome of :func:`validate_record` applied to
each record, but validates the common case (a numeric value of a quantity key, a unit
of the right dimension, a timestamp with a zone, inside the physical and typical
ranges) with numpy on whole columns: conversion, range checks and grouping cost a few
array operations per distinct (key, unit) pair instead of Python work per record.
Every other record (rejects, warnings, category and text values, numbers given as
strings, naive timestamps) goes through :func:`validate_record` itself, so messages and
corner cases are those of the per-record path by construction.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from gigatwin.spec.model import Range
from gigatwin.spec.record_validation import (
    BatchResult,
    RecordResult,
    _accepted,
    _converter,
    _optional_text,
    _unit_problem,
    read_records,
    validate_record,
)
from gigatwin.spec.registry import Registry, load_registry


@dataclass
class ValidatedColumns:
    """The outcome of a batch: clean records as columns, the rest as :class:`RecordResult`.

    ``row`` holds the input positions of the clean records; ``value`` is SI; every clean
    record is valid with no warning. ``results`` holds, for every other input position,
    the full per-record outcome (accepted with warnings, or rejected with reasons).
    """

    row: np.ndarray
    key: list[str]
    value: np.ndarray
    unit: list[str]
    ts: pa.TimestampArray  # microseconds, UTC
    asset: list[str | None]
    product: list[str | None]
    id: list[str | None]
    results: list[RecordResult] = field(default_factory=list)

    @property
    def received(self) -> int:
        return len(self.row) + len(self.results)

    @property
    def accepted(self) -> int:
        return len(self.row) + sum(r.ok for r in self.results)

    @property
    def rejected(self) -> int:
        return sum(not r.ok for r in self.results)


@dataclass(frozen=True)
class _Pair:
    """What one (key, unit) pair needs for the fast path; ``usable`` False sends it to the slow path."""

    usable: bool
    scale: float = 1.0
    offset: float = 0.0
    si_unit: str = ""
    physical: tuple[float, float, bool, bool] = (-np.inf, np.inf, True, True)
    typical: tuple[float, float, bool, bool] = (-np.inf, np.inf, True, True)


def _bounds(r: Range | None) -> tuple[float, float, bool, bool]:
    if r is None:
        return (-np.inf, np.inf, True, True)
    return (-np.inf if r.lower is None else r.lower, np.inf if r.upper is None else r.upper,
            r.lower_inclusive, r.upper_inclusive)


def _pair(registry: Registry, key, unit) -> _Pair:
    param = registry.get(key) if isinstance(key, str) else None
    if param is None or not param.is_quantity or not isinstance(unit, str):
        return _Pair(usable=False)
    unit = unit.strip()
    if unit == "" and param.unit != "1":
        return _Pair(usable=False)
    if _unit_problem(param, unit or "1") is not None:
        return _Pair(usable=False)
    conv = _converter(param.unit, unit or "1")
    return _Pair(True, conv.scale, conv.offset, param.unit, _bounds(param.physical), _bounds(param.typical))


def _inside(values: np.ndarray, lower: np.ndarray, upper: np.ndarray, lower_inc: np.ndarray,
            upper_inc: np.ndarray) -> np.ndarray:
    above = np.where(lower_inc, values >= lower, values > lower)
    below = np.where(upper_inc, values <= upper, values < upper)
    return above & below


def _number(value) -> float:
    """The float of an int or float (not bool), else NaN (the per-record path decides)."""
    if type(value) is float or type(value) is int:
        try:
            return float(value)
        except OverflowError:
            return np.nan
    return np.nan


def pylist(column) -> list:
    """An Arrow array or chunked array as a Python list; text through numpy, which is
    ~10x faster than ``to_pylist`` (one Arrow scalar per element) and gives the same."""
    if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
        return column.to_numpy(zero_copy_only=False).tolist()
    return column.to_pylist()


def _text_number(value) -> float:
    """:func:`_number`, and the float of a text as ``float()`` reads it (NaN if it cannot)."""
    if type(value) is str:
        try:
            return float(value) if value.strip() else np.nan
        except (ValueError, OverflowError):
            return np.nan
    return _number(value)


def text_numbers(values: list) -> np.ndarray:
    """:func:`_text_number` of every value, in one numpy conversion when all parse (numpy
    reads a text with ``float()``, as validate_record does), else value by value."""
    if set(map(type, values)) <= {str, float, int, type(None)}:  # no bool: not a number
        try:
            return np.array([np.nan if v is None else v for v in values], dtype=float)
        except (TypeError, ValueError, OverflowError):
            pass
    return np.fromiter(map(_text_number, values), dtype=float, count=len(values))


def numbers_of(values: list) -> np.ndarray:
    """``values`` (ints and floats) as floats, NaN where one is beyond float range."""
    try:
        return np.array(values, dtype=float)
    except OverflowError:
        return np.fromiter((_number(v) for v in values), dtype=float, count=len(values))


def _aware_ts(text) -> datetime | None:
    """A timestamp with a zone parsed as validate_record does, else None (slow path)."""
    if type(text) is not str:
        return None
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        return None
    return ts if ts.tzinfo is not None else None


_ISO_UTC_LIKE = r"^(1\d{3}|[2-8]\d{3}|9[0-8]\d{2})-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:?\d{2})$"
TS_TYPE = pa.timestamp("us", tz="UTC")


def parse_timestamps(texts: Sequence) -> pa.TimestampArray:
    """ISO 8601 timestamps with a zone as one Arrow array (microseconds, UTC).

    Elements that are not text, have no zone or are not of the plain form
    ``YYYY-MM-DD[T ]hh:mm:ss[.ffffff](Z|+hh:mm)`` with a year in 1000-9899 (far from the
    ends of Python's datetime range, which a zone offset could cross) are null (the
    per-record path decides about them); for the plain form Arrow's parser and ``datetime.fromisoformat`` agree.
    """
    strings = pa.array([t if type(t) is str else None for t in texts], pa.string()) \
        if not isinstance(texts, pa.Array) else texts
    plain = pc.fill_null(pc.match_substring_regex(strings, _ISO_UTC_LIKE), False)
    candidates = pc.if_else(plain, strings, pa.scalar(None, pa.string()))
    try:
        return candidates.cast(TS_TYPE)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # e.g. month 13: element by element
        return pa.array([_aware_ts(t) for t in candidates.to_pylist()], TS_TYPE)


@dataclass
class RecordColumns:
    """Records as columns (one list per field, position i = record i), for validation
    without a dict per record. ``value`` holds the raw values; ``numbers`` their float
    when the raw value is an int or a float (not bool), else NaN. ``missing`` marks a
    field a record does not have (for ``asset``, ``product`` and ``id``, None means the
    record says null). ``record(i)`` rebuilds record i for the per-record path."""

    key: list
    value: list
    unit: list
    ts: list
    asset: list
    product: list
    id: list
    numbers: np.ndarray
    is_record: np.ndarray  # False where the input was not a mapping at all
    record: Callable[[int], object]
    plain: bool = False  # key, unit, ts are str and asset, product, id str or None throughout

    def __len__(self) -> int:
        return len(self.key)

    @classmethod
    def from_records(cls, records: Sequence, *, text_numbers: bool = False) -> RecordColumns:
        """Columns of ``records``; ``text_numbers`` also reads numbers written as text (a
        CSV file's "30") as :func:`validate_record` does, with ``float()``."""
        n = len(records)
        is_record = np.fromiter((isinstance(r, Mapping) for r in records), dtype=bool, count=n)
        get = records if is_record.all() else [r if ok else {} for r, ok in zip(records, is_record, strict=True)]
        column = {name: [r.get(name) for r in get] for name in ("key", "value", "unit", "ts", "asset",
                                                                  "product", "id")}
        number = _text_number if text_numbers else _number
        numbers = np.fromiter((number(v) for v in column["value"]), dtype=float, count=n)
        return cls(**column, numbers=numbers, is_record=is_record, record=records.__getitem__)


def validate_batch(records: Sequence, registry: Registry | None = None) -> ValidatedColumns:
    """Validate ``records`` (mappings in the record format); same outcome as per-record validation."""
    return validate_columns(RecordColumns.from_records(records), registry)


def validate_columns(columns: RecordColumns, registry: Registry | None = None) -> ValidatedColumns:
    """Validate records given as columns; same outcome as :func:`validate_record` on each."""
    registry = registry or load_registry()
    n = len(columns)
    pairs, codes = _pair_codes(columns)
    table = [_pair(registry, key, unit) for key, unit in pairs]
    stamps = parse_timestamps(pa.array(columns.ts, pa.string()) if columns.plain else columns.ts)

    usable = np.array([p.usable for p in table], dtype=bool)[codes] if n else np.zeros(0, bool)
    scale = np.array([p.scale for p in table])[codes] if n else np.zeros(0)
    offset = np.array([p.offset for p in table])[codes] if n else np.zeros(0)
    si_values = columns.numbers * scale + offset
    clean = usable & np.isfinite(si_values) & columns.is_record
    clean &= stamps.is_valid().to_numpy(zero_copy_only=False)
    for which in ("physical", "typical"):
        bounds = [getattr(p, which) for p in table]
        lower, upper, lower_inc, upper_inc = (np.array(column)[codes] for column in zip(*bounds, strict=True)) \
            if n else (np.zeros(0),) * 4
        clean &= _inside(si_values, lower, upper, lower_inc.astype(bool), upper_inc.astype(bool))

    for column in (columns.asset, columns.product, columns.id):
        clean &= ~_has_nul(column)

    rows = np.flatnonzero(clean)
    si_units = np.array([p.si_unit for p in table], dtype=object)
    out = ValidatedColumns(
        row=rows,
        key=[columns.key[i] for i in rows],
        value=si_values[rows],
        unit=si_units[codes[rows]].tolist() if n else [],
        ts=stamps.take(pa.array(rows, pa.int64())),
        asset=_texts(columns.asset, rows, columns.plain),
        product=_texts(columns.product, rows, columns.plain),
        id=_texts(columns.id, rows, columns.plain),
    )
    out.results = [validate_record(columns.record(int(i)), registry, row=int(i)) for i in np.flatnonzero(~clean)]
    return out


def _pair_codes(columns: RecordColumns) -> tuple[list[tuple], np.ndarray]:
    """The distinct (key, unit) pairs and, per record, the index of its pair."""
    n = len(columns)
    if columns.plain and n:  # hash the text columns in Arrow, not a tuple per record in Python
        keys = pa.array(columns.key, pa.string()).dictionary_encode()
        units = pa.array(columns.unit, pa.string()).dictionary_encode()
        combined = keys.indices.to_numpy().astype(np.int64) * len(units.dictionary) + units.indices.to_numpy()
        distinct, codes = np.unique(combined, return_inverse=True)
        key_text, unit_text = keys.dictionary.to_pylist(), units.dictionary.to_pylist()
        pairs = [(key_text[c // len(unit_text)], unit_text[c % len(unit_text)]) for c in distinct.tolist()]
        return pairs, codes.astype(np.int64).reshape(-1)
    found: dict[tuple, int] = {}
    pairs = ((key if type(key) is str else None, unit if type(unit) is str else None)  # only text pairs
             for key, unit in zip(columns.key, columns.unit, strict=True))       # can be usable
    codes = np.fromiter((found.setdefault(pair, len(found)) for pair in pairs), dtype=np.int64, count=n)
    return list(found), codes


def _has_nul(column: list) -> np.ndarray:
    """Where a text of ``column`` holds a NUL character (the per-record path rejects it)."""
    found = np.zeros(len(column), dtype=bool)
    texts = [v for v in column if type(v) is str]
    if texts and "\x00" in "".join(texts):
        found[[i for i, v in enumerate(column) if type(v) is str and "\x00" in v]] = True
    return found


def _texts(column: list, rows: np.ndarray, plain: bool = False) -> list[str | None]:
    """Optional text fields as validate_record reads them: None or "" is None, else str()."""
    if plain:  # str or None: only "" needs mapping
        return [v or None for v in column] if len(rows) == len(column) else [column[i] or None for i in rows]
    return [_optional_text(column[i]) for i in rows]


# -- whole files: read by Arrow, validated on Arrow columns ---------------------------
#
# A file is validated without a Python object per row: numbers, timestamps, (key, unit)
# pairs and text checks are Arrow kernels and numpy masks over whole columns. Only the
# rows that are not clean (rejected, warned, text values, corner cases) become dicts and
# go through validate_record, so their messages are the per-record ones by construction.

# The decimal numbers whose float Arrow's cast and Python's float() agree on (no
# whitespace, underscores, "nan" or "inf": those go through validate_record).
_DECIMAL = r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$"


def _one(column) -> pa.Array:
    """A chunked array as one array (Arrow kernels and buffers on one chunk)."""
    if isinstance(column, pa.ChunkedArray):
        return column.combine_chunks() if column.num_chunks != 1 else column.chunk(0)
    return column


def _bools(column) -> np.ndarray:
    """A boolean Arrow array (nulls as False) as numpy, from its bitmap: Arrow's own
    ``to_numpy`` imports pandas (half a second) for that."""
    array = _one(pc.fill_null(column, False))
    n = len(array)
    if n == 0:
        return np.zeros(0, dtype=bool)
    bits = np.frombuffer(array.buffers()[1], dtype=np.uint8)
    return np.unpackbits(bits, bitorder="little")[array.offset:array.offset + n].astype(bool)


def _floats(column) -> np.ndarray:
    """A float64 Arrow array (nulls as NaN) as numpy, from its buffer."""
    array = _one(pc.fill_null(column, np.nan))
    return np.frombuffer(array.buffers()[1], dtype=np.float64)[array.offset:array.offset + len(array)]


def _ints(array: pa.Array) -> np.ndarray:
    """The int32 indices of a dictionary array without nulls, as int64 numpy."""
    return np.frombuffer(array.buffers()[1], dtype=np.int32)[array.offset:array.offset + len(array)] \
        .astype(np.int64)


def _is_text(column) -> bool:
    return pa.types.is_string(column.type) or pa.types.is_large_string(column.type)


def _arrow_numbers(column) -> np.ndarray:
    """The float of each value where validate_record reads the same float (numbers, and
    text of the plain decimal form); NaN elsewhere (validate_record decides there)."""
    if pa.types.is_floating(column.type) or pa.types.is_integer(column.type):
        return _floats(pc.cast(column, pa.float64(), safe=False))
    if not _is_text(column):
        return np.full(len(column), np.nan)
    plain = pc.fill_null(pc.match_substring_regex(column, _DECIMAL), False)
    candidates = pc.if_else(plain, column, pa.scalar(None, column.type))
    return _floats(pc.cast(candidates, pa.float64()))


def _arrow_stamps(column) -> pa.Array:
    """Timestamps with a zone as microseconds UTC, null where validate_record must decide."""
    if pa.types.is_timestamp(column.type) and column.type.tz is not None:
        return _one(column).cast(TS_TYPE)
    if _is_text(column):
        return parse_timestamps(_one(column).cast(pa.string()))
    return pa.nulls(len(column), TS_TYPE)


def _arrow_text(column, n: int) -> tuple[pa.Array, np.ndarray]:
    """An optional text field (asset, product, id) as validate_record reads it (absent or
    empty is null) and where it cannot be taken as it is (a NUL character, or a type
    whose str() Arrow does not spell the same)."""
    if column is None:
        return pa.nulls(n, pa.string()), np.zeros(n, dtype=bool)
    column = _one(column)
    if pa.types.is_integer(column.type):
        column = column.cast(pa.string())
    elif not _is_text(column) and not pa.types.is_null(column.type):
        return pa.nulls(n, pa.string()), np.ones(n, dtype=bool)
    column = column.cast(pa.string())
    unusable = _bools(pc.match_substring(column, "\x00"))
    text = pc.if_else(pc.fill_null(pc.equal(column, ""), True), pa.scalar(None, pa.string()), column)
    return text, unusable


def _arrow_codes(keys, units) -> tuple[list[tuple], np.ndarray]:
    """The distinct (key, unit) text pairs and each row's pair; a row whose key or unit
    is not text gets the pair (None, None), which is never usable."""
    n = len(keys)
    parts = []
    for column in (keys, units):
        if not (_is_text(column) or pa.types.is_dictionary(column.type)):
            return [(None, None)], np.zeros(n, dtype=np.int64)
        encoded = _one(column.cast(pa.string())).dictionary_encode()
        words = encoded.dictionary.to_pylist()
        parts.append((words, _ints(encoded.indices.fill_null(len(words))) if n else np.zeros(0, np.int64)))
    (key_words, key_codes), (unit_words, unit_codes) = parts
    width = len(unit_words) + 1  # + the code of a null
    distinct, codes = np.unique(key_codes * width + unit_codes, return_inverse=True)
    pairs = []
    for c in distinct.tolist():
        key = key_words[c // width] if c // width < len(key_words) else None
        unit = unit_words[c % width] if c % width < len(unit_words) else None
        pairs.append((key, unit) if key is not None and unit is not None else (None, None))
    return pairs, codes.astype(np.int64).reshape(-1)


@dataclass
class FileValidation:
    """The outcome of validating a file, in columns: ``clean`` (valid, no warning; value
    in SI, ``line`` the row's number in the file) and ``results`` (every other row, with
    the full per-record outcome). :meth:`batch` gives the :class:`BatchResult` of the
    per-record path (a result object per row: only for a caller that needs every row)."""

    path: Path
    clean: pa.Table  # line, key, value, unit, ts, asset, product, id
    results: list[RecordResult]
    first_row: int
    _raw: Callable[[np.ndarray], list]  # the file's rows at positions, as mappings
    _positions: np.ndarray  # the position of each clean row in what was read

    @property
    def received(self) -> int:
        return self.clean.num_rows + len(self.results)

    @property
    def accepted(self) -> int:
        return self.clean.num_rows + sum(r.ok for r in self.results)

    @property
    def rejected(self) -> int:
        return sum(not r.ok for r in self.results)

    @property
    def warned(self) -> int:
        return sum(bool(r.warnings) for r in self.results if r.ok)

    @property
    def problems(self) -> list[RecordResult]:
        """The rows with an error or a warning, in file order."""
        return [r for r in self.results if r.errors or r.warnings]

    def batch(self) -> BatchResult:
        """Every row as a :class:`RecordResult` (valid rows sorted by line)."""
        clean = self.clean
        lines = _ints64(clean["line"])
        raws = self._raw(self._positions)
        naive = _one(clean["ts"]).cast(pa.timestamp("us")).to_numpy(zero_copy_only=False) \
            .astype(object).tolist()
        out = BatchResult()
        columns = [pylist(clean[n]) for n in ("key", "unit", "asset", "product", "id")]
        columns.insert(1, _floats(clean["value"]).tolist())
        out.accepted = [
            _accepted({"raw": raw, "key": key, "value": value, "unit": unit, "ts": ts.replace(tzinfo=UTC),
                       "asset": asset, "product": product, "id": ident, "errors": [], "warnings": [],
                       "row": line})
            for raw, line, ts, key, value, unit, asset, product, ident in zip(
                raws, lines.tolist(), naive, *columns, strict=True)]
        for result in self.results:
            (out.accepted if result.ok else out.rejected).append(result)
        if self.results:
            out.accepted.sort(key=lambda r: r.row)
        return out


def _ints64(column) -> np.ndarray:
    array = _one(column)
    return np.frombuffer(array.buffers()[1], dtype=np.int64)[array.offset:array.offset + len(array)]


def validate_table(table: pa.Table, registry: Registry | None = None, *, first_row: int = 1,
                   path: Path | None = None, drop_nulls: bool = True,
                   lines: np.ndarray | None = None) -> FileValidation:
    """Validate the records of an Arrow table (a file read by Arrow) on its columns.

    The outcome is :func:`validate_record` on each row as a mapping of its columns
    (``drop_nulls``: without its null cells, as a Parquet row; else every cell, as the
    csv module reads a CSV row), numbered from ``first_row`` (or by ``lines``, the line
    in the file of each row)."""
    registry = registry or load_registry()
    n = table.num_rows
    line_of = np.arange(first_row, first_row + n, dtype=np.int64) if lines is None \
        else np.asarray(lines, dtype=np.int64)
    names = table.column_names

    def column(name):
        return table[name] if name in names else None

    nulls = pa.nulls(n, pa.string())
    pairs, codes = _arrow_codes(column("key") if "key" in names else nulls,
                                column("unit") if "unit" in names else nulls)
    pair_info = [_pair(registry, key, unit) for key, unit in pairs]
    numbers = _arrow_numbers(column("value")) if "value" in names else np.full(n, np.nan)
    stamps = _arrow_stamps(column("ts")) if "ts" in names else pa.nulls(n, TS_TYPE)
    usable = np.array([p.usable for p in pair_info], dtype=bool)[codes]
    scale = np.array([p.scale for p in pair_info])[codes]
    offset = np.array([p.offset for p in pair_info])[codes]
    with np.errstate(invalid="ignore", over="ignore"):
        si_values = numbers * scale + offset
    clean = usable & np.isfinite(si_values) & _bools(stamps.is_valid())
    for which in ("physical", "typical"):
        lower, upper, lower_inc, upper_inc = (np.array(c)[codes] for c in zip(
            *[getattr(p, which) for p in pair_info], strict=True))
        clean &= _inside(si_values, lower, upper, lower_inc.astype(bool), upper_inc.astype(bool))
    texts = {}
    for name in ("asset", "product", "id"):
        texts[name], unusable = _arrow_text(column(name), n)
        clean &= ~unusable

    rows = np.flatnonzero(clean)
    take = pa.array(rows, pa.int64())
    si_units = pa.array([p.si_unit for p in pair_info], pa.string())
    out = pa.table({
        "line": pa.array(line_of[rows], pa.int64()),
        "key": _one(column("key")).cast(pa.string()).take(take) if n else nulls,
        "value": pa.array(si_values[rows], pa.float64()),
        "unit": si_units.take(pa.array(codes[rows], pa.int64())),
        "ts": stamps.take(take),
        **{name: texts[name].take(take) for name in ("asset", "product", "id")},
    })

    def raw(positions: np.ndarray) -> list:
        picked = table.take(pa.array(positions, pa.int64()))
        columns = [pylist(picked[name]) for name in names]
        if drop_nulls:
            return [{k: v for k, v in zip(names, values, strict=True) if v is not None}
                    for values in zip(*columns, strict=True)]
        return [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]

    others = np.flatnonzero(~clean)
    results = [validate_record(record, registry, row=int(line_of[i]))
               for record, i in zip(raw(others), others.tolist(), strict=True)]
    return FileValidation(path or Path(""), out, results, first_row, raw, rows)


def read_file_table(path: Path) -> tuple[pa.Table, bool] | None:
    """A records file as an Arrow table and whether its null cells are dropped from a row
    (Parquet) or kept as "" (CSV: the csv module's reading, every cell text); None for a
    CSV that Arrow reads otherwise than the csv module (a repeated, empty or missing
    column name, ragged rows, not UTF-8): the caller then takes :func:`read_records`."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    suffix = path.suffix.lower()
    if suffix == ".parquet":
        try:
            names = pq.read_schema(path).names
            table = pq.read_table(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise ValueError(f"{path}: not a readable Parquet file ({exc})") from exc
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"{path}: column(s) {', '.join(map(repr, repeated))} appear more than once")
        missing = {"key", "value", "ts"} - set(names)
        if missing:
            raise ValueError(f"{path}: the Parquet file lacks column(s) {', '.join(sorted(missing))}; "
                             f"expected {', '.join(('key', 'value', 'unit', 'ts', 'asset', 'product', 'id'))}")
        return table, True
    if suffix != ".csv":
        return None
    try:
        reader = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=1 << 16))
        names = reader.schema.names  # the header, from the first block only
        reader.close()
        if len(set(names)) != len(names) or "" in names or {"key", "value", "ts"} - set(names):
            return None
        table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=False, null_values=[],
            quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, UnicodeDecodeError, OSError):
        return None
    return table, False


def check_file(path: str | Path, registry: Registry | None = None) -> FileValidation:
    """Validate every record of a CSV, Parquet or JSON file on columns (CSV rows
    numbered by file line, others from 1); the outcome of :func:`validate_record` on
    each row, without an object per valid row."""
    collecting = gc.isenabled()
    gc.disable()  # no cyclic collection while the rows of a large file are built
    try:
        path = Path(path)
        registry = registry or load_registry()
        first_row = 2 if path.suffix.lower() == ".csv" else 1
        read = read_file_table(path)
        if read is None:  # JSON, or a CSV the csv module reads otherwise than Arrow
            return _checked_records(path, read_records(path), registry, first_row)
        table, drop_nulls = read
        return validate_table(table, registry, first_row=first_row, path=path, drop_nulls=drop_nulls)
    finally:
        if collecting:
            gc.enable()


def _checked_records(path: Path, records: list, registry: Registry, first_row: int) -> FileValidation:
    """:class:`FileValidation` of records read as Python mappings (JSON, irregular CSV)."""
    validated = validate_columns(RecordColumns.from_records(records, text_numbers=True), registry)
    for result in validated.results:
        result.row += first_row
    clean = pa.table({
        "line": pa.array(validated.row + first_row, pa.int64()), "key": pa.array(validated.key, pa.string()),
        "value": pa.array(validated.value, pa.float64()), "unit": pa.array(validated.unit, pa.string()),
        "ts": validated.ts, **{name: pa.array(getattr(validated, name), pa.string())
                               for name in ("asset", "product", "id")}})
    return FileValidation(path, clean, validated.results, first_row,
                          lambda positions: [records[i] for i in positions.tolist()], validated.row)


def validate_file(path: str | Path, registry: Registry | None = None) -> BatchResult:
    """Validate every record of a CSV, Parquet or JSON file (CSV rows numbered by file
    line); :func:`check_file` with a result object per row."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return check_file(path, registry).batch()
    finally:
        if collecting:
            gc.enable()
