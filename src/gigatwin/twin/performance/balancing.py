"""Electrode balancing of the performance model: the twin's shared balance on PyBaMM's OCPs.

The stoichiometry windows come from :func:`gigatwin.twin.balancing.balance_electrodes`,
the one electrode balance of gigatwin (Mohtat et al. 2019, the algorithm of PyBaMM's
``ElectrodeSOHSolver``); this module only feeds it the base set's open-circuit potentials
(tabulated with :meth:`~gigatwin.twin.balancing.HalfCellOCV.from_function`) and adds what
the PyBaMM link needs on top:

- :func:`cyclable_lithium`: the lithium inventory Q_Li of a formed cell from the lithium
  its negative electrode holds at the top of charge (the twin's first charge minus the
  formation loss), on the same tabulated potentials as the windows;
- :func:`stoichiometry_windows`: the windows, with the check that both ends lie on the
  cut-off voltages (a window that stops at the edge of an electrode's stoichiometry range
  would start or end PyBaMM's discharge off its cut-off: an error here).

Notation (PyBaMM's electrode state-of-health): the negative electrode holds lithium
fraction x of its maximum concentration, the positive y. Q_n = F c_n,max eps_n L_n A and
Q_p likewise are the electrodes' full capacities [C]; Q_Li = Q_n x + Q_p y [C] is conserved
while the cell cycles:

    U_p(y100) - U_n(x100) = V_max,    U_p(y0) - U_n(x0) = V_min.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from gigatwin.twin.balancing import HalfCellOCV, balance_electrodes

Potential = Callable[[np.ndarray], np.ndarray]
OCP_POINTS = 2001  # tabulation of a PyBaMM OCP over [0, 1] (steps of 5e-4)
VOLTAGE_TOLERANCE = 1e-6  # [V]: a window end further than this from its cut-off is off it


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


def half_cell(potential: Potential | HalfCellOCV) -> HalfCellOCV:
    """The shared balance's table of a vectorised U(stoichiometry) [V] on OCP_POINTS
    stoichiometries (a table is returned as it is)."""
    if isinstance(potential, HalfCellOCV):
        return potential
    return HalfCellOCV.from_function(potential, points=OCP_POINTS)


def cyclable_lithium(negative_capacity: float, positive_capacity: float,
                     charged_negative_lithium: float, ocp_negative: Potential | HalfCellOCV,
                     ocp_positive: Potential | HalfCellOCV, upper_voltage: float) -> float:
    """Cyclable lithium Q_Li [C] of a formed cell, from the lithium its negative electrode
    holds at the top of charge.

    x100 = Q_neg,charged / Q_n; y100 solves U_p(y100) = V_max + U_n(x100) on the tabulated
    potentials the windows use; then Q_Li = Q_n x100 + Q_p y100, so that
    :func:`stoichiometry_windows` returns this x100 again.

    negative_capacity, positive_capacity : Q_n, Q_p [C]
    charged_negative_lithium : lithium in the negative at V_max [C], (0, Q_n)
    ocp_negative, ocp_positive : U(stoichiometry) [V], vectorised, or tables
    upper_voltage : V_max [V]
    """
    x100 = charged_negative_lithium / negative_capacity
    if not 0 < x100 < 1:
        raise ValueError(
            f"negative electrode stoichiometry at full charge x100 = {x100:.4g} [1] is "
            "outside the allowed range (0, 1): the negative electrode cannot hold the "
            f"lithium of the first charge ({charged_negative_lithium / 3600:.4g} A*h in "
            f"{negative_capacity / 3600:.4g} A*h); the N/P ratio is too low")
    negative, positive = half_cell(ocp_negative), half_cell(ocp_positive)
    target = upper_voltage + float(negative(x100))
    gap_low, gap_high = (target - float(positive(y)) for y in (0.0, 1.0))
    if gap_low * gap_high > 0:
        raise ValueError(
            f"positive stoichiometry at the upper cut-off y100: no solution with both "
            f"stoichiometries in [0, 1] (U_p = {target:.4g} V is outside the positive "
            f"electrode's range {float(positive(1.0)):.4g}-{float(positive(0.0)):.4g} V)")
    y100 = float(brentq(lambda y: target - float(positive(y)), 0.0, 1.0, xtol=1e-12))
    return negative_capacity * x100 + positive_capacity * y100


def stoichiometry_windows(negative_capacity: float, positive_capacity: float,
                          cyclable_lithium: float, ocp_negative: Potential | HalfCellOCV,
                          ocp_positive: Potential | HalfCellOCV, lower_voltage: float,
                          upper_voltage: float) -> StoichiometryWindows:
    """Stoichiometry windows x0, x100, y0, y100 [1] of a cell, from the shared balance
    (:func:`~gigatwin.twin.balancing.balance_electrodes`, which cites Mohtat et al. 2019).

    negative_capacity, positive_capacity : Q_n, Q_p [C], full stoichiometry range
    cyclable_lithium : Q_Li [C]
    ocp_negative, ocp_positive : U(stoichiometry) [V], vectorised, or tables
    lower_voltage, upper_voltage : V_min < V_max [V]

    Raises a ValueError naming the cut-off when a window end cannot reach it with both
    stoichiometries in [0, 1] (the shared balance stops there at the electrode's edge).
    """
    if not lower_voltage < upper_voltage:
        raise ValueError(f"lower voltage cut-off {lower_voltage:g} V is not below the upper "
                         f"cut-off {upper_voltage:g} V")
    negative, positive = half_cell(ocp_negative), half_cell(ocp_positive)
    balance = balance_electrodes(positive_capacity, negative_capacity, cyclable_lithium,
                                 positive, negative, upper_voltage, lower_voltage)
    windows = StoichiometryWindows(x0=float(balance.x_0), x100=float(balance.x_100),
                                   y0=float(balance.y_0), y100=float(balance.y_100))
    for label, x, y, voltage in (("upper", windows.x100, windows.y100, upper_voltage),
                                 ("lower", windows.x0, windows.y0, lower_voltage)):
        reached = float(positive(y)) - float(negative(x))
        if abs(reached - voltage) > VOLTAGE_TOLERANCE:
            raise ValueError(
                f"stoichiometry at the {label} cut-off {voltage:g} V: no solution with both "
                f"stoichiometries in [0, 1] (the electrodes' capacities and the lithium "
                f"inventory reach {reached:.4g} V at x = {x:.4g}, y = {y:.4g})")
    return windows
