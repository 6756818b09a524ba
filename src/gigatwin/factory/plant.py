"""A cell plant as data: the cell, the calendar, the economics and the steps.

A plant file (YAML) is read by :func:`load_plant`. Dimensional values are strings pint
parses (``"50 m/min"``, ``"24 h"``, ``"600 m^2"``) and are converted to SI on load; money
is plain numbers in US dollars in fields ending in ``_usd``. Errors name the file, the
entry and the problem. See docs/factory.md for the full schema.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from gigatwin.units import UnitError, parse_quantity, same_dimension, to_si

STEP_KINDS = ("web", "batch", "discrete", "channels", "service")
ELECTRODES = ("cathode", "anode", "both")


class PlantError(ValueError):
    """A plant file that cannot be used; the message names the file, entry and problem."""


@dataclass
class Cell:
    """The cell made by the plant. SI units: A s, V, kg, m^2."""

    capacity: float  # [A s]
    nominal_voltage: float  # [V]
    mass: float = 0.0  # [kg]
    cathode_area: float = 0.0  # [m^2] foil area per cell, coated on both faces
    anode_area: float = 0.0  # [m^2]
    cathode_coating_mass: float = 0.0  # [kg] dry coating per cell
    anode_coating_mass: float = 0.0  # [kg]
    cathode_solids_fraction: float = 0.65  # [1] slurry solids mass fraction
    anode_solids_fraction: float = 0.50  # [1]
    cathode_solvent: str = "nmp"
    anode_solvent: str = "water"
    source: str = ""

    @property
    def energy(self) -> float:
        """Nominal energy per cell [J]."""
        return self.capacity * self.nominal_voltage

    def electrode_area(self, electrode: str) -> float:
        """Foil area per cell of ``electrode`` (cathode, anode or both) [m^2]."""
        if electrode == "both":
            return self.cathode_area + self.anode_area
        return self.cathode_area if electrode == "cathode" else self.anode_area

    def solvent_mass(self, electrode: str) -> float:
        """Solvent evaporated per cell when drying ``electrode`` [kg]."""
        def one(mass, solids):
            return mass * (1.0 - solids) / solids if solids < 1.0 else 0.0
        cath = one(self.cathode_coating_mass, self.cathode_solids_fraction)
        anod = one(self.anode_coating_mass, self.anode_solids_fraction)
        return {"cathode": cath, "anode": anod, "both": cath + anod}[electrode]

    def nmp_mass(self) -> float:
        """NMP evaporated per cell (cathode and anode slurries made with NMP) [kg]."""
        total = 0.0
        if self.cathode_solvent == "nmp":
            total += self.solvent_mass("cathode")
        if self.anode_solvent == "nmp":
            total += self.solvent_mass("anode")
        return total

    def slurry_mass(self, electrode: str) -> float:
        """Slurry (solids + solvent) per cell [kg]."""
        coat = {"cathode": self.cathode_coating_mass, "anode": self.anode_coating_mass,
                "both": self.cathode_coating_mass + self.anode_coating_mass}[electrode]
        return coat + self.solvent_mass(electrode)


@dataclass
class Calendar:
    days_per_year: float = 300.0
    shifts_per_day: float = 3.0
    hours_per_shift: float = 8.0  # [h] kept in hours: a calendar quantity

    @property
    def operating_seconds(self) -> float:
        """Operating time per year [s]."""
        return self.days_per_year * self.shifts_per_day * self.hours_per_shift * 3600.0


@dataclass
class Economics:
    """Plant-wide economic parameters (BatPaC logic, Nelson 2019, via Liu 2021)."""

    labour_rate_usd_per_hour: float = 15.0
    building_cost_usd_per_m2: float = 3000.0
    building_depreciation_rate: float = 0.05  # [1/yr]
    equipment_depreciation_rate: float = 0.167  # [1/yr], six-year life
    overhead_on_labour: float = 0.0  # BatPaC variable overhead 0.4 of direct labour
    overhead_on_depreciation: float = 0.0  # BatPaC 0.2 of depreciation
    electricity_usd_per_kwh: float = 0.0
    heat_usd_per_kwh: float = 0.0
    materials_usd_per_cell: float = 0.0  # bill of materials of one good cell, before scrap


@dataclass
class Step:
    """One step of the plant: equipment, rate, costs and energy (all SI, money in USD)."""

    name: str
    kind: str
    lot_cells: float = 1.0  # cells per lot (batch, coil, magazine, rack)
    lot_time: float = 1.0  # [s] time one unit needs for one lot
    electrode: str = "both"
    units: int | None = None  # fixed number of units (otherwise sized from output)
    yield_fraction: float = 1.0
    mtbf: float | None = None  # [s] of operating time
    mttr: float | None = None  # [s]
    changeover_time: float = 0.0  # [s]
    changeover_every: int = 0  # lots between changeovers (0: none)
    buffer_lots: float = 4.0  # input buffer size in lots of this step (DES)
    unit_capital_usd: float = 0.0
    capital_exponent: float = 1.0
    operators_per_unit: float = 0.0  # per shift
    labour_exponent: float = 1.0
    footprint: float = 0.0  # [m^2] per unit
    area_exponent: float = 1.0
    electric_power: float = 0.0  # [W] per unit while processing
    thermal_power: float = 0.0  # [W] per unit while processing
    electric_energy_per_cell: float = 0.0  # [J]
    thermal_energy_per_cell: float = 0.0  # [J]
    dryer: dict | None = None  # see energy.dryer_power
    nmp_recovery: dict | None = None  # see energy.nmp_recovery_power
    dry_room: dict | None = None  # see energy.dry_room_power
    reference_output: float | None = None  # [J/s] service capital scale reference
    source: str = ""
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def availability(self) -> float:
        """Technical availability MTBF / (MTBF + MTTR) [1] (1 without failure data)."""
        if not self.mtbf or not self.mttr:
            return 1.0
        return self.mtbf / (self.mtbf + self.mttr)

    @property
    def setup_fraction(self) -> float:
        """Share of a lot cycle lost to changeovers [1]."""
        if not self.changeover_every or not self.changeover_time:
            return 0.0
        per_lot = self.changeover_time / self.changeover_every
        return per_lot / (self.lot_time + per_lot)

    @property
    def unit_rate(self) -> float:
        """Ideal rate of one unit [cells/s] (0 for services)."""
        return 0.0 if self.kind == "service" else self.lot_cells / self.lot_time


@dataclass
class Plant:
    name: str
    annual_cells: float  # good cells per year [1/yr]
    cell: Cell
    calendar: Calendar
    economics: Economics
    steps: list[Step]
    source: str = ""
    assumptions: list[str] = field(default_factory=list)
    path: Path | None = None
    raw: dict = field(default_factory=dict, repr=False)

    @property
    def annual_energy(self) -> float:
        """Nominal energy of the good cells made per year [J/yr]."""
        return self.annual_cells * self.cell.energy

    @property
    def output_rate(self) -> float:
        """Good cells per second of operating time [1/s]."""
        return self.annual_cells / self.calendar.operating_seconds

    def step(self, name: str) -> Step:
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(f"plant {self.name!r} has no step {name!r}; steps: "
                       f"{', '.join(s.name for s in self.steps)}")


# ---------------------------------------------------------------- loading

def load_plant(path: str | Path, overrides: dict | None = None) -> Plant:
    """Read and validate a plant YAML file; ``overrides`` are merged into the raw data."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PlantError(f"{path}: cannot read plant file ({exc})") from exc
    if not isinstance(raw, dict):
        raise PlantError(f"{path}: a plant file must be a mapping")
    if overrides:
        raw = deep_merge(raw, overrides)
    return plant_from_dict(raw, path=path)


def deep_merge(base: dict, extra: dict) -> dict:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def plant_from_dict(raw: dict, path: Path | None = None) -> Plant:
    where = str(path) if path else "<plant>"
    for key in ("name", "annual_output", "cell", "steps"):
        if key not in raw:
            raise PlantError(f"{where}: missing required entry {key!r}")
    cell = _cell(raw["cell"], where, path)
    calendar = Calendar(**{k: float(v) for k, v in (raw.get("calendar") or {}).items()})
    economics = Economics(**{k: float(v) for k, v in (raw.get("economics") or {}).items()})
    annual_cells = _annual_cells(raw, cell, where)
    steps = [_step(s, i, where) for i, s in enumerate(raw["steps"])]
    names = [s.name for s in steps]
    if len(set(names)) != len(names):
        raise PlantError(f"{where}: step names must be unique ({names})")
    return Plant(name=str(raw["name"]), annual_cells=annual_cells, cell=cell, calendar=calendar,
                 economics=economics, steps=steps, source=str(raw.get("source", "")),
                 assumptions=list(raw.get("assumptions") or []), path=path, raw=raw)


def quantity(value: Any, unit: str, where: str) -> float:
    """An SI float from a YAML quantity string, checking its dimension against ``unit``."""
    if isinstance(value, int | float) and unit in ("1", ""):
        return float(value)
    if isinstance(value, int | float):
        raise PlantError(f"{where} = {value!r} needs a unit (like {unit!r})")
    try:
        magnitude, got = parse_quantity(str(value))
    except UnitError as exc:
        raise PlantError(f"{where}: {exc}") from exc
    if not same_dimension(got, unit):
        raise PlantError(f"{where} = {value!r} has the wrong dimension (expected like {unit!r})")
    return float(to_si(magnitude, got))


def _annual_cells(raw: dict, cell: Cell, where: str) -> float:
    out = raw["annual_output"]
    if isinstance(out, dict):
        if "packs" in out:
            return float(out["packs"]) * float(out["cells_per_pack"])
        if "cells" in out:
            return float(out["cells"])
        if "energy" in out:
            per_year = quantity(out["energy"], "GWh/yr", f"{where}: annual_output.energy")
            return per_year * 365.25 * 86400.0 / cell.energy
    raise PlantError(f"{where}: annual_output needs one of packs (+cells_per_pack), cells, "
                     f"energy (e.g. '8 GWh/yr')")


CELL_FIELDS = {"capacity": "Ah", "nominal_voltage": "V", "mass": "kg", "cathode_area": "m^2",
               "anode_area": "m^2", "cathode_coating_mass": "kg", "anode_coating_mass": "kg",
               "cathode_solids_fraction": "1", "anode_solids_fraction": "1"}


def _cell(raw: dict, where: str, path: Path | None) -> Cell:
    raw = dict(raw)
    if "recipe" in raw:
        from gigatwin.factory.twin_link import cell_from_recipe
        recipe = Path(raw.pop("recipe"))
        if path is not None and not recipe.is_absolute():
            recipe = path.parent / recipe
        raw = {**cell_from_recipe(recipe), **raw}
    values: dict[str, Any] = {}
    for key, unit in CELL_FIELDS.items():
        if key in raw:
            values[key] = quantity(raw[key], unit, f"{where}: cell.{key}")
    for key in ("capacity", "nominal_voltage"):
        if key not in values:
            raise PlantError(f"{where}: cell.{key} is required")
    for key in ("cathode_solvent", "anode_solvent", "source"):
        if key in raw:
            values[key] = str(raw[key])
    return Cell(**values)


STEP_QUANTITIES = {"mtbf": "h", "mttr": "h", "footprint": "m^2", "electric_power": "W",
                   "thermal_power": "W", "electric_energy_per_cell": "kWh",
                   "thermal_energy_per_cell": "kWh", "reference_output": "GWh/yr"}
STEP_NUMBERS = ("unit_capital_usd", "capital_exponent", "operators_per_unit", "labour_exponent",
                "area_exponent", "buffer_lots")


def _step(raw: dict, index: int, where: str) -> Step:
    name = raw.get("name") or f"step {index + 1}"
    here = f"{where}: step {name!r}"
    kind = raw.get("kind")
    if kind not in STEP_KINDS:
        raise PlantError(f"{here}: kind = {kind!r}; allowed: {', '.join(STEP_KINDS)}")
    values: dict[str, Any] = {"name": name, "kind": kind, "source": str(raw.get("source", "")),
                              "raw": raw}
    for key, unit in STEP_QUANTITIES.items():
        if key in raw:
            values[key] = quantity(raw[key], unit, f"{here}.{key}")
    for key in STEP_NUMBERS:
        if key in raw:
            values[key] = float(raw[key])
    if "units" in raw:
        values["units"] = int(raw["units"])
    values["yield_fraction"] = float(raw.get("yield", 1.0))
    if not 0 < values["yield_fraction"] <= 1:
        raise PlantError(f"{here}: yield = {values['yield_fraction']} [1] outside (0, 1]")
    electrode = raw.get("electrode", "both")
    if electrode not in ELECTRODES:
        raise PlantError(f"{here}: electrode = {electrode!r}; allowed: {', '.join(ELECTRODES)}")
    values["electrode"] = electrode
    if "changeover" in raw:
        values["changeover_time"] = quantity(raw["changeover"]["time"], "min",
                                             f"{here}.changeover.time")
        values["changeover_every"] = int(raw["changeover"]["every"])
    for key in ("dryer", "nmp_recovery", "dry_room"):
        if key in raw:
            values[key] = dict(raw[key])
    return Step(**values)


def resolve_lots(plant: Plant) -> None:
    """Fill ``lot_cells`` and ``lot_time`` of every step from its rate entries and the cell."""
    for step in plant.steps:
        step.lot_cells, step.lot_time = _lot(step, plant.cell, f"{plant.path}: step {step.name!r}")


def _lot(step: Step, cell: Cell, here: str) -> tuple[float, float]:
    from gigatwin.factory import throughput as tp
    raw = step.raw
    if step.kind == "service":
        return 1.0, 1.0
    if step.kind == "web":
        speed = quantity(_need(raw, "speed", here), "m/min", f"{here}.speed")
        width = quantity(_need(raw, "width", here), "m", f"{here}.width")
        coil = quantity(raw.get("coil_length", "1000 m"), "m", f"{here}.coil_length")
        area = _positive_area(cell, step.electrode, here)
        return tp.web_lot(speed, width, coil, area)
    if step.kind == "batch":
        time = quantity(_need(raw, "batch_time", here), "h", f"{here}.batch_time")
        if "batch_cells" in raw:
            return float(raw["batch_cells"]), time
        if "batch_mass" in raw:
            mass = quantity(raw["batch_mass"], "kg", f"{here}.batch_mass")
            return tp.batch_lot(mass, cell.slurry_mass(step.electrode), time)
        if "batch_area" in raw:
            area = quantity(raw["batch_area"], "m^2", f"{here}.batch_area")
            return tp.batch_lot(area, _positive_area(cell, step.electrode, here), time)
        raise PlantError(f"{here}: a batch step needs batch_cells, batch_mass or batch_area")
    if step.kind == "discrete":
        cycle = quantity(_need(raw, "cycle_time", here), "s", f"{here}.cycle_time")
        lot = float(raw.get("lot_cells", 100))
        return tp.discrete_lot(cycle, lot, float(raw.get("parallel", 1)))
    channels = float(_need(raw, "channels", here))
    time = quantity(_need(raw, "process_time", here), "h", f"{here}.process_time")
    return channels, time


def _need(raw: dict, key: str, here: str):
    if key not in raw:
        raise PlantError(f"{here}: {key!r} is required for kind {raw.get('kind')!r}")
    return raw[key]


def _positive_area(cell: Cell, electrode: str, here: str) -> float:
    area = cell.electrode_area(electrode)
    if area <= 0:
        raise PlantError(f"{here}: the cell has no {electrode} area (set cell.{electrode}_area)")
    return area
