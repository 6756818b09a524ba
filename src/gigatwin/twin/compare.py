"""Compare two recipes: for every output both means and the difference with its
confidence interval; for the yield, which spec limits moved it.

Both recipes are simulated with the same seed and sample count. Each setting draws from a
stream keyed by its path (:mod:`gigatwin.twin.sampling`), so sample i of B gets the same
random numbers as sample i of A for every setting both vary (common random numbers, Law,
"Simulation Modeling and Analysis", 5th ed. 2015, s.11.2). The pairs (y_A,i, y_B,i) are
independent and identically distributed over i, so the difference is estimated from
d_i = y_B,i - y_A,i with Student's interval, valid whatever the correlation (which only
makes it narrower):

    mean(d) +- t_{0.975, n-1} s_d / sqrt(n)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gigatwin.spec import vocabulary
from gigatwin.twin.chain import simulate
from gigatwin.twin.recipe import Recipe
from gigatwin.twin.results import ChainResult
from gigatwin.units import from_si

CONFIDENCE = 0.95


@dataclass(frozen=True)
class Difference:
    """One output of both recipes, in its display unit."""

    step: str
    name: str
    unit: str
    mean_a: float
    mean_b: float
    difference: float
    low: float
    high: float

    @property
    def significant(self) -> bool:
        """The interval excludes zero."""
        return self.low > 0 or self.high < 0

    def as_dict(self) -> dict:
        electrode, key = vocabulary.split_name(self.name)
        return {"step": self.step, "name": self.name, "key": key, "electrode": electrode,
                "unit": self.unit, "mean_a": self.mean_a, "mean_b": self.mean_b,
                "difference": self.difference, "ci_low": self.low, "ci_high": self.high,
                "significant": self.significant}


@dataclass
class Comparison:
    """The comparison of recipe B against recipe A (differences are B - A)."""

    recipe_a: str
    recipe_b: str
    samples: int
    seed: int
    outputs: list[Difference]
    yield_difference: Difference
    limits: list[dict]  # per spec limit: pass fractions in A and B and their difference
    only_in_a: list[str]
    only_in_b: list[str]

    def as_dict(self) -> dict:
        return {"recipe_a": self.recipe_a, "recipe_b": self.recipe_b,
                "samples": self.samples, "seed": self.seed, "confidence": CONFIDENCE,
                "method": "paired differences, common random numbers",
                "outputs": [d.as_dict() for d in self.outputs],
                "yield": {**self.yield_difference.as_dict(), "limits": self.limits},
                "only_in_a": self.only_in_a, "only_in_b": self.only_in_b}


def difference_interval(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Mean of the paired differences b - a and the half width of its two-sided
    interval at :data:`CONFIDENCE` (nan for a single pair)."""
    from scipy import stats

    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    if d.size < 2:
        return float(d.mean()), float("nan")
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, d.size - 1) * d.std(ddof=1) / np.sqrt(d.size)
    return float(d.mean()), float(half)


def _difference(step, name, unit, a, b) -> Difference:
    a = np.asarray(from_si(np.asarray(a, dtype=float), unit), dtype=float)
    b = np.asarray(from_si(np.asarray(b, dtype=float), unit), dtype=float)
    diff, half = difference_interval(a, b)
    return Difference(step, name, unit, float(a.mean()), float(b.mean()), diff, diff - half,
                      diff + half)


def compare(recipe_a: Recipe, recipe_b: Recipe, samples: int = 10_000, seed: int = 0,
            workers: int = 1) -> Comparison:
    """Simulate both recipes and compare every output they share (B - A)."""
    res_a = simulate(recipe_a, samples, seed, nominal_run=False, workers=workers)
    res_b = simulate(recipe_b, samples, seed, nominal_run=False, workers=workers)
    rows, only_a, only_b = [], [], []
    for step in res_a.outputs.keys() | res_b.outputs.keys():
        a, b = res_a.outputs.get(step, {}), res_b.outputs.get(step, {})
        only_a += [f"{step}.{n}" for n in a.keys() - b.keys()]
        only_b += [f"{step}.{n}" for n in b.keys() - a.keys()]
    order = {s: i for i, s in enumerate(res_a.outputs)}
    for step in sorted(res_a.outputs.keys() & res_b.outputs.keys(), key=order.get):
        a, b = res_a.outputs[step], res_b.outputs[step]
        for name in a:
            if name in b:
                rows.append(_difference(step, name, vocabulary.display_unit(name), a[name],
                                        b[name]))
    yields = _difference("", "yield", "%", res_a.pass_probability, res_b.pass_probability)
    return Comparison(recipe_a.name, recipe_b.name, samples, seed, rows, yields,
                      _limits(recipe_a, recipe_b, res_a, res_b),
                      sorted(only_a), sorted(only_b))


def _passing(recipe: Recipe, result: ChainResult) -> dict[str, np.ndarray]:
    """Per spec limit (and per defect model), the per-sample probability of passing."""
    from gigatwin.steps import end_of_line

    out = {}
    for name, (lower, upper, _unit) in recipe.spec_limits().items():
        step = vocabulary.step_of(name)
        if name in result.outputs.get(step, {}):
            out[f"spec_limits.{name}"] = np.asarray(
                end_of_line.within_limits(result.outputs[step][name], lower, upper), float)
    defects = (("assembly", "misalignment_defect_probability"),
               ("slitting", "cathode.edge_defect_probability"),
               ("slitting", "anode.edge_defect_probability"))
    for step, name in defects:
        if name in result.outputs.get(step, {}):
            out[f"{step}.{name}"] = 1 - np.asarray(result.outputs[step][name], float)
    return out


def _limits(recipe_a, recipe_b, res_a, res_b) -> list[dict]:
    """Which limits moved the yield: pass fractions in A and B, sorted by the size of
    the change (a limit only one recipe has is compared with 'always passes')."""
    pass_a, pass_b = _passing(recipe_a, res_a), _passing(recipe_b, res_b)
    ones = np.ones(res_a.samples)
    rows = []
    for name in pass_a.keys() | pass_b.keys():
        a, b = pass_a.get(name, ones), pass_b.get(name, ones)
        d = _difference("", name, "%", a, b)
        rows.append({"limit": name, "pass_a": d.mean_a, "pass_b": d.mean_b,
                     "difference": d.difference, "ci_low": d.low, "ci_high": d.high,
                     "moved_yield": d.significant, "unit": "%",
                     "in": "both" if name in pass_a and name in pass_b
                     else "a" if name in pass_a else "b"})
    return sorted(rows, key=lambda r: -abs(r["difference"]))
