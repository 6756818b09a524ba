"""End-of-line testing: capacity, energy, DCIR, OCV and k-value measured with noise, pass/fail.

The end-of-line tester measures each cell after formation and aging: discharge capacity and
energy, a DC pulse resistance, the open-circuit voltage and its drop over the aging rest
(the k-value), and sorts out cells outside the specification limits (Zanotto et al. 2022
s.4.1.8). Measurement noise is an additive normal error with the instrument's standard
uncertainty; the standard-normal draws are an argument so the functions stay pure.
"""

from __future__ import annotations

import numpy as np

from gigatwin.checks import require_positive, require_range
from gigatwin.citations import cites
from gigatwin.references import ZANOTTO_2022
from gigatwin.steps.contract import Conformance, scalar_or_array


def measured_value(true_value, standard_uncertainty, standard_normal):
    """A measurement with additive normal noise: y = x + u z [unit of x].

    true_value : x [any unit]; standard_uncertainty : u >= 0 [same unit];
    standard_normal : z, draws of N(0, 1) [1] (e.g. ``rng.standard_normal(n)``).
    """
    require_range("true_value", true_value, unit="any", gt=-np.inf, lt=np.inf)
    require_range("standard_uncertainty", standard_uncertainty, unit="unit of true_value", ge=0)
    require_range("standard_normal", standard_normal, unit="1", gt=-np.inf, lt=np.inf)
    return scalar_or_array(np.asarray(true_value, dtype=float) + np.asarray(standard_uncertainty)
                  * standard_normal)


def discharge_energy(capacity, mean_voltage, dc_resistance, discharge_current):
    """Energy delivered in a constant-current discharge: E = Q (U_mean - I R) [J].

    capacity : Q [C]; mean_voltage : mean open-circuit voltage over the discharge [V];
    dc_resistance : R [ohm]; discharge_current : I >= 0 [A]. Valid while I R < U_mean.
    """
    require_positive("capacity", capacity, unit="C")
    require_positive("mean_voltage", mean_voltage, unit="V")
    require_range("dc_resistance", dc_resistance, unit="ohm", ge=0)
    require_range("discharge_current", discharge_current, unit="A", ge=0)
    drop = np.asarray(discharge_current, dtype=float) * dc_resistance
    require_range("discharge_current * dc_resistance / mean_voltage",
                  drop / np.asarray(mean_voltage), unit="1", ge=0, lt=1)
    return scalar_or_array(np.asarray(capacity) * (np.asarray(mean_voltage) - drop))


@cites(ZANOTTO_2022)
def ocv_after_rest(ocv_initial, k_value, rest_time):
    """Open-circuit voltage after an aging rest: OCV = OCV_0 - k t [V].

    ocv_initial : OCV_0 [V]; k_value : k >= 0 [V/s]; rest_time : t >= 0 [s].
    """
    require_range("ocv_initial", ocv_initial, unit="V", gt=0, le=6)
    require_range("k_value", k_value, unit="V/s", ge=0)
    require_range("rest_time", rest_time, unit="s", ge=0)
    return scalar_or_array(np.asarray(ocv_initial, dtype=float) - np.asarray(k_value) * rest_time)


def within_limits(value, lower=-np.inf, upper=np.inf):
    """Pass flag of a specification check: lower <= value <= upper [bool].

    value [unit of the limits]; lower, upper [same unit], lower <= upper. NaN fails.
    """
    if np.any(np.asarray(lower) > np.asarray(upper)):
        raise ValueError(f"lower limit {lower!r} is above upper limit {upper!r}")
    v = np.asarray(value, dtype=float)
    result = (v >= lower) & (v <= upper)
    return bool(result) if result.ndim == 0 else result


CONFORMANCE = (
    Conformance(measured_value,
                dict(true_value=65.0, standard_uncertainty=0.1, standard_normal=0.3),
                (("standard_uncertainty", -0.1), ("standard_normal", float("nan")))),
    Conformance(discharge_energy,
                dict(capacity=2.34e5, mean_voltage=3.65, dc_resistance=1e-3,
                     discharge_current=21.7),
                (("capacity", 0.0), ("dc_resistance", -1.0), ("discharge_current", 1e5))),
    Conformance(ocv_after_rest, dict(ocv_initial=3.6, k_value=1e-9, rest_time=6e5),
                (("ocv_initial", -1.0), ("k_value", -1e-9), ("rest_time", -1.0))),
    Conformance(within_limits, dict(value=65.0, lower=60.0, upper=70.0),
                (("lower", 80.0),)),
)
