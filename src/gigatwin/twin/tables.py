"""Step models of one sampled setting, solved once on a grid and interpolated per sample.

The drying heat balance (:func:`gigatwin.steps.drying.constant_rate_drying`) is a 60-step
bisection whose cost is Python overhead per step, not per sample. The chain solves it on a
uniform grid of air temperatures and interpolates linearly per sample. The grid's ends are
the sampled extremes rounded outwards to whole multiples of the setting's standard deviation,
so repeated runs of one recipe (other seeds, Sobol, the benchmark) reuse the same table from
a small cache; the citations the model records are replayed on every use, so a run lists the
same papers whether or not the table came from the cache. Should the rounded-out grid leave
the model's validity range, the table is solved on the exact sampled range instead, so the
model's own error names the offending sample as a direct call would.

Accuracy (tests/twin/test_tables.py): with grid points at most 0.05 K apart, linear
interpolation agrees with the direct bisection at every sample within 1e-7 relative (the
previous 48 points over the sampled range: ~2e-7 at a 0.5 K tolerance, ~2e-5 at 5 K).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from gigatwin.checks import RangeError
from gigatwin.citations import Citation, cite, collect
from gigatwin.steps import drying
from gigatwin.twin.sampling import constant

MAX_SPACING = 0.05  # [K] between grid air temperatures: interpolation error < 1e-7 relative
MAX_POINTS = 4001


def evaporation_flux(air_temperature: np.ndarray, heat_transfer_coefficient: float,
                     solvent: str, step: float, solvent_partial_pressure: float = 0.0) -> np.ndarray:
    """Constant-rate evaporation flux [kg/(m^2 s)] at each sampled air temperature [K].

    heat_transfer_coefficient [W/(m^2 K)] (one value for the run); solvent : material name;
    step [K] : lattice the grid ends are rounded out to (the setting's standard deviation;
    0 or less for the exact sampled range); solvent_partial_pressure [Pa] : solvent vapour
    in the dryer air (one value for the run).
    """
    p_inf = float(solvent_partial_pressure)
    air = np.asarray(air_temperature, dtype=float)
    low, high = float(air.min()), float(air.max())
    if high == low:
        table = _flux_table(solvent, float(heat_transfer_coefficient), low, low, p_inf)
        cite(*table.citations)
        return constant(table.values[0], air.size)
    table = None
    if step > 0:
        try:
            table = _flux_table(solvent, float(heat_transfer_coefficient),
                                math.floor(low / step) * step, math.ceil(high / step) * step, p_inf)
        except RangeError:
            table = None
    if table is None:
        try:
            table = _flux_table(solvent, float(heat_transfer_coefficient), low, high, p_inf)
        except RangeError:
            # name the offending sample, as a direct call would (the grid's are in between)
            drying.constant_rate_drying(air, heat_transfer_coefficient, solvent,
                                        solvent_partial_pressure=p_inf)
            raise
    cite(*table.citations)
    return table.interpolate(air)


class UniformTable:
    """Values of a function on a uniform grid, interpolated linearly (as ``numpy.interp``)."""

    def __init__(self, start: float, stop: float, values: np.ndarray,
                 citations: tuple[Citation, ...] = ()):
        self.start, self.values, self.citations = start, np.asarray(values, dtype=float), citations
        self.spacing = (stop - start) / (self.values.size - 1) if self.values.size > 1 else 1.0
        self.slopes = np.diff(self.values)
        self.values.flags.writeable = False

    def interpolate(self, x: np.ndarray) -> np.ndarray:
        """Linear interpolation at ``x`` (inside the grid); same values as ``numpy.interp``
        up to rounding, without its binary search."""
        position = np.subtract(x, self.start)
        position *= 1.0 / self.spacing
        index = position.astype(np.intp)
        np.clip(index, 0, self.values.size - 2, out=index)
        position -= index
        result = self.slopes.take(index)
        result *= position
        result += self.values.take(index)
        return result


@lru_cache(maxsize=64)
def _flux_table(solvent: str, heat_transfer_coefficient: float, low: float,
                high: float, solvent_partial_pressure: float = 0.0) -> UniformTable:
    points = min(math.ceil((high - low) / MAX_SPACING) + 1, MAX_POINTS) if high > low else 1
    grid = np.linspace(low, high, max(points, 2) if high > low else 1)
    with collect() as used:
        flux = drying.constant_rate_drying(grid, heat_transfer_coefficient, solvent,
                                           solvent_partial_pressure=solvent_partial_pressure)
    return UniformTable(low, high, np.asarray(flux.evaporation_flux, dtype=float).reshape(-1),
                        tuple(used))
