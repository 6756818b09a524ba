"""Optional link to the process-chain twin: the plant's cell from a twin recipe.

``cell: {recipe: ../recipes/nmc622_graphite_pouch.yaml}`` in a plant file runs the twin
(gigatwin.twin) at the recipe's nominal settings and takes the cell's capacity, nominal
voltage, mass, coating masses, slurry solid contents and electrode foil areas from it.
Entries given next to ``recipe`` override the twin's values. Imported lazily so the
factory works without the twin.
"""

from __future__ import annotations

from pathlib import Path

from gigatwin.factory.plant import PlantError


def cell_from_recipe(recipe_path: Path) -> dict:
    """Cell entries (quantity strings) computed by the twin at nominal settings."""
    try:
        from gigatwin.twin.chain import simulate
        from gigatwin.twin.recipe import load_recipe
    except ImportError as exc:  # the twin is optional
        raise PlantError(f"cell.recipe needs gigatwin.twin, which is not importable ({exc})") from exc
    if not recipe_path.exists():
        raise PlantError(f"cell.recipe: no such file {recipe_path}")
    nominal = simulate(load_recipe(recipe_path), samples=1, seed=0).nominal
    cell, coating, mixing = nominal["cell"], nominal["coating"], nominal["mixing"]
    entries = {
        "capacity": f"{cell['cell_capacity']} A*s",
        "nominal_voltage": f"{cell['cell_nominal_voltage']} V",
        "mass": f"{cell['cell_mass']} kg",
        "cathode_coating_mass": f"{cell['cathode.coating_mass']} kg",
        "anode_coating_mass": f"{cell['anode.coating_mass']} kg",
        "cathode_solids_fraction": mixing["cathode.slurry_solid_content"],
        "anode_solids_fraction": mixing["anode.slurry_solid_content"],
        "source": f"gigatwin.twin nominal run of {recipe_path.name}",
    }
    for electrode in ("cathode", "anode"):
        # coating mass = areal loading (per face) x coated area (both faces) -> foil area = half
        coated = (cell[f"{electrode}.coating_mass"]
                  / coating[f"{electrode}.coating_areal_loading"])
        entries[f"{electrode}_area"] = f"{coated / 2.0} m^2"
    return entries
