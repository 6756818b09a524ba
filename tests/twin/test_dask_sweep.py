"""Monte Carlo sweeps (gigatwin.twin.sweep): a dask run equals the serial run, the
chunks are the seeded chain runs they claim to be, merges are exact, and histogram
percentiles stay within their stated error bound."""

import math
import random

import numpy as np
import pytest

from gigatwin.twin import load_recipe
from gigatwin.twin.chain import _yields, run
from gigatwin.twin.recipe import example_recipes
from gigatwin.twin.sampling import SettingDraws
from gigatwin.twin.sweep import (
    BINS,
    _stats,
    chunk_generator,
    chunk_sizes,
    percentile,
    sweep,
)

RECIPE = next(p for p in example_recipes() if p.stem == "nmc811_sigraphite_21700")
CHUNK = 4096
SAMPLES = 3 * CHUNK + 1000  # three full chunks and a short one


@pytest.fixture(scope="module")
def recipe():
    return load_recipe(RECIPE)


@pytest.fixture(scope="module")
def serial(recipe):
    return sweep(recipe, SAMPLES, seed=5, chunk=CHUNK)


def _without_run_info(result) -> dict:
    data = result.to_dict()
    data.pop("sweep")
    return data


def test_a_dask_run_equals_the_serial_run(recipe, serial):
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=":0") as cluster, Client(cluster) as client:
        distributed = sweep(recipe, SAMPLES, seed=5, chunk=CHUNK, client=client)
        assert len(client.nthreads()) == 2
    assert distributed.engine == "dask client" and serial.engine == "serial"
    # every mean, std, percentile, yield, min, max and error bound, to the last bit
    assert _without_run_info(distributed) == _without_run_info(serial)
    assert distributed.samples == serial.samples == SAMPLES
    assert distributed.chunks == serial.chunks == 4


def test_another_seed_gives_another_run(recipe, serial):
    other = sweep(recipe, SAMPLES, seed=6, chunk=CHUNK)
    assert other.stats["cell"]["cell_capacity"][0] != serial.stats["cell"]["cell_capacity"][0]


def test_chunk_i_is_the_ith_spawned_child_of_the_seed():
    child = np.random.SeedSequence(11).spawn(4)[3]
    expected = np.random.Generator(np.random.PCG64(child)).standard_normal(5)
    np.testing.assert_array_equal(chunk_generator(11, 3).standard_normal(5), expected)
    assert chunk_sizes(10, 4) == [4, 4, 2] and chunk_sizes(8, 4) == [4, 4]
    with pytest.raises(ValueError, match="samples = 0"):
        chunk_sizes(0, 4)


def test_the_sweep_summarises_the_chain_runs_of_its_chunks(recipe, serial):
    """Run each chunk by hand (its generator, the chain), keep every value: the sweep's
    mean, std and yields are those of all values; its percentiles are within the error
    bound it states of numpy's exact percentiles."""
    capacity, energy, passed = [], [], []
    for index, size in enumerate(chunk_sizes(SAMPLES, CHUNK)):
        draws = SettingDraws(recipe, chunk_generator(5, index), size, streams={})
        outputs = run(recipe, draws)
        capacity.append(np.array(outputs["cell"]["cell_capacity"]))
        energy.append(np.array(outputs["cell"]["gravimetric_energy_density"]))
        passed.append(_yields(recipe, outputs)[2])
    for name, parts in (("cell_capacity", capacity),
                        ("gravimetric_energy_density", energy)):
        values = np.concatenate(parts)
        mean, std, p05, p95 = serial.stats["cell"][name]
        assert mean == pytest.approx(values.mean(), rel=1e-13)
        assert std == pytest.approx(values.std(ddof=1), rel=1e-9)
        assert serial.extremes["cell"][name] == (values.min(), values.max())
        for estimate, error, pct in zip((p05, p95), serial.percentile_error["cell"][name],
                                        (5, 95), strict=True):
            exact = np.percentile(values, pct)
            assert abs(estimate - exact) <= error
            assert error <= 2 * 2 * (values.max() - values.min()) / BINS  # two bins
    assert serial.overall_yield == pytest.approx(np.concatenate(passed).mean(), rel=1e-13)


def test_merging_chunk_summaries_is_exact_in_any_order():
    rng = np.random.default_rng(0)
    parts = [rng.normal(3.0e5, 2.0, size) for size in (1000, 4096, 17, 3000, 1)]
    lo, width = 3.0e5 - 20, 40 / BINS

    def merged(order):
        total = _stats(parts[order[0]], lo, width)
        for i in order[1:]:
            total.merge(_stats(parts[i], lo, width))
        return total

    orders = [list(range(5)), [4, 3, 2, 1, 0], random.Random(1).sample(range(5), 5)]
    results = [merged(o) for o in orders]
    for r in results[1:]:
        assert (r.n, r.total, r.squares, r.low, r.high) == \
            (results[0].n, results[0].total, results[0].squares, results[0].low,
             results[0].high)
        np.testing.assert_array_equal(r.counts, results[0].counts)
    values = np.concatenate(parts)
    # exact sums of the chunks' float sums: the mean is their correctly rounded ratio
    assert results[0].mean == pytest.approx(math.fsum(values) / values.size, rel=1e-15)
    assert results[0].std == pytest.approx(values.std(ddof=1), rel=1e-10)
    assert int(results[0].counts.sum()) == values.size


@pytest.mark.parametrize("draw", ["normal", "lognormal", "ties"])
def test_histogram_percentiles_hold_numpy_within_the_stated_bound(draw):
    rng = np.random.default_rng(2)
    values = {"normal": rng.normal(1.0, 0.1, 50_000),
              "lognormal": rng.lognormal(0.0, 1.0, 50_000),
              "ties": rng.integers(0, 5, 50_000).astype(float)}[draw]
    pilot = values[:4096]  # edges from a first chunk, as the sweep sets them
    span = pilot.max() - pilot.min()
    lo, width = pilot.min() - 0.5 * span, 2 * span / BINS
    stats = _stats(values[:20_000], lo, width)
    stats.merge(_stats(values[20_000:], lo, width))
    for pct in (0.0, 5.0, 50.0, 95.0, 100.0):
        estimate, error = percentile(stats, lo, width, pct)
        assert abs(estimate - np.percentile(values, pct)) <= error + 1e-12, pct
    assert percentile(_stats(np.array([2.0]), lo, width), lo, width, 5.0) == (2.0, 0.0)
    assert np.isnan(percentile(_stats(np.empty(0), lo, width), lo, width, 5.0)[0])


@pytest.mark.slow
def test_a_local_cluster_of_processes_equals_the_serial_run(recipe, serial):
    """The CLI's default dask engine: a LocalCluster of worker processes started and
    closed by the sweep."""
    distributed = sweep(recipe, SAMPLES, seed=5, chunk=CHUNK, workers=2)
    assert distributed.engine.startswith("dask LocalCluster")
    assert _without_run_info(distributed) == _without_run_info(serial)
