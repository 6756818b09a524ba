"""Record validation: one record format serves validation, ingestion and storage.

A record is a JSON object (or a CSV row) with

- ``key``: a specification key (``coating_speed``),
- ``value``: a number (quantities) or a string (category and text parameters),
- ``unit``: a unit string pint parses, of the key's dimension (``m/min``); may be
  omitted or empty only for dimensionless, category and text parameters,
- ``ts``: an ISO 8601 timestamp (``2026-11-22T10:00:00Z``); without a zone it is taken
  as UTC, with a warning,
- optional ``asset``, ``product`` and ``id`` (a message id, for idempotent ingestion).

:func:`validate_record` accepts it with the value converted to SI or rejects it listing
every problem: unknown key, missing field, incompatible unit (naming the expected
dimension), value outside the physical limits (error) or the typical range (warning).
Nothing is dropped: a batch keeps every row, valid ones converted, invalid ones with
their reasons.
"""

from __future__ import annotations

import csv
import difflib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from gigatwin import units
from gigatwin.spec.model import Parameter
from gigatwin.spec.registry import Registry, load_registry

RECORD_FIELDS = ("key", "value", "unit", "ts", "asset", "product", "id")


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a record: the field it concerns and a sentence saying what."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass
class RecordResult:
    """The outcome of validating one record. ``value`` is in SI when ``ok``."""

    raw: Mapping
    key: str | None = None
    value: float | str | None = None
    unit: str | None = None
    ts: datetime | None = None
    asset: str | None = None
    product: str | None = None
    id: str | None = None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    row: int | None = None  # position in the batch or line in the file, when known

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def reason(self) -> str:
        return "; ".join(str(p) for p in self.errors)

    def as_dict(self) -> dict:
        return {
            "row": self.row, "ok": self.ok, "key": self.key, "value": self.value, "unit": self.unit,
            "ts": self.ts.isoformat() if self.ts else None, "asset": self.asset,
            "product": self.product, "id": self.id,
            "errors": [str(p) for p in self.errors], "warnings": [str(p) for p in self.warnings],
            "raw": dict(self.raw),
        }


@dataclass
class BatchResult:
    """Every record of a batch: ``accepted`` (converted to SI) and ``rejected`` (with reasons)."""

    accepted: list[RecordResult] = field(default_factory=list)
    rejected: list[RecordResult] = field(default_factory=list)

    @property
    def received(self) -> int:
        return len(self.accepted) + len(self.rejected)

    @property
    def all(self) -> list[RecordResult]:
        return sorted(self.accepted + self.rejected, key=lambda r: (r.row is None, r.row or 0))


# -- conversion, cached per (key, unit) so a stream of records costs a dict lookup each --

@dataclass(frozen=True)
class _Converter:
    scale: float
    offset: float

    def __call__(self, value: float) -> float:
        return value * self.scale + self.offset


@lru_cache(maxsize=4096)
def _converter(si_unit: str, unit: str) -> _Converter:
    """SI value = value * scale + offset (offset units such as degC are affine)."""
    zero = units.convert(0.0, unit, si_unit)
    one = units.convert(1.0, unit, si_unit)
    return _Converter(scale=one - zero, offset=zero)


def _unit_problem(param: Parameter, unit: str) -> Problem | None:
    """None when ``unit`` is acceptable for ``param``; else the problem."""
    return _unit_problem_cached(param.key, param.unit, param.display_unit, unit)


@lru_cache(maxsize=4096)
def _unit_problem_cached(key: str, si_unit: str, display_unit: str, unit: str) -> Problem | None:
    try:
        units.parse_unit(unit)
    except units.UnitError as exc:
        return Problem("unit", str(exc))
    if not units.same_dimension(unit, si_unit):
        return Problem(
            "unit",
            f"{unit!r} measures {units.dimensionality(unit)}, but {key} expects "
            f"{units.dimensionality(si_unit)} (SI unit {si_unit!r}, e.g. {display_unit!r})",
        )
    return None


def _optional_text(value) -> str | None:
    """An optional text field of a record: absent or empty is None, anything else its str()."""
    if type(value) is str:
        return value or None
    return None if value is None or value == "" else str(value)


def _suggest(key: str, registry: Registry) -> str:
    close = difflib.get_close_matches(key, registry.parameters.keys(), n=3, cutoff=0.6)
    return f"; did you mean {', '.join(close)}?" if close else ""


def _parse_ts(raw_ts, result: RecordResult) -> None:
    if raw_ts in (None, ""):
        result.errors.append(Problem("ts", "missing timestamp (ISO 8601, e.g. 2026-11-22T10:00:00Z)"))
        return
    if isinstance(raw_ts, datetime):
        ts = raw_ts
    else:
        try:
            ts = datetime.fromisoformat(str(raw_ts).strip())
        except ValueError:
            result.errors.append(Problem("ts", f"{raw_ts!r} is not an ISO 8601 timestamp"))
            return
    if ts.tzinfo is None:
        result.warnings.append(Problem("ts", "no time zone given; taken as UTC"))
        ts = ts.replace(tzinfo=UTC)
    try:
        result.ts = ts.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00 is before year 1 in UTC
        result.errors.append(Problem("ts", f"{raw_ts!r} is outside the representable range in UTC"))


def _as_number(raw_value, result: RecordResult) -> float | None:
    if type(raw_value) is float or type(raw_value) is int:  # the JSON fast path
        try:
            number = float(raw_value)
        except OverflowError:  # an integer beyond float range (JSON allows any length)
            result.errors.append(Problem("value", f"an integer of {raw_value.bit_length()} bits is not a finite "
                                                  "number (beyond the float range, about 1.8e308)"))
            return None
    elif isinstance(raw_value, bool) or raw_value is None or (isinstance(raw_value, str) and not raw_value.strip()):
        result.errors.append(Problem("value", f"{raw_value!r} is not a number"))
        return None
    else:
        try:
            number = float(raw_value)
        except (TypeError, ValueError, OverflowError):
            result.errors.append(Problem("value", f"{raw_value!r} is not a number"))
            return None
    if not math.isfinite(number):
        result.errors.append(Problem("value", f"{raw_value!r} is not a finite number"))
        return None
    return number


def _check_quantity(param: Parameter, raw_value, unit: str, result: RecordResult) -> None:
    number = _as_number(raw_value, result)
    problem = _unit_problem(param, unit)
    if problem:
        result.errors.append(problem)
    if number is None or problem:
        return
    si_value = _converter(param.unit, unit)(number)
    result.value = si_value
    shown = f"{number:g} {unit}" if unit not in ("", "1") else f"{number:g}"
    si_unit = f" {param.unit}" if param.unit != "1" else ""
    if param.physical and not param.physical.contains(si_value):
        result.errors.append(Problem(
            "value",
            f"{param.key} = {shown} ({si_value:.6g}{si_unit}) is outside the physical limits "
            f"{param.physical.interval()}{si_unit} ({param.physical.source})",
        ))
    elif param.typical and not param.typical.contains(si_value):
        result.warnings.append(Problem(
            "value",
            f"{param.key} = {shown} ({si_value:.6g}{si_unit}) is outside the typical range "
            f"{param.typical.interval()}{si_unit} ({param.typical.source})",
        ))


def _check_label(param: Parameter, raw_value, result: RecordResult) -> None:
    if raw_value is None or str(raw_value).strip() == "":
        result.errors.append(Problem("value", f"{param.key} needs a non-empty text value"))
        return
    text = str(raw_value).strip()
    if "\x00" in text:
        result.errors.append(Problem("value", f"{text!r} contains a NUL character, which no text column stores"))
        return
    if param.kind == "category" and text not in (param.choices or ()):
        result.errors.append(Problem(
            "value", f"{text!r} is not an allowed {param.key}; allowed: {', '.join(param.choices or ())}"
        ))
        return
    result.value = text


def validate_record(record: Mapping, registry: Registry | None = None, *, row: int | None = None) -> RecordResult:
    """Validate one record; the result holds the SI value or every problem found."""
    registry = registry or load_registry()
    if not isinstance(record, Mapping):
        result = RecordResult(raw={"payload": record}, row=row)
        result.errors.append(Problem("record", f"a record must be a JSON object, got {type(record).__name__}"))
        return result
    result = RecordResult(raw=record, row=row)
    for name in ("asset", "product", "id"):
        text = _optional_text(record.get(name))
        setattr(result, name, text)
        if text is not None and "\x00" in text:
            result.errors.append(Problem(name, f"{text!r} contains a NUL character, which no text column stores"))
    _parse_ts(record.get("ts"), result)
    key = record.get("key")
    if key in (None, ""):
        result.errors.append(Problem("key", "missing key"))
        return result
    key = str(key).strip()
    result.key = key
    param = registry.get(key)  # a key or an electrode-qualified key
    if param is None:
        result.errors.append(Problem("key", f"unknown key {key!r}{_suggest(key, registry)}"))
        return result
    result.unit = param.unit
    unit = str(record.get("unit") if record.get("unit") is not None else "").strip()
    if param.is_quantity:
        if unit == "" and param.unit != "1":
            result.errors.append(Problem("unit", f"missing unit; {key} expects {units.dimensionality(param.unit)} "
                                                 f"(SI unit {param.unit!r}, e.g. {param.display_unit!r})"))
            _as_number(record.get("value"), result)
            return result
        _check_quantity(param, record.get("value"), unit or "1", result)
    else:
        _check_label(param, record.get("value"), result)
    return result


def validate_records(records: Iterable[Mapping], registry: Registry | None = None,
                     *, first_row: int = 1) -> BatchResult:
    """Validate every record; none is dropped. ``row`` numbers start at ``first_row``."""
    registry = registry or load_registry()
    batch = BatchResult()
    for offset, record in enumerate(records):
        result = validate_record(record, registry, row=first_row + offset)
        (batch.accepted if result.ok else batch.rejected).append(result)
    return batch


def read_records(path: str | Path) -> list[Mapping]:
    """Records of a CSV file (header row with the record fields) or a JSON file (object or list).

    CSV rows keep their values as text; :func:`validate_record` converts them. A JSON file
    that does not parse raises ``ValueError`` naming the file and the position.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = {"key", "value", "ts"} - set(reader.fieldnames or ())
            if missing:
                raise ValueError(f"{path}: the CSV header lacks column(s) {', '.join(sorted(missing))}; "
                                 f"expected {', '.join(RECORD_FIELDS)}")
            return [dict(row) for row in reader]
    if suffix in (".json", ".jsonl", ".ndjson"):
        text = path.read_text(encoding="utf-8")
        try:
            if suffix == ".json":
                data = json.loads(text)
                return data if isinstance(data, list) else [data]
            return [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}: not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc
    raise ValueError(f"{path}: unknown record file type {suffix!r}; use .csv, .json or .jsonl")


def _accepted(fields: dict) -> RecordResult:
    """A valid record's result without warnings, built without the dataclass __init__
    (a million of them for a large file): ``fields`` are those __init__ would set."""
    result = object.__new__(RecordResult)
    result.__dict__ = fields
    return result
