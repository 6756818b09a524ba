"""Rate capability of a recipe over sampled cells: the twin, then PyBaMM per cell.

    >>> from gigatwin.twin import load_recipe
    >>> from gigatwin.twin.performance.rate_capability import rate_capability
    >>> result = rate_capability(load_recipe("examples/recipes/nmc811_sigraphite_21700.yaml"),
    ...                          c_rates=[0.1, 1, 2], samples=4)        # doctest: +SKIP

The chain draws ``samples`` cells from the recipe's tolerances; each sampled cell, and the
nominal one, gets its own parameter set (:mod:`.parameters`) and runs the discharges, the
DC pulse and optionally a charge (:mod:`.simulation`). A cell's result depends on its own
draws only. Specific energy and power use the twin's cell mass: P = E / t of the discharge.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from gigatwin.citations import Citation, collect
from gigatwin.twin.chain import simulate
from gigatwin.twin.performance import simulation
from gigatwin.twin.performance.parameters import parameter_values
from gigatwin.twin.performance.simulation import Charge, Discharge
from gigatwin.twin.performance.structure import CellStructure, structure_from_chain
from gigatwin.twin.recipe import Recipe

DEFAULT_RATES = (0.1, 0.5, 1.0, 2.0, 3.0)
# The data specification's keys for what the end-of-line test measures of the same cell:
# the model predicts these quantities (at each C-rate, and for the 10 s pulse), so they
# carry the spec's units and names in reports.
SPEC_KEYS = {"capacity": "eol_discharge_capacity", "energy": "eol_discharge_energy",
             "dc_resistance": "eol_dc_internal_resistance",
             "pulse_duration": "dcir_pulse_duration", "pulse_current": "dcir_pulse_current"}


@dataclass
class CellPerformance:
    """One cell: its structure, parameter provenance, discharges, DC resistance, charge."""

    structure: CellStructure
    parameters: dict
    discharges: list[Discharge]
    dc_resistance: float
    charge: Charge | None = None


@dataclass
class RateCapability:
    """The nominal cell and the sampled cells of a recipe, and the citations of the run."""

    recipe: str
    model: str
    c_rates: list[float]
    nominal: CellPerformance
    cells: list[CellPerformance]
    citations: list[Citation] = field(default_factory=list)

    def array(self, quantity: str) -> np.ndarray:
        """``(cells, rates)`` array of a discharge quantity of the sampled cells (SI):
        capacity, energy, mean_voltage, duration, retention (capacity over the capacity at
        the lowest rate), specific_energy [J/kg], specific_power [W/kg]."""
        cells = self.cells or [self.nominal]
        if quantity == "retention":
            capacity = self.array("capacity")
            return capacity / capacity[:, [int(np.argmin(self.c_rates))]]
        if quantity in ("specific_energy", "specific_power"):
            mass = np.array([[c.structure.cell_mass] for c in cells])
            energy = self.array("energy")
            return energy / mass if quantity == "specific_energy" else \
                energy / self.array("duration") / mass
        return np.array([[getattr(d, quantity) for d in c.discharges] for c in cells])

    def table(self) -> list[dict]:
        """One row per C-rate: nominal, mean, std, p05, p95 of each quantity (SI)."""
        rows = []
        for j, rate in enumerate(self.c_rates):
            row = {"c_rate": rate}
            for quantity in ("capacity", "energy", "mean_voltage", "retention",
                             "specific_energy", "specific_power"):
                values = self.array(quantity)[:, j]
                nominal = _nominal(self, quantity, j)
                p05, p95 = np.percentile(values, [5, 95])
                row[quantity] = {"nominal": nominal, "mean": float(values.mean()),
                                 "std": float(values.std(ddof=1)) if values.size > 1 else 0.0,
                                 "p05": float(p05), "p95": float(p95)}
            rows.append(row)
        return rows

    def to_dict(self) -> dict:
        """JSON document (SI units, named in each key's ``unit``)."""
        def cell(c: CellPerformance) -> dict:
            return {"name": c.structure.name, "dc_resistance": c.dc_resistance,
                    "charge": None if c.charge is None else {
                        "c_rate": c.charge.c_rate, "capacity": c.charge.capacity,
                        "duration": c.charge.duration,
                        "plating_margin": c.charge.plating_margin,
                        "plating": c.charge.plating},
                    "discharges": [{"c_rate": d.c_rate, "current": d.current,
                                    "capacity": d.capacity, "energy": d.energy,
                                    "mean_voltage": d.mean_voltage, "duration": d.duration,
                                    "curve": {"discharged": d.discharged,
                                              "voltage": d.voltage}}
                                   for d in c.discharges]}
        return {"recipe": self.recipe, "model": self.model, "c_rates": self.c_rates,
                "samples": len(self.cells), "spec_keys": SPEC_KEYS,
                "units": {"capacity": "C", "energy": "J", "mean_voltage": "V",
                          "retention": "1", "specific_energy": "J/kg",
                          "specific_power": "W/kg", "dc_resistance": "ohm",
                          "plating_margin": "V", "duration": "s", "current": "A"},
                "table": self.table(),
                "parameters": self.nominal.parameters,
                "nominal": cell(self.nominal), "cells": [cell(c) for c in self.cells],
                "citations": [c.as_dict() for c in self.citations]}


def _nominal(result: RateCapability, quantity: str, j: int) -> float:
    single = RateCapability(result.recipe, result.model, result.c_rates, result.nominal, [])
    return float(single.array(quantity)[0, j])


def cell_performance(structure: CellStructure, c_rates, model: str = "dfn",
                     mesh: str = "default", charge_rate: float | None = None,
                     pulse_soc: float = 0.5, pulse_rate: float = 1.0,
                     pulse_duration: float = 10.0) -> CellPerformance:
    """Parameter set, discharges, DC pulse and optional charge of one cell."""
    cell = parameter_values(structure)
    return CellPerformance(
        structure=structure, parameters=cell.summary(),
        discharges=simulation.discharges(cell, c_rates, model, mesh),
        dc_resistance=simulation.dc_resistance(cell, pulse_soc, pulse_rate, pulse_duration,
                                               model, mesh),
        charge=None if charge_rate is None else simulation.charge(cell, charge_rate, model,
                                                                  mesh))


def rate_capability(recipe: Recipe, c_rates=DEFAULT_RATES, model: str = "dfn",
                    samples: int = 4, seed: int | None = 0, mesh: str = "default",
                    charge_rate: float | None = None,
                    progress: Callable[[int, int], None] | None = None) -> RateCapability:
    """Rate capability of the nominal cell and of ``samples`` cells drawn from the recipe.

    ``progress(done, total)`` is called after each cell (for a progress bar).
    """
    if samples < 0:
        raise ValueError(f"samples = {samples} [1] is outside the allowed range [0, inf)")
    rates = sorted(float(r) for r in c_rates)
    with collect() as used:
        chain = simulate(recipe, samples=max(samples, 1), seed=seed)
        structures = [structure_from_chain(chain, recipe)]
        structures += [structure_from_chain(chain, recipe, i) for i in range(samples)]
        results = []
        for i, structure in enumerate(structures):
            results.append(cell_performance(structure, rates, model, mesh, charge_rate))
            if progress is not None:
                progress(i + 1, len(structures))
    return RateCapability(recipe.name, model, rates, results[0], results[1:], list(used))
