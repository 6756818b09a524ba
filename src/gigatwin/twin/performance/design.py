"""Inverse design: the recipe settings that reach the cell wanted (NSGA-II over the twin).

    >>> problem = load_problem("examples/design/nmc811_21700.yaml")     # doctest: +SKIP
    >>> result = optimise(problem, generations=15, population=24)       # doctest: +SKIP

Decision variables are recipe settings with bounds (in the recipe's units); each candidate
is the recipe with those nominals. Its Monte Carlo run through the chain (``samples``
cells drawn from the recipe's tolerances, one vectorised call) gives the mean gravimetric
energy density, the mean N/P ratio and the yield against the recipe's spec limits; the
surrogate (:mod:`.surrogate`, trained over the same settings) gives the capacity retention
at a C-rate. NSGA-II (Deb et al. 2002, as implemented in pymoo, Blank & Deb 2020) returns
the Pareto front; constraints come from the problem (an N/P window, a minimum yield, a
minimum energy density and a minimum retention) and every candidate stays inside the
surrogate's domain. With a plant file (``plant:``), the objective ``cost_per_kwh``
(minimised) is the factory model's cost per kWh of the candidate's nominal cell
(:mod:`.plant_cost`). Chosen designs are written as recipe files and
re-checked with the physics model.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from gigatwin.citations import Citation, collect, register
from gigatwin.twin.chain import simulate
from gigatwin.twin.performance import simulation
from gigatwin.twin.performance.parameters import parameter_values
from gigatwin.twin.performance.structure import structure_from_chain
from gigatwin.twin.performance.surrogate import Surrogate, Variable, parse_vary, with_nominals
from gigatwin.twin.recipe import Recipe, load_recipe
from gigatwin.units import from_si

DEB_2002 = register(Citation(
    key="deb2002", authors="Deb, Pratap, Agarwal, Meyarivan",
    title="A fast and elitist multiobjective genetic algorithm: NSGA-II",
    venue="IEEE Transactions on Evolutionary Computation 6 (2002) 182-197", year=2002,
    doi="10.1109/4235.996017"))
BLANK_2020 = register(Citation(
    key="blank2020", authors="Blank, Deb", title="pymoo: Multi-Objective Optimization in Python",
    venue="IEEE Access 8 (2020) 89497-89509", year=2020, doi="10.1109/ACCESS.2020.2990567"))
OBJECTIVES = ("energy_density", "retention", "yield", "cost_per_kwh")
# +1 maximised, -1 minimised
SENSE = {"energy_density": 1, "retention": 1, "yield": 1, "cost_per_kwh": -1}
# cost_per_kwh is computed in USD/kWh (money is not a pint unit): shown as it is
UNITS = {"energy_density": "W*h/kg", "retention": "%", "yield": "%", "np_ratio": "1",
         "cost_per_kwh": "USD/kWh"}


@dataclass
class Problem:
    """A design problem: recipe, surrogate, variables, objectives (all maximised),
    the C-rate of the retention, an N/P window and the Monte Carlo size per candidate."""

    name: str
    recipe: Recipe
    surrogate: Surrogate
    variables: list[Variable]
    objectives: list[str]
    retention_rate: float
    np_window: tuple[float, float]
    min_yield: float = 0.0
    samples: int = 200
    seed: int = 0
    min_energy_density: float = 0.0  # [J/kg]
    min_retention: float = 0.0  # [1]
    plant_path: Path | None = None  # factory plant pricing the candidates (cost_per_kwh)
    plant_raw: dict | None = None


def load_problem(path: str | Path) -> Problem:
    """Read a problem YAML (paths relative to it); errors name the key."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"cannot read design problem {path}: {exc}") from exc
    if not isinstance(raw, dict):
        raise ValueError(f"{path}: a design problem is a mapping")
    missing = [k for k in ("recipe", "surrogate", "variables", "objectives") if k not in raw]
    if missing:
        raise ValueError(f"{path}: missing key(s) {', '.join(missing)}")
    recipe = load_recipe(path.parent / raw["recipe"])
    surrogate = Surrogate.load(path.parent / raw["surrogate"])
    variables = _in_domain(path, [parse_vary(recipe, f"{k}={v}")
                                  for k, v in raw["variables"].items()], surrogate)
    objectives = list(raw["objectives"])
    unknown = sorted(set(objectives) - set(OBJECTIVES))
    if unknown or not objectives:
        raise ValueError(f"{path}: objectives {unknown or objectives} not among {OBJECTIVES}")
    rate = float(raw.get("retention_c_rate", max(surrogate.c_rates)))
    if rate not in surrogate.c_rates:
        raise ValueError(f"{path}: retention_c_rate = {rate:g} is not a rate of the surrogate "
                         f"({surrogate.c_rates})")
    window = raw.get("np_ratio", {"min": 1.0, "max": 1.5})
    min_yield = float(raw.get("min_yield", 0.0))
    if not 0 <= min_yield < 1:
        raise ValueError(f"{path}: min_yield = {min_yield} [1] is outside [0, 1)")
    min_retention = float(raw.get("min_retention", 0.0))
    if not 0 <= min_retention <= 1:
        raise ValueError(f"{path}: min_retention = {min_retention} [1] is outside [0, 1]")
    min_energy = _energy_density(path, raw.get("min_energy_density", "0 W*h/kg"))
    plant_path = plant_raw = None
    if "plant" in raw:
        from gigatwin.twin.performance.plant_cost import load_plant_raw

        plant_path = path.parent / raw["plant"]
        plant_raw = load_plant_raw(plant_path)
    elif "cost_per_kwh" in objectives:
        raise ValueError(f"{path}: the objective cost_per_kwh needs a plant file "
                         "(plant: PATH, a gigatwin.factory plant)")
    return Problem(str(raw.get("name", path.stem)), recipe, surrogate, variables, objectives,
                   rate, (float(window["min"]), float(window["max"])), min_yield,
                   int(raw.get("samples", 200)), int(raw.get("seed", 0)), min_energy,
                   min_retention, plant_path, plant_raw)


def _energy_density(path: Path, text) -> float:
    """``min_energy_density`` as a quantity with its unit -> J/kg."""
    from gigatwin.units import UnitError, parse_quantity, same_dimension

    try:
        value, unit = parse_quantity(str(text))
    except UnitError:
        raise ValueError(f"{path}: min_energy_density = {text!r} is not a quantity with "
                         "its unit (e.g. '280 W*h/kg')") from None
    if not same_dimension(unit, "W*h/kg"):
        raise ValueError(f"{path}: min_energy_density = {text!r}: {unit!r} is not an "
                         "energy per mass (W*h/kg)")
    from gigatwin.units import to_si

    si = float(to_si(value, unit))
    if si < 0:
        raise ValueError(f"{path}: min_energy_density = {text!r} is outside [0, inf) W*h/kg")
    return si


def _in_domain(path: Path, variables: list[Variable], surrogate: Surrogate) -> list[Variable]:
    """The variables in the surrogate's order, each inside its domain."""
    known = {v.path: v for v in surrogate.variables}
    given = {v.path: v for v in variables}
    if set(given) != set(known):
        raise ValueError(f"{path}: the variables {sorted(given)} must be the surrogate's: "
                         f"{sorted(known)}")
    for v in variables:
        domain = known[v.path]
        if v.low < domain.low or v.high > domain.high:
            raise ValueError(f"{path}: {v.path} bounds [{v.show(v.low)}, {v.show(v.high)}] "
                             f"leave the surrogate's domain [{domain.show(domain.low)}, "
                             f"{domain.show(domain.high)}]")
    return [given[name] for name in known]


def evaluate(problem: Problem, points: np.ndarray) -> dict[str, np.ndarray]:
    """Objectives and N/P of candidate points ``(n, variables)`` (SI): energy_density
    [J/kg], retention [1], yield [1], np_ratio [1] (means over the Monte Carlo cells),
    and with a plant, cost_per_kwh [USD/kWh] of the candidate's nominal cell."""
    points = np.atleast_2d(points)
    retention = surrogate_retention(problem, points)
    chain = {"energy_density": [], "yield": [], "np_ratio": [], "cost_per_kwh": []}
    priced = problem.plant_raw is not None
    for point in points:
        candidate = with_nominals(problem.recipe, problem.variables, point)
        result = simulate(candidate, samples=problem.samples, seed=problem.seed,
                          nominal_run=priced)
        chain["energy_density"].append(result.outputs["cell"]["gravimetric_energy_density"].mean())
        chain["yield"].append(result.overall_yield)
        chain["np_ratio"].append(result.outputs["cell"]["np_ratio"].mean())
        if priced:
            from gigatwin.twin.performance.plant_cost import cost_per_kwh

            chain["cost_per_kwh"].append(cost_per_kwh(problem.plant_raw, problem.plant_path,
                                                      candidate, result.nominal))
    if not priced:
        del chain["cost_per_kwh"]
    return {"retention": retention, **{k: np.array(v) for k, v in chain.items()}}


@dataclass
class DesignResult:
    """The Pareto front: points (SI), their objectives, N/P, and the citations of the run."""

    problem: Problem
    points: np.ndarray
    values: dict[str, np.ndarray]
    evaluations: int
    citations: list = field(default_factory=list)

    def rows(self) -> list[dict]:
        """One row per Pareto point, settings and objectives in display units."""
        out = []
        for i, point in enumerate(self.points):
            row = {v.path: float(from_si(x, v.unit)) for v, x in zip(self.problem.variables, point,
                                                                       strict=True)}
            for name, unit in UNITS.items():
                if name not in self.values:
                    continue
                value = self.values[name][i]
                row[f"{name} [{unit}]"] = (100 * value if unit == "%" else float(value)
                                           if name == "cost_per_kwh"
                                           else float(from_si(value, unit)))
            out.append(row)
        return out

    def chosen(self) -> list[int]:
        """Indices of the best point for each objective and of the knee (closest to the
        ideal point after scaling each objective to [0, 1] over the front)."""
        scores = np.column_stack([SENSE[o] * self.values[o] for o in self.problem.objectives])
        span = np.ptp(scores, axis=0)
        scaled = (scores - scores.min(axis=0)) / np.where(span > 0, span, 1)
        picks = [int(np.argmax(scores[:, j])) for j in range(scores.shape[1])]
        picks.append(int(np.argmin(np.linalg.norm(1 - scaled, axis=1))))
        low = np.array([v.low for v in self.problem.variables])
        high = np.array([v.high for v in self.problem.variables])
        unit = (self.points - low) / (high - low)
        kept: list[int] = []
        for i in picks:  # one of each group of (nearly) equal designs
            if all(np.max(np.abs(unit[i] - unit[k])) > 1e-3 for k in kept):
                kept.append(i)
        return kept


def optimise(problem: Problem, generations: int = 15, population: int = 24,
             seed: int = 0) -> DesignResult:
    """NSGA-II over the problem; returns the non-dominated feasible points found."""
    from pymoo.algorithms.moo.nsga2 import NSGA2
    from pymoo.core.problem import Problem as PymooProblem
    from pymoo.optimize import minimize

    if generations < 1 or population < 4:
        raise ValueError(f"generations = {generations} must be >= 1 and population = "
                         f"{population} >= 4")
    low = np.array([v.low for v in problem.variables])
    high = np.array([v.high for v in problem.variables])
    count = {"n": 0}

    class _Problem(PymooProblem):
        def __init__(self):
            super().__init__(n_var=len(low), n_obj=len(problem.objectives), n_ieq_constr=5,
                             xl=low, xu=high)

        def _evaluate(self, x, out, *args, **kwargs):
            values = evaluate(problem, x)
            count["n"] += len(x)
            out["F"] = np.column_stack([-SENSE[o] * values[o] for o in problem.objectives])
            # g <= 0 is feasible; each constraint in a unit of order 1
            out["G"] = np.column_stack([problem.np_window[0] - values["np_ratio"],
                                        values["np_ratio"] - problem.np_window[1],
                                        problem.min_yield - values["yield"],
                                        problem.min_retention - values["retention"],
                                        (problem.min_energy_density - values["energy_density"])
                                        / 3.6e5])

    with collect() as used:
        result = minimize(_Problem(), NSGA2(pop_size=population), ("n_gen", generations),
                          seed=seed, verbose=False)
        if result.X is None:
            raise ValueError("no feasible design found: widen the bounds or the N/P window, "
                             "or lower min_yield, min_retention or min_energy_density")
        points = np.atleast_2d(result.X)
        values = evaluate(problem, points)
    return DesignResult(problem, points, values, count["n"] + len(points),
                        [*used, DEB_2002, BLANK_2020])


def write_recipe(problem: Problem, point, path: str | Path) -> Path:
    """The recipe with the point's nominals, as a YAML file ``simulate`` accepts; each varied
    setting is written as ``{value, unit, tolerance}`` in the recipe's unit."""
    raw = copy.deepcopy(problem.recipe.raw)
    for variable, value in zip(problem.variables, point, strict=True):
        setting = problem.recipe[variable.path]
        node = raw
        *parents, leaf = variable.path.split(".")
        for part in parents:
            node = node[part]
        entry = {"value": float(from_si(value, setting.unit)), "unit": setting.unit}
        if setting.std > 0:
            entry["tolerance"] = float(from_si(setting.std, setting.unit))
        node[leaf] = entry
    raw["name"] = f"{problem.recipe.name} (design {Path(path).stem})"
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return Path(path)


def verify(problem: Problem, point, model: str = "dfn") -> dict:
    """The nominal cell of a design through the physics model: retention against the
    surrogate's (relative error), plus the surrogate's 95 % half-width."""
    recipe = with_nominals(problem.recipe, problem.variables, point)
    chain = simulate(recipe, samples=1, seed=problem.seed)
    low = min(problem.surrogate.c_rates)
    cell = parameter_values(structure_from_chain(chain, recipe))
    runs = simulation.discharges(cell, [low, problem.retention_rate], model)
    physics = runs[1].capacity / runs[0].capacity
    surrogate = float(surrogate_retention(problem, point)[0])
    return {"retention_physics": physics, "retention_surrogate": surrogate,
            "relative_error": surrogate / physics - 1}


def surrogate_retention(problem: Problem, points) -> np.ndarray:
    """Capacity at the retention rate over capacity at the lowest rate, from the
    surrogate's means [1]; a DomainError outside its domain."""
    mean, _ = problem.surrogate.predict(np.atleast_2d(points))
    names = problem.surrogate.outputs
    return (mean[:, names.index(f"capacity_{problem.retention_rate:g}C")]
            / mean[:, names.index(f"capacity_{min(problem.surrogate.c_rates):g}C")])
