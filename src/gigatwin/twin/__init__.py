"""The process chain: recipes, cell design, Monte Carlo simulation and sensitivity.

- :mod:`~gigatwin.twin.recipe`: load and validate a cell recipe (YAML, units -> SI once)
- :mod:`~gigatwin.twin.chain`: :func:`simulate` a recipe for N samples -> :class:`ChainResult`
- :mod:`~gigatwin.twin.cell_design`: geometry, capacity, N/P, mass, volume, energy density
- :mod:`~gigatwin.twin.sensitivity`: Sobol indices (SALib) of outputs w.r.t. machine settings
"""

from gigatwin.twin.chain import STEPS, simulate
from gigatwin.twin.recipe import Recipe, RecipeError, load_recipe, recipe_from_dict
from gigatwin.twin.results import ChainResult

__all__ = ["STEPS", "ChainResult", "Recipe", "RecipeError", "load_recipe", "recipe_from_dict",
           "simulate"]
