"""Surrogates of the performance model: Gaussian processes over chosen recipe settings.

    train:  a Latin-hypercube design of the varied settings (McKay et al. 1979) inside
            their bounds; each point is one cell of the chain with those nominals and the
            recipe's tolerances drawn (its own seed), run through PyBaMM; a Gaussian
            process per output (capacity and energy at each C-rate, DC resistance).
    check:  fresh physics runs at new design points against the surrogate's predictions.

Kernel: C x RBF with one length scale per setting (automatic relevance) + white noise,
hyperparameters by maximum marginal likelihood (Rasmussen & Williams 2006, ch. 2 and 5);
inputs scaled to the unit cube, outputs normalised. The white-noise term absorbs the
process scatter of the tolerances, so the 95 % interval mean +- 1.96 sigma is for a new
cell, not for the mean cell. A GP interpolates smoothly inside the data, gives its own
uncertainty and needs few runs, which matters when each costs a DFN solve.

The model file is JSON: the recipe, the domain, the training data and each GP's fitted
kernel hyperparameters (the GP is refitted with them on load, no optimiser, no pickle),
and the held-out errors of exactly that model. Outside its domain it raises
:class:`DomainError` and never extrapolates in silence.
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from gigatwin.citations import Citation, cite, register
from gigatwin.twin.chain import simulate
from gigatwin.twin.performance.rate_capability import cell_performance
from gigatwin.twin.performance.structure import structure_from_chain
from gigatwin.twin.recipe import Recipe, recipe_from_dict
from gigatwin.units import from_si, to_si

RASMUSSEN_2006 = register(Citation(
    key="rasmussen2006", authors="Rasmussen, Williams",
    title="Gaussian Processes for Machine Learning", venue="MIT Press", year=2006,
    url="https://gaussianprocess.org/gpml/"))
MCKAY_1979 = register(Citation(
    key="mckay1979", authors="McKay, Beckman, Conover",
    title="A comparison of three methods for selecting values of input variables in the "
          "analysis of output from a computer code", venue="Technometrics 21 (1979) 239-245",
    year=1979, doi="10.2307/1268522"))
Z95 = 1.959963984540054  # two-sided 95 % quantile of the standard normal
# /2: recipe and variables in the spec vocabulary, cells balanced on half-cell OCV curves
FORMAT = "gigatwin-surrogate/2"
OLD_FORMATS = {"gigatwin-surrogate/1": "the twin's names and physics before the data "
                                       "specification's vocabulary and electrode balancing"}


class DomainError(ValueError):
    """A prediction asked for outside the surrogate's training domain."""


@dataclass(frozen=True)
class Variable:
    """A varied recipe setting: dotted path, bounds in SI, the recipe's unit for display."""

    path: str
    low: float
    high: float
    unit: str

    def show(self, value: float) -> str:
        return f"{float(from_si(value, self.unit)):.6g} {self.unit}"


def parse_vary(recipe: Recipe, text: str) -> Variable:
    """``KEY=LOW:HIGH`` with LOW and HIGH in the unit the recipe gives the setting."""
    try:
        path, bounds = text.split("=", 1)
        low_text, high_text = bounds.split(":", 1)
        low_value, high_value = float(low_text), float(high_text)
    except ValueError:
        raise ValueError(f"--vary {text!r} is not KEY=LOW:HIGH") from None
    setting = _setting(recipe, path.strip())
    low, high = (float(to_si(v, setting.unit)) for v in (low_value, high_value))
    if not low < high:
        raise ValueError(f"--vary {text!r}: LOW must be below HIGH [{setting.unit}]")
    return Variable(path.strip(), low, high, setting.unit)


def parse_set(recipe: Recipe, text: str) -> tuple[Variable, float]:
    """``KEY=VALUE`` -> (setting, SI value): VALUE a bare number in the unit the recipe
    gives the setting, or a quantity with its unit (``cathode.calender_line_load=900 N/mm``,
    as ``gigatwin simulate --set`` takes it)."""
    from gigatwin.units import UnitError, parse_quantity, same_dimension

    path, sep, value_text = text.partition("=")
    if not sep or not path.strip() or not value_text.strip():
        raise ValueError(f"--set {text!r} is not KEY=VALUE")
    setting = _setting(recipe, path.strip())
    try:
        value, unit = float(value_text), setting.unit
    except ValueError:
        try:
            value, unit = parse_quantity(value_text)
        except UnitError:
            raise ValueError(f"--set {text!r}: {value_text.strip()!r} is not a number or a "
                             f"quantity with its unit") from None
    if not same_dimension(unit, setting.unit):
        raise ValueError(f"--set {text!r}: unit {unit!r} does not measure "
                         f"{setting.path} (given in {setting.unit})")
    si = float(to_si(value, unit))
    return Variable(path.strip(), si, si, setting.unit), si


def _setting(recipe: Recipe, path: str):
    """The recipe's setting at ``path``; a KeyError naming it (and its new name when the
    path is one of the old names of renamed.yaml)."""
    from gigatwin.spec.vocabulary import renamed_setting

    try:
        return recipe[path]
    except KeyError as exc:
        new = renamed_setting(path)
        if new is None:
            raise
        raise KeyError(f"{exc.args[0]}: renamed to {new!r}") from None


def latin_hypercube(variables: list[Variable], runs: int, seed: int) -> np.ndarray:
    """``(runs, variables)`` design points in SI, space-filling inside the bounds."""
    from scipy.stats import qmc

    cite(MCKAY_1979)
    unit = qmc.LatinHypercube(d=len(variables), seed=seed).random(runs)
    low = np.array([v.low for v in variables])
    high = np.array([v.high for v in variables])
    return low + unit * (high - low)


def with_nominals(recipe: Recipe, variables: list[Variable], point) -> Recipe:
    """A copy of ``recipe`` whose varied settings have the nominals of ``point`` (SI)."""
    import dataclasses

    settings = dict(recipe.settings)
    for variable, value in zip(variables, point, strict=True):
        settings[variable.path] = dataclasses.replace(settings[variable.path],
                                                      nominal=float(value))
    # a new recipe derives its own design (cell geometry, limits) from the new nominals
    return dataclasses.replace(recipe, settings=settings, derived={}, reads=None)


def output_names(c_rates) -> list[str]:
    return ([f"capacity_{r:g}C" for r in c_rates] + [f"energy_{r:g}C" for r in c_rates]
            + ["dc_resistance"])


def physics_runs(recipe: Recipe, variables: list[Variable], points: np.ndarray, c_rates,
                 model: str = "dfn", mesh: str = "default", seed: int = 0,
                 progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """``(runs, outputs)`` physics results (SI) at the design points; run i draws the
    recipe's tolerances with seed ``seed + i``."""
    rows = []
    for i, point in enumerate(points):
        varied = with_nominals(recipe, variables, point)
        chain = simulate(varied, samples=1, seed=seed + i, nominal_run=False)
        result = cell_performance(structure_from_chain(chain, varied, 0), c_rates, model, mesh)
        rows.append([d.capacity for d in result.discharges]
                    + [d.energy for d in result.discharges] + [result.dc_resistance])
        if progress is not None:
            progress(i + 1, len(points))
    return np.array(rows)


def _kernel(dimensions: int):
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel

    return (ConstantKernel(1.0, (1e-3, 1e3))
            * RBF(np.full(dimensions, 0.5), (1e-2, 1e2))
            + WhiteKernel(1e-3, (1e-8, 1e0)))


def _regressor(kernel, optimise: bool, seed: int):
    from sklearn.gaussian_process import GaussianProcessRegressor

    return GaussianProcessRegressor(kernel=kernel, normalize_y=True,
                                    optimizer="fmin_l_bfgs_b" if optimise else None,
                                    n_restarts_optimizer=3 if optimise else 0,
                                    random_state=seed)


@dataclass
class Surrogate:
    """Gaussian-process surrogates of one recipe's performance over a domain of settings."""

    recipe_raw: dict
    recipe_name: str
    variables: list[Variable]
    c_rates: list[float]
    model: str
    mesh: str
    x_train: np.ndarray
    y_train: np.ndarray
    thetas: list[list[float]]
    heldout: dict = field(default_factory=dict)
    _gps: list = field(default_factory=list, repr=False)

    @property
    def outputs(self) -> list[str]:
        return output_names(self.c_rates)

    def _scale(self, x: np.ndarray) -> np.ndarray:
        low = np.array([v.low for v in self.variables])
        high = np.array([v.high for v in self.variables])
        return (np.asarray(x, dtype=float) - low) / (high - low)

    def _fit(self, optimise: bool, seed: int = 0) -> None:
        from sklearn.exceptions import ConvergenceWarning

        cite(RASMUSSEN_2006)
        self._gps, self.thetas = [], []
        for j in range(self.y_train.shape[1]):
            kernel = _kernel(len(self.variables))
            if not optimise:
                kernel = kernel.clone_with_theta(np.array(self.thetas_saved[j]))
            with warnings.catch_warnings():
                # A length scale at its upper bound says the output does not depend on that
                # setting, a noise level at its lower bound that the runs are noise-free:
                # results, not failures.
                warnings.simplefilter("ignore", ConvergenceWarning)
                gp = _regressor(kernel, optimise, seed).fit(self._scale(self.x_train),
                                                            self.y_train[:, j])
            self._gps.append(gp)
            self.thetas.append([float(t) for t in gp.kernel_.theta])

    def check_domain(self, x: np.ndarray) -> None:
        """DomainError naming the setting, value and domain when a point is outside."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        for k, v in enumerate(self.variables):
            bad = (x[:, k] < v.low) | (x[:, k] > v.high)
            if bad.any():
                raise DomainError(
                    f"{v.path} = {v.show(x[bad, k][0])} is outside the surrogate's training "
                    f"domain [{v.show(v.low)}, {v.show(v.high)}] ({int(bad.sum())} points); "
                    "run the physics model or retrain on a wider domain")

    def predict(self, x) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation, each ``(points, outputs)`` (SI), of new cells."""
        x = np.atleast_2d(np.asarray(x, dtype=float))
        self.check_domain(x)
        scaled = self._scale(x)
        pairs = [gp.predict(scaled, return_std=True) for gp in self._gps]
        return (np.column_stack([m for m, _ in pairs]), np.column_stack([s for _, s in pairs]))

    def errors(self, x: np.ndarray, y: np.ndarray) -> dict:
        """Per output: mean absolute error relative to the mean |y| [1], the fraction of
        runs inside the 95 % interval [1] and the number of runs."""
        mean, std = self.predict(x)
        inside = np.abs(y - mean) <= Z95 * std
        return {name: {"relative_mae": float(np.mean(np.abs(y[:, j] - mean[:, j]))
                                             / np.mean(np.abs(y[:, j]))),
                       "coverage_95": float(np.mean(inside[:, j])), "runs": int(len(y))}
                for j, name in enumerate(self.outputs)}

    def to_dict(self) -> dict:
        return {"format": FORMAT, "recipe_name": self.recipe_name, "recipe": self.recipe_raw,
                "variables": [vars(v) for v in self.variables], "c_rates": self.c_rates,
                "model": self.model, "mesh": self.mesh, "outputs": self.outputs,
                "x_train": self.x_train.tolist(), "y_train": self.y_train.tolist(),
                "kernel_log_hyperparameters": self.thetas, "heldout": self.heldout,
                "units": {"capacity": "C", "energy": "J", "dc_resistance": "ohm"},
                "citations": [RASMUSSEN_2006.key, MCKAY_1979.key]}

    def save(self, path: str | Path) -> None:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(self.to_dict(), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> Surrogate:
        """Read a model file and refit its GPs with the stored hyperparameters."""
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ValueError(f"cannot read surrogate model {path}: {exc}") from exc
        if isinstance(data, dict) and data.get("format") in OLD_FORMATS:
            raise ValueError(f"{path} is a surrogate of {OLD_FORMATS[data['format']]} "
                             f"({data['format']}); train it again with `gigatwin surrogate "
                             f"train` (format {FORMAT})")
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError(f"{path} is not a gigatwin surrogate model (format {FORMAT})")
        model = cls(data["recipe"], data["recipe_name"],
                    [Variable(**v) for v in data["variables"]], data["c_rates"],
                    data["model"], data["mesh"], np.array(data["x_train"]),
                    np.array(data["y_train"]), [], data["heldout"])
        model.thetas_saved = data["kernel_log_hyperparameters"]
        model._fit(optimise=False)
        return model

    def recipe(self) -> Recipe:
        return recipe_from_dict(self.recipe_raw, source=f"<surrogate of {self.recipe_name}>")


def train(recipe: Recipe, variables: list[Variable], runs: int, c_rates, model: str = "dfn",
          mesh: str = "default", seed: int = 0, holdout_fraction: float = 0.2,
          progress: Callable[[int, int], None] | None = None) -> Surrogate:
    """Physics runs on a Latin hypercube, GPs fitted on the training part, errors measured
    on the held-out part (``holdout_fraction`` of the runs, at least 3)."""
    if runs < 8:
        raise ValueError(f"runs = {runs} [1] is outside the allowed range [8, inf)")
    rates = sorted(float(r) for r in c_rates)
    points = latin_hypercube(variables, runs, seed)
    y = physics_runs(recipe, variables, points, rates, model, mesh, seed, progress)
    order = np.random.default_rng(seed).permutation(runs)
    held = order[:max(3, int(round(holdout_fraction * runs)))]
    kept = order[len(held):]
    surrogate = Surrogate(recipe.raw, recipe.name, list(variables), rates, model, mesh,
                          points[kept], y[kept], [])
    surrogate._fit(optimise=True, seed=seed)
    surrogate.heldout = surrogate.errors(points[held], y[held])
    return surrogate


def check(surrogate: Surrogate, runs: int, seed: int = 1_000_003,
          progress: Callable[[int, int], None] | None = None) -> dict:
    """Errors of the surrogate against ``runs`` fresh physics runs on a new design."""
    points = latin_hypercube(surrogate.variables, runs, seed)
    y = physics_runs(surrogate.recipe(), surrogate.variables, points, surrogate.c_rates,
                     surrogate.model, surrogate.mesh, seed, progress)
    return surrogate.errors(points, y)
