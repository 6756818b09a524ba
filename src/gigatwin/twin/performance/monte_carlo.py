"""Rate capability of every Monte Carlo cell from a surrogate (``simulate --performance``).

Each cell of a sweep (:mod:`gigatwin.twin.sweep`) gets the surrogate's mean capacity and
energy at each of the surrogate's C-rates and its DC resistance, evaluated at the
cell's own drawn values of the surrogate's variables (the recipe settings it was trained
over). The scatter that the recipe's other tolerances add is in the Gaussian process's
white-noise term (:mod:`.surrogate`), not in these means.

A cell whose drawn settings leave the training domain is never extrapolated: it gets no
prediction, its flag ``out_of_domain`` is 1, and the number of such cells is reported.
The performance statistics are over the cells inside the domain.

The recipe simulated must be the surrogate's, apart from the variables' nominals and
tolerances:
any other setting that differs (nominal or tolerance) is a ValueError naming it, since
the surrogate never saw that cell.
"""

from __future__ import annotations

import numpy as np

from gigatwin.twin.performance.surrogate import Surrogate
from gigatwin.twin.recipe import Recipe

STEP = "performance"  # the section of a sweep's outputs that this module fills
FLAG = "out_of_domain"
REL = 1e-9  # relative difference below which two settings are the same


def check_recipe(surrogate: Surrogate, recipe: Recipe) -> None:
    """ValueError listing the settings of ``recipe`` that differ from the surrogate's
    recipe, other than its variables (nominal and tolerance: each cell is evaluated at
    its own drawn values, which the domain checks)."""
    trained = surrogate.recipe().settings
    varied = {v.path for v in surrogate.variables}
    differ = []
    for path in sorted(set(trained) | set(recipe.settings)):
        a, b = trained.get(path), recipe.settings.get(path)
        if a is None or b is None:
            differ.append(f"{path} ({'only in the simulated recipe' if a is None else 'missing'})")
            continue
        if path in varied:  # each cell is evaluated at its own drawn value
            continue
        if not (_close(a.nominal, b.nominal) and _close(a.std, b.std)):
            differ.append(f"{path} = {b.nominal:.6g} +- {b.std:.3g} (surrogate's recipe: "
                          f"{a.nominal:.6g} +- {a.std:.3g}) [SI]")
    if differ:
        shown = "; ".join(differ[:5]) + (f"; and {len(differ) - 5} more" if len(differ) > 5
                                         else "")
        raise ValueError(f"the recipe {recipe.name!r} is not the one the surrogate was "
                         f"trained on ({surrogate.recipe_name!r}) apart from its variables "
                         f"({', '.join(sorted(varied))}): {shown}")


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= REL * max(abs(a), abs(b))


class SurrogateCells:
    """The ``extra`` of a sweep: ``{"performance": {output: array}}`` per chunk, one
    value per cell inside the domain, plus the 0/1 flag of every cell. Picklable (sent
    to dask workers with the surrogate)."""

    def __init__(self, surrogate: Surrogate):
        self.surrogate = surrogate

    def __call__(self, recipe: Recipe, draws, outputs) -> dict[str, dict[str, np.ndarray]]:
        s = self.surrogate
        x = np.column_stack([np.broadcast_to(draws(v.path), (draws.samples,))
                             for v in s.variables])
        low = np.array([v.low for v in s.variables])
        high = np.array([v.high for v in s.variables])
        inside = np.all((x >= low) & (x <= high), axis=1)
        out = {FLAG: (~inside).astype(float)}
        if inside.any():
            mean, _ = s.predict(x[inside])
            out.update({name: mean[:, j] for j, name in enumerate(s.outputs)})
        else:
            out.update({name: np.empty(0) for name in s.outputs})
        return {STEP: out}

    def units(self) -> dict[str, dict[str, str]]:
        return {STEP: units(self.surrogate)}


def units(surrogate: Surrogate) -> dict[str, str]:
    """Display unit of each performance output: the data specification's units of what
    the end-of-line test measures (``rate_capability.SPEC_KEYS``)."""
    from gigatwin.spec import load_registry
    from gigatwin.twin.performance.rate_capability import SPEC_KEYS

    spec = load_registry().parameters
    out = {FLAG: "1"}
    for name in surrogate.outputs:
        quantity = "dc_resistance" if name == "dc_resistance" else name.split("_")[0]
        out[name] = spec[SPEC_KEYS[quantity]].display_unit
    return out
