"""Sobol sensitivity of chain outputs to machine settings (SALib, Saltelli sampling).

Each chosen setting varies uniformly over nominal +- ``width`` standard deviations of its
tolerance (or +- 5 % of nominal when it has none); all other settings keep their Monte Carlo
variation off (nominal), so the indices apportion the output variance among the chosen
settings only. One vectorised chain call evaluates all N (2D + 2) Saltelli points.
Sources: Sobol (2001), Saltelli et al. (2010), SALib (Herman & Usher 2017).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from SALib.analyze import sobol
from SALib.sample import sobol as sobol_sample

from gigatwin.citations import Citation, cite
from gigatwin.twin.chain import run
from gigatwin.twin.recipe import Recipe
from gigatwin.twin.sampling import SettingDraws

SALTELLI_2010 = Citation(
    key="saltelli2010", authors="Saltelli, Annoni, Azzini, Campolongo, Ratto, Tarantola",
    title="Variance based sensitivity analysis of model output. Design and estimator for the "
          "total sensitivity index", venue="Computer Physics Communications 181 (2010) 259-270",
    year=2010, doi="10.1016/j.cpc.2009.09.018")
HERMAN_2017 = Citation(
    key="herman2017", authors="Herman, Usher", title="SALib: An open-source Python library for "
    "Sensitivity Analysis", venue="Journal of Open Source Software 2(9) (2017) 97", year=2017,
    doi="10.21105/joss.00097")

# Short names people ask for -> (step, output); "yield" is the per-sample pass probability.
# Any other output is named by its (qualified) spec key, e.g. cathode.calendered_porosity.
OUTPUTS = {
    "capacity": ("cell", "cell_capacity"), "energy": ("cell", "cell_energy"),
    "energy_density": ("cell", "gravimetric_energy_density"),
    "dcir": ("formation", "formation_internal_resistance"), "yield": ("", "yield"),
}


def output_address(output: str) -> tuple[str, str]:
    """(step, qualified key) of an output name: a short name of :data:`OUTPUTS` or a
    (qualified) spec key; KeyError naming close keys otherwise."""
    from gigatwin.spec.vocabulary import step_of

    if output in OUTPUTS:
        return OUTPUTS[output]
    return step_of(output), output


@dataclass
class SobolResult:
    output: str
    parameters: list[str]
    first_order: np.ndarray
    first_order_conf: np.ndarray
    total_order: np.ndarray
    total_order_conf: np.ndarray
    evaluations: int

    def rows(self) -> list[tuple[str, float, float, float, float]]:
        order = np.argsort(-self.total_order)
        return [(self.parameters[i], float(self.first_order[i]), float(self.first_order_conf[i]),
                 float(self.total_order[i]), float(self.total_order_conf[i])) for i in order]


def default_parameters(recipe: Recipe) -> list[str]:
    """Every machine setting of the recipe that has a tolerance."""
    return sorted(p for p, s in recipe.settings.items() if s.std > 0)


def sobol_indices(recipe: Recipe, output: str = "capacity", parameters: list[str] | None = None,
                  base_samples: int = 256, width: float = 3.0, seed: int = 0) -> SobolResult:
    """First- and total-order Sobol indices of ``output`` w.r.t. ``parameters``."""
    try:
        output_address(output)
    except KeyError as exc:
        raise ValueError(f"output {output!r}: {exc.args[0]}; short names: "
                         f"{', '.join(sorted(OUTPUTS))}") from None
    parameters = parameters or default_parameters(recipe)
    bounds = []
    for path in parameters:
        s = recipe[path]
        half = width * s.std if s.std > 0 else 0.05 * abs(s.nominal) or 1e-12
        bounds.append([s.nominal - half, s.nominal + half])
    problem = {"num_vars": len(parameters), "names": parameters, "bounds": bounds}
    x = sobol_sample.sample(problem, base_samples, calc_second_order=False, seed=seed)
    y = evaluate(recipe, output, dict(zip(parameters, x.T, strict=True)), len(x))
    cite(SALTELLI_2010, HERMAN_2017)
    res = sobol.analyze(problem, y, calc_second_order=False, seed=seed)
    return SobolResult(output, parameters, res["S1"], res["S1_conf"], res["ST"], res["ST_conf"],
                       len(x))


def evaluate(recipe: Recipe, output: str, given: dict[str, np.ndarray], samples: int) -> np.ndarray:
    """One vectorised chain run with the given setting values, returning the output array."""
    from gigatwin.twin.chain import _yields

    draw = SettingDraws(recipe, np.random.default_rng(0), samples, nominal=True, given=given)
    outputs = run(recipe, draw)
    step, name = output_address(output)
    if output == "yield":
        return _yields(recipe, outputs)[2]
    return np.asarray(outputs[step][name], dtype=float)


def plot_indices(result: SobolResult, path) -> None:
    """Horizontal bar chart of first- and total-order indices (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result.rows()[::-1]
    names = [r[0] for r in rows]
    y = np.arange(len(rows))
    fig, ax = plt.subplots(figsize=(8, 0.35 * len(rows) + 1.5))
    ax.barh(y + 0.2, [r[3] for r in rows], 0.4, xerr=[r[4] for r in rows], label="total order")
    ax.barh(y - 0.2, [r[1] for r in rows], 0.4, xerr=[r[2] for r in rows], label="first order")
    ax.set_yticks(y, names, fontsize=8)
    ax.set_xlabel("Sobol index")
    ax.set_title(f"Sensitivity of {result.output} ({result.evaluations} chain evaluations)")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
