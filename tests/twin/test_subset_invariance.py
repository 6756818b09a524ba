"""Subset invariance (as scikit-learn's ``check_methods_subset_invariance``): a sample's
result depends only on its own draws. Each sample of a large batch, computed alone from
the same setting values and measurement noise, gives the same value of every output."""

import numpy as np
import pytest

from gigatwin.twin import load_recipe
from gigatwin.twin.chain import run
from gigatwin.twin.recipe import example_recipes
from gigatwin.twin.sampling import SettingDraws


@pytest.mark.parametrize("path", example_recipes(), ids=lambda p: p.stem)
def test_a_sample_alone_equals_the_same_sample_in_a_batch(path):
    recipe = load_recipe(path)
    draws = SettingDraws(recipe, np.random.default_rng(42), 30_000, workers=2)
    batch = run(recipe, draws)
    # the extremes of one setting and a few ordinary samples
    speed = draws("cathode.coating_speed")
    picks = [0, 1, 29_999, int(np.argmin(speed)), int(np.argmax(speed))]
    checked = 0
    for i in picks:
        alone = run(recipe, draws.subset([i]))
        assert alone.keys() == batch.keys()
        for step, outputs in batch.items():
            assert alone[step].keys() == outputs.keys(), step
            for name, values in outputs.items():
                np.testing.assert_allclose(alone[step][name][0], values[i], rtol=1e-12,
                                           atol=0, err_msg=f"sample {i}: {step}.{name}")
                checked += 1
    assert checked > 5 * 60  # every output of every pick


def test_a_subset_of_several_samples_keeps_their_order():
    recipe = load_recipe(example_recipes()[0])
    draws = SettingDraws(recipe, np.random.default_rng(3), 5_000)
    batch = run(recipe, draws)
    index = [4_999, 7, 2_500]
    part = run(recipe, draws.subset(index))
    for step, outputs in batch.items():
        for name, values in outputs.items():
            np.testing.assert_allclose(part[step][name], values[index], rtol=1e-12, atol=0,
                                       err_msg=f"{step}.{name}")
