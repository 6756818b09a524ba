"""Cost of a plant step in the manner of BatPaC (Nelson et al. 2019).

Annual cost of a step = equipment depreciation + direct labour + floor space
(+ variable overheads + energy). This is the cost basis of Liu et al. (2021) Table 1:
depreciation 16.7 % of capital per year (six-year life), labour at $15/h, and building
at $3,000 per m^2 depreciated at 5 % per year.
"""

from __future__ import annotations

import numpy as np

from gigatwin.checks import require_range
from gigatwin.citations import cites
from gigatwin.factory.sources import LIU_2021, NELSON_2019


@cites(NELSON_2019)
def scaled_quantity(unit_value, machine_equivalents_needed, exponent):
    """BatPaC scaling law C = C_unit max(m, 1)^p.

    unit_value [USD, m^2 or operators] for one unit at full use; machine_equivalents_needed
    [1] m = required rate / unit rate; exponent [1] p (BatPaC uses 0.6-0.95 per step; 1 is
    linear). Below one unit the plant still buys one unit, hence max(m, 1).
    """
    require_range("exponent", exponent, unit="1", gt=0, le=1.5)
    m = np.maximum(np.asarray(machine_equivalents_needed, dtype=float), 1.0)
    return unit_value * m ** exponent


@cites(NELSON_2019, LIU_2021)
def depreciation(capital_usd, rate_per_year=0.167):
    """Straight-line depreciation D = d C [USD/yr]; d = 0.167 1/yr (six years, BatPaC)."""
    require_range("equipment depreciation rate", rate_per_year, unit="1/yr", gt=0, le=1)
    return capital_usd * rate_per_year


@cites(LIU_2021)
def labour_cost(operators_per_shift, shifts_per_day, hours_per_shift, days_per_year,
                rate_usd_per_hour=15.0):
    """Direct labour L = n_op n_shift h_shift d w [USD/yr]; w = $15/h (Liu 2021, ERI 2020)."""
    return operators_per_shift * shifts_per_day * hours_per_shift * days_per_year * rate_usd_per_hour


@cites(NELSON_2019, LIU_2021)
def floor_space_cost(area_m2, building_cost_usd_per_m2=3000.0, depreciation_rate=0.05):
    """Floor space F = A c_b d_b [USD/yr]: building $3,000/m^2 depreciated at 5 %/yr (BatPaC)."""
    return area_m2 * building_cost_usd_per_m2 * depreciation_rate


@cites(NELSON_2019)
def variable_overhead(labour_usd, depreciation_usd, on_labour=0.4, on_depreciation=0.2):
    """BatPaC variable overhead V = 0.4 L + 0.2 D [USD/yr] (set both to 0 to leave it out)."""
    return on_labour * labour_usd + on_depreciation * depreciation_usd

