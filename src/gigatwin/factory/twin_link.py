"""The factory's one adapter to the process-chain twin (gigatwin.twin).

- :func:`cell_from_recipe`: ``cell: {recipe: ../recipes/nmc622_graphite_pouch.yaml}`` in
  a plant file runs the twin at the recipe's nominal settings and takes the cell's
  capacity, nominal voltage, mass, coating masses, slurry solid contents and foil areas.
- :func:`formation_from_recipe`: formation and aging time and the net electric energy of
  one cell from the recipe's protocol, for steps with ``spec_step: formation`` or
  ``aging_eol``. The physics is the twin's alone
  (``cell_steps.formation_time_and_energy``: electrode balancing, protocol walk,
  ``steps.formation.formation_electric_energy``); the plant only says which cycler runs
  the protocol (charger efficiency, energy recovery), handed to the twin as the recipe's
  ``formation.formation_charger_efficiency`` and
  ``formation.formation_energy_recovery_efficiency``.

The twin is part of the same package and imported directly (an import error shows). This
module imports nothing from the rest of the factory but the error type (no import cycle
with ``plant``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from gigatwin.factory.schema import PlantError
from gigatwin.twin import cell_steps, chain
from gigatwin.twin.recipe import Recipe, RecipeError, load_recipe

# the plant's cycler entries (plant.Step) -> the twin's recipe settings they set
CYCLER_SETTINGS = {"charger_efficiency": "formation.formation_charger_efficiency",
                   "energy_recovery": "formation.formation_energy_recovery_efficiency"}


@lru_cache(maxsize=8)
def _recipe(recipe_path: Path, cycler: tuple[tuple[str, float], ...] = ()) -> Recipe:
    """The validated recipe, with the plant's cycler settings ((recipe path, value), ...)."""
    if not recipe_path.exists():
        raise PlantError(f"no such recipe file {recipe_path}")
    try:
        return load_recipe(recipe_path, overrides=dict(cycler))
    except RecipeError as exc:
        raise PlantError(str(exc)) from exc


@lru_cache(maxsize=8)
def _nominal(recipe_path: Path) -> dict:
    return chain.simulate(_recipe(recipe_path), samples=1, seed=0).nominal


def cell_from_recipe(recipe_path: Path) -> dict:
    """Cell entries (quantity strings) computed by the twin at nominal settings."""
    return cell_entries(_nominal(Path(recipe_path)),
                        f"gigatwin.twin nominal run of {Path(recipe_path).name}")


def cell_entries(nominal: dict[str, dict[str, float]], source: str) -> dict:
    """A plant file's ``cell`` entries (quantity strings, SI) from a nominal chain run;
    ``source`` says which run (a recipe file, a design candidate)."""
    cell, coating, mixing = nominal["cell"], nominal["coating"], nominal["mixing"]
    entries = {
        "capacity": f"{cell['cell_capacity']} A*s",
        "nominal_voltage": f"{cell['cell_nominal_voltage']} V",
        "mass": f"{cell['cell_mass']} kg",
        "cathode_coating_mass": f"{cell['cathode.coating_mass']} kg",
        "anode_coating_mass": f"{cell['anode.coating_mass']} kg",
        "cathode_solids_fraction": mixing["cathode.slurry_solid_content"],
        "anode_solids_fraction": mixing["anode.slurry_solid_content"],
        "source": source,
    }
    for electrode in ("cathode", "anode"):
        # coating mass = areal loading (per face) x coated area (both faces) -> foil area = half
        coated = (cell[f"{electrode}.coating_mass"]
                  / coating[f"{electrode}.coating_areal_loading"])
        entries[f"{electrode}_area"] = f"{coated / 2.0} m^2"
    return entries


@dataclass(frozen=True)
class FormationPlan:
    """Formation and aging of one cell by a recipe's protocol (SI), from the twin."""

    protocol_time: float  # [s] CC, CV and rest steps of the protocol, aging excluded
    aging_time: float  # [s]
    energy: float  # [J] net electric energy drawn from the grid over the protocol


@lru_cache(maxsize=16)
def formation_from_recipe(recipe_path: Path, charger_efficiency: float | None = None,
                          energy_recovery: float | None = None) -> FormationPlan:
    """Protocol time, aging time and net electric energy of one cell (the twin's
    ``cell_steps.formation_time_and_energy`` at the twin's nominal cell capacity).

    charger_efficiency, energy_recovery [1]: the plant's cycler; None keeps the recipe's
    (``formation.formation_charger_efficiency``, ``formation_energy_recovery_efficiency``,
    or the twin's defaults when the recipe has none).
    """
    path = Path(recipe_path)
    cycler = tuple((CYCLER_SETTINGS[name], value)
                   for name, value in (("charger_efficiency", charger_efficiency),
                                       ("energy_recovery", energy_recovery))
                   if value is not None)
    recipe = _recipe(path, cycler)
    capacity = _nominal(path)["cell"]["cell_capacity"]  # [A s]
    try:
        total, energy = cell_steps.formation_time_and_energy(recipe, capacity)
    except ValueError as exc:  # the twin names what the recipe lacks
        raise PlantError(f"formation of {path.name}: {exc}") from exc
    aging = recipe.value("aging_eol.aging_time")  # the twin's total includes it
    return FormationPlan(total - aging, aging, energy)
