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

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from gigatwin.citations import Citation, cites
from gigatwin.units import to_si

IGLEWICZ_HOAGLIN_1993 = Citation(
    key="iglewicz1993",
    authors="Iglewicz, B., Hoaglin, D.C.",
    title="How to Detect and Handle Outliers",
    venue="ASQC Quality Press, Milwaukee (ASQC Basic References in Quality Control 16)",
    year=1993,
)

QUANTITIES = {"capacity": "C", "dcir": "ohm", "k_value": "V/s"}


@dataclass
class GradeConfig:
    """Grades in priority order, with limits in SI; columns of the EOL table and their units."""

    grades: list[dict]
    reject: str = "reject"
    columns: dict = field(default_factory=dict)  # quantity -> (column name, unit)
    outlier_threshold: float = 3.5
    batch_column: str | None = None

    @classmethod
    def from_dict(cls, raw: dict, source: str = "<dict>") -> GradeConfig:
        columns = {}
        for quantity, spec in (raw.get("columns") or {}).items():
            if quantity not in QUANTITIES:
                raise ValueError(f"{source}: columns: unknown quantity {quantity!r}; "
                                 f"choose from {sorted(QUANTITIES)}")
            columns[quantity] = (spec["column"], spec.get("unit", QUANTITIES[quantity]))
        units = {q: (raw.get("units") or {}).get(q, QUANTITIES[q]) for q in QUANTITIES}
        grades = []
        for i, g in enumerate(raw.get("grades") or []):
            if "name" not in g:
                raise ValueError(f"{source}: grades[{i}] has no name")
            limits = {}
            for quantity, bounds in g.items():
                if quantity == "name":
                    continue
                if quantity not in QUANTITIES:
                    raise ValueError(f"{source}: grade {g['name']}: unknown quantity {quantity!r}")
                limits[quantity] = {side: to_si(float(v), units[quantity])
                                    for side, v in bounds.items() if side in ("min", "max")}
            grades.append({"name": str(g["name"]), "limits": limits})
        if not grades:
            raise ValueError(f"{source}: no grades defined")
        outliers = raw.get("self_discharge_outliers") or {}
        return cls(grades, str(raw.get("reject", "reject")), columns,
                   float(outliers.get("threshold", 3.5)), outliers.get("batch_column"))

    @classmethod
    def load(cls, path: str | Path) -> GradeConfig:
        return cls.from_dict(yaml.safe_load(Path(path).read_text(encoding="utf-8")), str(path))


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


def _measurements(table: pd.DataFrame, config: GradeConfig) -> dict[str, np.ndarray]:
    out = {}
    for quantity, (column, unit) in config.columns.items():
        if column not in table:
            raise ValueError(f"EOL table has no column {column!r} (for {quantity}); "
                             f"columns are {list(table.columns)}")
        out[quantity] = to_si(table[column].to_numpy(dtype=float), unit)
    return out


def grade_cells(table: pd.DataFrame, config: GradeConfig) -> pd.DataFrame:
    """Grade every cell; adds ``grade``, ``reasons`` and ``self_discharge_outlier`` columns."""
    values = _measurements(table, config)
    n = len(table)
    grade = np.full(n, config.reject, dtype=object)
    assigned = np.zeros(n, dtype=bool)
    for g in config.grades:
        ok = np.ones(n, dtype=bool)
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
    out["reasons"] = _reasons(values, config, assigned)
    if "k_value" in values:
        groups = table[config.batch_column] if config.batch_column else None
        out["self_discharge_outlier"] = self_discharge_outliers(
            values["k_value"], threshold=config.outlier_threshold, groups=groups)
    return out


def _reasons(values, config, assigned) -> list[str]:
    """Why an ungraded cell failed the loosest (last) grade; empty for graded cells."""
    n = len(assigned)
    last = config.grades[-1]["limits"]
    reasons = [[] for _ in range(n)]
    for quantity in config.columns:
        v = values[quantity]
        for i in np.flatnonzero(~assigned & ~np.isfinite(v)):
            reasons[i].append(f"missing {quantity}")
        bounds = last.get(quantity, {})
        if "min" in bounds:
            for i in np.flatnonzero(~assigned & (v < bounds["min"])):
                reasons[i].append(f"{quantity} below {bounds['min']:.6g} [{QUANTITIES[quantity]}]")
        if "max" in bounds:
            for i in np.flatnonzero(~assigned & (v > bounds["max"])):
                reasons[i].append(f"{quantity} above {bounds['max']:.6g} [{QUANTITIES[quantity]}]")
    return ["; ".join(r) for r in reasons]


def resistance_spread(resistance) -> dict:
    """Width of the cell-resistance distribution: IQR and sample standard deviation [ohm]."""
    r = np.asarray(resistance, dtype=float)
    r = r[np.isfinite(r)]
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
