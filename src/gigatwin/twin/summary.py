"""Statistics of a chain run computed chunk by chunk, for ``gigatwin simulate``.

:func:`gigatwin.twin.chain.simulate_summary` runs the chain on consecutive chunks of one
run (each chunk continues every random stream) and hands each chunk's outputs to a
:class:`SummaryAccumulator`, which keeps, per output:

- the count, mean and sum of squared deviations, merged chunk by chunk with the pairwise
  update of Chan, Golub & LeVeque (1983, "Algorithms for computing the sample variance",
  Am. Stat. 37:242), in float64: exact means and standard deviations;
- for each percentile, a bracket [lo, hi] set on the first chunk (its quantiles at
  p +- 6 standard errors), the number of values below it and the values inside it. At
  the end the order statistics of numpy's linear interpolation are picked from the values
  inside: the same percentiles as ``numpy.percentile`` of all samples, without keeping
  them. Should a bracket miss (a first chunk unlike the rest), the caller runs again and
  keeps every value (``store=True``).

Outputs that are one value for every sample (design constants) cost nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gigatwin.citations import Citation
from gigatwin.twin.results import _document, _entry, display_unit, in_display_unit, percentiles

PERCENTILES = (5.0, 95.0)
MIN_BRACKET_SAMPLES = 4096  # below this, a chunk's quantiles bracket too loosely



BRACKET_SUBSAMPLE = 16_384  # values of the first chunk the brackets are set from

def _brackets(values: np.ndarray) -> list[tuple[float, float]]:
    """For each of :data:`PERCENTILES`, quantiles of (every m-th of) ``values`` at
    p -+ 6 standard errors and one sample, all from one partition: the interval that
    holds the p-quantile of the whole run unless the run is unlike these values."""
    sample = values[::max(1, values.size // BRACKET_SUBSAMPLE)]
    probabilities = []
    for pct in PERCENTILES:
        p = pct / 100
        margin = 6 * np.sqrt(p * (1 - p) / sample.size) + 1 / sample.size
        probabilities += [max(p - margin, 0.0), min(p + margin, 1.0)]
    edges = np.quantile(sample, probabilities)
    return [(float(edges[i]), float(edges[i + 1])) for i in range(0, len(edges), 2)]


def _order_statistic_pair(n: int, pct: float) -> tuple[int, int, float]:
    position = pct / 100 * (n - 1)
    k = int(np.floor(position))
    return k, min(k + 1, n - 1), position - k


@dataclass
class _Output:
    """What the accumulator keeps of one output."""

    n: int = 0
    mean: float = 0.0
    m2: float = 0.0
    constant: float | None = None  # the one value so far, while the output is constant
    brackets: list[tuple[float, float]] = field(default_factory=list)
    below: list[int] = field(default_factory=list)
    inside: list[list[np.ndarray]] = field(default_factory=list)
    stored: np.ndarray | None = None  # float32 copy of every value (plots, fallback)


@dataclass
class ChainSummary:
    """Statistics of a chain run (:func:`gigatwin.twin.chain.simulate_summary`): the same
    JSON document as :class:`~gigatwin.twin.results.ChainResult`, without keeping every
    sample. ``outputs`` holds float32 copies of the outputs asked for (plots)."""

    recipe: str
    samples: int
    seed: int | None
    stats: dict[str, dict[str, tuple[float, float, float, float]]]  # SI
    outputs: dict[str, dict[str, np.ndarray]]
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


class BracketMissError(RuntimeError):
    """A percentile's order statistic fell outside the bracket set on the first chunk."""


class SummaryAccumulator:
    """Adds the outputs of consecutive chunks of one run (see the module docstring).

    ``keep`` : ``(step, name)`` of outputs to keep as float32 copies (for plots);
    ``store`` : keep every varying output so (fallback when a bracket misses).
    """

    def __init__(self, samples: int, keep=(), store: bool = False):
        self.samples, self.filled, self.keep, self.store = samples, 0, set(keep), store
        self.outputs: dict[tuple[str, str], _Output] = {}
        self.yield_sums: dict[str, float] = {}
        self.pass_sum = 0.0

    def add(self, outputs: dict[str, dict[str, np.ndarray]], per_step: dict[str, np.ndarray],
            pass_probability: np.ndarray) -> None:
        n = len(pass_probability)
        for step, values in outputs.items():
            for name, array in values.items():
                self._add((step, name), np.asarray(array))
        for step, factor in per_step.items():
            self.yield_sums[step] = self.yield_sums.get(step, 0.0) + float(np.sum(factor))
        self.pass_sum += float(np.sum(pass_probability))
        self.filled += n

    def _add(self, key, array: np.ndarray) -> None:
        state = self.outputs.setdefault(key, _Output())
        if array.strides == (0,) or array.size == 1:
            value = float(array.flat[0])
            if state.n == 0 or state.constant == value:  # one value for every sample so far
                state.constant = value
                self._moments(state, array.size, value, 0.0)
                return
            array = np.full(array.size, value)
        if state.constant is not None:  # constant over the earlier chunks: expand them
            earlier, n_earlier = state.constant, state.n
            state.constant, state.n, state.mean, state.m2 = None, 0, 0.0, 0.0
            self._add_values(key, state, np.full(n_earlier, earlier))
        self._add_values(key, state, array)

    def _add_values(self, key, state: _Output, array: np.ndarray) -> None:
        self._keep(key, state, array, state.n)
        self._percentile_counts(state, array)
        mean = float(array.mean(dtype=float))
        deviation = np.subtract(array, mean, dtype=float)
        deviation *= deviation  # in place (np.dot would call a threaded BLAS)
        self._moments(state, array.size, mean, float(deviation.sum()))

    @staticmethod
    def _moments(state: _Output, n_b: int, mean_b: float, m2_b: float) -> None:
        n = state.n + n_b
        delta = mean_b - state.mean
        state.m2 += m2_b + delta**2 * state.n * n_b / n
        state.mean += delta * n_b / n
        state.n = n

    def _keep(self, key, state: _Output, array: np.ndarray, start: int) -> None:
        if not (self.store or key in self.keep):
            return
        if state.stored is None:
            state.stored = np.empty(self.samples, dtype=np.float32)
        state.stored[start:start + array.size] = array

    def _percentile_counts(self, state: _Output, array: np.ndarray) -> None:
        if self.store:
            return
        if not state.brackets:
            if array.size < MIN_BRACKET_SAMPLES and array.size < self.samples:
                raise BracketMissError("first chunk too small to bracket the percentiles")
            state.brackets = _brackets(array)
            state.below = [0] * len(PERCENTILES)
            state.inside = [[] for _ in PERCENTILES]
        for i, (lo, hi) in enumerate(state.brackets):
            state.below[i] += int(np.count_nonzero(array < lo))
            inside = array >= lo
            inside &= array <= hi
            state.inside[i].append(array[inside])

    def _percentiles(self, state: _Output) -> tuple[float, float]:
        if state.constant is not None:
            return state.constant, state.constant
        if state.stored is not None and self.store:
            return tuple(percentiles(state.stored[:state.n]))
        result = []
        for pct, below, parts in zip(PERCENTILES, state.below, state.inside, strict=True):
            k, upper_k, weight = _order_statistic_pair(state.n, pct)
            inside = np.concatenate(parts) if parts else np.empty(0)
            if not below <= k or upper_k >= below + inside.size:
                raise BracketMissError(f"percentile {pct} outside its bracket")
            part = np.partition(inside, [k - below, upper_k - below])
            low, high = float(part[k - below]), float(part[upper_k - below])
            result.append(low + weight * (high - low))
        return tuple(result)

    def result(self, recipe: str, seed, nominal, citations) -> ChainSummary:
        """The summary; raises :class:`BracketMissError` if a percentile needs every value."""
        stats: dict[str, dict[str, tuple]] = {}
        kept: dict[str, dict[str, np.ndarray]] = {}
        for (step, name), state in self.outputs.items():
            std = float(np.sqrt(state.m2 / (state.n - 1))) if state.n > 1 else 0.0
            p05, p95 = self._percentiles(state)
            stats.setdefault(step, {})[name] = (state.mean, std, p05, p95)
            if state.stored is not None and (step, name) in self.keep:
                kept.setdefault(step, {})[name] = state.stored[:state.n]
        n = self.filled
        return ChainSummary(recipe, n, seed, stats, kept, nominal,
                            {s: v / n for s, v in self.yield_sums.items()},
                            self.pass_sum / n, list(citations))
