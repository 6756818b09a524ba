"""Cost per kWh of a design candidate from the factory model (objective ``cost_per_kwh``).

A plant file (``gigatwin.factory``, e.g. ``examples/design/nmc811_21700_plant.yaml``)
gives the machines, yields, calendar and economics; the candidate recipe gives the cell.
The cell's entries are those :func:`gigatwin.factory.twin_link.cell_from_recipe` takes
from a recipe's nominal run (capacity, nominal voltage, mass, coating masses, slurry
solid contents, foil areas = coated area / 2), here from the candidate's nominal run,
already computed by the design's chain call, so no recipe file is read per candidate.
Steps with ``spec_step: formation`` or ``aging_eol`` take their time and the formation
energy from the candidate's protocol (``twin.cell_steps.formation_time_and_energy``, the
twin's physics), run with the plant's cycler (charger efficiency, energy recovery), as
:func:`gigatwin.factory.twin_link.formation_from_recipe` does for a recipe file.

The factory model then sizes every step for the plant's annual output and returns the
cost per cell energy (``PlantResult.cost_per_energy``, USD/J; BatPaC logic, Nelson et
al. 2019 and Knehr et al. 2022, see docs/factory.md). Materials count only as the plant
file prices them (``economics.materials_usd_per_cell``).
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import yaml

from gigatwin.twin.recipe import Recipe, Setting

KWH = 3.6e6  # [J]
CYCLER = {"charger_efficiency": "formation.formation_charger_efficiency",
          "energy_recovery": "formation.formation_energy_recovery_efficiency"}


def load_plant_raw(path: Path) -> dict:
    """The plant file's mapping, checked once by loading and evaluating it with its own
    cell (errors name the file and entry). A plant that prices nothing (no capital,
    labour, area or energy price: an energy reference) has no cost per kWh to minimise:
    a ValueError, not a cost of 0."""
    from gigatwin.factory.model import evaluate_plant
    from gigatwin.factory.plant import load_plant
    from gigatwin.factory.schema import PlantError

    try:
        result = evaluate_plant(load_plant(path))
    except PlantError as exc:
        raise ValueError(f"plant {path}: {exc}") from exc
    if not result.total_cost > 0:
        raise ValueError(f"plant {path} prices nothing (no capital, labour, area or "
                         "energy price): it has no cost per kWh to minimise")
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def with_cycler(recipe: Recipe, step: dict) -> Recipe:
    """The recipe with the plant step's cycler settings (as twin_link does)."""
    settings = dict(recipe.settings)
    for key, path in CYCLER.items():
        if key in step:
            settings[path] = Setting(path, float(step[key]))
    return dataclasses.replace(recipe, settings=settings, derived={}, reads=None)


def cost_per_kwh(plant_raw: dict, plant_path: Path, recipe: Recipe,
                 nominal: dict[str, dict[str, float]]) -> float:
    """Cost per kWh of cells [USD/kWh] of the plant making the recipe's nominal cell."""
    from gigatwin.factory.model import evaluate_plant
    from gigatwin.factory.plant import plant_from_dict
    from gigatwin.factory.schema import PlantError
    from gigatwin.twin.cell_steps import formation_time_and_energy

    raw = copy.deepcopy(plant_raw)
    from gigatwin.factory.twin_link import cell_entries

    raw["cell"] = cell_entries(nominal, f"design candidate of {recipe.name}")
    capacity = nominal["cell"]["cell_capacity"]
    for step in raw["steps"]:
        kind = step.get("spec_step")
        if kind not in ("formation", "aging_eol"):
            continue
        total, energy = formation_time_and_energy(with_cycler(recipe, step), capacity)
        aging = recipe.value("aging_eol.aging_time")
        given = set(step)
        for key in CYCLER:
            step.pop(key, None)
        if kind == "formation":
            step.setdefault("process_time", f"{total - aging} s")
            step.setdefault("electric_energy_per_cell", f"{energy} J")
        else:
            step.setdefault("process_time", f"{aging} s")
        if not given & {"process_time", "electric_energy_per_cell"}:
            step["source"] = "the candidate recipe's formation protocol (gigatwin.twin)"
    try:
        result = evaluate_plant(plant_from_dict(raw, Path(plant_path)))
    except PlantError as exc:
        raise ValueError(f"plant {plant_path} with a candidate of {recipe.name}: "
                         f"{exc}") from exc
    return result.cost_per_energy * KWH
