"""The static plant model: machines, capital, cost, energy and throughput per step.

:func:`evaluate_plant` runs the steps in line order and returns a :class:`PlantResult`.
It is the orchestrator (tier 3: pure models, containers, one orchestrator, as in pvlib); the equations live in ``throughput``,
``cost`` and ``energy``. SI inside, money in USD.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gigatwin.factory import batpac, cost, energy
from gigatwin.factory import throughput as tp
from gigatwin.factory.plant import Plant, Step
from gigatwin.factory.schema import PlantError

KWH = 3.6e6  # [J] only used to express J per kWh of cells as a ratio (J/J is dimensionless)


@dataclass
class StepResult:
    name: str
    kind: str
    required_rate: float  # [cells/s] into the step
    machine_equivalents: float  # [1]
    machines: int  # [1] installed
    capacity: float  # [cells/s] into the step, effective
    utilisation: float  # [1]
    lot_cells: float
    lot_time: float  # [s]
    capital: float  # [USD]
    depreciation: float  # [USD/yr]
    labour: float  # [USD/yr]
    floor_space: float  # [USD/yr]
    overhead: float  # [USD/yr]
    energy_cost: float  # [USD/yr]
    area: float  # [m^2]
    operators_per_shift: float
    electric_energy: float  # [J/yr]
    thermal_energy: float  # [J/yr]
    cost_share: float = 0.0
    energy_share: float = 0.0
    energy_per_cell: float = 0.0  # [J]
    cost_per_cell: float = 0.0  # [USD]

    @property
    def cost_per_year(self) -> float:
        return self.depreciation + self.labour + self.floor_space + self.overhead + self.energy_cost

    @property
    def energy(self) -> float:
        return self.electric_energy + self.thermal_energy


@dataclass
class PlantResult:
    plant: Plant
    steps: list[StepResult]
    materials_cost: float  # [USD/yr]
    bottleneck: str
    lead_time: float  # [s] sum of lot times along the line (static minimum)
    line_capacity: float  # [good cells/s]
    notes: list[str] = field(default_factory=list)

    @property
    def annual_cells(self) -> float:
        return self.plant.annual_cells

    @property
    def annual_energy_output(self) -> float:
        """Nominal energy of the cells made per year [J/yr]."""
        return self.plant.annual_energy

    @property
    def conversion_cost(self) -> float:
        return float(sum(s.cost_per_year for s in self.steps))

    @property
    def costed(self) -> bool:
        """Whether the plant file prices anything (capital, labour, area or energy).

        An energy reference such as Yuan et al. 2017 gives no cost at all: its
        costs are *not modelled*, which is not the same as zero.
        """
        return self.conversion_cost > 0.0

    @property
    def materials_priced(self) -> bool:
        return self.plant.economics.materials_usd_per_cell > 0.0

    @property
    def cost_scope(self) -> str:
        """What the cost per kWh covers, in words a reader of the figure needs."""
        if not self.costed:
            return "not modelled: the plant file gives no capital, labour or prices"
        if not self.materials_priced:
            return "conversion only: materials not priced in the plant file"
        return "conversion and materials"

    @property
    def total_cost(self) -> float:
        return self.conversion_cost + self.materials_cost

    @property
    def cost_per_cell(self) -> float:
        return self.total_cost / self.annual_cells

    @property
    def cost_per_energy(self) -> float:
        """[USD/J] of cell energy."""
        return self.total_cost / self.annual_energy_output

    @property
    def energy_total(self) -> float:
        return float(sum(s.energy for s in self.steps))

    @property
    def energy_per_energy(self) -> float:
        """Plant energy per nominal cell energy [J/J = kWh/kWh]."""
        return self.energy_total / self.annual_energy_output

    @property
    def capital(self) -> float:
        return float(sum(s.capital for s in self.steps))

    @property
    def floor_area(self) -> float:
        return float(sum(s.area for s in self.steps))

    def step(self, name: str) -> StepResult:
        for s in self.steps:
            if s.name == name:
                return s
        raise KeyError(name)


def evaluate_plant(plant: Plant) -> PlantResult:
    """Size every step for the plant's output and compute its cost, energy and throughput."""
    flow = [s for s in plant.steps if s.kind != "service"]
    if not flow:
        raise PlantError(f"{plant.path}: the plant has no production steps")
    cum = dict(zip([s.name for s in flow], tp.cumulative_yield([s.yield_fraction for s in flow]),
                   strict=True))
    first_yield = float(cum[flow[0].name])
    results = []
    for step in plant.steps:
        rate_in = plant.output_rate / cum[step.name] if step.name in cum else plant.output_rate
        results.append(_evaluate_step(step, plant, rate_in, first_yield))
    _shares(results, plant.annual_cells)
    flows = [r for r in results if r.kind != "service"]
    bottleneck = max(flows, key=lambda r: r.utilisation)
    line_capacity = min(r.capacity * cum[r.name] for r in flows)
    materials = plant.economics.materials_usd_per_cell * plant.annual_cells / first_yield
    return PlantResult(plant=plant, steps=results, materials_cost=materials,
                       bottleneck=bottleneck.name, lead_time=float(sum(s.lot_time for s in flow)),
                       line_capacity=float(line_capacity))


def _evaluate_step(step: Step, plant: Plant, rate_in: float, first_yield: float) -> StepResult:
    cal, eco = plant.calendar, plant.economics
    if step.kind == "service":
        m = (plant.annual_energy / (step.reference_output * 365.25 * 86400.0)
             if step.reference_output else 1.0)
        machines, capacity, utilisation, busy = (step.units or 1), np.inf, 0.0, cal.operating_seconds
    else:
        m = float(tp.machine_equivalents(rate_in, step.unit_rate, step.availability,
                                         step.setup_fraction))
        machines = step.units or int(tp.installed_units(m))
        capacity = float(tp.step_capacity(machines, step.unit_rate, step.availability,
                                          step.setup_fraction))
        utilisation = rate_in / capacity
        busy = rate_in * cal.operating_seconds / step.unit_rate  # unit-seconds of processing
    cells_per_year = (rate_in if step.kind != "service" else plant.output_rate / first_yield
                      ) * cal.operating_seconds
    capital, operators, area = _sizes(step, plant, m, cells_per_year)
    dep = float(cost.depreciation(capital, eco.equipment_depreciation_rate))
    labour = float(cost.labour_cost(operators, cal.shifts_per_day, cal.hours_per_shift,
                                    cal.days_per_year, eco.labour_rate_usd_per_hour))
    floor = float(cost.floor_space_cost(area, eco.building_cost_usd_per_m2,
                                        eco.building_depreciation_rate))
    overhead = float(cost.variable_overhead(labour, dep, eco.overhead_on_labour,
                                            eco.overhead_on_depreciation))
    cells_in = rate_in * cal.operating_seconds
    electric, thermal = _step_energy(step, plant, busy, cells_in, first_yield)
    energy_cost = (electric * eco.electricity_usd_per_kwh + thermal * eco.heat_usd_per_kwh) / KWH
    return StepResult(name=step.name, kind=step.kind, required_rate=rate_in,
                      machine_equivalents=m, machines=machines, capacity=capacity,
                      utilisation=utilisation, lot_cells=step.lot_cells, lot_time=step.lot_time,
                      capital=capital, depreciation=dep, labour=labour, floor_space=floor,
                      overhead=overhead, energy_cost=energy_cost, area=area,
                      operators_per_shift=operators, electric_energy=electric,
                      thermal_energy=thermal)


def _sizes(step: Step, plant: Plant, m: float, cells_per_year: float) -> tuple[float, float, float]:
    """Capital [USD], operators per shift and area [m^2]: BatPaC's per-process rate law when
    the step lists ``batpac`` processes, else the per-unit values scaled with machines."""
    if not step.batpac:
        return (float(cost.scaled_quantity(step.unit_capital_usd, m, step.capital_exponent)),
                float(cost.scaled_quantity(step.operators_per_unit, m, step.labour_exponent)),
                float(cost.scaled_quantity(step.footprint, m, step.area_exponent)))
    here = f"{plant.path}: step {step.name!r}"
    needs_active = any(p.endswith("material_preparation") for p in step.batpac.processes)
    fractions = batpac.active_fractions(plant) if needs_active else (1.0, 1.0)
    baseline = batpac.load_baseline(batpac.edition_of(plant))
    rates = batpac.plant_rates(plant.cell, cells_per_year, plant.annual_energy, fractions,
                               baseline)
    capital, hours, area = batpac.step_inputs(step.batpac, plant.cell, rates, here, baseline)
    cal = plant.calendar
    operators = hours / (cal.shifts_per_day * cal.hours_per_shift * cal.days_per_year)
    return capital, operators, area


def _step_energy(step: Step, plant: Plant, busy: float, cells_in: float,
                 first_yield: float) -> tuple[float, float]:
    """Electric and thermal energy of a step per year [J/yr]."""
    electric = step.electric_power * busy + step.electric_energy_per_cell * cells_in
    thermal = step.thermal_power * busy + step.thermal_energy_per_cell * cells_in
    if step.dryer:
        heat, fan = _dryer(step, plant)
        if step.dryer.heating == "electric":
            electric += heat * busy
        else:
            thermal += heat * busy
        electric += fan * busy
    if step.nmp_recovery:
        nmp_rate = plant.cell.nmp_mass() * plant.output_rate / first_yield
        e, t = _nmp_recovery(step.nmp_recovery, nmp_rate)
        electric += e * plant.calendar.operating_seconds
        thermal += t * plant.calendar.operating_seconds
    if step.dry_room:
        room = step.dry_room
        e, t = _dry_room(room)
        seconds = room.hours_per_year or plant.calendar.operating_seconds
        electric += e * seconds
        if room.regeneration == "electric":
            electric += t * seconds
        else:
            thermal += t * seconds
    return float(electric), float(thermal)


def _dryer(step: Step, plant: Plant) -> tuple[float, float]:
    d = step.dryer
    electrodes = ("cathode", "anode") if step.electrode == "both" else (step.electrode,)
    masses = [plant.cell.solvent_mass(e) for e in electrodes]
    heats = [energy.latent_heat(plant.cell.solvent(e)) for e in electrodes]
    solvent = sum(masses) * step.unit_rate  # [kg/s] evaporated while the unit runs
    latent = (sum(m * q for m, q in zip(masses, heats, strict=True)) / sum(masses)
              if sum(masses) > 0 else 0.0)  # mass-weighted latent heat [J/kg]
    heat, fan = energy.dryer_power(
        d.air_flow, d.air_temperature, d.ambient_temperature, solvent, latent,
        heat_recovery=d.heat_recovery, heater_efficiency=d.heater_efficiency,
        fan_pressure=d.fan_pressure)
    return float(heat), float(fan)


def _nmp_recovery(d, nmp_rate: float) -> tuple[float, float]:
    return energy.nmp_recovery_power(
        nmp_rate, d.max_concentration, d.inlet_temperature, d.condenser_temperature,
        cooling_cop=d.cooling_cop, distillation_heat=d.distillation_heat,
        recovered_fraction=d.recovered_fraction, fan_pressure=d.fan_pressure)


def _dry_room(d) -> tuple[float, float]:
    e, t = energy.dry_room_power(
        d.volume, d.air_changes, d.makeup_fraction, d.room_dew_point, d.outdoor_dew_point,
        d.outdoor_temperature, d.room_temperature, internal_moisture=d.internal_moisture,
        regeneration_heat=d.regeneration_heat, cooling_cop=d.cooling_cop,
        fan_pressure=d.fan_pressure, adsorption_heat=d.adsorption_heat)
    return float(e), float(t)


def _shares(results: list[StepResult], annual_cells: float) -> None:
    costs = np.array([r.cost_per_year for r in results])
    energies = np.array([r.energy for r in results])
    for r, c, e in zip(results, costs, energies, strict=True):
        r.cost_share = float(c / costs.sum()) if costs.sum() > 0 else 0.0
        r.energy_share = float(e / energies.sum()) if energies.sum() > 0 else 0.0
        r.energy_per_cell = float(e / annual_cells)
        r.cost_per_cell = float(c / annual_cells)
