"""End-of-line grading of cells, self-discharge screening, KPIs.

Grading: each cell gets the first grade (in the order of the configuration) whose
limits on capacity, DC internal resistance (DCIR) and self-discharge rate (k value)
all hold; a cell that meets no grade, or lacks a measurement, gets the reject grade,
with the reasons listed (no cell is dropped).

Self-discharge (k value): ``k = (OCV_start - OCV_end) / aging_time`` [V/s] from two
open-circuit voltage readings over the aging (rest) period. Outliers are cells whose
robust z-score ``0.6745 (k - median(k)) / MAD(k)`` exceeds a threshold (3.5 by default;
Iglewicz and Hoaglin 1993), computed per batch so a batch shift does not flag every
cell. Only the high side is a defect (fast self-discharge: micro-shorts). The smallest
k an aging step can resolve is ``voltage_resolution / aging_time``: a longer aging time
separates smaller leaks, which is why the aging time is part of the screen.

KPIs: yield per step and first-pass yield (cells that passed every step on the first
attempt), the width of the cell-resistance distribution (IQR and sample standard
deviation) and the process energy per kWh of cell energy produced.

Sources: Iglewicz, B. and Hoaglin, D.C. (1993) How to Detect and Handle Outliers, ASQC
Quality Press; Liu et al. (2021) seed 001 (formation/aging and end-of-line test in cell
production); seed 003 (the three metrics).
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from gigatwin.citations import Citation, cites
from gigatwin.units import (
    UnitError,
    dimensionality,
    from_si,
    parse_unit,
    same_dimension,
    to_si,
)

IGLEWICZ_HOAGLIN_1993 = Citation(
    key="iglewicz1993",
    authors="Iglewicz, B., Hoaglin, D.C.",
    title="How to Detect and Handle Outliers",
    venue="ASQC Quality Press, Milwaukee (ASQC Basic References in Quality Control 16)",
    year=1993,
)

# The quantities a grade can limit, and their key in the data specification (which
# gives their SI unit, display unit and physical range).
SPEC_KEYS = {"capacity": "eol_discharge_capacity", "dcir": "eol_dc_internal_resistance",
             "k_value": "self_discharge_k_value"}
CONFIG_KEYS = ("columns", "units", "grades", "reject", "self_discharge_outliers", "id_column")
BOUND_KEYS = ("min", "max")


_REPR = reprlib.Repr()
_REPR.maxstring, _REPR.maxother, _REPR.maxlist, _REPR.maxdict, _REPR.maxlevel = 60, 60, 6, 6, 2


def short(value) -> str:
    """A value for an error message, cut to a readable length (a YAML bomb or a huge
    list must not become a huge message)."""
    return _REPR.repr(value)


def spec_parameter(quantity: str):
    """The spec entry of a graded quantity (``capacity`` -> ``eol_discharge_capacity``)."""
    from gigatwin.spec import load_registry

    return load_registry().parameters[SPEC_KEYS[quantity]]


def unit_symbol(unit: str) -> str:
    """The conventional symbol of a unit for messages: ``milliohm`` -> ``mΩ``."""
    return f"{parse_unit(unit):~P}" or unit


def check_unit(quantity: str, unit, where: str) -> str:
    """``unit`` if it measures ``quantity`` (same dimension as its spec unit)."""
    parameter = spec_parameter(quantity)
    if not isinstance(unit, str) or not unit.strip():
        raise ValueError(f"{where}: unit {short(unit)} is not a unit; {quantity} "
                         f"({parameter.key}) is given in e.g. {parameter.display_unit}")
    try:
        ok = same_dimension(unit, parameter.unit)
    except UnitError as exc:
        raise ValueError(f"{where}: {exc}") from exc
    if not ok:
        raise ValueError(f"{where}: unit {short(unit)} does not measure {quantity}: "
                         f"{parameter.key} is in {parameter.unit} (e.g. "
                         f"{parameter.display_unit}), {short(unit)} is {dimensionality(unit)}")
    return unit


def _mapping(value, where: str, allowed) -> dict:
    if not isinstance(value, dict):
        raise ValueError(f"{where}: expected a mapping with keys {list(allowed)}, "
                         f"got {type(value).__name__} {short(value)}")
    unknown = [k for k in value if k not in allowed]
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {unknown}; allowed: {list(allowed)}")
    return value


def _number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        raise ValueError(f"{where} = {short(value)} must be a finite number")
    return float(value)


@dataclass
class GradeConfig:
    """Grades in priority order, with limits in SI; columns of the EOL table and their units.

    ``limit_units`` holds the unit each quantity's limits were written in (for messages).
    """

    grades: list[dict]
    reject: str = "reject"
    columns: dict = field(default_factory=dict)  # quantity -> (column name, unit)
    outlier_threshold: float = 3.5
    batch_column: str | None = None
    id_column: str = "cell_id"
    limit_units: dict = field(default_factory=dict)

    @classmethod
    def from_dict(cls, raw, source: str = "<dict>") -> GradeConfig:
        """Check and convert a configuration: known keys only, units that measure their
        quantity (from the spec), finite limits with min below max, unique grade names,
        every limited quantity read from a column."""
        raw = _mapping(raw, source, CONFIG_KEYS)
        columns = {}
        for quantity, entry in _mapping(raw.get("columns") or {}, f"{source}: columns",
                                        SPEC_KEYS).items():
            where = f"{source}: columns.{quantity}"
            entry = _mapping(entry, where, ("column", "unit"))
            if not isinstance(entry.get("column"), str) or not entry["column"]:
                raise ValueError(f"{where}: 'column' must name a CSV column, got "
                                 f"{short(entry.get('column'))}")
            unit = entry.get("unit", spec_parameter(quantity).display_unit)
            columns[quantity] = (entry["column"], check_unit(quantity, unit, f"{where}.unit"))
        units = {}
        for quantity, unit in _mapping(raw.get("units") or {}, f"{source}: units",
                                       SPEC_KEYS).items():
            units[quantity] = check_unit(quantity, unit, f"{source}: units.{quantity}")
        for quantity, (_, unit) in columns.items():
            units.setdefault(quantity, unit)
        reject = raw.get("reject", "reject")
        if not isinstance(reject, str | int) or isinstance(reject, bool) or str(reject) == "":
            raise ValueError(f"{source}: reject = {short(reject)} must be a grade name")
        grades = _grades(raw.get("grades"), source, columns, units, str(reject))
        outliers = _mapping(raw.get("self_discharge_outliers") or {},
                            f"{source}: self_discharge_outliers", ("threshold", "batch_column"))
        if outliers and "k_value" not in columns:
            raise ValueError(f"{source}: self_discharge_outliers needs columns.k_value")
        threshold = _number(outliers.get("threshold", 3.5),
                            f"{source}: self_discharge_outliers.threshold")
        if threshold <= 0:
            raise ValueError(f"{source}: self_discharge_outliers.threshold = {threshold} "
                             "[1] is outside the allowed range (0, inf)")
        batch, id_column = outliers.get("batch_column"), raw.get("id_column", "cell_id")
        for name, value in (("self_discharge_outliers.batch_column", batch),
                            ("id_column", id_column)):
            if value is not None and not isinstance(value, str):
                raise ValueError(f"{source}: {name} = {short(value)} must name a CSV column")
        return cls(grades, str(reject), columns, threshold, batch, id_column, units)

    @classmethod
    def load(cls, path: str | Path) -> GradeConfig:
        """Read a GRADES.yaml (UTF-8); every problem is a ValueError naming the file."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
                             f"position {exc.start})") from exc
        except OSError as exc:
            raise ValueError(f"{path}: cannot read ({exc.strerror or exc})") from exc
        try:
            raw = yaml.safe_load(text)
        except (yaml.YAMLError, RecursionError) as exc:
            raise ValueError(f"{path}: not valid YAML ({short(str(exc))})") from exc
        return cls.from_dict(raw, str(path))


def _grades(raw, source: str, columns: dict, units: dict, reject: str) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        raise ValueError(f"{source}: grades must be a non-empty list, got {short(raw)}")
    grades, seen = [], set()
    for i, g in enumerate(raw):
        where = f"{source}: grades[{i}]"
        g = _mapping(g, where, ("name", *SPEC_KEYS))
        name = g.get("name")
        if name is None or isinstance(name, bool) or not isinstance(name, str | int):
            raise ValueError(f"{where} has no name")
        name = str(name)
        if name in seen or name == reject:
            raise ValueError(f"{where}: grade name {name!r} is used twice"
                             f"{' (it is the reject grade)' if name == reject else ''}")
        seen.add(name)
        limits = {}
        for quantity, bounds in g.items():
            if quantity == "name":
                continue
            at = f"{source}: grade {name}: {quantity}"
            bounds = _mapping(bounds, at, BOUND_KEYS)
            if not bounds:
                raise ValueError(f"{at}: give min and/or max")
            if quantity not in columns:
                raise ValueError(f"{at}: no column is configured for {quantity} "
                                 f"(columns.{quantity}), so this limit could not be applied")
            values = {side: _number(v, f"{at}.{side}") for side, v in bounds.items()}
            if "min" in values and "max" in values and not values["min"] < values["max"]:
                raise ValueError(f"{at}: min = {values['min']:g} must be below "
                                 f"max = {values['max']:g} [{unit_symbol(units[quantity])}]")
            limits[quantity] = {side: to_si(v, units[quantity]) for side, v in values.items()}
        grades.append({"name": name, "limits": limits})
    return grades


def self_discharge_rate(ocv_start, ocv_end, aging_time):
    """k value ``(OCV_start - OCV_end) / aging_time`` [V/s] from OCV [V] and aging time [s]."""
    aging_time = np.asarray(aging_time, dtype=float)
    if np.any(aging_time <= 0):
        raise ValueError("aging_time [s] must be > 0")
    return (np.asarray(ocv_start, dtype=float) - np.asarray(ocv_end, dtype=float)) / aging_time


def min_detectable_rate(voltage_resolution: float, aging_time):
    """Smallest k resolvable by two OCV readings: ``resolution / aging_time`` [V/s]."""
    return voltage_resolution / np.asarray(aging_time, dtype=float)


@cites(IGLEWICZ_HOAGLIN_1993)
def robust_z(values, groups=None) -> np.ndarray:
    """Modified z-score ``0.6745 (x - median) / MAD`` [1], per group if ``groups`` given.

    A group with MAD = 0 gets z = 0 where x equals the median and +-inf elsewhere.
    """
    x = pd.Series(np.asarray(values, dtype=float))
    keys = pd.Series(np.zeros(len(x)) if groups is None else np.asarray(groups))
    median = x.groupby(keys).transform("median")
    mad = (x - median).abs().groupby(keys).transform("median")
    dev = (x - median).to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(mad.to_numpy() > 0, 0.6745 * dev / mad.to_numpy(),
                     np.where(dev == 0, 0.0, np.sign(dev) * np.inf))
    return z


def self_discharge_outliers(k_values, *, threshold: float = 3.5, groups=None) -> np.ndarray:
    """Cells whose k value is a high-side robust outlier within their batch [bool]."""
    return robust_z(k_values, groups) > threshold


def numeric_column(table: pd.DataFrame, column: str) -> np.ndarray:
    """A column as floats; a cell that is not a number is a ValueError naming it."""
    raw = table[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    bad = np.isnan(values) & raw.notna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"column {column!r}, row {i + 1}: {raw.iloc[i]!r} is not a number "
                         f"({int(bad.sum())} such cells)")
    return values


def _measurements(table: pd.DataFrame, config: GradeConfig) -> dict[str, np.ndarray]:
    """Each configured quantity in SI; a missing column or a non-number is a ValueError."""
    out = {}
    for quantity, (column, unit) in config.columns.items():
        if column not in table:
            raise ValueError(f"EOL table has no column {column!r} (for {quantity}); "
                             f"columns are {list(table.columns)}")
        out[quantity] = to_si(numeric_column(table, column), unit)
    return out


def _check_ids(table: pd.DataFrame, config: GradeConfig) -> None:
    for column in (config.batch_column,):
        if column is not None and column not in table:
            raise ValueError(f"EOL table has no column {column!r} (batch_column); "
                             f"columns are {list(table.columns)}")
    if config.id_column in table:
        require_unique_ids(table[config.id_column], config.id_column)


def require_unique_ids(ids: pd.Series, column: str) -> None:
    """Every cell id once: a repeated id makes a grade or a module ambiguous."""
    repeated = ids[ids.duplicated(keep=False)]
    if len(repeated):
        first = repeated.iloc[0]
        rows = [int(i) + 1 for i in np.flatnonzero((ids == first).to_numpy())]
        raise ValueError(f"column {column!r}: cell id {first!r} appears {len(rows)} times "
                         f"(data rows {rows}); {repeated.nunique()} id(s) repeat")


def physical_problems(values: dict[str, np.ndarray], units: dict[str, str]) -> list[list[str]]:
    """Per cell, the measurements that cannot be real: infinite, or outside the spec's
    physical range (a negative capacity or resistance); ``units`` for the messages."""
    n = len(next(iter(values.values()))) if values else 0
    problems: list[list[str]] = [[] for _ in range(n)]
    for quantity, v in values.items():
        parameter, unit = spec_parameter(quantity), units.get(quantity)
        unit = unit or parameter.display_unit
        physical = parameter.physical
        for i in np.flatnonzero(np.isinf(v)):
            problems[i].append(f"{quantity} = {v[i]} is not a finite measurement")
        if physical is None:
            continue
        for i in np.flatnonzero(np.isfinite(v) & ~_inside(v, physical)):
            problems[i].append(
                f"{quantity} = {from_si(v[i], unit):.6g} {unit_symbol(unit)} is outside "
                f"the physical range {physical.interval()} {parameter.unit} ({physical.source})")
    return problems


def _inside(v: np.ndarray, physical) -> np.ndarray:
    ok = np.ones(v.shape, dtype=bool)
    if physical.lower is not None:
        ok &= v >= physical.lower if physical.lower_inclusive else v > physical.lower
    if physical.upper is not None:
        ok &= v <= physical.upper if physical.upper_inclusive else v < physical.upper
    return ok


def grade_cells(table: pd.DataFrame, config: GradeConfig) -> pd.DataFrame:
    """Grade every cell; adds ``grade``, ``reasons`` and ``self_discharge_outlier`` columns.

    A cell with a measurement that cannot be real (infinite, or outside the spec's
    physical range, e.g. a negative capacity) gets the reject grade with that reason,
    whatever its other values; a missing measurement is a reject reason too.
    """
    values = _measurements(table, config)
    _check_ids(table, config)
    n = len(table)
    physical = physical_problems(values, config.limit_units)
    real = np.array([not p for p in physical], dtype=bool)
    grade = np.full(n, config.reject, dtype=object)
    assigned = np.zeros(n, dtype=bool)
    for g in config.grades:
        ok = real.copy()
        for quantity, bounds in g["limits"].items():
            v = values[quantity]
            ok &= np.isfinite(v)
            if "min" in bounds:
                ok &= v >= bounds["min"]
            if "max" in bounds:
                ok &= v <= bounds["max"]
        new = ok & ~assigned
        grade[new] = g["name"]
        assigned |= new
    out = table.copy()
    out["grade"] = grade
    reasons = _reasons(values, config, assigned)
    out["reasons"] = ["; ".join(p + ([r] if r else [])) for p, r in zip(physical, reasons,
                                                                        strict=True)]
    if "k_value" in values:
        groups = table[config.batch_column] if config.batch_column else None
        k = np.where(real, values["k_value"], np.nan)
        out["self_discharge_outlier"] = self_discharge_outliers(
            k, threshold=config.outlier_threshold, groups=groups)
    return out


def _reasons(values, config, assigned) -> list[str]:
    """Why an ungraded cell failed the loosest (last) grade; empty for graded cells."""
    n = len(assigned)
    last = config.grades[-1]["limits"]
    reasons = [[] for _ in range(n)]
    for quantity in config.columns:
        v = values[quantity]
        unit = config.limit_units.get(quantity) or spec_parameter(quantity).display_unit
        for i in np.flatnonzero(~assigned & np.isnan(v)):
            reasons[i].append(f"missing {quantity}")
        bounds = last.get(quantity, {})
        for side, word, fails in (("min", "below", np.less), ("max", "above", np.greater)):
            if side in bounds:
                limit = from_si(bounds[side], unit)
                for i in np.flatnonzero(~assigned & np.isfinite(v) & fails(v, bounds[side])):
                    reasons[i].append(f"{quantity} {word} {limit:.6g} {unit_symbol(unit)}")
    return ["; ".join(r) for r in reasons]


def resistance_spread(resistance) -> dict:
    """Width of the cell-resistance distribution: IQR and sample standard deviation [ohm]."""
    r = np.asarray(resistance, dtype=float)
    r = r[np.isfinite(r)]
    if r.size == 0:
        return {"n": 0, "median": float("nan"), "iqr": float("nan"), "std": float("nan")}
    q1, median, q3 = np.quantile(r, [0.25, 0.5, 0.75])
    return {"n": int(r.size), "median": float(median), "iqr": float(q3 - q1),
            "std": float(r.std(ddof=1)) if r.size > 1 else float("nan")}


def step_yields(results: pd.DataFrame, *, cell="cell_id", step="step", passed="passed") -> dict:
    """Yield per step and first-pass yield from one row per (cell, step, attempt).

    Step yield = cells that finally passed the step / cells that entered it; step
    first-pass yield = cells passing at their first attempt / cells that entered; the
    line's first-pass yield = cells that passed every step they entered at the first try.
    """
    df = results[[cell, step, passed]].copy()
    df[passed] = df[passed].astype(bool)
    first = df.groupby([cell, step], sort=False).head(1)
    final = df.groupby([cell, step], sort=False)[passed].any().reset_index()
    per_step = {}
    for name, group in final.groupby(step, sort=False):
        firsts = first[first[step] == name]
        per_step[str(name)] = {"entered": int(len(group)), "passed": int(group[passed].sum()),
                               "yield": float(group[passed].mean()),
                               "first_pass_yield": float(firsts[passed].mean())}
    cells_first_ok = first.groupby(cell)[passed].all()
    return {"steps": per_step, "first_pass_yield": float(cells_first_ok.mean()),
            "rolled_throughput_yield": float(np.prod([s["first_pass_yield"]
                                                      for s in per_step.values()]))}


def energy_per_kwh(process_energy, cell_energy) -> float:
    """Process energy per energy stored in the good cells produced [J/J = kWh/kWh]."""
    produced = float(np.nansum(cell_energy))
    if produced <= 0:
        raise ValueError(f"cell energy produced = {produced} [J] must be > 0")
    return float(np.nansum(process_energy)) / produced
