"""Machine-readable results: every non-share quantity as {"value", "unit"} at the edges.

SI inside; converted here with gigatwin.units (kWh, kWh/kWh, USD/kWh, cells/h, h).
"""

from __future__ import annotations

from gigatwin.factory import batpac
from gigatwin.factory.model import KWH, PlantResult, StepResult
from gigatwin.factory.published import compare_published
from gigatwin.factory.scenarios import Comparison, Scenario
from gigatwin.units import from_si


def q(value: float, unit: str, si: bool = True) -> dict:
    """A quantity object; ``si`` converts ``value`` from SI to ``unit`` first."""
    return {"value": float(from_si(value, unit)) if si else float(value), "unit": unit}


def cells_per_hour(rate: float) -> dict:
    """A rate in cells/s as {"value", "unit": "cells/h"} (pint has no 'cell' unit)."""
    return {"value": float(from_si(rate, "1/h")), "unit": "cells/h"}


def _priced(data: dict, keys: tuple[str, ...]) -> dict:
    """Cost figures the plant does not model become null, never a misleading zero."""
    for key in keys:
        data[key] = {"value": None, "unit": data[key]["unit"]}
    return data


STEP_COSTS = ("cost_per_year", "cost_per_kwh", "capital", "depreciation", "labour",
              "floor_space")


def step_dict(s: StepResult, result: PlantResult) -> dict:
    data = _step_dict(s, result)
    if not result.costed:
        _priced(data, STEP_COSTS)
        data["cost_share"] = None
    return data


def _step_dict(s: StepResult, result: PlantResult) -> dict:
    energy_out = result.annual_energy_output
    return {
        "name": s.name,
        "kind": s.kind,
        "cost_per_year": q(s.cost_per_year, "USD/yr", si=False),
        "cost_share": s.cost_share,
        "cost_per_kwh": q(s.cost_per_year / energy_out * KWH, "USD/kWh", si=False),
        "capital": q(s.capital, "USD", si=False),
        "depreciation": q(s.depreciation, "USD/yr", si=False),
        "labour": q(s.labour, "USD/yr", si=False),
        "floor_space": q(s.floor_space, "USD/yr", si=False),
        "area": q(s.area, "m^2"),
        "operators_per_shift": q(s.operators_per_shift, "1"),
        "energy_per_cell": q(s.energy_per_cell, "kWh"),
        "electric_energy_per_cell": q(s.electric_energy / result.annual_cells, "kWh"),
        "thermal_energy_per_cell": q(s.thermal_energy / result.annual_cells, "kWh"),
        "energy_per_kwh": q(s.energy / energy_out, "kWh/kWh", si=False),
        "energy_share": s.energy_share,
        "machines": q(s.machines, "1"),
        "machine_equivalents": q(s.machine_equivalents, "1"),
        "throughput": cells_per_hour(s.capacity if s.kind != "service" else 0.0),
        "required_rate": cells_per_hour(s.required_rate),
        "utilisation": s.utilisation,
        "process_time": q(s.lot_time if s.kind != "service" else 0.0, "h"),
        "channels": q(s.machines * s.lot_cells if s.kind == "channels" else 0.0, "1"),
        "lot_cells": s.lot_cells,
    }


def result_dict(result: PlantResult) -> dict:
    """The plant's figures; ``cost_scope`` says what ``cost_per_kwh`` covers.

    A plant that prices nothing (an energy reference) has null cost figures, and
    a plant that does not price materials has null materials figures, so that a
    reader never compares a conversion-only cost with a full one unawares.
    """
    data = _result_dict(result)
    data["cost_scope"] = result.cost_scope
    if not result.materials_priced:
        _priced(data, ("materials_cost", "materials_cost_per_kwh"))
    if not result.costed:
        _priced(data, ("cost_per_kwh", "conversion_cost_per_kwh", "cost_per_cell",
                       "capital"))
    return data


def _result_dict(result: PlantResult) -> dict:
    out = result.annual_energy_output
    return {
        "plant": result.plant.name,
        "annual_output": q(out / (365.25 * 86400.0), "GWh/yr"),
        "cells_per_year": {"value": float(result.annual_cells), "unit": "cells/yr"},
        "cost_per_kwh": q(result.cost_per_energy * KWH, "USD/kWh", si=False),
        "conversion_cost_per_kwh": q(result.conversion_cost / out * KWH, "USD/kWh", si=False),
        "cost_per_cell": q(result.cost_per_cell, "USD", si=False),
        "materials_cost": q(result.materials_cost, "USD/yr", si=False),
        "energy_per_kwh": q(result.energy_per_energy, "kWh/kWh", si=False),
        "energy_per_cell": q(result.energy_total / result.annual_cells, "kWh"),
        "capital": q(result.capital, "USD", si=False),
        "floor_area": q(result.floor_area, "m^2"),
        "lead_time": q(result.lead_time, "h"),
        "line_capacity": cells_per_hour(result.line_capacity),
        "bottleneck": result.bottleneck,
        "batpac_edition": _batpac_edition(result.plant),
        "materials_cost_per_kwh": q(result.materials_cost / out * KWH, "USD/kWh", si=False),
        "steps": [step_dict(s, result) for s in result.steps],
        "basis": basis(result),
        "published": [{"figure": c.figure.name, "value": c.value, "unit": c.figure.unit,
                       "published_low": c.figure.low, "published_high": c.figure.high,
                       "inside": c.inside, "sources": list(c.figure.sources)}
                      for c in compare_published(result)],
        "caveats": result.plant.caveats,
        "assumptions": result.plant.assumptions,
    }


def basis(result: PlantResult) -> list[str]:
    """What the printed figures rest on: BatPaC edition and the economic assumptions."""
    plant, eco = result.plant, result.plant.economics
    edition = _batpac_edition(plant)
    sizing = (f"capital, labour and area: BatPaC {edition} baseline plant scaled to this "
              f"plant's rates (X = X0 (R/R0)^p)" if edition else
              "capital, labour and area: the plant file's per-unit values")
    lines = [sizing,
             f"equipment depreciated {100 * eco.equipment_depreciation_rate:.1f} %/yr, "
             f"building {eco.building_cost_usd_per_m2:,.0f} USD/m^2 at "
             f"{100 * eco.building_depreciation_rate:.0f} %/yr, labour "
             f"{eco.labour_rate_usd_per_hour:g} USD/h, overheads {eco.overhead_on_labour:g} x "
             f"labour + {eco.overhead_on_depreciation:g} x depreciation",
             f"electricity {eco.electricity_usd_per_kwh:g} USD/kWh, heat "
             f"{eco.heat_usd_per_kwh:g} USD/kWh, materials {eco.materials_usd_per_cell:g} "
             f"USD per cell before scrap; calendar {plant.calendar.days_per_year:g} d x "
             f"{plant.calendar.shifts_per_day:g} shifts x {plant.calendar.hours_per_shift:g} h"]
    lines += [s.recipe_note for s in plant.steps if s.recipe_note]
    return lines


def _batpac_edition(plant) -> str | None:
    """The BatPaC baseline behind the plant's capital, labour and area (None: not BatPaC)."""
    if not batpac.sized_by_batpac(plant):
        return None
    return batpac.edition_of(plant)


def comparison_dict(comp: Comparison, library: dict[str, Scenario]) -> dict:
    data = result_dict(comp.baseline)
    base = comp.baseline
    data["scenarios"] = []
    for name, res in comp.scenarios.items():
        entry = result_dict(res)
        sc = library[name]
        entry.update(name=name, title=sc.title, source=sc.source,
                     changes=list(res.plant.changes))
        entry["delta"] = {
            "cost_per_kwh": q((res.cost_per_energy - base.cost_per_energy) * KWH, "USD/kWh", si=False),
            "energy_per_kwh": q(res.energy_per_energy - base.energy_per_energy, "kWh/kWh", si=False),
            "lead_time": q(res.lead_time - base.lead_time, "h"),
            "capital": q(res.capital - base.capital, "USD", si=False),
            "cost_per_kwh_by_step": _step_deltas(base, res),
        }
        data["scenarios"].append(entry)
    return data


def _step_deltas(base: PlantResult, res: PlantResult) -> dict:
    def per_kwh(r: PlantResult) -> dict:
        return {s.name: s.cost_per_year / r.annual_energy_output * KWH for s in r.steps}
    b, s = per_kwh(base), per_kwh(res)
    return {name: {"value": s.get(name, 0.0) - b.get(name, 0.0), "unit": "USD/kWh"}
            for name in dict.fromkeys([*b, *s])}
