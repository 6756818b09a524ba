"""Step models of one sampled setting, solved once on a grid and interpolated per sample.

The drying heat balance (:func:`gigatwin.steps.drying.constant_rate_drying`) is a 60-step
bisection whose cost is Python overhead per step, not per sample. The chain solves it on a
grid of air temperatures and interpolates linearly per sample.

The grid is a fixed lattice, the multiples of :data:`MAX_SPACING` (0.05 K), over the cells
around the sampled range; a sample's value is interpolated between the two lattice points
around it, computed from the sample alone (``x / spacing``, its floor and fraction). So a
sample's result does not depend on which other samples share the run (subset invariance,
tests/twin/test_subset_invariance.py), and repeated runs reuse tables from a small cache.
Should the grid leave the model's validity range, every sample is solved directly (also
per sample), so the model's own error names the offending sample.

Accuracy (tests/twin/test_tables.py): with lattice points 0.05 K apart, linear
interpolation agrees with the direct bisection at every sample within 1e-7 relative.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from gigatwin.checks import RangeError
from gigatwin.citations import Citation, cite, collect
from gigatwin.steps import drying

MAX_SPACING = 0.05  # [K] between grid air temperatures: interpolation error < 1e-7 relative
MAX_POINTS = 4001
# A table spans whole blocks of this many lattice points, so runs whose sampled ranges
# differ a little (consecutive coils of a line) share one table; a lattice point's value
# does not depend on the table's extent (the bisection is element-wise).
BLOCK = 128


def evaporation_flux(air_temperature: np.ndarray, heat_transfer_coefficient: float,
                     solvent: str, solvent_partial_pressure: float = 0.0) -> np.ndarray:
    """Constant-rate evaporation flux [kg/(m^2 s)] at each sampled air temperature [K].

    heat_transfer_coefficient [W/(m^2 K)] (one value for the run); solvent : material name;
    solvent_partial_pressure [Pa] : solvent vapour in the dryer air (one value for the run).
    """
    p_inf = float(solvent_partial_pressure)
    air = np.asarray(air_temperature, dtype=float)
    scaled = air * (1.0 / MAX_SPACING)
    first, last = math.floor(float(scaled.min())), math.floor(float(scaled.max())) + 1
    if last - first + 1 > MAX_POINTS:  # a range of 200 K: solve every sample
        return _direct(air, heat_transfer_coefficient, solvent, p_inf)
    h = float(heat_transfer_coefficient)
    try:
        try:   # whole blocks, unless they reach outside the model's validity range
            table = _flux_table(solvent, h, first - first % BLOCK,
                                last - last % BLOCK + BLOCK, p_inf)
        except RangeError:
            table = _flux_table(solvent, h, first, last, p_inf)
    except RangeError:
        return _direct(air, heat_transfer_coefficient, solvent, p_inf)
    cite(*table.citations)
    return table.interpolate_scaled(scaled)


def _direct(air: np.ndarray, heat_transfer_coefficient: float, solvent: str,
            solvent_partial_pressure: float) -> np.ndarray:
    flux = drying.constant_rate_drying(air, heat_transfer_coefficient, solvent,
                                       solvent_partial_pressure=solvent_partial_pressure)
    return np.asarray(flux.evaporation_flux, dtype=float).reshape(air.shape)


class UniformTable:
    """Values of a function on a uniform grid, interpolated linearly (as ``numpy.interp``)."""

    def __init__(self, start: float, stop: float, values: np.ndarray,
                 citations: tuple[Citation, ...] = ()):
        self.start, self.values, self.citations = start, np.asarray(values, dtype=float), citations
        self.spacing = (stop - start) / (self.values.size - 1) if self.values.size > 1 else 1.0
        self.slopes = np.diff(self.values)
        self.values.flags.writeable = False
        self.first_index = 0  # lattice index of values[0] (lattice tables)

    @classmethod
    def lattice(cls, first: int, values: np.ndarray, spacing: float,
                citations: tuple[Citation, ...] = ()) -> UniformTable:
        """A table at the lattice points ``k * spacing``, k = first, first + 1, ..."""
        table = cls(first * spacing, (first + len(values) - 1) * spacing, values, citations)
        table.spacing, table.first_index = spacing, first
        return table

    def interpolate(self, x: np.ndarray) -> np.ndarray:
        """Linear interpolation at ``x`` (inside the grid); same values as ``numpy.interp``
        up to rounding, without its binary search."""
        position = np.subtract(x, self.start)
        position *= 1.0 / self.spacing
        return self._between(position, 0)

    def interpolate_scaled(self, scaled: np.ndarray) -> np.ndarray:
        """Interpolation at ``x`` given as ``scaled = x / spacing`` on a lattice table: the
        cell and the weight of a sample depend on the sample alone."""
        return self._between(np.array(scaled, dtype=float), self.first_index)

    def _between(self, position: np.ndarray, offset: int) -> np.ndarray:
        """``position`` in grid steps from lattice point 0 (``offset`` = index of values[0])."""
        index = np.floor(position).astype(np.intp)
        if offset:
            index -= offset
        np.clip(index, 0, self.values.size - 2, out=index)
        position -= index  # the weight within the cell (1 at the grid's upper end)
        if offset:
            position -= offset
        result = self.slopes.take(index)
        result *= position
        result += self.values.take(index)
        return result


@lru_cache(maxsize=64)
def _flux_table(solvent: str, heat_transfer_coefficient: float, first: int,
                last: int, solvent_partial_pressure: float = 0.0) -> UniformTable:
    grid = np.arange(first, last + 1) * MAX_SPACING
    with collect() as used:
        flux = drying.constant_rate_drying(grid, heat_transfer_coefficient, solvent,
                                           solvent_partial_pressure=solvent_partial_pressure)
    return UniformTable.lattice(first, np.asarray(flux.evaporation_flux, dtype=float).reshape(-1),
                                MAX_SPACING, tuple(used))
