"""Lots, rates, machine counts and capacities of plant steps (pure, vectorised).

A *lot* is what a unit of equipment handles at once: a slurry batch, a coil, a magazine
of cells, a formation rack. Every step is reduced to cells per lot and time per lot, so
the static model and the discrete-event simulation share one description of the line.
Rates and ranges per step follow Heimes et al. (2019) as quoted in Liu et al. (2021)
Table 1: mixing 30 min-5 h per batch, coating 35-80 m/min, calendering 60-100 m/min,
slitting 80-150 m/min, vacuum drying 12-30 h, formation and aging up to 1.5-3 weeks.
"""

from __future__ import annotations

import numpy as np

from gigatwin.checks import require_positive, require_range
from gigatwin.citations import cites
from gigatwin.factory.sources import HEIMES_2019, LIU_2021


@cites(HEIMES_2019)
def web_lot(speed, width, coil_length, area_per_cell):
    """Cells and time for one coil of a roll-to-roll step.

    cells = L W / A_cell,  time = L / v.

    speed [m/s] line speed v; width [m] useful web width W; coil_length [m] L;
    area_per_cell [m^2] electrode foil area per cell A_cell. Returns (cells [1], time [s]).
    Valid for any positive inputs; industrial coaters run 35-80 m/min (Heimes 2019).
    """
    require_positive("speed", speed, unit="m/s")
    require_positive("width", width, unit="m")
    require_positive("coil_length", coil_length, unit="m")
    require_positive("area_per_cell", area_per_cell, unit="m^2")
    return coil_length * width / area_per_cell, coil_length / speed


def batch_lot(batch_amount, amount_per_cell, batch_time):
    """Cells and time of one batch: cells = batch amount / amount per cell.

    batch_amount [kg or m^2]; amount_per_cell [same unit]; batch_time [s].
    """
    require_positive("batch_amount", batch_amount, unit="kg or m^2")
    require_positive("amount_per_cell", amount_per_cell, unit="kg or m^2")
    require_positive("batch_time", batch_time, unit="s")
    return batch_amount / amount_per_cell, batch_time


def discrete_lot(cycle_time, lot_cells, parallel=1.0):
    """Cells and time of one magazine or tray at a cell-by-cell station.

    time = N t_cycle / k for N cells, cycle time t_cycle [s] and k parallel tools.
    """
    require_positive("cycle_time", cycle_time, unit="s")
    require_positive("lot_cells", lot_cells, unit="1")
    require_positive("parallel", parallel, unit="1")
    return lot_cells, lot_cells * cycle_time / parallel


def cumulative_yield(yields):
    """Yield from each step to the end of the line: Y_i = prod_{j>=i} y_j [1].

    ``yields`` is a sequence of step yields in line order; returns an array.
    """
    y = np.asarray(yields, dtype=float)
    require_range("yield", y, unit="1", gt=0, le=1)
    return np.cumprod(y[::-1])[::-1]


@cites(LIU_2021)
def machine_equivalents(required_rate, unit_rate, availability=1.0, setup_fraction=0.0):
    """Units needed to carry a rate, as a continuous number (BatPaC-like rate scaling).

    m = r / (r_unit A (1 - s))

    required_rate [cells/s] r into the step; unit_rate [cells/s] r_unit of one unit;
    availability [1] A (MTBF/(MTBF+MTTR)); setup_fraction [1] s lost to changeovers.
    """
    require_positive("unit_rate", unit_rate, unit="1/s")
    require_range("availability", availability, unit="1", gt=0, le=1)
    require_range("setup_fraction", setup_fraction, unit="1", ge=0, lt=1)
    return np.asarray(required_rate) / (unit_rate * availability * (1.0 - setup_fraction))


def installed_units(machine_equivalents_needed):
    """Whole units to install: ceil(m), at least one [1]."""
    m = np.asarray(machine_equivalents_needed, dtype=float)
    return np.maximum(1, np.ceil(m - 1e-9)).astype(int)


def step_capacity(units, unit_rate, availability=1.0, setup_fraction=0.0):
    """Effective capacity of a step: n r_unit A (1 - s) [cells/s]."""
    return np.asarray(units) * unit_rate * availability * (1.0 - setup_fraction)
