"""Run-to-run control of calendered porosity through the calender's line load.

Calibratable parameter, per electrode: the line-load offset ``b`` [1], relative to the
recipe's line load ``F0`` [N/m], that the calender adds to its setpoint (a wearing roll):
the load cells read ``F = F0 (1 + u + b)`` with ``u`` the relative setpoint. The same
scalar Kalman filter as the slot die's bias
(:class:`~gigatwin.twin.live.calibration.BiasFilter`), with a faster random walk (roll
wear moves the load by percents a day).

Porosity follows the twin's calendering step (Meyer et al. 2017, through
:func:`gigatwin.twin.electrode_steps.run_calendering`), which depends on the line load and
on the coil's areal loading. The live twin reads the coil's loading from the beta gauge
before the coil reaches the calender (feed-forward), runs the chain on a grid of line
loads at that loading, and inverts it for the load that gives the target porosity (the
chain's porosity at the recipe's nominal settings); the setpoint is that load less the
estimated offset. The EWMA baseline (Sachs, Hu and Ingolfsson 1995) acts on the lab's
porosity per coil with the chain's gain at nominal settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gigatwin.twin.live.calibration import BiasFilter
from gigatwin.twin.live.control import EwmaController, Limits

LOAD = "calender_line_load"
GRID = np.linspace(0.5, 1.5, 21)     # relative line loads the chain is run at


class CalenderModel:
    """Calendered porosity of one electrode as a function of line load and loading."""

    def __init__(self, recipe, electrode: str):
        self.recipe, self.electrode = recipe, electrode
        self.f0 = recipe[f"{electrode}.{LOAD}"].nominal
        self.target = float(self.porosity(np.array([1.0]),
                                          recipe[f"{electrode}.coating_areal_loading"].nominal)[0])

    def porosity(self, relative_load: np.ndarray, loading: float) -> np.ndarray:
        """Porosity [1] at line loads ``F0 * relative_load`` and areal loading [kg/m^2]."""
        from gigatwin.twin.chain import simulate

        e, n = self.electrode, len(relative_load)
        given = {p: np.full(n, self.recipe[p].nominal) for p in self.recipe.settings}
        given[f"{e}.{LOAD}"] = self.f0 * np.asarray(relative_load, dtype=float)
        # the loading enters through the pump: set the flow deviation that gives it
        nominal = self.recipe[f"{e}.coating_areal_loading"].nominal
        given[f"{e}.coating_slot_flow_rate_deviation"] = np.full(n, loading / nominal - 1)
        result = simulate(self.recipe, n, seed=0, given=given, nominal_run=False)
        return np.asarray(result.outputs["calendering"][f"{e}.calendered_porosity"], float)

    def load_for(self, loading: float) -> float:
        """Relative line load that gives the target porosity at ``loading``."""
        eps = self.porosity(GRID, loading)
        order = np.argsort(eps)      # porosity falls with load
        return float(np.interp(self.target, eps[order], GRID[order]))

    def gain(self) -> float:
        """d porosity / d relative load at nominal settings [1]."""
        loading = self.recipe[f"{self.electrode}.coating_areal_loading"].nominal
        eps = self.porosity(np.array([0.95, 1.05]), loading)
        return float((eps[1] - eps[0]) / 0.1)


@dataclass
class CalenderState:
    electrode: str
    model: CalenderModel
    filter: BiasFilter
    ewma: EwmaController
    limits: Limits
    r: float
    u: float = 0.0
    u_coil: float = 0.0
    coil_t0: float = float("nan")
    loading: float | None = None
    recommendations: list[dict] = field(default_factory=list)


def calender_state(recipe, electrode: str, load_noise: float, lanes: int) -> CalenderState:
    model = CalenderModel(recipe, electrode)
    setting = recipe[f"{electrode}.{LOAD}"]
    limits = Limits.for_setting(f"{electrode}.{LOAD}", low=0.5 * model.f0,
                                high=1.5 * model.f0, max_step=0.05 * model.f0)
    relative = Limits((limits.low - model.f0) / model.f0, (limits.high - model.f0) / model.f0,
                      limits.max_step / model.f0)
    r = ((load_noise**2 + setting.std**2 / lanes) / model.f0**2)
    return CalenderState(electrode, model,
                         BiasFilter(prior_std=0.05, q=(0.01**2) / 3600),
                         EwmaController(model.target, model.gain(), relative),
                         relative, r)
