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
    """Linear interpolation on the 0.05 K lattice vs the 60-step bisection at each sample:
    within 1e-7 relative."""
    air = nominal + std * np.random.default_rng(7).standard_normal(5000)
    h = 60.0
    np.testing.assert_allclose(tables.evaporation_flux(air, h, solvent), _direct(air, h, solvent),
                               rtol=1e-7, atol=0)


def test_cached_table_records_the_same_citations_as_the_direct_call():
    air = 393.15 + 0.5 * np.random.default_rng(1).standard_normal(100)
    with collect() as direct:
        _direct(air, 60.0, "NMP")
    for _ in range(2):  # the second use comes from the cache
        with collect() as fast:
            tables.evaporation_flux(air, 60.0, "NMP")
        assert {c.key for c in fast} == {c.key for c in direct}


def test_grid_beyond_validity_falls_back_to_direct_solution():
    """Samples up to 473.14 K are valid (limit 473.15 K); the lattice point above them
    (473.15 K and a bit of rounding) may not be, so every sample is solved directly."""
    air = np.linspace(470.0, 473.14, 50)
    np.testing.assert_allclose(tables.evaporation_flux(air, 60.0, "NMP"),
                               _direct(air, 60.0, "NMP"), rtol=1e-7)


def test_out_of_range_sample_raises_like_the_direct_call():
    air = np.array([400.0, 474.0])
    with pytest.raises(RangeError, match="air_temperature") as direct:
        _direct(air, 60.0, "NMP")
    with pytest.raises(RangeError, match="air_temperature") as fast:
        tables.evaporation_flux(air, 60.0, "NMP")
    assert fast.value.value == direct.value.value == 474.0


def test_uniform_table_matches_numpy_interp():
    grid = np.linspace(2.0, 5.0, 31)
    values = np.exp(grid)
    x = np.random.default_rng(3).uniform(2.0, 5.0, 1000)
    x[:2] = 2.0, 5.0  # both ends
    table = tables.UniformTable(2.0, 5.0, values)
    np.testing.assert_allclose(table.interpolate(x), np.interp(x, grid, values), rtol=1e-13)


def test_a_sample_does_not_depend_on_its_companions():
    """The lattice cell and weight of a sample come from the sample alone: the flux at
    393.17 K is the same, to the bit, alone, with close companions or with a 20 K spread."""
    alone = tables.evaporation_flux(np.array([393.17]), 60.0, "NMP")
    close = tables.evaporation_flux(np.array([393.17, 393.2, 393.0]), 60.0, "NMP")
    wide = tables.evaporation_flux(np.array([383.0, 393.17, 403.0]), 60.0, "NMP")
    assert alone[0] == close[0] == wide[1]
