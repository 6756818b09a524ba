"""The chain's tabulated drying heat balance against the direct model call."""

import numpy as np
import pytest

from gigatwin.checks import RangeError
from gigatwin.citations import collect
from gigatwin.steps import drying
from gigatwin.twin import tables


def _direct(air, h, solvent):
    return np.asarray(drying.constant_rate_drying(air, h, solvent).evaporation_flux, dtype=float)


@pytest.mark.parametrize(("solvent", "nominal", "std"),
                         [("NMP", 393.15, 0.5), ("NMP", 413.15, 5.0), ("water", 363.15, 0.5),
                          ("water", 343.15, 3.0)])
def test_table_agrees_with_bisection_at_every_sample(solvent, nominal, std):
    """Linear interpolation on the cached grid vs the 60-step bisection at each sample: within
    1e-7 relative (the previous 48-point grid over the sampled range was within ~2e-7)."""
    air = nominal + std * np.random.default_rng(7).standard_normal(5000)
    h = 60.0
    np.testing.assert_allclose(tables.evaporation_flux(air, h, solvent, std), _direct(air, h, solvent),
                               rtol=1e-7, atol=0)


def test_cached_table_records_the_same_citations_as_the_direct_call():
    air = 393.15 + 0.5 * np.random.default_rng(1).standard_normal(100)
    with collect() as direct:
        _direct(air, 60.0, "NMP")
    for _ in range(2):  # the second use comes from the cache
        with collect() as fast:
            tables.evaporation_flux(air, 60.0, "NMP", 0.5)
        assert {c.key for c in fast} == {c.key for c in direct}


def test_grid_beyond_validity_falls_back_to_the_sampled_range():
    """Samples up to 473.1 K are valid (limit 473.15 K); the grid rounded out to whole
    multiples of 2 K would reach 474 K, so the table is solved on the exact range instead."""
    air = np.linspace(470.0, 473.1, 50)
    np.testing.assert_allclose(tables.evaporation_flux(air, 60.0, "NMP", 2.0),
                               _direct(air, 60.0, "NMP"), rtol=1e-7)


def test_out_of_range_sample_raises_like_the_direct_call():
    air = np.array([400.0, 474.0])
    with pytest.raises(RangeError, match="air_temperature") as direct:
        _direct(air, 60.0, "NMP")
    with pytest.raises(RangeError, match="air_temperature") as fast:
        tables.evaporation_flux(air, 60.0, "NMP", 2.0)
    assert fast.value.value == direct.value.value == 474.0


def test_uniform_table_matches_numpy_interp():
    grid = np.linspace(2.0, 5.0, 31)
    values = np.exp(grid)
    x = np.random.default_rng(3).uniform(2.0, 5.0, 1000)
    x[:2] = 2.0, 5.0  # both ends
    table = tables.UniformTable(2.0, 5.0, values)
    np.testing.assert_allclose(table.interpolate(x), np.interp(x, grid, values), rtol=1e-13)
