"""The factory's one adapter to the process-chain twin (gigatwin.twin).

- :func:`cell_from_recipe`: ``cell: {recipe: ../recipes/nmc622_graphite_pouch.yaml}`` in
  a plant file runs the twin at the recipe's nominal settings and takes the cell's
  capacity, nominal voltage, mass, coating masses, slurry solid contents and foil areas.
- :func:`formation_from_recipe`: the formation protocol's duration (the twin's
  ``cell_steps.protocol_duration``, aging taken apart) and the energy a cycler puts into
  and takes out of one cell over the protocol, for steps with ``spec_step: formation`` or
  ``aging_eol``.

The twin is imported lazily so the factory works without it. This module imports nothing
from the rest of the factory but the error type (no import cycle with ``plant``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from gigatwin.factory.schema import PlantError


def _twin():
    try:
        from gigatwin.twin import cell_steps, chain, recipe, sampling
    except ImportError as exc:  # the twin is optional
        raise PlantError(f"cell.recipe needs gigatwin.twin, which is not importable "
                         f"({exc})") from exc
    return cell_steps, chain, recipe, sampling


@lru_cache(maxsize=8)
def _nominal(recipe_path: Path) -> dict:
    _, chain, recipe, _ = _twin()
    if not recipe_path.exists():
        raise PlantError(f"no such recipe file {recipe_path}")
    return chain.simulate(recipe.load_recipe(recipe_path), samples=1, seed=0).nominal


def cell_from_recipe(recipe_path: Path) -> dict:
    """Cell entries (quantity strings) computed by the twin at nominal settings."""
    nominal = _nominal(Path(recipe_path))
    cell, coating, mixing = nominal["cell"], nominal["coating"], nominal["mixing"]
    entries = {
        "capacity": f"{cell['cell_capacity']} A*s",
        "nominal_voltage": f"{cell['cell_nominal_voltage']} V",
        "mass": f"{cell['cell_mass']} kg",
        "cathode_coating_mass": f"{cell['cathode.coating_mass']} kg",
        "anode_coating_mass": f"{cell['anode.coating_mass']} kg",
        "cathode_solids_fraction": mixing["cathode.slurry_solid_content"],
        "anode_solids_fraction": mixing["anode.slurry_solid_content"],
        "source": f"gigatwin.twin nominal run of {Path(recipe_path).name}",
    }
    for electrode in ("cathode", "anode"):
        # coating mass = areal loading (per face) x coated area (both faces) -> foil area = half
        coated = (cell[f"{electrode}.coating_mass"]
                  / coating[f"{electrode}.coating_areal_loading"])
        entries[f"{electrode}_area"] = f"{coated / 2.0} m^2"
    return entries


@dataclass(frozen=True)
class FormationPlan:
    """Formation of one cell by a recipe's protocol (SI)."""

    protocol_time: float  # [s] CC, CV and rest steps of the protocol, aging excluded
    aging_time: float  # [s]
    charge_energy: float  # [J] into the cell over the protocol
    discharge_energy: float  # [J] out of the cell over the protocol

    def grid_energy(self, recovery: float = 0.0, charger_efficiency: float = 1.0) -> float:
        """Energy drawn per cell E = E_charge / eta - r E_discharge [J].

        recovery [1] r: share of the discharge energy fed back (regenerative cyclers);
        charger_efficiency [1] eta of the cycler when charging.
        """
        return self.charge_energy / charger_efficiency - recovery * self.discharge_energy


@lru_cache(maxsize=8)
def formation_from_recipe(recipe_path: Path) -> FormationPlan:
    """Protocol time (the twin's), aging time and the cycler energy of one cell.

    Energy of a CC step from SOC a to b: Q |int_a^b OCV(s) ds| (OCV table of the recipe,
    linear between points, so the trapezoid rule on its points is exact); of a CV hold at
    the voltage reached: Q C_0 tau (1 - C_cut / C_0) x V (exponential current decay, the
    charge that the twin's cv_step_duration implies). Q is the twin's nominal capacity.
    """
    cell_steps, _, recipe_mod, sampling = _twin()
    path = Path(recipe_path)
    capacity = _nominal(path)["cell"]["capacity"]  # [A s]
    recipe = recipe_mod.load_recipe(path)
    draw = sampling.SettingDraws(recipe, np.random.default_rng(0), 1, nominal=True)
    total = float(np.asarray(cell_steps.protocol_duration(recipe, draw)).ravel()[0])
    aging = float(np.asarray(draw("formation.aging_time")).ravel()[0])
    charge, discharge = _protocol_energy(recipe, capacity)
    return FormationPlan(total - aging, aging, charge, discharge)


def _protocol_energy(recipe, capacity: float) -> tuple[float, float]:
    """Charge and discharge energy of the protocol [J] (walk as in the twin)."""
    ocv = recipe.text("cell.ocv")
    soc_table = np.asarray(ocv["soc"], dtype=float)
    volt_table = np.asarray(ocv["voltage"], dtype=float)
    soc = recipe.get("formation.start_soc", 0.0)
    last_rate, charge, discharge = None, 0.0, 0.0
    sequence = [(f"formation.protocol.{i}", s)
                for i, s in enumerate(recipe.text("formation.protocol", []))]
    for _ in range(int(recipe.get("formation.cycle_count", 0))):
        sequence += [(f"formation.cycle.{i}", s)
                     for i, s in enumerate(recipe.text("formation.cycle", []))]
    for path, step in sequence:
        if step["step"] in ("charge", "discharge"):
            target = (float(np.interp(recipe.value(f"{path}.to_voltage"), volt_table,
                                      soc_table))
                      if f"{path}.to_voltage" in recipe.settings
                      else recipe.value(f"{path}.to_soc"))
            energy = capacity * abs(_ocv_integral(soc, target, soc_table, volt_table))
            if target >= soc:
                charge += energy
            else:
                discharge += energy
            soc, last_rate = target, recipe.value(f"{path}.c_rate")
        elif step["step"] == "cv":
            cutoff = recipe.value(f"{path}.cutoff_c_rate")
            tau = recipe.value(f"{path}.time_constant") / 3600.0  # [h], rates are per hour
            hold = float(np.interp(soc, soc_table, volt_table))
            charge += capacity * last_rate * tau * (1.0 - cutoff / last_rate) * hold
    return charge, discharge


def _ocv_integral(a: float, b: float, soc, volts) -> float:
    """int_a^b OCV(s) ds [V] for the piecewise-linear table (exact trapezoid)."""
    lo, hi = min(a, b), max(a, b)
    points = np.array(sorted({lo, hi, *[s for s in soc if lo < s < hi]}))
    v = np.interp(points, soc, volts)
    return float(np.sum(0.5 * (v[1:] + v[:-1]) * np.diff(points)))
