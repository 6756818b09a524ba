"""A cell plant as typed data: the cell, the calendar, the economics and the steps.

A plant file (YAML) is read by :func:`load_plant` into :class:`Plant`. Every entry is
declared once below with :func:`~gigatwin.factory.schema.entry`: its unit, allowed range,
default and the source of the default (docs/factory.md prints the table from these
declarations). Dimensional values are strings pint parses (``"50 m/min"``, ``"24 h"``)
and are SI after loading; money is plain numbers in US dollars (``_usd``). Loading checks
everything at once and raises a :class:`PlantError` listing every problem with the file,
entry, key, value, unit and range; unknown keys get suggestions. Solvents are resolved
through the materials registry (``NMP``, ``nmp``: the same solvent) and ``spec_step``
through the data specification's step names, case-insensitively. Nothing reads the YAML
after loading: the model, scenarios and BatPaC sizing work on these dataclasses.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from gigatwin import materials
from gigatwin.factory import twin_link
from gigatwin.factory.schema import PlantError, Problems, computed, entry, parse

__all__ = ["Cell", "Calendar", "Economics", "Plant", "PlantError", "Step", "load_plant",
           "plant_from_dict"]

STEP_KINDS = ("web", "batch", "discrete", "channels", "service")
ELECTRODES = ("cathode", "anode", "both")
BATPAC_EDITIONS = ("2012", "5.0")
DEFAULT_BATPAC_EDITION = "5.0"  # the most recent edition available (Knehr et al. 2022)
# rate entries each step kind uses (the others are refused on that kind)
RATE_KEYS = {"web": ("speed", "width", "coil_length"),
             "batch": ("batch_time", "batch_cells", "batch_mass", "batch_area"),
             "discrete": ("cycle_time", "lot_cells", "parallel"),
             "channels": ("channels", "process_time"), "service": ()}
REQUIRED_RATE_KEYS = {"web": ("speed", "width"), "batch": ("batch_time",),
                      "discrete": ("cycle_time",), "channels": ("channels",), "service": ()}
# spec steps whose time and energy a twin recipe provides (formation protocol; aging)
RECIPE_STEPS = ("formation", "aging_eol")

BATPAC = "BatPaC (Nelson et al. 2012, ANL-12/55; Nelson et al. 2019, ANL/CSE-19/2)"
LIU = "Liu et al. 2021, iScience 24, 102332 (BatPaC inputs of Table 1)"


def solvent_name(name: str) -> str:
    """The materials registry's spelling of a solvent (case-insensitive), or KeyError."""
    try:
        return materials.solvent(name).name
    except KeyError:
        raise KeyError(f"unknown solvent; known (materials registry): "
                       f"{', '.join(materials.names('solvent'))}") from None


def spec_step_name(name: str) -> str:
    """The spec's key of a step given by key or name, case-insensitively, or KeyError."""
    steps = _spec_steps()
    folded = {k.casefold(): k for k in steps} | {v.casefold(): k for k, v in steps.items()}
    if name.casefold() in folded:
        return folded[name.casefold()]
    raise KeyError(f"unknown spec step; known: {', '.join(steps)}")


@lru_cache(maxsize=1)
def _spec_steps() -> dict[str, str]:
    from gigatwin.spec.registry import load_registry
    return {key: step.name for key, step in load_registry().steps.items()}


@dataclass
class Cell:
    """The cell made by the plant. SI units: A s, V, kg, m^2."""

    capacity: float = entry("Ah", gt=0, le=2000)
    nominal_voltage: float = entry("V", gt=0, le=6)
    mass: float = entry("kg", 0.0, ge=0, source="0: not used by cost or energy")
    cathode_area: float = entry("m^2", 0.0, ge=0, source="0: no electrode steps")
    anode_area: float = entry("m^2", 0.0, ge=0, source="0: no electrode steps")
    cathode_coating_mass: float = entry("kg", 0.0, ge=0, source="0: no drying load")
    anode_coating_mass: float = entry("kg", 0.0, ge=0, source="0: no drying load")
    cathode_solids_fraction: float = entry(
        "1", 0.65, gt=0, le=1, source="typical NMP cathode slurry (Liu 2021: conventional 55 %, "
                                         "extrusion 75 %)")
    anode_solids_fraction: float = entry(
        "1", 0.50, gt=0, le=1, source="typical aqueous anode slurry")
    cathode_solvent: str = entry("", "NMP", kind="text", resolve=solvent_name,
                                 names="a solvent of the materials registry",
                                 source="PVDF/NMP cathode slurry (Liu 2021)")
    anode_solvent: str = entry("", "water", kind="text", resolve=solvent_name,
                               names="a solvent of the materials registry",
                               source="CMC/SBR aqueous anode slurry (typical)")
    recipe: str | None = entry("", None, kind="text", names="path of a twin recipe")
    source: str = entry("", "", kind="text")

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

    def solvent(self, electrode: str) -> str:
        """The registry name of the solvent of ``electrode`` (cathode or anode)."""
        return self.cathode_solvent if electrode == "cathode" else self.anode_solvent

    def nmp_mass(self) -> float:
        """NMP evaporated per cell (cathode and anode slurries made with NMP) [kg]."""
        nmp = solvent_name("NMP")
        return sum(self.solvent_mass(e) for e in ("cathode", "anode")
                   if self.solvent(e) == nmp)

    def slurry_mass(self, electrode: str) -> float:
        """Slurry (solids + solvent) per cell [kg]."""
        coat = {"cathode": self.cathode_coating_mass, "anode": self.anode_coating_mass,
                "both": self.cathode_coating_mass + self.anode_coating_mass}[electrode]
        return coat + self.solvent_mass(electrode)


@dataclass
class Calendar:
    days_per_year: float = entry("1", 300.0, gt=0, le=366, source=BATPAC)
    shifts_per_day: float = entry("1", 3.0, gt=0, le=4, source=BATPAC)
    hours_per_shift: float = entry("1", 8.0, gt=0, le=24, source=BATPAC)  # [h]

    @property
    def operating_seconds(self) -> float:
        """Operating time per year [s]."""
        return self.days_per_year * self.shifts_per_day * self.hours_per_shift * 3600.0


@dataclass
class Economics:
    """Plant-wide economic parameters (BatPaC logic, Nelson 2019, via Liu 2021)."""

    labour_rate_usd_per_hour: float = entry("1", 15.0, ge=0, le=500, source=LIU)
    building_cost_usd_per_m2: float = entry("1", 3000.0, ge=0, le=1e5, source=LIU)
    building_depreciation_rate: float = entry("1", 0.05, ge=0, le=1, source=LIU)  # [1/yr]
    equipment_depreciation_rate: float = entry("1", 0.167, gt=0, le=1, source=LIU)
    overhead_on_labour: float = entry("1", 0.0, ge=0, le=5,
                                      source="0: left out (BatPaC: 0.4, Nelson 2019)")
    overhead_on_depreciation: float = entry("1", 0.0, ge=0, le=5,
                                            source="0: left out (BatPaC: 0.2, Nelson 2019)")
    electricity_usd_per_kwh: float = entry("1", 0.0, ge=0, le=5,
                                           source="0: energy not priced unless given")
    heat_usd_per_kwh: float = entry("1", 0.0, ge=0, le=5,
                                    source="0: energy not priced unless given")
    materials_usd_per_cell: float = entry("1", 0.0, ge=0, le=1e4,
                                          source="0: materials not priced unless given")


@dataclass
class AnnualOutput:
    packs: float | None = entry("1", None, gt=0)
    cells_per_pack: float | None = entry("1", None, gt=0)
    cells: float | None = entry("1", None, gt=0)
    energy: float | None = entry("GWh/yr", None, gt=0, le=1e4)


@dataclass
class PlantBatpac:
    """Plant-level BatPaC choices: the edition and the active fractions of the coatings."""

    edition: str = entry("", DEFAULT_BATPAC_EDITION, kind="text", choices=BATPAC_EDITIONS,
                         source="most recent edition (Knehr et al. 2022, BatPaC 5.0)")
    cathode_active_fraction: float | None = entry("1", None, gt=0, le=1)
    anode_active_fraction: float | None = entry("1", None, gt=0, le=1)


@dataclass
class Changeover:
    time: float = entry("min", gt=0)
    every: int = entry("1", kind="integer", ge=1)


@dataclass
class Dryer:
    """Convective electrode dryer (energy.dryer_power)."""

    air_flow: float = entry("m^3/s", gt=0, le=1000)
    air_temperature: float = entry("degC", gt=30, le=200)
    ambient_temperature: float = entry("degC", "20 degC", ge=-20, le=45,
                                       source="indoor hall (typical)")
    heat_recovery: float = entry("1", 0.0, ge=0, lt=1, source="0: no exhaust heat recovered")
    heater_efficiency: float = entry("1", 1.0, gt=0, le=1, source="1: heat counted as "
                                     "delivered")
    fan_pressure: float = entry("Pa", "2000 Pa", gt=0, le=2e4,
                                source="dryer nozzle box pressure rise (typical)")
    heating: str = entry("", "thermal", kind="text", choices=("thermal", "electric"),
                         source="gas or steam heated (Degen 2023: drying on natural gas)")


@dataclass
class NmpRecovery:
    """Solvent recovery by condensation and distillation (energy.nmp_recovery_power)."""

    max_concentration: float = entry("g/m^3", gt=0, le=100)
    inlet_temperature: float = entry("degC", "120 degC", gt=30, le=200,
                                     source="dryer exhaust (typical)")
    condenser_temperature: float = entry("degC", "10 degC", ge=-20, le=50,
                                         source="chilled-water condenser (typical)")
    cooling_cop: float = entry("1", 3.0, gt=0, le=10, source="chiller (typical)")
    distillation_heat: float = entry("MJ/kg", "1 MJ/kg", gt=0, le=20,
                                     source="NMP/water distillation (typical)")
    recovered_fraction: float = entry("1", 0.75, ge=0, le=1,
                                      source="20-30 % losses (Ahmed 2016 via Liu 2021)")
    fan_pressure: float = entry("Pa", "3000 Pa", gt=0, le=2e4, source="typical")


@dataclass
class DryRoom:
    """Desiccant dry room (energy.dry_room_power)."""

    volume: float = entry("m^3", gt=0, le=1e7)
    air_changes: float = entry("1/h", gt=0, le=200)
    makeup_fraction: float = entry("1", 0.1, ge=0, le=1, source="typical 5-20 %")
    room_dew_point: float = entry("degC", "-40 degC", ge=-80, le=0,
                                  source="typical; Zanotto 2022: stacking at about -60 C")
    outdoor_dew_point: float = entry("degC", "10 degC", ge=-80, le=35,
                                     source="temperate climate (typical)")
    outdoor_temperature: float = entry("degC", "20 degC", ge=-30, le=50, source="typical")
    room_temperature: float = entry("degC", "20 degC", ge=10, le=30, source="typical")
    internal_moisture: float = entry("kg/h", "0 kg/h", ge=0, le=1000,
                                     source="0: no people or ingress counted")
    regeneration_heat: float = entry("MJ/kg", "4.5 MJ/kg", gt=0, le=20,
                                     source="desiccant wheels 4-6 MJ/kg water (typical)")
    adsorption_heat: float = entry("MJ/kg", "2.8 MJ/kg", gt=0, le=20,
                                   source="water on silica gel / zeolite (typical)")
    cooling_cop: float = entry("1", 3.0, gt=0, le=10, source="chiller (typical)")
    fan_pressure: float = entry("Pa", "1500 Pa", gt=0, le=2e4, source="typical")
    hours_per_year: float | None = entry("h", None, gt=0, le=8784,
                                         source="the calendar's operating time")
    regeneration: str = entry("", "thermal", kind="text", choices=("thermal", "electric"),
                              source="gas or steam regenerated wheels (typical)")


@dataclass
class StepBatpac:
    """The BatPaC processes that size a step, with scenario factors."""

    processes: tuple[str, ...] = entry("", kind="list", names="BatPaC process names")
    capital_factor: float = entry("1", 1.0, gt=0, le=10, source="1: as BatPaC")
    area_factor: float = entry("1", 1.0, gt=0, le=10, source="1: as BatPaC")
    rate_factor: float = entry("1", 1.0, gt=0, le=10, source="1: as BatPaC")


@dataclass
class Step:
    """One step of the plant: equipment, rate, costs and energy (all SI, money in USD)."""

    name: str = entry("", kind="text")
    kind: str = entry("", kind="text", choices=STEP_KINDS)
    spec_step: str | None = entry("", None, kind="text", resolve=spec_step_name,
                                  names="a step of the data specification")
    electrode: str = entry("", "both", kind="text", choices=ELECTRODES, source="both")
    # rate entries (which apply depends on the kind: RATE_KEYS)
    speed: float | None = entry("m/min", None, gt=0, le=500)
    width: float | None = entry("m", None, gt=0, le=5)
    coil_length: float = entry("m", "1000 m", gt=0, le=2e4,
                               source="electrode coil length (typical)")
    batch_time: float | None = entry("h", None, gt=0, le=1000)
    batch_cells: float | None = entry("1", None, gt=0)
    batch_mass: float | None = entry("kg", None, gt=0, le=1e5)
    batch_area: float | None = entry("m^2", None, gt=0, le=1e6)
    cycle_time: float | None = entry("s", None, gt=0, le=3600)
    magazine_cells: float = entry("1", 100.0, key="lot_cells", gt=0, le=1e6,
                                  source="magazine of 100 cells (typical)")
    parallel: float = entry("1", 1.0, gt=0, le=1000, source="1: one tool per station")
    channels: float | None = entry("1", None, gt=0, le=1e6)
    process_time: float | None = entry("h", None, gt=0, le=1e4)
    # equipment, reliability and yield
    units: int | None = entry("1", None, kind="integer", ge=1)
    yield_fraction: float = entry("1", 1.0, key="yield", gt=0, le=1, source="1: no scrap")
    mtbf: float | None = entry("h", None, gt=0)
    mttr: float | None = entry("h", None, gt=0)
    changeover: Changeover | None = entry("", None, kind="section", section=Changeover)
    buffer_lots: float = entry("1", 4.0, gt=0, le=1000, source="DES buffer (typical)")
    # machine-sized cost (steps without batpac)
    unit_capital_usd: float = entry("1", 0.0, ge=0)
    capital_exponent: float = entry("1", 1.0, gt=0, le=1.5, source="1: linear")
    operators_per_unit: float = entry("1", 0.0, ge=0, le=1000)
    labour_exponent: float = entry("1", 1.0, gt=0, le=1.5, source="1: linear")
    footprint: float = entry("m^2", 0.0, ge=0)
    area_exponent: float = entry("1", 1.0, gt=0, le=1.5, source="1: linear")
    reference_output: float | None = entry("GWh/yr", None, gt=0)
    # energy
    electric_power: float = entry("kW", 0.0, ge=0, le=1e6)
    thermal_power: float = entry("kW", 0.0, ge=0, le=1e6)
    electric_energy_per_cell: float = entry("kWh", 0.0, ge=0, le=100, source="0: none")
    thermal_energy_per_cell: float = entry("kWh", 0.0, ge=0, le=100)
    # the formation cycler (a formation step whose energy comes from cell.recipe); None:
    # the recipe's formation_energy_recovery_efficiency / formation_charger_efficiency
    energy_recovery: float | None = entry("1", None, ge=0, le=1)
    charger_efficiency: float | None = entry("1", None, gt=0, le=1)
    dryer: Dryer | None = entry("", None, kind="section", section=Dryer)
    nmp_recovery: NmpRecovery | None = entry("", None, kind="section", section=NmpRecovery)
    dry_room: DryRoom | None = entry("", None, kind="section", section=DryRoom)
    batpac: StepBatpac | None = entry("", None, kind="section", section=StepBatpac)
    source: str = entry("", "", kind="text")
    # filled by the loader: lot of one unit (cells, time [s]) and the recipe's provenance
    lot_cells: float = computed(1.0)
    lot_time: float = computed(1.0)
    recipe_note: str = computed("")
    given: frozenset = computed(frozenset())  # the keys the plant file gave

    @property
    def changeover_time(self) -> float:
        """[s] per changeover (0: none)."""
        return self.changeover.time if self.changeover else 0.0

    @property
    def changeover_every(self) -> int:
        return self.changeover.every if self.changeover else 0

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
    name: str = entry("", kind="text")
    annual_output: AnnualOutput = entry("", kind="section", section=AnnualOutput)
    cell: Cell = entry("", kind="section", section=Cell)
    calendar: Calendar = entry("", None, kind="section", section=Calendar)
    economics: Economics = entry("", None, kind="section", section=Economics)
    batpac: PlantBatpac = entry("", None, kind="section", section=PlantBatpac)
    steps: list[Step] = entry("", kind="list", names="list of step mappings")
    source: str = entry("", "", kind="text")
    assumptions: list[str] = entry("", [], kind="list", names="list of sentences")
    caveats: list[str] = entry("", [], kind="list",
                               names="list of sentences printed with every result")
    path: Path | None = computed()
    annual_cells: float = computed(0.0)  # good cells per year [1/yr]
    changes: list[str] = computed(())  # what a scenario changed, one line each

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

def load_plant(path: str | Path) -> Plant:
    """Read and validate a plant YAML file; every problem is reported at once."""
    from gigatwin.checks import load_yaml

    path = Path(path)
    try:    # UTF-8, bounded size, aliases counted (a YAML bomb is refused)
        raw = load_yaml(path, "plant file")
    except (OSError, ValueError) as exc:
        raise PlantError(f"{path}: cannot read plant file ({exc})") from exc
    if not isinstance(raw, dict):
        raise PlantError(f"{path}: a plant file must be a mapping")
    return plant_from_dict(raw, path=path)


def plant_from_dict(raw: dict, path: Path | None = None) -> Plant:
    """The typed plant from a plant file's mapping; PlantError lists every problem."""
    problems = Problems(str(path) if path else "<plant>")
    raw = dict(raw)
    cell_raw, steps_raw = raw.pop("cell", None), raw.pop("steps", None)
    for key, value in (("cell", cell_raw), ("steps", steps_raw)):
        if value is None:
            problems.add("plant", f"{key!r} is required")
    top = parse(Plant, raw, "", problems, cell=Cell(capacity=1.0, nominal_voltage=1.0),
                steps=[]) or Plant()
    top.calendar = top.calendar or Calendar()
    top.economics = top.economics or Economics()
    top.batpac = top.batpac or PlantBatpac()
    top.path = path
    top.cell = _cell(cell_raw, path, problems) if cell_raw is not None else top.cell
    top.steps = _steps(steps_raw, problems) if steps_raw is not None else []
    problems.raise_if_any()
    top.annual_cells = _annual_cells(top.annual_output, top.cell, problems)
    for step in top.steps:
        _recipe_step(step, top.cell, path, problems)
        _resolve_lot(step, top.cell, problems)
    problems.raise_if_any()
    return top


def rebuilt(plant: Plant, **changes) -> Plant:
    """A copy of ``plant`` with ``changes`` (typed values), lots and output recomputed."""
    new = dataclasses.replace(plant, **changes)
    new.steps = [dataclasses.replace(s) for s in new.steps]
    problems = Problems(str(plant.path) if plant.path else "<plant>")
    new.annual_cells = _annual_cells(new.annual_output, new.cell, problems)
    for step in new.steps:
        _resolve_lot(step, new.cell, problems)
    problems.raise_if_any()
    return new


def _cell(raw: Any, path: Path | None, problems: Problems) -> Cell:
    if isinstance(raw, dict) and "recipe" in raw:
        recipe = Path(str(raw["recipe"]))
        if path is not None and not recipe.is_absolute():
            recipe = path.parent / recipe
        try:
            raw = {**twin_link.cell_from_recipe(recipe), **raw, "recipe": str(recipe)}
        except PlantError as exc:
            problems.add("cell.recipe", str(exc))
            return Cell(capacity=1.0, nominal_voltage=1.0)
    return parse(Cell, raw, "cell", problems) or Cell(capacity=1.0, nominal_voltage=1.0)


def _steps(raw: Any, problems: Problems) -> list[Step]:
    if not isinstance(raw, list) or not raw:
        problems.add("steps", f"must be a non-empty list of steps, got {raw!r}")
        return []
    steps = []
    for i, item in enumerate(raw):
        label = (f"step {item.get('name')!r}" if isinstance(item, dict) and item.get("name")
                 else f"step {i + 1}")
        step = parse(Step, item, label, problems)
        if step is None:
            continue
        _check_kind(step, item, label, problems)
        step.given = frozenset(item)
        steps.append(step)
    names = [s.name for s in steps]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        problems.add("steps", f"step names must be unique; repeated: {', '.join(twice)}")
    return steps


def _check_kind(step: Step, raw: dict, label: str, problems: Problems) -> None:
    if step.kind not in STEP_KINDS:
        return  # already reported
    used = RATE_KEYS[step.kind]
    for key in {k for keys in RATE_KEYS.values() for k in keys} - set(used):
        if key in raw:
            problems.add(label, f"{key!r} does not apply to a {step.kind} step "
                                f"(its rate entries: {', '.join(used) or 'none'})")
    for key in REQUIRED_RATE_KEYS[step.kind]:
        if key not in raw:
            problems.add(label, f"{key!r} is required for a {step.kind} step")
    if step.kind == "batch":
        amounts = [k for k in ("batch_cells", "batch_mass", "batch_area") if k in raw]
        if len(amounts) != 1:
            problems.add(label, f"a batch step needs exactly one of batch_cells, batch_mass, "
                                f"batch_area; got {amounts or 'none'}")


def _annual_cells(out: AnnualOutput, cell: Cell, problems: Problems) -> float:
    given = [k for k in ("packs", "cells", "energy") if getattr(out, k) is not None]
    if len(given) != 1 or (given == ["packs"]) != (out.cells_per_pack is not None):
        problems.add("annual_output", f"needs exactly one of packs (+cells_per_pack), cells, "
                                      f"energy (e.g. '8 GWh/yr'); got {given or 'none'}")
        problems.raise_if_any()
    if out.packs is not None:
        return out.packs * out.cells_per_pack
    if out.cells is not None:
        return out.cells
    return out.energy * 365.25 * 86400.0 / cell.energy  # energy [J/s] -> J/yr


def _recipe_step(step: Step, cell: Cell, path: Path | None, problems: Problems) -> None:
    """Formation or aging time and energy from the cell's twin recipe (when it has one)."""
    cycler = [k for k in ("charger_efficiency", "energy_recovery") if k in step.given]
    if cycler and (step.spec_step != "formation" or cell.recipe is None):
        problems.add(f"step {step.name!r}", f"{' and '.join(cycler)} only apply to a "
                     "formation step (spec_step: formation) whose energy comes from "
                     "cell.recipe; give electric_energy_per_cell net of them instead")
    if step.spec_step not in RECIPE_STEPS or cell.recipe is None:
        if step.kind == "channels" and step.process_time is None:
            problems.add(f"step {step.name!r}", "'process_time' is required for a channels "
                         "step (or name a twin recipe in cell.recipe and spec_step formation "
                         "or aging_eol)")
        return
    label = f"step {step.name!r}"
    provided = {"formation": {"process_time", "electric_energy_per_cell"},
                "aging_eol": {"process_time"}}[step.spec_step]
    overridden = bool(provided & step.given)
    if overridden and not step.source:
        problems.add(label, "overrides the recipe's process_time or electric_energy_per_cell "
                            "without a 'source'; give the source of the override")
        return
    try:
        if step.spec_step == "formation":  # the twin's energy with this plant's cycler
            plan = twin_link.formation_from_recipe(Path(cell.recipe),
                                                   step.charger_efficiency,
                                                   step.energy_recovery)
            time, energy = plan.protocol_time, plan.energy
        else:
            time, energy = twin_link.formation_from_recipe(Path(cell.recipe)).aging_time, None
    except PlantError as exc:
        problems.add(label, str(exc))
        return
    if step.process_time is None:
        step.process_time = time
    if "electric_energy_per_cell" not in step.given and energy is not None:
        step.electric_energy_per_cell = energy
    step.recipe_note = (f"{step.spec_step} from {Path(cell.recipe).name}: "
                        f"{step.process_time / 3600:.1f} h"
                        + (f", {step.electric_energy_per_cell / 3.6e6:.3f} kWh/cell"
                           if energy is not None else "")
                        + "".join(f", {k} {getattr(step, k):g}" for k in cycler)
                        + (f" (override: {step.source})" if overridden else ""))


def _resolve_lot(step: Step, cell: Cell, problems: Problems) -> None:
    """Fill ``lot_cells`` and ``lot_time`` of a step from its rate entries and the cell."""
    from gigatwin.factory import throughput as tp
    label = f"step {step.name!r}"
    if step.kind == "service":
        step.lot_cells, step.lot_time = 1.0, 1.0
    elif step.kind == "web":
        area = cell.electrode_area(step.electrode)
        if area <= 0:
            problems.add(label, f"the cell has no {step.electrode} area "
                                f"(set cell.{step.electrode}_area > 0 m^2)")
            return
        step.lot_cells, step.lot_time = tp.web_lot(step.speed, step.width, step.coil_length,
                                                   area)
    elif step.kind == "batch":
        if step.batch_cells is not None:
            step.lot_cells, step.lot_time = step.batch_cells, step.batch_time
            return
        per_cell = (cell.slurry_mass(step.electrode) if step.batch_mass is not None
                    else cell.electrode_area(step.electrode))
        if per_cell <= 0:
            problems.add(label, f"the cell has no {step.electrode} "
                                f"{'coating mass' if step.batch_mass else 'area'}")
            return
        step.lot_cells, step.lot_time = tp.batch_lot(step.batch_mass or step.batch_area,
                                                     per_cell, step.batch_time)
    elif step.kind == "discrete":
        step.lot_cells, step.lot_time = tp.discrete_lot(step.cycle_time, step.magazine_cells,
                                                        step.parallel)
    elif step.process_time is not None:
        step.lot_cells, step.lot_time = step.channels, step.process_time


SECTIONS = {"": Plant, "cell.": Cell, "calendar.": Calendar, "economics.": Economics,
            "batpac.": PlantBatpac, "steps[].": Step, "steps[].changeover.": Changeover,
            "steps[].dryer.": Dryer, "steps[].nmp_recovery.": NmpRecovery,
            "steps[].dry_room.": DryRoom, "steps[].batpac.": StepBatpac}
