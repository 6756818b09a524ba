"""The result of a chain run: per-step outputs (nominal and distributions), yields, citations.

Every output is named by a key of the data specification, qualified by electrode where
the quantity exists for both (``cathode.calendered_porosity``); its unit is the spec's
display unit of that key (:mod:`gigatwin.spec.vocabulary`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from gigatwin.citations import Citation
from gigatwin.spec import vocabulary
from gigatwin.units import from_si


def display_unit(name: str) -> str:
    """The display unit of an output, from the data specification (never from its name)."""
    return vocabulary.display_unit(name)


def _stats(values: np.ndarray, unit: str) -> dict:
    v = np.asarray(from_si(np.asarray(values, dtype=float), unit), dtype=float)
    p05, p95 = np.percentile(v, [5, 95])
    return {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if v.size > 1 else 0.0,
            "p05": float(p05), "p95": float(p95), "unit": unit}


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
                 for step, values in self.outputs.items() if step != "cell" and values}
        return {
            "recipe": self.recipe, "samples": self.samples, "seed": self.seed,
            "steps": steps,
            "cell": {name: self._entry("cell", name) for name in self.outputs["cell"]},
            "yield": {**self.step_yield, "overall": self.overall_yield},
            "citations": [c.as_dict() for c in self.citations],
        }

    def _entry(self, step: str, name: str) -> dict:
        electrode, key = vocabulary.split_name(name)
        entry = {"key": key, "electrode": electrode, **self.summary(step, name)}
        if self.nominal is not None:
            entry["nominal"] = float(from_si(self.nominal[step][name], entry["unit"]))
        return entry

    def to_dataframe(self) -> pd.DataFrame:
        """One row per sample, one column per output: ``"step.output [unit]"``."""
        columns = {}
        for step, values in self.outputs.items():
            for name, array in values.items():
                unit = display_unit(name)
                columns[f"{step}.{name} [{unit}]"] = np.asarray(from_si(array, unit), dtype=float)
        columns["pass_probability [1]"] = self.pass_probability
        return pd.DataFrame(columns)
