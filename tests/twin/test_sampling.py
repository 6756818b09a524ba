"""Setting draws: one block of spawned streams, independent of the number of threads."""

import numpy as np
import pytest

from gigatwin.twin import load_recipe, simulate
from gigatwin.twin.recipe import example_recipes
from gigatwin.twin.sampling import PARALLEL_MIN_SAMPLES, SettingDraws

POUCH = next(p for p in example_recipes() if "pouch" in p.name)


@pytest.fixture(scope="module")
def pouch():
    return load_recipe(POUCH)


def test_results_do_not_depend_on_worker_count(pouch):
    n = PARALLEL_MIN_SAMPLES + 7  # above the threshold: two threads really fill the rows
    one = simulate(pouch, n, seed=4, nominal_run=False, workers=1)
    two = simulate(pouch, n, seed=4, nominal_run=False, workers=2)
    for step, values in one.outputs.items():
        for name, array in values.items():
            np.testing.assert_array_equal(array, two.outputs[step][name], err_msg=f"{step}.{name}")


def test_each_row_is_the_stream_of_its_setting(pouch):
    """Row of a setting = nominal + std * the standard normals of the stream keyed by its
    path; the same path gives the same numbers when other settings lose their tolerance."""
    draws = SettingDraws(pouch, np.random.default_rng(9), 1000)
    paths = [p for p, s in pouch.settings.items() if s.std > 0]
    streams = [draws.stream(p).standard_normal(1000) for p in paths]
    for path, z in zip(paths, streams, strict=True):
        setting = pouch[path]
        np.testing.assert_allclose(draws(path), setting.nominal + setting.std * z, rtol=1e-15)
    assert len({float(z[0]) for z in streams}) == len(paths)  # distinct streams
    fewer = SettingDraws(pouch, np.random.default_rng(9), 1000,
                         given={paths[0]: np.zeros(1000)})
    np.testing.assert_array_equal(fewer(paths[-1]), draws(paths[-1]))


def test_draws_follow_the_tolerance(pouch):
    """Mean and standard deviation of each toleranced setting within 5 standard errors."""
    n = 40_000
    draws = SettingDraws(pouch, np.random.default_rng(2), n, workers=2)
    for path, setting in pouch.settings.items():
        if setting.std == 0:
            continue
        values = draws(path)
        assert abs(values.mean() - setting.nominal) < 5 * setting.std / np.sqrt(n), path
        assert abs(values.std() / setting.std - 1) < 5 / np.sqrt(2 * n), path


def test_nominal_and_untoleranced_settings_are_read_only_constants(pouch):
    nominal = SettingDraws(pouch, np.random.default_rng(0), 50, nominal=True)
    speed = nominal("cathode.coating_speed")
    assert np.all(speed == pouch.value("cathode.coating_speed"))
    assert not speed.flags.writeable
    assert np.all(nominal.normals(3) == 0) and nominal.normals(3).shape == (3, 50)
    with pytest.raises(ValueError, match="workers"):
        SettingDraws(pouch, np.random.default_rng(0), 5, workers=0)
