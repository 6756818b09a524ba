"""Load material data files (YAML) into frozen records, validating every field.

A data file looks like::

    kind: solvent
    sources:
      poling2001: "Poling, Prausnitz, O'Connell (2001) The Properties of Gases and Liquids, 5th ed."
    entries:
      water:
        description: ...
        molar_mass: {value: 18.015, unit: g/mol, source: poling2001}

Each numeric field is ``{value, unit, source}`` (a list field has ``values`` instead of
``value``); ``source`` is either a key of the file's ``sources`` map or a free-text
reference. Text fields are ``{value, source}`` or a plain string. Errors name the file,
the entry, the field and the problem.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import yaml

from gigatwin.checks import format_bounds
from gigatwin.units import UnitError, parse_unit, same_dimension, to_si

from . import properties

KINDS: dict[str, type[properties.Material]] = {
    "active_material": properties.ActiveMaterial,
    "conductive_carbon": properties.ConductiveCarbon,
    "binder": properties.Binder,
    "solvent": properties.Solvent,
    "foil": properties.Foil,
    "separator": properties.Separator,
    "electrolyte": properties.Electrolyte,
    "half_cell_ocv": properties.HalfCellOCVCurve,
}

_COMMON = {"name", "description", "sources"}

# libyaml's parser when installed (about 10x faster than the pure-Python one)
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class MaterialDataError(ValueError):
    """A problem in a material data file: names the file, the entry, the field and the problem."""

    def __init__(self, path, entry: str | None, field: str | None, problem: str):
        self.path, self.entry, self.field, self.problem = str(path), entry, field, problem
        where = Path(self.path).name
        if entry is not None:
            where += f", entry {entry!r}"
        if field is not None:
            where += f", field {field!r}"
        super().__init__(f"{where}: {problem}")


def load_file(path: str | Path) -> tuple[str, dict[str, properties.Material]]:
    """Read one data file; return its kind and its records by name."""
    path = Path(path)
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        raise MaterialDataError(path, None, None, f"not valid YAML ({exc})") from exc
    if not isinstance(doc, dict):
        raise MaterialDataError(path, None, None, "the file must hold a mapping")
    kind = doc.get("kind")
    if kind not in KINDS:
        raise MaterialDataError(path, None, "kind", f"unknown kind {kind!r}; known: {sorted(KINDS)}")
    sources = doc.get("sources") or {}
    entries = doc.get("entries")
    if not isinstance(entries, dict) or not entries:
        raise MaterialDataError(path, None, "entries", "needs a non-empty mapping of entries")
    return kind, {
        str(name): build_record(KINDS[kind], str(name), body, sources, path)
        for name, body in entries.items()
    }


def build_record(cls, name: str, body, sources: dict, path) -> properties.Material:
    """Validate ``body`` (one entry of a data file) and build a ``cls`` record from it."""
    if not isinstance(body, dict):
        raise MaterialDataError(path, name, None, "an entry must be a mapping of fields")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in _COMMON}
    unknown = sorted(set(body) - set(fields) - {"description"})
    if unknown:
        raise MaterialDataError(path, name, unknown[0], f"unknown field; known: {sorted(fields)}")
    values, used_sources = {}, {}
    for fname, f in fields.items():
        if fname not in body:
            if f.metadata.get("optional"):
                continue
            raise MaterialDataError(path, name, fname, "required field is missing")
        values[fname], used_sources[fname] = _parse_field(f, body[fname], sources, path, name)
    description = str(body.get("description", "")).strip()
    return cls(name=name, description=description, sources=used_sources, **values)


def _parse_field(f: dataclasses.Field, raw, sources: dict, path, entry: str):
    meta = f.metadata
    if meta.get("text"):
        value, source = (raw.get("value"), raw.get("source", "")) if isinstance(raw, dict) else (raw, "")
        if not isinstance(value, str) or not value:
            raise MaterialDataError(path, entry, f.name, f"expected a text value, got {value!r}")
        if meta.get("choices") and value not in meta["choices"]:
            raise MaterialDataError(path, entry, f.name, f"{value!r} is not one of {meta['choices']}")
        return value, _resolve_source(source, sources) if source else "(text label)"
    if not isinstance(raw, dict):
        raise MaterialDataError(path, entry, f.name, "expected {value, unit, source}")
    source = raw.get("source")
    if not source or not str(source).strip():
        raise MaterialDataError(path, entry, f.name, "every number needs a 'source'")
    unit = str(raw.get("unit", "1"))
    try:
        parse_unit(unit)
    except UnitError as exc:
        raise MaterialDataError(path, entry, f.name, str(exc)) from exc
    if not same_dimension(unit, meta["unit"]):
        raise MaterialDataError(path, entry, f.name,
                                f"unit {unit!r} does not measure the same thing as {meta['unit']!r}")
    is_list = "values" in raw
    magnitude = raw.get("values") if is_list else raw.get("value")
    try:
        si = np.atleast_1d(to_si(np.asarray(magnitude, dtype=float), unit))
    except (TypeError, ValueError) as exc:
        raise MaterialDataError(path, entry, f.name, f"value {magnitude!r} is not numeric") from exc
    _check_bounds(si, meta, path, entry, f.name)
    value = tuple(float(v) for v in si) if is_list else float(si[0])
    return value, _resolve_source(str(source), sources)


def _check_bounds(si: np.ndarray, meta, path, entry, fname):
    gt, ge, lt, le = meta["gt"], meta["ge"], meta["lt"], meta["le"]
    bad = np.isnan(si)
    bad |= (si <= gt) if gt is not None else False
    bad |= (si < ge) if ge is not None else False
    bad |= (si >= lt) if lt is not None else False
    bad |= (si > le) if le is not None else False
    if np.any(bad) or si.size == 0:
        shown = si[bad][0] if np.any(bad) else float("nan")
        raise MaterialDataError(path, entry, fname,
                                f"{shown:.6g} [{meta['unit']}] (in SI) is outside the allowed range "
                                f"{format_bounds(gt, ge, lt, le)}")


def _resolve_source(source: str, sources: dict) -> str:
    return str(sources.get(source, source)).strip()
