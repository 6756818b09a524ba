"""The result of a chain run: per-step outputs (nominal and distributions), yields, citations.

Every output is named by a key of the data specification, qualified by electrode where
the quantity exists for both (``cathode.calendered_porosity``); its unit is the spec's
display unit of that key (:mod:`gigatwin.spec.vocabulary`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gigatwin.citations import Citation
from gigatwin.spec import vocabulary
from gigatwin.units import from_si


def display_unit(name: str) -> str:
    """The display unit of an output, from the data specification (never from its name)."""
    return vocabulary.display_unit(name)


def summarise(values: np.ndarray) -> tuple[float, float, float, float]:
    """(mean, standard deviation (ddof 1), 5th and 95th percentile) in the values' unit;
    a broadcast constant costs nothing."""
    v = np.asarray(values)
    if v.size == 1 or v.strides == (0,):
        x = float(v.flat[0])
        return x, 0.0, x, x
    p05, p95 = np.percentile(v, [5, 95])
    return float(v.mean(dtype=float)), float(v.std(ddof=1, dtype=float)), float(p05), float(p95)


def in_display_unit(stats: tuple[float, float, float, float], unit: str) -> dict:
    """SI statistics in ``unit``: mean and percentiles as values (the conversion is
    increasing and affine), the standard deviation as a difference (no degC offset)."""
    mean, std, p05, p95 = stats
    scale = float(from_si(1.0, unit)) - float(from_si(0.0, unit))
    return {"mean": float(from_si(mean, unit)), "std": std * scale,
            "p05": float(from_si(p05, unit)), "p95": float(from_si(p95, unit)), "unit": unit}


def _stats(values: np.ndarray, unit: str) -> dict:
    return in_display_unit(summarise(values), unit)


def _entry(name: str, stats: dict, nominal: float | None) -> dict:
    electrode, key = vocabulary.split_name(name)
    entry = {"key": key, "electrode": electrode, **stats}
    if nominal is not None:
        entry["nominal"] = float(from_si(nominal, stats["unit"]))
    return entry


def _document(recipe, samples, seed, steps: dict[str, dict[str, dict]], step_yield: dict,
              overall: float, citations) -> dict:
    return {"recipe": recipe, "samples": samples, "seed": seed,
            "steps": {s: v for s, v in steps.items() if s != "cell" and v},
            "cell": steps.get("cell", {}),
            "yield": {**step_yield, "overall": overall},
            "citations": [c.as_dict() for c in citations]}


@dataclass
class ChainResult:
    """Outputs of :func:`gigatwin.twin.simulate`.

    outputs : ``{step: {output: array of samples}}`` in SI, steps in process order plus
        ``"cell"`` (capacity, energy, energy densities, N/P, mass and volume breakdown)
    nominal : the same at the nominal settings (floats), or None
    step_yield : fraction of samples passing each step's spec limits, and ``pass_probability``
        the per-sample probability of passing every step (its mean is the overall yield)
    citations : the papers of the models that ran
    """

    recipe: str
    samples: int
    seed: int | None
    outputs: dict[str, dict[str, np.ndarray]]
    nominal: dict[str, dict[str, float]] | None
    step_yield: dict[str, float]
    pass_probability: np.ndarray
    citations: list[Citation] = field(default_factory=list)

    @property
    def overall_yield(self) -> float:
        return float(np.mean(self.pass_probability))

    def summary(self, step: str, name: str) -> dict:
        """mean, std, p05, p95 (display unit) of one output."""
        return _stats(self.outputs[step][name], display_unit(name))

    def to_dict(self) -> dict:
        """The JSON document of ``gigatwin simulate --json``."""
        steps = {step: {name: self._entry(step, name) for name in values}
                 for step, values in self.outputs.items()}
        return _document(self.recipe, self.samples, self.seed, steps, self.step_yield,
                         self.overall_yield, self.citations)

    def _entry(self, step: str, name: str) -> dict:
        nominal = None if self.nominal is None else self.nominal[step][name]
        return _entry(name, self.summary(step, name), nominal)

    def to_dataframe(self):
        """One row per sample, one column per output: ``"step.name [unit]"`` (pandas)."""
        import pandas as pd

        columns = {}
        for step, values in self.outputs.items():
            for name, array in values.items():
                unit = display_unit(name)
                columns[f"{step}.{name} [{unit}]"] = np.asarray(from_si(array, unit), dtype=float)
        columns["pass_probability [1]"] = self.pass_probability
        return pd.DataFrame(columns)


@dataclass
class ChainSummary:
    """Statistics of a chain run computed chunk by chunk (:func:`gigatwin.twin.chain.
    simulate_summary`): the same JSON document as :class:`ChainResult`, without keeping
    every sample in float64. ``outputs`` holds each varying output as float32 (for
    percentiles and plots), so 10^6 samples fit in a few hundred MB.
    """

    recipe: str
    samples: int
    seed: int | None
    stats: dict[str, dict[str, tuple[float, float, float, float]]]  # SI
    outputs: dict[str, dict[str, np.ndarray]]  # float32 copies of varying outputs, SI
    nominal: dict[str, dict[str, float]] | None
    step_yield: dict[str, float]
    overall_yield: float
    citations: list[Citation] = field(default_factory=list)

    def summary(self, step: str, name: str) -> dict:
        return in_display_unit(self.stats[step][name], display_unit(name))

    def to_dict(self) -> dict:
        steps = {step: {name: _entry(name, self.summary(step, name),
                                     None if self.nominal is None else self.nominal[step][name])
                        for name in values} for step, values in self.stats.items()}
        return _document(self.recipe, self.samples, self.seed, steps, self.step_yield,
                         self.overall_yield, self.citations)


class SummaryAccumulator:
    """Adds the outputs of consecutive chunks of one run: exact means and standard
    deviations (Chan, Golub & LeVeque 1983 pairwise update of mean and sum of squared
    deviations, in float64), and a float32 copy of each varying output for its
    percentiles (relative error below 6e-8, invisible at the 4-5 digits printed)."""

    def __init__(self, samples: int):
        self.samples, self.filled = samples, 0
        self.moments: dict[tuple[str, str], list[float]] = {}  # n, mean, M2
        self.constants: dict[tuple[str, str], float] = {}
        self.values: dict[tuple[str, str], np.ndarray] = {}
        self.yield_sums: dict[str, float] = {}
        self.pass_sum = 0.0

    def add(self, outputs: dict[str, dict[str, np.ndarray]], per_step: dict[str, np.ndarray],
            pass_probability: np.ndarray) -> None:
        n = len(pass_probability)
        start, stop = self.filled, self.filled + n
        for step, values in outputs.items():
            for name, array in values.items():
                self._add((step, name), np.asarray(array), start, stop)
        for step, factor in per_step.items():
            self.yield_sums[step] = self.yield_sums.get(step, 0.0) + float(np.sum(factor))
        self.pass_sum += float(np.sum(pass_probability))
        self.filled = stop

    def _add(self, key, array: np.ndarray, start: int, stop: int) -> None:
        constant = array.strides == (0,) or array.size == 1
        value = float(array.flat[0]) if constant else None
        store = self.values.get(key)
        if store is None and constant and self.constants.get(key, value) == value:
            self.constants[key] = value  # still one value for every sample so far
        else:
            if store is None:
                store = self.values[key] = np.empty(self.samples, dtype=np.float32)
                if key in self.constants:
                    store[:start] = self.constants.pop(key)
            store[start:stop] = array
        n_b = stop - start
        mean_b = float(array.mean(dtype=float)) if not constant else value
        m2_b = 0.0 if constant else float(np.sum(np.square(array - mean_b)))
        moments = self.moments.setdefault(key, [0, 0.0, 0.0])
        n_a, mean_a, m2_a = moments
        n = n_a + n_b
        delta = mean_b - mean_a
        moments[:] = [n, mean_a + delta * n_b / n, m2_a + m2_b + delta**2 * n_a * n_b / n]

    def result(self, recipe: str, seed, nominal, citations) -> ChainSummary:
        stats: dict[str, dict[str, tuple]] = {}
        outputs: dict[str, dict[str, np.ndarray]] = {}
        for (step, name), (n, mean, m2) in self.moments.items():
            std = float(np.sqrt(m2 / (n - 1))) if n > 1 else 0.0
            if (step, name) in self.values:
                v = self.values[(step, name)]
                p05, p95 = (float(x) for x in np.percentile(v, [5, 95]))
                outputs.setdefault(step, {})[name] = v
            else:
                p05 = p95 = self.constants[(step, name)]
            stats.setdefault(step, {})[name] = (mean, std, p05, p95)
        n = self.filled
        return ChainSummary(recipe, n, seed, stats, outputs, nominal,
                            {s: v / n for s, v in self.yield_sums.items()},
                            self.pass_sum / n, list(citations))
