"""Draws of recipe settings for one chain run: Monte Carlo, nominal, or given (sensitivity).

All the standard-normal numbers of a Monte Carlo run go into one ``(k, n)`` block, one row
per toleranced setting (recipe order), scaled in place to ``nominal + std * z``. One large
array costs one allocation (numpy asks the kernel for huge pages above 4 MB) instead of k
fresh 8n-byte arrays whose first touch costs a page fault per 4 kB (docs/benchmarks.md).

Each row has its own stream, a child ``SeedSequence`` of the run's seed keyed by the
setting's path (``cathode.coating_speed``) or by the noise block's number: the rows can be
filled by ``workers`` threads (numpy releases the GIL while it fills an array), a run's
numbers depend on the seed only, not on the number of threads, and a setting gets the same
numbers whatever other settings are toleranced. So two recipes simulated with one seed
share their random numbers setting by setting (common random numbers for
``gigatwin compare``). Settings without variation are read-only broadcast views of one
number (no memory per sample).
"""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

import numpy as np

from gigatwin.twin.recipe import Recipe

PARALLEL_MIN_SAMPLES = 20_000  # below this, threads cost more than they save


def constant(value: float, samples: int) -> np.ndarray:
    """``samples`` copies of ``value`` as a read-only broadcast view (no per-sample memory)."""
    return np.broadcast_to(np.float64(value), (samples,))


@lru_cache(maxsize=4096)
def _label_key(label: str) -> tuple[int, int]:
    """Two 32-bit words of the label's BLAKE2 hash: the spawn key of its stream."""
    digest = hashlib.blake2b(label.encode(), digest_size=8).digest()
    return int.from_bytes(digest[:4], "little"), int.from_bytes(digest[4:], "little")


class SettingDraws:
    """Per-sample values of recipe settings for one run.

    ``nominal=True`` gives every sample the nominal value (no machine variation, no
    measurement noise); ``given`` maps dotted paths to arrays that replace the draws
    (used by the Sobol analysis). Otherwise every toleranced setting of the recipe that is
    not given is drawn from N(nominal, std) at construction, all in one block (rows in the
    order of ``recipe.settings``, one stream per row keyed by its path), so a run is
    reproducible for a given generator state whatever ``workers`` (threads filling the
    rows) is. ``streams`` shares the row generators between consecutive draws of one run
    (chunks, :func:`gigatwin.twin.chain.simulate_summary`): the chunks then continue each
    stream and together hold exactly the numbers of one large draw.
    Returned arrays are read-only views: models must not modify their inputs.
    """

    def __init__(self, recipe: Recipe, rng: np.random.Generator, samples: int, *,
                 nominal: bool = False, given: dict[str, np.ndarray] | None = None,
                 workers: int = 1, streams: dict[str, np.random.Generator] | None = None):
        if workers < 1:
            raise ValueError(f"workers = {workers} [1] is outside the allowed range [1, inf)")
        self.recipe, self.rng, self.samples, self.nominal = recipe, rng, samples, nominal
        self.workers = workers
        self._streams = {} if streams is None else streams
        self._noise: list[np.ndarray] = []  # measurement-noise blocks, in the order drawn
        self._replay: list[np.ndarray] = []  # blocks to hand out again (a subset's noise)
        self._cache: dict[str, np.ndarray] = {
            k: np.broadcast_to(np.asarray(v, dtype=float), (samples,)) for k, v in (given or {}).items()}
        if not nominal:
            self._draw_toleranced()

    def _draw_toleranced(self) -> None:
        paths = [p for p, s in self.recipe.settings.items() if s.std > 0 and p not in self._cache]
        if not paths:
            return
        block = self._standard_normal_rows(paths)
        for row, path in zip(block, paths, strict=True):
            setting = self.recipe.settings[path]
            row *= setting.std
            row += setting.nominal
            row.flags.writeable = False
            self._cache[path] = row

    def __call__(self, path: str, default: float | None = None) -> np.ndarray:
        self.recipe.read(path)
        if path not in self._cache:
            setting = self.recipe.settings.get(path)
            if setting is None:
                if default is None:
                    raise KeyError(f"recipe {self.recipe.source} has no quantity {path!r}")
                self._cache[path] = constant(default, self.samples)
            else:  # nominal run, or a setting without tolerance
                self._cache[path] = constant(setting.nominal, self.samples)
        return self._cache[path]

    def normal(self) -> np.ndarray:
        """Standard-normal draws for measurement noise (zeros in a nominal run)."""
        return self.normals(1)[0]

    def normals(self, count: int) -> np.ndarray:
        """``count`` rows of standard-normal draws for measurement noise, in one block
        (``(count, samples)``; zeros in a nominal run)."""
        if self.nominal:
            return np.broadcast_to(np.float64(0.0), (count, self.samples))
        if self._replay:
            block = self._replay.pop(0)
            if block.shape != (count, self.samples):
                raise ValueError(f"replayed noise block of shape {block.shape}; the chain "
                                 f"asked for ({count}, {self.samples})")
            return block
        block = self._standard_normal_rows(
            [f"noise:{len(self._noise)}:{i}" for i in range(count)])
        self._noise.append(block)
        return block

    def _generator(self, label: str) -> np.random.Generator:
        """The row's generator of this run, continued where the last draw left it."""
        if label not in self._streams:
            self._streams[label] = self.stream(label)
        return self._streams[label]

    def stream(self, label: str) -> np.random.Generator:
        """The generator of one row, from its start: the run's seed sequence with
        ``label`` appended to its spawn key (two 32-bit words of the label's BLAKE2
        hash)."""
        seq = self.rng.bit_generator.seed_seq
        child = np.random.SeedSequence(seq.entropy, spawn_key=(*seq.spawn_key,
                                                               *_label_key(label)),
                                       pool_size=seq.pool_size)
        return np.random.Generator(type(self.rng.bit_generator)(child))

    def subset(self, index) -> SettingDraws:
        """The draws of the samples at ``index`` (after a run of this object): every
        setting value and measurement-noise number of those samples, and nothing else, so
        running the chain on the subset must give those samples' results (subset
        invariance, tests/twin/test_subset_invariance.py)."""
        index = np.atleast_1d(np.asarray(index, dtype=np.intp))
        given = {path: np.array(values[index]) for path, values in self._cache.items()}
        part = SettingDraws(self.recipe, np.random.default_rng(0), index.size,
                            nominal=self.nominal, given=given)
        part._replay = [np.array(block[:, index]) for block in self._noise]
        return part

    def _standard_normal_rows(self, labels: list[str]) -> np.ndarray:
        """``(len(labels), samples)`` standard normals, row i from the stream of label i."""
        count = len(labels)
        block = np.empty((count, self.samples))
        streams = [self._generator(label) for label in labels]
        workers = min(self.workers, count) if self.samples >= PARALLEL_MIN_SAMPLES else 1

        def fill(rows: range) -> None:
            for i in rows:
                streams[i].standard_normal(out=block[i])

        if workers == 1:
            fill(range(count))
        else:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                list(pool.map(fill, [range(w, count, workers) for w in range(workers)]))
        return block
