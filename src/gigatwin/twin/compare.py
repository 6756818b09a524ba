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

The recipes run chunk by chunk (as ``gigatwin simulate``), keeping only the moments of A,
B and d, so 10^6 pairs need no more memory than one chunk of each recipe.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gigatwin.spec import vocabulary
from gigatwin.twin.chain import CHUNK, _yields, run
from gigatwin.twin.recipe import Recipe
from gigatwin.twin.sampling import SettingDraws
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
    moments = Moments()
    moments.add(np.asarray(b, dtype=float) - np.asarray(a, dtype=float))
    return moments.mean, moments.half_width()


class Moments:
    """Count, mean and sum of squared deviations, merged batch by batch (Chan, Golub &
    LeVeque 1983), so a comparison of 10^6 pairs keeps no samples."""

    def __init__(self):
        self.n, self.mean, self.m2 = 0, 0.0, 0.0

    def add(self, values) -> None:
        v = np.asarray(values, dtype=float).reshape(-1)
        if v.size == 0:
            return
        mean_b = float(v.mean())
        deviation = v - mean_b
        m2_b = float((deviation * deviation).sum())
        n = self.n + v.size
        delta = mean_b - self.mean
        self.m2 += m2_b + delta**2 * self.n * v.size / n
        self.mean += delta * v.size / n
        self.n = n

    def half_width(self) -> float:
        """Half width of Student's interval of the mean at :data:`CONFIDENCE`."""
        from scipy import stats

        if self.n < 2:
            return float("nan")
        std = np.sqrt(self.m2 / (self.n - 1))
        return float(stats.t.ppf(0.5 + CONFIDENCE / 2, self.n - 1) * std / np.sqrt(self.n))


class _Pair:
    """Moments of A, of B and of the paired differences B - A of one quantity (SI)."""

    def __init__(self):
        self.a, self.b, self.d = Moments(), Moments(), Moments()

    def add(self, a, b, n: int) -> None:
        a = np.broadcast_to(np.asarray(a, dtype=float), (n,))
        b = np.broadcast_to(np.asarray(b, dtype=float), (n,))
        self.a.add(a)
        self.b.add(b)
        self.d.add(b - a)

    def difference(self, step: str, name: str, unit: str) -> Difference:
        """In ``unit``: means as values, the difference as a difference (no offset)."""
        scale = float(from_si(1.0, unit)) - float(from_si(0.0, unit))
        diff, half = self.d.mean * scale, self.d.half_width() * scale
        return Difference(step, name, unit, float(from_si(self.a.mean, unit)),
                          float(from_si(self.b.mean, unit)), diff, diff - half, diff + half)


def compare(recipe_a: Recipe, recipe_b: Recipe, samples: int = 10_000, seed: int = 0,
            workers: int = 1, chunk: int = CHUNK // 2) -> Comparison:
    """Simulate both recipes (same seed, chunk by chunk) and compare every output they
    share (B - A)."""
    if samples < 2:
        raise ValueError(f"samples = {samples} [1] is outside the allowed range [2, inf)")
    rngs = [np.random.default_rng(seed), np.random.default_rng(seed)]
    streams: list[dict] = [{}, {}]
    pairs: dict[tuple[str, str], _Pair] = {}
    limits: dict[str, _Pair] = {}
    present: dict[str, set[str]] = {}
    yields = _Pair()
    only: tuple[set, set] = (set(), set())
    order: list[str] = []
    for start in range(0, samples, chunk):
        n = min(chunk, samples - start)
        out = [run(r, SettingDraws(r, rng, n, workers=workers, streams=s))
               for r, rng, s in zip((recipe_a, recipe_b), rngs, streams, strict=True)]
        if not order:
            order = list(out[0])
            for step in out[0].keys() | out[1].keys():
                a, b = out[0].get(step, {}), out[1].get(step, {})
                only[0].update(f"{step}.{k}" for k in a.keys() - b.keys())
                only[1].update(f"{step}.{k}" for k in b.keys() - a.keys())
        for step in out[0].keys() & out[1].keys():
            for name, values in out[0][step].items():
                if name in out[1][step]:
                    pairs.setdefault((step, name), _Pair()).add(values, out[1][step][name], n)
        yields.add(_yields(recipe_a, out[0])[2], _yields(recipe_b, out[1])[2], n)
        passing = [_passing(recipe_a, out[0]), _passing(recipe_b, out[1])]
        for name in passing[0].keys() | passing[1].keys():
            present.setdefault(name, set()).update(
                side for side, p in zip("ab", passing, strict=True) if name in p)
            limits.setdefault(name, _Pair()).add(passing[0].get(name, 1.0),
                                                 passing[1].get(name, 1.0), n)
    rank = {s: i for i, s in enumerate(order)}
    rows = [pair.difference(step, name, vocabulary.display_unit(name))
            for (step, name), pair in sorted(pairs.items(), key=lambda kv: rank[kv[0][0]])]
    return Comparison(recipe_a.name, recipe_b.name, samples, seed, rows,
                      yields.difference("", "yield", "%"), _limit_rows(limits, present),
                      sorted(only[0]), sorted(only[1]))


def _passing(recipe: Recipe, outputs: dict) -> dict[str, np.ndarray]:
    """Per spec limit (and per defect model), the per-sample probability of passing."""
    from gigatwin.steps import end_of_line

    out = {}
    for name, (lower, upper, _unit) in recipe.spec_limits().items():
        step = vocabulary.step_of(name)
        if name in outputs.get(step, {}):
            out[f"spec_limits.{name}"] = np.asarray(
                end_of_line.within_limits(outputs[step][name], lower, upper), float)
    defects = (("assembly", "misalignment_defect_probability"),
               ("slitting", "cathode.edge_defect_probability"),
               ("slitting", "anode.edge_defect_probability"))
    for step, name in defects:
        if name in outputs.get(step, {}):
            out[f"{step}.{name}"] = 1 - np.asarray(outputs[step][name], float)
    return out


def _limit_rows(limits: dict[str, _Pair], present: dict[str, set[str]]) -> list[dict]:
    """Which limits moved the yield: pass fractions in A and B, sorted by the size of
    the change (a limit only one recipe has is compared with 'always passes')."""
    rows = []
    for name, pair in limits.items():
        d = pair.difference("", name, "%")
        sides = present[name]
        rows.append({"limit": name, "pass_a": d.mean_a, "pass_b": d.mean_b,
                     "difference": d.difference, "ci_low": d.low, "ci_high": d.high,
                     "moved_yield": d.significant, "unit": "%",
                     "in": "both" if sides == {"a", "b"} else next(iter(sides))})
    return sorted(rows, key=lambda r: -abs(r["difference"]))
