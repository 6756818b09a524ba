"""BatPaC's per-process plant inputs: capital, direct labour and floor area from rates.

BatPaC (Nelson et al. 2012, ANL-12/55, chapter 6) sizes a cell plant from a baseline plant:
each process has an installed capital C0, direct labour L0 [person-hours/yr] and plant area
A0 at a baseline processing rate R0, and scales to another plant's rate R as

    X = X0 (R / R0)^p          (X = C, L or A, each with its own exponent p)

with R the process's own rate basis (cells, coated electrode area, active material, NMP
evaporated or energy per year; dry-room control: the dry-room floor area). Special cases (as
in the BatPaC port we read the data from): electrode coating capital also x (solvent
evaporated per m^2 / baseline)^0.2, stacking and formation capital x 1.1 for cells above
80 Ah, and the dry-room area is the sum of the areas of the processes run in the dry room
(stacking, welding, insertion, filling and sealing, a third of materials handling). The baseline table is data
(``data/batpac_baseline.yaml``, with its source). A plant step opts in with

    batpac: {processes: [cathode_coating, anode_coating], capital_factor: 1.0,
             area_factor: 1.0, rate_factor: 1.0}

where the factors are scenario hooks (1.0 in the reference plants); ``rate_factor``
multiplies the equipment demand R (a process twice as fast: 0.5), because BatPaC's rate
law does not see process times.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from gigatwin.checks import require_range
from gigatwin.citations import cites
from gigatwin.factory.plant import PlantError
from gigatwin.factory.sources import BILLS_BATTERYCOST, NELSON_2012
from gigatwin.units import parse_quantity, to_si

DATA = Path(__file__).parent / "data" / "batpac_baseline.yaml"
RATE_BASES = ("energy", "cells", "electrode_area", "cathode_active", "anode_active",
              "nmp_evaporated", "dry_room_area")
YEAR = 365.25 * 86400.0  # [s] pint's year, used to turn "x / yr" into per-year numbers


@dataclass(frozen=True)
class Process:
    """One BatPaC process at its baseline rate (capital USD, labour h/yr, area m^2)."""

    name: str
    labour_hours: float
    labour_exponent: float
    capital: float
    capital_exponent: float
    area: float
    area_exponent: float
    rate_basis: str


@dataclass(frozen=True)
class Baseline:
    processes: dict[str, Process]
    rates: dict[str, float]  # per year, SI (kWh as J, m^2, kg, cells)
    coating_solvent_exponent: float
    large_cell_capacity: float  # [A s]
    large_cell_capital_factor: float
    dry_room_shares: dict[str, float]  # share of each process's area inside the dry room
    source: str


@lru_cache(maxsize=2)
def load_baseline(path: str | None = None) -> Baseline:
    """The BatPaC baseline table (``data/batpac_baseline.yaml``)."""
    raw = yaml.safe_load(Path(path or DATA).read_text(encoding="utf-8"))
    processes = {}
    for name, row in raw["processes"].items():
        lab, p_lab, cap, p_cap, area, p_area, basis = row
        if basis not in RATE_BASES:
            raise ValueError(f"{path or DATA}: process {name!r} has rate basis {basis!r}; "
                             f"allowed: {', '.join(RATE_BASES)}")
        processes[name] = Process(name, float(lab), float(p_lab), float(cap) * 1e6, float(p_cap),
                                  float(area), float(p_area), basis)
    rates = {k: _per_year(v) for k, v in raw["baseline_rates"].items()}
    special = raw["special"]
    cap_mag, cap_unit = parse_quantity(special["large_cell_capacity"])
    area_mag, area_unit = parse_quantity(special["dry_room_baseline_area"])
    rates["dry_room_area"] = float(to_si(area_mag, area_unit))  # [m^2], not per year
    shares = {name: float(f) for name, f in special["dry_room_processes"].items()}
    unknown = [n for n in shares if n not in processes]
    if unknown:
        raise ValueError(f"{path or DATA}: special.dry_room_processes lists unknown {unknown}")
    return Baseline(processes, rates, float(special["coating_solvent_exponent"]),
                    float(to_si(cap_mag, cap_unit)), float(special["large_cell_capital_factor"]),
                    shares, str(raw["source"]))


def _per_year(text: str) -> float:
    magnitude, unit = parse_quantity(text)
    return float(to_si(magnitude, unit)) * YEAR


@cites(NELSON_2012, BILLS_BATTERYCOST)
def rate_law(baseline_value, rate, baseline_rate, exponent):
    """BatPaC rate scaling X = X0 (R / R0)^p.

    baseline_value [USD, h/yr or m^2] X0 at the baseline rate; rate, baseline_rate [any
    per-year unit, the same for both] R and R0; exponent [1] p (BatPaC 0.4-0.8). Valid for
    R/R0 of about 0.1-10 (BatPaC's own caution on extrapolating the baseline plant).
    """
    require_range("rate exponent", exponent, unit="1", gt=0, le=1.5)
    require_range("rate", rate, unit="per year", ge=0)
    require_range("baseline rate", baseline_rate, unit="per year", gt=0)
    return baseline_value * (np.asarray(rate, dtype=float) / baseline_rate) ** exponent


def plant_rates(cell, cells_per_year: float, energy_per_year: float,
                active_fractions: tuple[float, float],
                baseline: Baseline | None = None) -> dict[str, float]:
    """A step's rates on BatPaC's bases, per year (the dry-room area in m^2).

    cell: the plant's :class:`~gigatwin.factory.plant.Cell`; cells_per_year [1/yr] entering the
    step; energy_per_year [J/yr] of good cells; active_fractions [1] of the cathode and anode
    dry coatings. Coated area counts both faces of the foil (BatPaC's electrode area).
    """
    f_cat, f_an = active_fractions
    rates = {
        "cells": cells_per_year,
        "energy": energy_per_year,
        "electrode_area": cells_per_year * 2.0 * cell.cathode_area,
        "cathode_active": cells_per_year * cell.cathode_coating_mass * f_cat,
        "anode_active": cells_per_year * cell.anode_coating_mass * f_an,
        "nmp_evaporated": cells_per_year * cell.nmp_mass(),
    }
    rates["dry_room_area"] = dry_room_area(rates, baseline or load_baseline())
    return rates


@cites(NELSON_2012, BILLS_BATTERYCOST)
def dry_room_area(rates: dict[str, float], baseline: Baseline) -> float:
    """BatPaC's dry-room floor area [m^2] at these rates.

    A = sum_k s_k A0_k (R_k / R0_k)^p_k over the processes run in the dry room (stacking,
    welding, insertion into container, filling and sealing: s = 1; inter-process materials
    handling: s = 1/3), as in the BatPaC port (BattModels/BatteryCost ``cell_assembly``).
    All at the one set of rates given (the port, too, uses one cell count for all of them).
    """
    total = 0.0
    for name, share in baseline.dry_room_shares.items():
        p = baseline.processes[name]
        total += share * float(rate_law(p.area, rates[p.rate_basis], baseline.rates[p.rate_basis],
                                        p.area_exponent))
    return total


def coating_solvent_factor(process: str, cell, baseline: Baseline) -> float:
    """(solvent evaporated per m^2 / baseline)^0.2 for the coating processes, else 1.

    A solvent-free coating (dry coating scenario) keeps the factor 1: its capital change is
    the scenario's own ``capital_factor``, not an extrapolation of this law to zero.
    """
    if process not in ("cathode_coating", "anode_coating"):
        return 1.0
    electrode = "cathode" if process == "cathode_coating" else "anode"
    per_m2 = cell.solvent_mass(electrode) / (2.0 * cell.cathode_area)
    key = "nmp_evaporated" if electrode == "cathode" else "anode_solvent_evaporated"
    base = baseline.rates[key] / baseline.rates["electrode_area"]
    if per_m2 <= 0:
        return 1.0
    return float((per_m2 / base) ** baseline.coating_solvent_exponent)


def step_inputs(spec: dict, cell, rates: dict[str, float], here: str,
                baseline: Baseline | None = None) -> tuple[float, float, float]:
    """Capital [USD], direct labour [h/yr] and area [m^2] of a step made of BatPaC processes."""
    baseline = baseline or load_baseline()
    names = spec.get("processes")
    if not names:
        raise PlantError(f"{here}.batpac: 'processes' must list BatPaC processes")
    unknown = [n for n in names if n not in baseline.processes]
    if unknown:
        raise PlantError(f"{here}.batpac: unknown process(es) {unknown}; known: "
                         f"{', '.join(baseline.processes)}")
    capital_factor = float(spec.get("capital_factor", 1.0))
    area_factor = float(spec.get("area_factor", 1.0))
    rate_factor = float(spec.get("rate_factor", 1.0))
    for field, value in (("capital_factor", capital_factor), ("area_factor", area_factor),
                         ("rate_factor", rate_factor)):
        require_range(f"{here}.batpac.{field}", value, unit="1", gt=0, le=10)
    capital = labour = area = 0.0
    for name in names:
        p = baseline.processes[name]
        if p.rate_basis not in rates:
            raise PlantError(f"{here}.batpac: process {name!r} scales with {p.rate_basis}, "
                             f"which a gigatwin plant does not provide")
        r, r0 = rates[p.rate_basis] * rate_factor, baseline.rates[p.rate_basis]
        c = float(rate_law(p.capital, r, r0, p.capital_exponent))
        c *= coating_solvent_factor(name, cell, baseline)
        if name in ("cell_stacking", "formation_cycling") and (
                cell.capacity > baseline.large_cell_capacity):
            c *= baseline.large_cell_capital_factor
        capital += c * capital_factor
        labour += float(rate_law(p.labour_hours, r, r0, p.labour_exponent))
        area += float(rate_law(p.area, r, r0, p.area_exponent)) * area_factor
    return capital, labour, area


def active_fractions(plant_raw: dict, where: str) -> tuple[float, float]:
    """Cathode and anode active-material fractions from the plant's ``batpac`` entry."""
    spec = plant_raw.get("batpac") or {}
    out = []
    for key in ("cathode_active_fraction", "anode_active_fraction"):
        if key not in spec:
            raise PlantError(f"{where}: batpac.{key} is required when steps use BatPaC "
                             f"processes that scale with active material")
        out.append(require_range(f"batpac.{key}", float(spec[key]), unit="1", gt=0, le=1))
    return out[0], out[1]
