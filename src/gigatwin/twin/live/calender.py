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
estimated offset. Metre-resolved (:meth:`CalenderModel.segment_loads`): with the loading
and the dried porosity of each metre range of the coil (the beta gauge and the dryer's
thickness gauge, binned per range and shrunk towards the coil's mean, :func:`shrink`),
one load per range, least squares on thickness and porosity against their targets,
written as a profile along the coil (``VirtualLine.write_profile``). The EWMA baseline (Sachs, Hu and Ingolfsson 1995) acts on the lab's
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
        nominal = recipe[f"{electrode}.coating_areal_loading"].nominal
        out = self._chain(np.array([1.0]), np.array([nominal]), None)
        self.target = float(out["calendered_porosity"][0])
        self.thickness_target = float(out["calendered_thickness"][0])
        # the dried coating's solids density: h_dry = L / (rho_s (1 - eps_dry)) (drying)
        self.dried_nominal = recipe[f"{electrode}.dried_porosity"].nominal
        self.solids_density = float(nominal / (out["dry_coating_thickness"][0]
                                               * (1 - self.dried_nominal)))

    def _chain(self, relative_load, loading, dried) -> dict:
        """The chain's calendering outputs at line loads ``F0 * relative_load``, areal
        loadings [kg/m^2] and dried porosities [1] (None: the recipe's), per sample."""
        from gigatwin.twin.chain import simulate

        e = self.electrode
        relative_load = np.asarray(relative_load, dtype=float)
        n = relative_load.size
        given = {p: np.full(n, self.recipe[p].nominal) for p in self.recipe.settings}
        given[f"{e}.{LOAD}"] = self.f0 * relative_load
        # the loading enters through the pump: set the flow deviation that gives it
        nominal = self.recipe[f"{e}.coating_areal_loading"].nominal
        given[f"{e}.coating_slot_flow_rate_deviation"] = np.broadcast_to(
            np.asarray(loading, dtype=float) / nominal - 1, (n,)).copy()
        if dried is not None:
            given[f"{e}.dried_porosity"] = np.broadcast_to(
                np.asarray(dried, dtype=float), (n,)).copy()
        result = simulate(self.recipe, n, seed=0, given=given, nominal_run=False)
        out = {k: np.asarray(v, float) for k, v in result.outputs["calendering"].items()
               if k.startswith(f"{e}.")}
        out = {k.partition(".")[2]: v for k, v in out.items()}
        out["dry_coating_thickness"] = np.asarray(
            result.outputs["drying"][f"{e}.dry_coating_thickness"], float)
        return out

    def porosity(self, relative_load: np.ndarray, loading: float) -> np.ndarray:
        """Porosity [1] at line loads ``F0 * relative_load`` and areal loading [kg/m^2]."""
        return self._chain(relative_load, loading, None)["calendered_porosity"]

    def dried_porosity(self, loading, dry_thickness) -> np.ndarray:
        """Dried porosity [1] from areal loading [kg/m^2] and dry coating thickness [m]:
        ``eps = 1 - L / (rho_s h)`` (the drying step's dry thickness, inverted)."""
        return 1.0 - (np.asarray(loading, dtype=float)
                      / (self.solids_density * np.asarray(dry_thickness, dtype=float)))

    def segment_loads(self, loading, dried, center: float,
                      weights: tuple[float, float] = (1.0, 1.0),
                      h: float = 0.05) -> np.ndarray:
        """Relative line load per segment (metre-resolved feed-forward).

        For each segment's areal loading ``L_i`` [kg/m^2] and dried porosity ``eps_i``
        [1] (None: the recipe's), the load ``x_i`` minimising

            (w_t (t_i(x) / t* - 1))^2 + (w_p (eps_c,i(x) / eps* - 1))^2

        with ``t`` the calendered thickness and ``eps_c`` the calendered porosity (the
        chain's calendering step, Meyer et al. 2017) and ``t*``, ``eps*`` their values at
        the recipe's settings. The chain is run at ``center (1 - h)``, ``center`` and
        ``center (1 + h)`` per segment (one vectorised run); both are linear in the load
        over a few percent, so the minimum is ``x_i = center + d_i`` with
        ``d_i = -(w_t^2 a_i e_t,i + w_p^2 b_i e_p,i) / (w_t^2 a_i^2 + w_p^2 b_i^2)``
        (``e`` the relative deviations at ``center``, ``a``, ``b`` their slopes).
        One actuator, two targets: the load cancels what moves both alike (the dried
        porosity: thickness and porosity rise together, and more load lowers both) and
        splits what moves them apart (the loading: thickness up, porosity nearly flat).
        """
        loading = np.asarray(loading, dtype=float).reshape(-1)
        n = loading.size
        dried = None if dried is None else np.asarray(dried, dtype=float).reshape(-1)
        x = center * np.repeat(np.array([1 - h, 1.0, 1 + h]), n)
        out = self._chain(x, np.tile(loading, 3),
                          None if dried is None else np.tile(dried, 3))
        t = out["calendered_thickness"].reshape(3, n) / self.thickness_target - 1
        p = out["calendered_porosity"].reshape(3, n) / self.target - 1
        a = (t[2] - t[0]) / (2 * h * center)
        b = (p[2] - p[0]) / (2 * h * center)
        wt, wp = weights
        d = -(wt**2 * a * t[1] + wp**2 * b * p[1]) / (wt**2 * a**2 + wp**2 * b**2)
        return center + d

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
    u: float = 0.0                  # relative setpoint in force (a profile's mean)
    u_coil: float | np.ndarray = 0.0    # ... when the coil whose records arrive was made
    u_last: float = 0.0             # the setpoint of the last segment written
    coil_t0: float = float("nan")
    loading: float | None = None
    recommendations: list[dict] = field(default_factory=list)
    # metre-resolved feed-forward (segment_loads): the readings' variances per metre range
    per_segment: bool = False
    loading_vars: tuple[float, float] = (0.0, 0.0)   # (gauge, along-web) [(kg/m^2)^2]
    dried_vars: tuple[float, float] | None = None    # (dry-thickness gauge, dried eps) [1]
    segment_loading: list | None = None   # segment_means of the coil's loading gauge
    coil: int = -1                        # the coil whose coater records arrived last
    profile: np.ndarray | None = None     # the relative profile in force, per range
    profile_coil: int | None = None       # the coil the profile in force was made for
    misaligned: int = 0                   # calendered coils that got another's profile
    calendered: int = 0


def calender_state(recipe, electrode: str, load_noise: float, lanes: int, *,
                   loading_noise: float | None = None,
                   dry_thickness_noise: float | None = None) -> CalenderState:
    """``loading_noise`` [kg/m^2]: the loading gauge's, to set the line load per metre
    range (:meth:`CalenderModel.segment_loads`; None: one load per coil);
    ``dry_thickness_noise`` [m]: the dryer's thickness gauge, to read the dried
    porosity of each range (None: the recipe's)."""
    model = CalenderModel(recipe, electrode)
    setting = recipe[f"{electrode}.{LOAD}"]
    limits = Limits.for_setting(f"{electrode}.{LOAD}", low=0.5 * model.f0,
                                high=1.5 * model.f0, max_step=0.05 * model.f0)
    relative = Limits((limits.low - model.f0) / model.f0, (limits.high - model.f0) / model.f0,
                      limits.max_step / model.f0)
    r = ((load_noise**2 + setting.std**2 / lanes) / model.f0**2)
    state = CalenderState(electrode, model,
                          BiasFilter(prior_std=0.05, q=(0.01**2) / 3600),
                          EwmaController(model.target, model.gain(), relative),
                          relative, r)
    if loading_noise is not None:
        nominal = recipe[f"{electrode}.coating_areal_loading"].nominal
        pump = recipe[f"{electrode}.coating_slot_flow_rate_deviation"].std * nominal
        state.per_segment = True
        state.loading_vars = (loading_noise**2, pump**2 / lanes)
        if dry_thickness_noise is not None:
            # eps = 1 - L / (rho_s h): d eps = (1 - eps) dh / h
            dry = nominal / (model.solids_density * (1 - model.dried_nominal))
            state.dried_vars = (((1 - model.dried_nominal) * dry_thickness_noise / dry)**2,
                                recipe[f"{electrode}.dried_porosity"].std**2 / lanes)
    return state


def shrink(values, counts, gauge_var: float, spread_var: float) -> np.ndarray:
    """Per metre range, the posterior mean of its value from the mean of its ``counts``
    readings: towards the coil's mean by the gain ``s / (s + g / n)`` with ``s`` the
    variance of the ranges about the coil's mean (``spread_var``) and ``g`` the gauge's
    (``gauge_var``) (a normal prior about the coil mean; Gelman et al., Bayesian Data
    Analysis, 3rd ed., Section 2.5)."""
    values = np.asarray(values, dtype=float)
    counts = np.asarray(counts, dtype=float)
    if values.size == 0:
        return values
    mean = float(np.mean(values))
    if not spread_var > 0:
        return np.full(values.size, mean)
    gain = spread_var / (spread_var + gauge_var / np.maximum(counts, 1.0))
    return mean + gain * (values - mean)
