"""Two workers (draws and the two electrodes in threads) give the one-worker result exactly."""

from pathlib import Path

import numpy as np

from gigatwin.twin import load_recipe, simulate
from gigatwin.twin.sampling import PARALLEL_MIN_SAMPLES

RECIPE = Path(__file__).parents[2] / "examples" / "recipes" / "nmc622_graphite_pouch.yaml"


def test_two_workers_reproduce_one_worker_bit_for_bit_with_the_same_citations():
    recipe = load_recipe(RECIPE)
    samples = PARALLEL_MIN_SAMPLES  # the threshold at which the threads are used
    one = simulate(recipe, samples, seed=7, workers=1, nominal_run=False)
    two = simulate(recipe, samples, seed=7, workers=2, nominal_run=False)
    assert list(one.outputs) == list(two.outputs)
    for step in one.outputs:
        assert list(one.outputs[step]) == list(two.outputs[step]), step  # same keys, same order
        for name, values in one.outputs[step].items():
            np.testing.assert_array_equal(values, two.outputs[step][name], err_msg=f"{step}.{name}")
    # citations recorded inside the threads reach the caller's collect()
    assert sorted(c.key for c in one.citations) == sorted(c.key for c in two.citations)
    assert "meyer2017" in {c.key for c in two.citations}


def test_pipelined_chunks_and_threaded_balancing_reproduce_one_worker():
    # two chunks of PARALLEL_MIN_SAMPLES: from 2 workers the first chunk's outputs are
    # copied in a thread while the second runs, and the balance solves its two window
    # ends in two threads; the arrays are those of one worker in one chunk
    recipe = load_recipe(RECIPE)
    samples = 2 * PARALLEL_MIN_SAMPLES
    one = simulate(recipe, samples, seed=11, workers=1, nominal_run=False)
    two = simulate(recipe, samples, seed=11, workers=2, nominal_run=False,
                   chunk=PARALLEL_MIN_SAMPLES)
    for step in one.outputs:
        for name, values in one.outputs[step].items():
            np.testing.assert_array_equal(values, two.outputs[step][name], err_msg=f"{step}.{name}")
    assert one.step_yield == two.step_yield
