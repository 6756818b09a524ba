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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from gigatwin.spec.model import Range
from gigatwin.spec.records import (
    RecordResult,
    _converter,
    _optional_text,
    _unit_problem,
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
    ts: list[datetime]
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
    param = registry.parameters.get(key) if isinstance(key, str) else None
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
    return float(value) if type(value) is float or type(value) is int else np.nan


def _aware_ts(text) -> datetime | None:
    """A timestamp with a zone parsed as validate_record does, else None (slow path)."""
    if type(text) is not str:
        return None
    try:
        ts = datetime.fromisoformat(text)
    except ValueError:
        return None
    return ts if ts.tzinfo is not None else None


def validate_batch(records: Sequence, registry: Registry | None = None) -> ValidatedColumns:
    """Validate ``records`` (mappings in the record format); same outcome as per-record validation."""
    registry = registry or load_registry()
    n = len(records)
    is_mapping = [isinstance(r, Mapping) for r in records]
    get = [r if ok else {} for r, ok in zip(records, is_mapping, strict=True)]
    pairs: dict[tuple, int] = {}
    codes = np.fromiter((pairs.setdefault((r.get("key"), r.get("unit")), len(pairs)) for r in get),
                        dtype=np.int64, count=n)
    table = [_pair(registry, key, unit) for key, unit in pairs]
    values = np.fromiter((_number(r.get("value")) for r in get), dtype=float, count=n)
    stamps = [_aware_ts(r.get("ts")) for r in get]

    usable = np.array([p.usable for p in table], dtype=bool)[codes] if n else np.zeros(0, bool)
    scale = np.array([p.scale for p in table])[codes] if n else np.zeros(0)
    offset = np.array([p.offset for p in table])[codes] if n else np.zeros(0)
    si_values = values * scale + offset
    clean = usable & np.isfinite(si_values) & np.fromiter((s is not None for s in stamps), bool, n)
    clean &= np.array(is_mapping, dtype=bool)
    for which in ("physical", "typical"):
        bounds = [getattr(p, which) for p in table]
        lower, upper, lower_inc, upper_inc = (np.array(column)[codes] for column in zip(*bounds, strict=True)) \
            if n else (np.zeros(0),) * 4
        clean &= _inside(si_values, lower, upper, lower_inc.astype(bool), upper_inc.astype(bool))

    rows = np.flatnonzero(clean)
    si_units = [p.si_unit for p in table]
    out = ValidatedColumns(
        row=rows,
        key=[get[i]["key"] for i in rows],
        value=si_values[rows],
        unit=[si_units[codes[i]] for i in rows],
        ts=[stamps[i] for i in rows],
        asset=_texts(get, rows, "asset"),
        product=_texts(get, rows, "product"),
        id=_texts(get, rows, "id"),
    )
    out.results = [validate_record(records[i], registry, row=int(i)) for i in np.flatnonzero(~clean)]
    return out


def _texts(records: list, rows: np.ndarray, name: str) -> list[str | None]:
    """Optional text fields as validate_record reads them: None or "" is None, else str()."""
    return [_optional_text(records[i].get(name)) for i in rows]
