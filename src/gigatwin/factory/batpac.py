"""BatPaC's per-process plant inputs: capital, direct labour and floor area from rates.

BatPaC (Nelson et al. 2012, ANL-12/55, chapter 6; Knehr et al. 2022, ANL/CSE-22/1, for
BatPaC 5.0) sizes a cell plant from a baseline plant: each process has an installed capital
C0, direct labour L0 [person-hours/yr] and plant area A0 at a baseline processing rate R0,
and scales to another plant's rate R as

    X = X0 (R / R0)^p          (X = C, L or A, each with its own exponent p)

with R the process's own rate basis (cells, coated electrode area, active material, NMP
evaporated or energy per year; BatPaC 2012's dry-room control: the dry-room floor area).

Two editions are shipped as data, each with its source and our reading of it:

- "2012" (``data/batpac_baseline.yaml``, kept by the reference plants): BatPaC 2012's 6 GWh/yr baseline as
  ported in BattModels/BatteryCost. Coating capital also x (solvent evaporated per m^2 /
  baseline)^0.2, stacking and formation capital x 1.1 for cells above 80 Ah, and the
  dry-room area is the sum of the areas of the processes run in the dry room (stacking,
  welding, insertion, filling and sealing, a third of materials handling).
- "5.0" (``data/batpac5_baseline.yaml``, the default for new plants): BatPaC 5.0's (2022) 50 GWh/yr baseline, as
  transcribed in batpy 0.3.0. Coating capital x (solvent per m^2 / baseline)^0.2 per
  electrode; stacking and formation rates x (Q / 68 Ah)^p; the dry room is a process of its
  own; notching, X-ray inspection and a total formation process (aging included) are new.

A plant picks an edition with ``batpac: {edition: "5.0"}`` (plant level) and a step opts in
with

    batpac: {processes: [cathode_coating, anode_coating], capital_factor: 1.0,
             area_factor: 1.0, rate_factor: 1.0}

where the factors are scenario hooks (1.0 in the reference plants); ``rate_factor``
multiplies the equipment demand R (a process twice as fast: 0.5), because BatPaC's rate
law does not see process times.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from gigatwin.checks import require_range
from gigatwin.citations import cites
from gigatwin.factory.plant import BATPAC_EDITIONS, DEFAULT_BATPAC_EDITION, rebuilt
from gigatwin.factory.schema import PlantError
from gigatwin.factory.sources import BILLS_BATTERYCOST, GINSTER_BATPY, KNEHR_2022, NELSON_2012
from gigatwin.units import parse_quantity, to_si

DATA_DIR = Path(__file__).parent / "data"
# the plant schema's choices ("2012", "5.0"), each with its data file
EDITIONS = dict(zip(BATPAC_EDITIONS, (DATA_DIR / "batpac_baseline.yaml",
                                      DATA_DIR / "batpac5_baseline.yaml"), strict=True))
DEFAULT_EDITION = DEFAULT_BATPAC_EDITION
RATE_BASES = ("energy", "cells", "electrode_area", "cathode_area", "anode_area",
              "cathode_active", "anode_active", "nmp_evaporated", "dry_room_area")
# area rate bases -> the cell field whose coated area they count (2012's electrode_area is
# the cathode's, as in the port)
AREA_FIELDS = {"electrode_area": "cathode_area", "cathode_area": "cathode_area",
               "anode_area": "anode_area"}
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
class CoatingSolvent:
    """A coating process whose capital scales with the solvent it evaporates per m^2."""

    electrode: str  # "cathode" or "anode": whose solvent
    area_basis: str  # the rate basis whose area the solvent is spread over
    baseline: float  # [kg/m^2] solvent per m^2 at the baseline plant


@dataclass(frozen=True)
class Baseline:
    """One edition of BatPaC's baseline plant (see the data files for sources)."""

    edition: str
    processes: dict[str, Process]
    rates: dict[str, float]  # per year, SI (kWh as J, m^2, kg, cells)
    coating_solvent_exponent: float
    coating_solvent: dict[str, CoatingSolvent]
    large_cell_capacity: float  # [A s] (inf: no large-cell rule)
    large_cell_capital_factor: float
    large_cell_processes: tuple[str, ...]
    baseline_capacity: float  # [A s] for capacity_exponents (nan: none)
    capacity_exponents: dict[str, float]  # rate x (Q / baseline_capacity)^p
    dry_room_shares: dict[str, float]  # share of each process's area inside the dry room
    source: str
    translations: dict[str, dict[str, tuple[str, ...]]]  # {from edition: {process: processes}}


def edition_of(plant) -> str:
    """The BatPaC edition a plant asks for (``batpac.edition``, default 5.0)."""
    return plant.batpac.edition


def _known_edition(edition: str, what: str) -> str:
    if edition not in EDITIONS:
        raise PlantError(f"{what} {edition!r} unknown; allowed: {', '.join(EDITIONS)}")
    return edition


@lru_cache(maxsize=4)
def load_baseline(edition: str = DEFAULT_EDITION, path: str | None = None) -> Baseline:
    """A BatPaC baseline table: ``edition`` "2012" (``data/batpac_baseline.yaml``) or "5.0"
    (``data/batpac5_baseline.yaml``), or the file at ``path``."""
    if path is None and edition not in EDITIONS:
        raise ValueError(f"BatPaC edition {edition!r} unknown; allowed: {', '.join(EDITIONS)}")
    where = Path(path) if path else EDITIONS[edition]
    raw = yaml.safe_load(where.read_text(encoding="utf-8"))
    processes = {}
    for name, row in raw["processes"].items():
        lab, p_lab, cap, p_cap, area, p_area, basis = row
        if basis not in RATE_BASES:
            raise ValueError(f"{where}: process {name!r} has rate basis {basis!r}; "
                             f"allowed: {', '.join(RATE_BASES)}")
        processes[name] = Process(name, float(lab), float(p_lab), float(cap) * 1e6, float(p_cap),
                                  float(area), float(p_area), basis)
    rates = {k: _per_year(v) for k, v in raw["baseline_rates"].items()}
    special = raw.get("special") or {}
    if "dry_room_baseline_area" in special:
        rates["dry_room_area"] = _si(special["dry_room_baseline_area"])  # [m^2], not per year
    shares = {name: float(f) for name, f in (special.get("dry_room_processes") or {}).items()}
    large = special.get("large_cell") or {}
    scaling = special.get("capacity_scaling") or {}
    solvent = special.get("coating_solvent") or {}
    coating = {name: _coating_solvent(spec, rates, where, name)
               for name, spec in (solvent.get("processes") or {}).items()}
    translations = {}
    for key, table in raw.items():
        if key.startswith("from_"):
            translations[key[len("from_"):]] = {old: tuple(new) for old, new in table.items()}
    targets = [n for table in translations.values() for new in table.values() for n in new]
    named = [*shares, *large.get("processes", ()), *scaling.get("exponents", {}), *coating,
             *targets]
    unknown = [n for n in named if n not in processes]
    if unknown:
        raise ValueError(f"{where}: special lists unknown process(es) {unknown}")
    return Baseline(
        edition=str(raw.get("edition", edition if path is None else where.name)),
        processes=processes, rates=rates,
        coating_solvent_exponent=float(solvent.get("exponent", 0.0)), coating_solvent=coating,
        large_cell_capacity=_si(large["capacity"]) if large else float("inf"),
        large_cell_capital_factor=float(large.get("capital_factor", 1.0)),
        large_cell_processes=tuple(large.get("processes", ())),
        baseline_capacity=_si(scaling["baseline_capacity"]) if scaling else float("nan"),
        capacity_exponents={k: float(v) for k, v in (scaling.get("exponents") or {}).items()},
        dry_room_shares=shares, source=str(raw["source"]), translations=translations)


def _coating_solvent(spec: dict, rates: dict[str, float], where: Path, name: str) -> CoatingSolvent:
    """Baseline solvent per m^2: given (``baseline``) or the ratio of two baseline rates."""
    if spec["area_basis"] not in RATE_BASES:
        raise ValueError(f"{where}: coating_solvent.{name}.area_basis {spec['area_basis']!r}; "
                         f"allowed: {', '.join(RATE_BASES)}")
    if "baseline" in spec:
        per_m2 = _si(spec["baseline"])
    else:
        per_m2 = rates[spec["baseline_solvent"]] / rates[spec["area_basis"]]
    return CoatingSolvent(str(spec["electrode"]), str(spec["area_basis"]), per_m2)


def _si(text: str) -> float:
    magnitude, unit = parse_quantity(text)
    return float(to_si(magnitude, unit))


def _per_year(text: str) -> float:
    return _si(text) * YEAR


@cites(NELSON_2012, BILLS_BATTERYCOST, KNEHR_2022)
def rate_law(baseline_value, rate, baseline_rate, exponent):
    """BatPaC rate scaling X = X0 (R / R0)^p.

    baseline_value [USD, h/yr or m^2] X0 at the baseline rate; rate, baseline_rate [any
    per-year unit, the same for both] R and R0; exponent [1] p (BatPaC 2012: 0.4-0.8;
    BatPaC 5.0: 0.5-0.95, and 0 for the dry room's labour, which does not grow with the
    plant). Valid for R/R0 of about 0.1-10 (BatPaC's own caution on extrapolating the
    baseline plant).
    """
    require_range("rate exponent", exponent, unit="1", ge=0, le=1.5)
    require_range("rate", rate, unit="per year", ge=0)
    require_range("baseline rate", baseline_rate, unit="per year", gt=0)
    return baseline_value * (np.asarray(rate, dtype=float) / baseline_rate) ** exponent


def plant_rates(cell, cells_per_year: float, energy_per_year: float,
                active_fractions: tuple[float, float],
                baseline: Baseline | None = None) -> dict[str, float]:
    """A step's rates on BatPaC's bases, per year (the dry-room area in m^2).

    cell: the plant's :class:`~gigatwin.factory.plant.Cell`; cells_per_year [1/yr] entering the
    step; energy_per_year [J/yr] of good cells; active_fractions [1] of the cathode and anode
    dry coatings. Coated areas count both faces of the foil (BatPaC's electrode area); the
    2012 edition's ``electrode_area`` is the cathode's, as in the port.
    """
    baseline = baseline or load_baseline()
    f_cat, f_an = active_fractions
    rates = {
        "cells": cells_per_year,
        "energy": energy_per_year,
        "electrode_area": cells_per_year * _coated_area(cell, "electrode_area"),
        "cathode_area": cells_per_year * _coated_area(cell, "cathode_area"),
        "anode_area": cells_per_year * _coated_area(cell, "anode_area"),
        "cathode_active": cells_per_year * cell.cathode_coating_mass * f_cat,
        "anode_active": cells_per_year * cell.anode_coating_mass * f_an,
        "nmp_evaporated": cells_per_year * cell.nmp_mass(),
    }
    if baseline.dry_room_shares:
        rates["dry_room_area"] = dry_room_area(rates, baseline)
    return rates


def _coated_area(cell, basis: str) -> float:
    """Coated area per cell [m^2], both faces, on an area rate basis."""
    return 2.0 * getattr(cell, AREA_FIELDS[basis])


@cites(NELSON_2012, BILLS_BATTERYCOST)
def dry_room_area(rates: dict[str, float], baseline: Baseline) -> float:
    """BatPaC 2012's dry-room floor area [m^2] at these rates.

    A = sum_k s_k A0_k (R_k / R0_k)^p_k over the processes run in the dry room (stacking,
    welding, insertion into container, filling and sealing: s = 1; inter-process materials
    handling: s = 1/3), as in the BatPaC port (BattModels/BatteryCost ``cell_assembly``).
    All at the one set of rates given (the port, too, uses one cell count for all of them).
    BatPaC 5.0 has no such rule: its dry room is a process with its own area.
    """
    total = 0.0
    for name, share in baseline.dry_room_shares.items():
        p = baseline.processes[name]
        total += share * float(rate_law(p.area, rates[p.rate_basis], baseline.rates[p.rate_basis],
                                        p.area_exponent))
    return total


def coating_solvent_factor(process: str, cell, baseline: Baseline) -> float:
    """(solvent evaporated per m^2 / baseline)^p for the coating processes, else 1.

    A solvent-free coating (dry coating scenario) keeps the factor 1: its capital change is
    the scenario's own ``capital_factor``, not an extrapolation of this law to zero.
    """
    spec = baseline.coating_solvent.get(process)
    if spec is None:
        return 1.0
    area = _coated_area(cell, spec.area_basis)
    per_m2 = cell.solvent_mass(spec.electrode) / area if area > 0 else 0.0
    if per_m2 <= 0:
        return 1.0
    return float((per_m2 / spec.baseline) ** baseline.coating_solvent_exponent)


@cites(NELSON_2012, BILLS_BATTERYCOST, KNEHR_2022, GINSTER_BATPY)
def step_inputs(spec, cell, rates: dict[str, float], here: str,
                baseline: Baseline | None = None) -> tuple[float, float, float]:
    """Capital [USD], direct labour [h/yr] and area [m^2] of a step made of BatPaC processes.

    Each process: X = X0 (R'/R0)^p with R' = R x rate_factor x (Q/Q0)^q for the processes
    BatPaC 5.0 scales with cell capacity Q (stacking q = 0.95, formation q = 0.3, Q0 = 68 Ah);
    coating capital x (solvent per m^2 / baseline)^0.2; BatPaC 2012 stacking and formation
    capital x 1.1 above 80 Ah; then the scenario's capital_factor and area_factor.
    """
    baseline = baseline or load_baseline()
    names = spec.processes
    unknown = [n for n in names if n not in baseline.processes]
    if unknown:
        raise PlantError(f"{here}.batpac: unknown process(es) {unknown} in BatPaC "
                         f"{baseline.edition}; known: {', '.join(baseline.processes)}")
    capital_factor, area_factor = spec.capital_factor, spec.area_factor
    rate_factor = spec.rate_factor
    capital = labour = area = 0.0
    for name in names:
        p = baseline.processes[name]
        if p.rate_basis not in rates:
            raise PlantError(f"{here}.batpac: process {name!r} scales with {p.rate_basis}, "
                             f"which a gigatwin plant does not provide")
        if p.rate_basis in AREA_FIELDS and rates[p.rate_basis] <= 0 < rates.get("cells", 0.0):
            raise PlantError(f"{here}.batpac: process {name!r} (BatPaC {baseline.edition}) "
                             f"scales with the coated {p.rate_basis}, but "
                             f"cell.{AREA_FIELDS[p.rate_basis]} is 0 m^2; allowed: > 0 m^2")
        r, r0 = rates[p.rate_basis] * rate_factor, baseline.rates[p.rate_basis]
        if name in baseline.capacity_exponents:
            r *= (cell.capacity / baseline.baseline_capacity) ** baseline.capacity_exponents[name]
        c = float(rate_law(p.capital, r, r0, p.capital_exponent))
        c *= coating_solvent_factor(name, cell, baseline)
        if name in baseline.large_cell_processes and cell.capacity > baseline.large_cell_capacity:
            c *= baseline.large_cell_capital_factor
        capital += c * capital_factor
        labour += float(rate_law(p.labour_hours, r, r0, p.labour_exponent))
        area += float(rate_law(p.area, r, r0, p.area_exponent)) * area_factor
    return capital, labour, area


def sized_by_batpac(plant) -> bool:
    """Whether any step of the plant takes its capital, labour and area from BatPaC."""
    return any(step.batpac for step in plant.steps)


def with_edition(plant, edition: str):
    """The plant evaluated on another BatPaC edition: each step's processes replaced by the
    target edition's equivalents (its ``from_<edition>`` table), factors kept. A step whose
    processes all fall inside other processes there (BatPaC 5.0 counts aging in formation)
    keeps no BatPaC inputs; the assumptions say which."""
    here = str(plant.path)
    source = edition_of(plant)
    _known_edition(edition, f"{here}: BatPaC edition")
    if edition == source:
        return plant
    table = load_baseline(edition).translations.get(source)
    if table is None:
        raise PlantError(f"{here}: no translation of BatPaC {source} processes to {edition}")
    if not sized_by_batpac(plant):
        return plant
    notes, steps = [], []
    for step in plant.steps:
        spec = step.batpac
        if not spec:
            steps.append(step)
            continue
        where = f"{here}: step {step.name!r}.batpac"
        missing = [n for n in spec.processes if n not in table]
        if missing:
            raise PlantError(f"{where}: BatPaC {source} process(es) {missing} have no "
                             f"BatPaC {edition} equivalent")
        new = [m for n in spec.processes for m in table[n]]
        if new:
            steps.append(dataclasses.replace(
                step, batpac=dataclasses.replace(spec, processes=tuple(dict.fromkeys(new)))))
        else:  # no inputs at all: per-unit values, ignored next to batpac, must not return
            steps.append(dataclasses.replace(step, batpac=None, unit_capital_usd=0.0,
                                             operators_per_unit=0.0, footprint=0.0))
            notes.append(step.name)
    assumptions = [*plant.assumptions,
                   f"Capital, labour and area from BatPaC {edition} (translated from "
                   f"the plant's BatPaC {source} processes)."
                   + (f" No BatPaC {edition} inputs of their own: {', '.join(notes)}"
                      f" (counted in another process)." if notes else "")]
    return rebuilt(plant, name=f"{plant.name} [BatPaC {edition}]", steps=steps,
                   batpac=dataclasses.replace(plant.batpac, edition=edition),
                   assumptions=assumptions)


def active_fractions(plant) -> tuple[float, float]:
    """Cathode and anode active-material fractions from the plant's ``batpac`` entry."""
    spec = plant.batpac
    out = []
    for key in ("cathode_active_fraction", "anode_active_fraction"):
        if getattr(spec, key) is None:
            raise PlantError(f"{plant.path}: batpac.{key} is required when steps use BatPaC "
                             f"processes that scale with active material ([1] in (0, 1])")
        out.append(getattr(spec, key))
    return out[0], out[1]
