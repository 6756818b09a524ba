"""Monte Carlo sweeps of any size, in process or on dask.distributed, with bounded memory.

    >>> from gigatwin.twin import load_recipe
    >>> from gigatwin.twin.sweep import sweep
    >>> result = sweep(load_recipe("examples/recipes/nmc622_graphite_pouch.yaml"),
    ...                samples=10**8, seed=1, workers=2)               # doctest: +SKIP

**Seeding.** The run is cut into chunks of ``chunk`` samples. Chunk ``i`` draws from its
own generator, ``SeedSequence(seed, spawn_key=(i,))`` -- the ``i``-th child that
``SeedSequence(seed).spawn`` gives -- and, inside the chunk, every setting has its own
stream keyed by its path (:class:`~gigatwin.twin.sampling.SettingDraws`). A chunk's
numbers depend on (seed, chunk index, chunk size) only, and a sample's result on its
own draws only (the chain's design is fixed from nominal settings:
tests/twin/test_subset_invariance.py). So the run is the same on one process, on a
local cluster or on a remote one, whatever the number of workers and the order in
which chunks finish. (A sweep's samples are not those of :func:`chain.simulate`, which
continues one stream per setting across chunks; it cannot be cut into independent
tasks.)

**Summaries, merged exactly.** A chunk returns, per output, its count, sum, sum of
squared deviations from its own mean, minimum, maximum and a histogram on fixed edges,
plus the sums of the per-step pass factors and of the pass probability. They are
merged with rational arithmetic (:class:`fractions.Fraction`): the total sum is
``S = sum(s_i)`` and the total sum of squared deviations
``M2 = sum(m2_i) + sum(s_i**2 / n_i) - S**2 / n`` (the pairwise update of Chan, Golub
& LeVeque 1983, written for exact sums), with every chunk's float64 figures taken
exactly. Means, standard deviations, yields, counts, minima and maxima therefore do
not depend on the order of merging: a distributed run equals the serial one to the
last bit.

**Percentiles from a fixed histogram.** The edges come from chunk 0 (the "pilot", run
first): ``BINS`` equal bins over the pilot's range widened by half of it on each side,
plus an underflow and an overflow bin bounded by the run's exact minimum and maximum.
The p-th percentile is numpy's linear interpolation between order statistics
``k = floor(p (n - 1))`` and ``k + 1``; it is estimated by locating those ranks in the
cumulative counts and interpolating linearly inside their bin. The true value lies
between the lower edge of the bin holding rank ``k`` and the upper edge of the bin
holding rank ``k + 1``: that width is reported with each percentile as its error
bound (one bin, 1/8192 of the widened range -- about 0.004 standard deviations for a
normal output -- unless the percentile falls in an open bin). Memory is
``outputs x (BINS + 2)`` counts per summary, whatever the sample count; at most
``2 x workers`` chunks are in flight.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from gigatwin.citations import Citation, collect
from gigatwin.twin import chain
from gigatwin.twin.recipe import Recipe
from gigatwin.twin.sampling import SettingDraws
from gigatwin.twin.summary import PERCENTILES, ChainSummary

CHUNK = 2**17  # samples per task: ~1 s of chain per core, ~250 MB of arrays
BINS = 4096  # histogram bins per output between the pilot's widened range
WIDEN = 0.5  # the pilot's range is widened by this fraction of it on each side
Key = tuple[str, str]  # (step, output name)


def chunk_generator(seed: int, index: int) -> np.random.Generator:
    """The generator of chunk ``index``: the ``index``-th child of ``SeedSequence(seed)``
    (``SeedSequence(seed).spawn(index + 1)[index]``, built without spawning the others)."""
    return np.random.Generator(np.random.PCG64(
        np.random.SeedSequence(seed, spawn_key=(index,))))


def chunk_sizes(samples: int, chunk: int) -> list[int]:
    """Sizes of the chunks of a run: ``chunk`` each, the last one what remains."""
    if samples < 1:
        raise ValueError(f"samples = {samples} [1] is outside the allowed range [1, inf)")
    if chunk < 1:
        raise ValueError(f"chunk = {chunk} [1] is outside the allowed range [1, inf)")
    full, rest = divmod(samples, chunk)
    return [chunk] * full + ([rest] if rest else [])


def _chunk_outputs(recipe: Recipe, seed: int, index: int, size: int, threads: int,
                   extra: Callable | None):
    draws = SettingDraws(recipe, chunk_generator(seed, index), size, workers=threads,
                         streams={})
    outputs = chain.run(recipe, draws)
    per_step, _, probability = chain._yields(recipe, outputs)
    if extra is not None:
        outputs = {**outputs, **extra(recipe, draws, outputs)}
    return outputs, per_step, probability


@dataclass
class Edges:
    """Histogram edges per output: ``lo``, ``width`` of each of ``BINS`` bins."""

    lo: dict[Key, float]
    width: dict[Key, float]


def pilot_edges(outputs: dict[str, dict[str, np.ndarray]]) -> Edges:
    """Edges from the pilot chunk: its range widened by ``WIDEN`` of it on each side (a
    constant output gets a range of 1e-9 of its magnitude around it; an output with no
    value in the pilot, [0, 1e-300]: its percentiles then come with a wide error bound)."""
    lo, width = {}, {}
    for step, values in outputs.items():
        for name, array in values.items():
            a = np.asarray(array)
            low, high = (float(a.min()), float(a.max())) if a.size else (0.0, 0.0)
            span = high - low
            if not span > 0:
                span = max(abs(low), 1e-300) * 1e-9
            lo[(step, name)] = low - WIDEN * span
            width[(step, name)] = (1 + 2 * WIDEN) * span / BINS
    return Edges(lo, width)


@dataclass
class Stats:
    """The mergeable summary of one output over some chunks (SI)."""

    n: int
    total: Fraction  # exact sum of the chunks' float64 sums
    squares: Fraction  # sum(m2_i + s_i^2 / n_i), exact
    low: float
    high: float
    counts: np.ndarray  # int64, [underflow, BINS bins, overflow]

    def merge(self, other: Stats) -> None:
        self.n += other.n
        self.total += other.total
        self.squares += other.squares
        self.low = min(self.low, other.low)
        self.high = max(self.high, other.high)
        self.counts += other.counts

    @property
    def mean(self) -> float:
        return float(self.total / self.n) if self.n else float("nan")

    @property
    def std(self) -> float:
        if self.n < 2:
            return 0.0
        m2 = self.squares - self.total * self.total / self.n
        return float(np.sqrt(float(max(m2, Fraction(0)) / (self.n - 1))))


def _stats(array: np.ndarray, lo: float, width: float) -> Stats:
    a = np.asarray(array)
    n = a.size
    counts = np.zeros(BINS + 2, dtype=np.int64)
    if n == 0:
        return Stats(0, Fraction(0), Fraction(0), np.inf, -np.inf, counts)
    if a.strides == (0,) or n == 1:
        x = float(a.flat[0])
        counts[_bin(np.array([x]), lo, width)[0]] = n
        s = Fraction(x) * n
        return Stats(n, s, s * s / n, x, x, counts)
    s = float(a.sum(dtype=float))
    deviation = np.subtract(a, s / n, dtype=float)
    deviation *= deviation
    m2 = float(deviation.sum())
    counts += np.bincount(_bin(a, lo, width), minlength=BINS + 2)
    fs = Fraction(s)
    return Stats(n, fs, Fraction(m2) + fs * fs / n, float(a.min()), float(a.max()), counts)


def _bin(a: np.ndarray, lo: float, width: float) -> np.ndarray:
    """Bin index: 0 below ``lo``, 1..BINS inside, BINS + 1 at or above the upper edge."""
    position = np.subtract(a, lo, dtype=float)
    position /= width
    np.floor(position, out=position)
    np.clip(position, -1, BINS, out=position)
    return position.astype(np.intp) + 1


@dataclass
class ChunkSummary:
    """What a chunk (or a merge of chunks) sends back: small, whatever its size."""

    samples: int
    stats: dict[Key, Stats]
    yield_sums: dict[str, Fraction]
    pass_sum: Fraction
    citations: list[Citation]
    seconds: float = 0.0  # compute time summed over the chunks

    def merge(self, other: ChunkSummary) -> None:
        self.samples += other.samples
        for key, value in other.stats.items():
            if key in self.stats:
                self.stats[key].merge(value)
            else:
                self.stats[key] = value
        for step, value in other.yield_sums.items():
            self.yield_sums[step] = self.yield_sums.get(step, Fraction(0)) + value
        self.pass_sum += other.pass_sum
        known = {c.key for c in self.citations}
        self.citations += [c for c in other.citations if c.key not in known]
        self.seconds += other.seconds


def run_chunk(recipe: Recipe, seed: int, index: int, size: int, edges: Edges | None,
              threads: int = 1, extra: Callable | None = None) -> ChunkSummary | Edges:
    """Chunk ``index`` of ``size`` samples through the chain, summarised on ``edges``;
    with ``edges=None`` the pilot: the edges this chunk's outputs give.

    ``extra(recipe, draws, outputs)`` may add outputs (``{section: {name: array}}``, an
    array per section may hold fewer values than cells) computed from the chunk's draws
    and the chain's outputs, e.g. the rate capability from a surrogate."""
    start = time.perf_counter()
    with collect() as used:
        outputs, per_step, probability = _chunk_outputs(recipe, seed, index, size, threads,
                                                        extra)
    if edges is None:
        return pilot_edges(outputs)
    stats = {}
    for step, values in outputs.items():
        for name, array in values.items():
            key = (step, name)
            if key not in edges.lo:
                raise KeyError(f"output {step}.{name} is not in the pilot chunk's outputs")
            stats[key] = _stats(array, edges.lo[key], edges.width[key])
    yields = {step: Fraction(float(np.sum(v))) for step, v in per_step.items()}
    return ChunkSummary(size, stats, yields, Fraction(float(np.sum(probability))),
                        list(used), time.perf_counter() - start)


def percentile(stats: Stats, lo: float, width: float, pct: float) -> tuple[float, float]:
    """(estimate, error bound) of numpy's linear-interpolation percentile from the
    histogram (module docstring): the true value lies within the returned bound of the
    estimate's bin interval."""
    if stats.n == 0:
        return float("nan"), float("nan")
    if stats.low == stats.high:
        return stats.low, 0.0
    cumulative = np.cumsum(stats.counts)
    position = pct / 100 * (stats.n - 1)
    k = int(np.floor(position))
    fraction = position - k
    intervals = []
    values = []
    for rank in (k, min(k + 1, stats.n - 1)):
        b = int(np.searchsorted(cumulative, rank, side="right"))  # bin holding rank
        before = int(cumulative[b - 1]) if b else 0
        inside = int(stats.counts[b])
        left = stats.low if b == 0 else lo + (b - 1) * width
        right = stats.high if b == BINS + 1 else lo + b * width
        left, right = max(left, stats.low), min(right, stats.high)
        # rank is the (rank - before)-th of `inside` values spread evenly over the bin
        values.append(left + (right - left) * (rank - before + 0.5) / inside)
        intervals.append((left, right))
    estimate = values[0] + fraction * (values[1] - values[0])
    return estimate, intervals[1][1] - intervals[0][0]


@dataclass
class SweepSummary(ChainSummary):
    """A sweep's statistics: the document of ``gigatwin simulate`` plus, per output, its
    minimum and maximum and each percentile's error bound, how the run was made, and the
    sections an ``extra`` added (``extras``: ``{section: {name: figures in SI}}``)."""

    chunk: int = CHUNK
    chunks: int = 0
    extremes: dict[str, dict[str, tuple[float, float]]] = field(default_factory=dict)
    percentile_error: dict[str, dict[str, tuple[float, ...]]] = field(default_factory=dict)
    extras: dict[str, dict[str, dict]] = field(default_factory=dict)
    extra_units: dict[str, dict[str, str]] = field(default_factory=dict)
    engine: str = "serial"
    wall_seconds: float = 0.0
    compute_seconds: float = 0.0

    def to_dict(self) -> dict:
        from gigatwin.twin.results import display_unit

        data = super().to_dict()
        for step, values in self.stats.items():
            entries = data["cell"] if step == "cell" else data["steps"].get(step, {})
            for name in values:
                if name in entries:
                    entries[name].update(self._more(step, name, display_unit(name)))
        for section, values in self.extras.items():
            units = self.extra_units.get(section, {})
            data[section] = {name: _shown(figures, units.get(name))
                             for name, figures in values.items()}
        data["sweep"] = {
            "engine": self.engine, "chunk": self.chunk, "chunks": self.chunks,
            "seeding": "chunk i: SeedSequence(seed, spawn_key=(i,)), then one stream per "
                       "setting keyed by its path",
            "percentiles": f"fixed histogram, {BINS} bins over the pilot chunk's range "
                           f"widened by {WIDEN:g} of it each side; pNN_error is the width "
                           "of the interval that holds the exact value",
            "wall_seconds": self.wall_seconds, "compute_seconds": self.compute_seconds}
        return data

    def _more(self, step: str, name: str, unit: str) -> dict:
        low, high = self.extremes[step][name]
        errors = self.percentile_error[step][name]
        return _shown({"min": low, "max": high,
                       **{f"p{int(p):02d}_error": e for p, e in
                          zip(PERCENTILES, errors, strict=True)}}, unit, unit_key=False)


def _shown(figures: dict, unit: str | None, unit_key: bool = True) -> dict:
    """SI figures in ``unit`` (differences -- std, errors -- scaled without offset);
    ``n`` and figures without a unit as they are."""
    from gigatwin.units import from_si

    if unit is None:
        return {**figures, "unit": "SI"} if unit_key else dict(figures)
    scale = float(from_si(1.0, unit)) - float(from_si(0.0, unit))
    out = {}
    for key, value in figures.items():
        if key == "n" or value is None or not np.isfinite(value):
            out[key] = value
        elif key == "std" or key.endswith("_error"):
            out[key] = value * scale
        else:
            out[key] = float(from_si(value, unit))
    if unit_key:
        out["unit"] = unit
    return out


def summarise(total: ChunkSummary, edges: Edges, recipe: Recipe, seed: int, nominal,
              chunk: int, chunks: int, engine: str, wall: float,
              extra_nominal: dict | None = None,
              extra_units: dict | None = None) -> SweepSummary:
    """The :class:`SweepSummary` of the merged chunks; outputs of sections that are not
    steps of the chain go to ``extras``."""
    chain_steps = set(chain.STEPS) | {"cell"}
    stats: dict[str, dict] = {}
    extremes: dict[str, dict] = {}
    errors: dict[str, dict] = {}
    extras: dict[str, dict] = {}
    for (step, name), s in total.stats.items():
        lo, width = edges.lo[(step, name)], edges.width[(step, name)]
        pairs = [percentile(s, lo, width, p) for p in PERCENTILES]
        if step not in chain_steps:
            figures = {"n": s.n, "mean": s.mean, "std": s.std,
                       **{f"p{int(p):02d}": v for p, (v, _) in zip(PERCENTILES, pairs,
                                                                    strict=True)},
                       "min": s.low if s.n else None, "max": s.high if s.n else None,
                       **{f"p{int(p):02d}_error": e for p, (_, e) in
                          zip(PERCENTILES, pairs, strict=True)},
                       "nominal": (extra_nominal or {}).get(step, {}).get(name)}
            extras.setdefault(step, {})[name] = figures
            continue
        stats.setdefault(step, {})[name] = (s.mean, s.std, *(v for v, _ in pairs))
        extremes.setdefault(step, {})[name] = (s.low, s.high)
        errors.setdefault(step, {})[name] = tuple(e for _, e in pairs)
    n = total.samples
    return SweepSummary(recipe.name, n, seed, stats, {}, nominal,
                        {s: float(v / n) for s, v in total.yield_sums.items()},
                        float(total.pass_sum / n), list(total.citations), chunk=chunk,
                        chunks=chunks, extremes=extremes, percentile_error=errors,
                        extras=extras, extra_units=extra_units or {}, engine=engine,
                        wall_seconds=wall, compute_seconds=total.seconds)


def sweep(recipe: Recipe, samples: int, seed: int = 0, *, chunk: int = CHUNK,
          client=None, workers: int | None = None, scheduler: str | None = None,
          threads: int = 1, nominal_run: bool = True, extra: Callable | None = None,
          progress: Callable[[int, int], None] | None = None) -> SweepSummary:
    """Monte Carlo of ``samples`` cells in chunks (module docstring).

    Engine: ``client`` (a ``distributed.Client``), else ``scheduler`` (the address of a
    running dask scheduler), else ``workers`` >= 1 (a ``LocalCluster`` of that many
    single-threaded worker processes, closed at the end), else in this process. The
    result is the same for every engine. ``threads``: threads per chunk in the chain
    (:class:`SettingDraws`); ``progress(done, total)`` is called as chunks finish.
    """
    if seed is None or int(seed) != seed or seed < 0:
        raise ValueError(f"seed = {seed!r} [1] must be an integer in [0, inf) (a sweep is "
                         "reproducible only for a given seed)")
    sizes = chunk_sizes(samples, chunk)
    started = time.perf_counter()
    chain.design(recipe)  # the fixed cell design, computed once and shipped with the recipe
    edges = run_chunk(recipe, seed, 0, sizes[0], None, threads, extra)
    if client is None and scheduler is None and workers is None:
        total, engine = _serial(recipe, seed, sizes, edges, threads, extra, progress), "serial"
    else:
        total, engine = _distributed(recipe, seed, sizes, edges, threads, extra, progress,
                                     client, workers, scheduler)
    nominal, extra_nominal = None, None
    if nominal_run:
        nominal = chain._nominal(recipe, np.random.default_rng(seed))
        if extra is not None:
            draws = SettingDraws(recipe, np.random.default_rng(seed), 1, nominal=True)
            added = extra(recipe, draws, chain.run(recipe, draws))
            extra_nominal = {step: {k: float(v[0]) for k, v in values.items() if len(v)}
                             for step, values in added.items()}
    units = extra.units() if hasattr(extra, "units") else None
    return summarise(total, edges, recipe, seed, nominal, chunk, len(sizes), engine,
                     time.perf_counter() - started, extra_nominal, units)


def _serial(recipe, seed, sizes, edges, threads, extra, progress) -> ChunkSummary:
    total = None
    for index, size in enumerate(sizes):
        part = run_chunk(recipe, seed, index, size, edges, threads, extra)
        if total is None:
            total = part
        else:
            total.merge(part)
        if progress is not None:
            progress(index + 1, len(sizes))
    return total


def local_cluster(workers: int):
    """A ``LocalCluster`` of ``workers`` single-threaded processes for sweeps.

    Its workers start without the ``MALLOC_TRIM_THRESHOLD_`` that dask sets by default:
    setting it turns off glibc's dynamic mmap threshold, so every array of a chunk is a
    fresh mmap whose pages fault in on first touch, which made the chain twice as slow
    per chunk (docs/benchmarks.md). A sweep frees its arrays after each chunk anyway.
    """
    import dask
    from distributed import LocalCluster

    environ = {k: v for k, v in dask.config.get("distributed.nanny.pre-spawn-environ",
                                                {}).items()
               if k != "MALLOC_TRIM_THRESHOLD_"}
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        return LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                            dashboard_address=":0")


SCHEDULER_TIMEOUT = 5.0   # [s] to connect to a dask scheduler given by its address


def _distributed(recipe, seed, sizes, edges, threads, extra, progress, client, workers,
                 scheduler) -> tuple[ChunkSummary, str]:
    """The chunks as dask tasks, at most two per worker thread in flight, merged as they
    finish (the merge is exact, so its order does not matter)."""
    from distributed import Client, as_completed

    cluster = None
    if client is None:
        if scheduler is not None:
            try:     # an address where nothing answers: say so within seconds
                client = Client(scheduler, timeout=SCHEDULER_TIMEOUT)
            except (OSError, ValueError, TypeError) as exc:
                raise OSError(f"dask scheduler {scheduler!r}: no scheduler answered within "
                              f"{SCHEDULER_TIMEOUT:g} s ({exc})") from None
            engine = f"dask scheduler {scheduler}"
        else:
            if workers < 1:
                raise ValueError(f"workers = {workers} [1] is outside the allowed range "
                                 "[1, inf)")
            cluster = local_cluster(workers)
            client = Client(cluster)
            engine = f"dask LocalCluster, {workers} worker processes"
        owned = True
    else:
        engine, owned = "dask client", False
    try:
        slots = max(1, sum(client.nthreads().values())) * 2
        [shared] = client.scatter([recipe], broadcast=True)
        pending = iter(enumerate(sizes))
        total = None

        def submit(index: int, size: int):
            return client.submit(run_chunk, shared, seed, index, size, edges, threads,
                                 extra, pure=False)

        running = as_completed([submit(i, s) for i, s in
                                (next(pending) for _ in range(min(slots, len(sizes))))])
        for done, future in enumerate(running, start=1):
            part = future.result()
            future.release()
            if total is None:
                total = part
            else:
                total.merge(part)
            if progress is not None:
                progress(done, len(sizes))
            following = next(pending, None)
            if following is not None:
                running.add(submit(*following))
        return total, engine
    finally:
        if owned:
            client.close()
        if cluster is not None:
            cluster.close()
