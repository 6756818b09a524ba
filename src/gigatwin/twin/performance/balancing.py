"""Electrode balancing: the stoichiometry windows of a cell from its capacities.

.. note:: TEMPORARY HOME. The twin's shared electrode balancing (windows x0/x100, y0/y100
   from capacities, N/P, lithium inventory and cut-off voltages) is written in parallel
   as a pure function of its own; at merge, :func:`stoichiometry_windows` and
   :func:`cyclable_lithium` are to be replaced by calls to it. Nothing else in
   :mod:`gigatwin.twin.performance` computes a window.

Notation (PyBaMM's electrode state-of-health, Mohtat et al. 2019): the negative electrode
holds lithium fraction x of its maximum concentration, the positive y. Q_n = F c_n,max
eps_n L_n A and Q_p likewise are the electrodes' full capacities [C]; the cyclable lithium
Q_Li = Q_n x + Q_p y [C] is conserved while the cell cycles. At 100 % state of charge the
cell voltage is the upper cut-off, at 0 % the lower one:

    U_p(y100) - U_n(x100) = V_max,    U_p(y0) - U_n(x0) = V_min,
    Q_n x + Q_p y = Q_Li  at both states.

Each condition is one monotonic equation in x, solved by bisection (Brent's method).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from gigatwin.citations import cite
from gigatwin.twin.balancing import MOHTAT_2019  # noqa: E402 - one registration of the paper

Potential = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class StoichiometryWindows:
    """Lithium fractions of the electrodes at 0 % and 100 % state of charge [1]."""

    x0: float
    x100: float
    y0: float
    y100: float

    def negative(self, soc: float) -> float:
        """x at state of charge ``soc`` [1] (linear between the window ends)."""
        return self.x0 + soc * (self.x100 - self.x0)

    def positive(self, soc: float) -> float:
        return self.y0 + soc * (self.y100 - self.y0)


def cyclable_lithium(negative_capacity: float, positive_capacity: float,
                     charged_negative_lithium: float, ocp_negative: Potential,
                     ocp_positive: Potential, upper_voltage: float) -> float:
    """Cyclable lithium Q_Li [C] of a formed cell, from the lithium its negative electrode
    holds at the top of charge.

    x100 = Q_neg,charged / Q_n; y100 solves U_p(y100) = V_max + U_n(x100); then
    Q_Li = Q_n x100 + Q_p y100.

    negative_capacity, positive_capacity : Q_n, Q_p [C]
    charged_negative_lithium : lithium in the negative at V_max [C], (0, Q_n)
    ocp_negative, ocp_positive : U(stoichiometry) [V], vectorised
    upper_voltage : V_max [V]
    """
    x100 = charged_negative_lithium / negative_capacity
    if not 0 < x100 < 1:
        raise ValueError(
            f"negative electrode stoichiometry at full charge x100 = {x100:.4g} [1] is "
            "outside the allowed range (0, 1): the negative electrode cannot hold the "
            f"lithium of the first charge ({charged_negative_lithium / 3600:.4g} A*h in "
            f"{negative_capacity / 3600:.4g} A*h); the N/P ratio is too low")
    target = upper_voltage + float(ocp_negative(np.array([x100]))[0])
    y100 = _solve("positive stoichiometry at the upper cut-off y100",
                  lambda y: target - _at(ocp_positive, y), 0.0, 1.0)
    return negative_capacity * x100 + positive_capacity * y100


def stoichiometry_windows(negative_capacity: float, positive_capacity: float,
                          cyclable_lithium: float, ocp_negative: Potential,
                          ocp_positive: Potential, lower_voltage: float,
                          upper_voltage: float) -> StoichiometryWindows:
    """Stoichiometry windows x0, x100, y0, y100 [1] of a cell (electrode SOH balance).

    negative_capacity, positive_capacity : Q_n, Q_p [C], full stoichiometry range
    cyclable_lithium : Q_Li [C]
    ocp_negative, ocp_positive : U(stoichiometry) [V]
    lower_voltage, upper_voltage : V_min < V_max [V]
    """
    cite(MOHTAT_2019)
    if not lower_voltage < upper_voltage:
        raise ValueError(f"lower voltage cut-off {lower_voltage:g} V is not below the upper "
                         f"cut-off {upper_voltage:g} V")
    low = max(0.0, (cyclable_lithium - positive_capacity) / negative_capacity)
    high = min(1.0, cyclable_lithium / negative_capacity)

    def x_at(voltage: float, label: str) -> float:
        def gap(x: float) -> float:
            y = (cyclable_lithium - negative_capacity * x) / positive_capacity
            return _at(ocp_positive, y) - _at(ocp_negative, x) - voltage
        return _solve(label, gap, low, high)

    x100 = x_at(upper_voltage, f"stoichiometry at the upper cut-off {upper_voltage:g} V")
    x0 = x_at(lower_voltage, f"stoichiometry at the lower cut-off {lower_voltage:g} V")
    y100, y0 = ((cyclable_lithium - negative_capacity * x) / positive_capacity
                for x in (x100, x0))
    return StoichiometryWindows(x0=x0, x100=x100, y0=y0, y100=y100)


def _at(potential: Potential, sto: float) -> float:
    return float(potential(np.array([sto]))[0])


def _solve(label: str, function: Callable[[float], float], low: float, high: float) -> float:
    """Root of a monotonic ``function`` on [low, high]; a clear error when there is none."""
    f_low, f_high = function(low), function(high)
    if f_low * f_high > 0:
        raise ValueError(
            f"{label}: no solution with both stoichiometries in [0, 1] (the electrodes' "
            f"capacities and the lithium inventory do not reach this voltage; gap "
            f"{f_low:.3g} V at {low:.4g}, {f_high:.3g} V at {high:.4g})")
    return float(brentq(function, low, high, xtol=1e-12))
