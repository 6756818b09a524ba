"""Online calibration of the slot die's coat-weight bias.

Calibratable parameter (per electrode): the slot die's flow-rate bias ``b`` [1], the
relative deviation of the delivered flow from the pump's setpoint ``u`` [1] that the
machine adds on its own (spec key ``coating_slot_flow_rate_deviation``; the pilot line's
``hidden`` offset, or a die that wears). The twin's coating step is a mass balance
(:func:`gigatwin.twin.electrode_steps.run_coating`)::

    L = L0(w, v) * (1 + u + b)

with ``L`` the areal loading [kg/m^2], ``L0`` the loading the chain computes at zero
flow deviation for the batch's solid content ``w`` [1] and coating speed ``v`` [m/s].
``L`` is linear in ``b``, so a Kalman filter on the chain's Jacobian ``H = dL/db = L0``
is exact in ``b`` (an ensemble filter would spend a chain run per member per reading for
nothing); ``L0`` is computed by the chain once per slurry batch (:class:`CoatingModel`),
and a reading then costs a few floating-point operations.

The bias is a random walk with variance ``q`` per second, so irregular sampling is the
elapsed time in the prediction step (a reading that arrives late, older than the last,
adds no process noise). A reading whose normalised innovation exceeds ``gate`` is
rejected and kept with its reason. An EWMA of the normalised innovations (an SPC chart
on the filter's own residuals) signals a step change; then, or on an external SPC alarm
(:meth:`BiasFilter.alarm`), the covariance is reset to the prior so the filter
re-learns quickly (Welch and Bishop, An Introduction to the Kalman Filter, UNC TR 95-041).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

MODEL_VERSION = "coating mass balance (gigatwin.twin.electrode_steps.run_coating)"


@dataclass(frozen=True)
class Estimate:
    """Posterior of the bias after one reading (or a reset)."""

    t: float            # [s] from the line's start
    mean: float         # [1]
    std: float          # [1]
    source: str         # which measurement (asset key product) or 'reset: why'
    accepted: bool = True
    reason: str = ""

    def interval(self, z: float = 1.959964) -> tuple[float, float]:
        return self.mean - z * self.std, self.mean + z * self.std

    def as_dict(self) -> dict:
        return {"t_s": self.t, "mean": self.mean, "std": self.std, "source": self.source,
                "accepted": self.accepted, "reason": self.reason, "model": MODEL_VERSION}


class CoatingModel:
    """``L0(w, v)`` of one electrode from the twin's chain [kg/m^2]."""

    def __init__(self, recipe, electrode: str):
        self.recipe, self.electrode = recipe, electrode
        self._cache: dict[tuple[float, float], tuple[float, float, float]] = {}

    def base_loading(self, solid_content: float, speed: float | None = None) -> float:
        """Loading at zero flow deviation for solid content ``w`` [1] and speed [m/s]."""
        e = self.electrode
        if speed is None:
            speed = self.recipe[f"{e}.coating_speed"].nominal
        key = (round(float(solid_content), 6), round(float(speed), 6))
        return self._base(key)[0]

    def base_wet_film(self, solid_content: float | None = None,
                      speed: float | None = None) -> float:
        """Wet film thickness at zero flow deviation [m]. The pump's flow is set for the
        recipe's slurry, so this does not depend on the batch's actual solid content:
        the wet-film gauge sees the bias without the lab's solid-content error."""
        e = self.electrode
        w = self.recipe[f"{e}.slurry_solid_content"].nominal if solid_content is None \
            else solid_content
        v = self.recipe[f"{e}.coating_speed"].nominal if speed is None else speed
        return self._base((round(float(w), 6), round(float(v), 6)))[1]

    def slurry_density(self, solid_content: float) -> float:
        """The chain's slurry density [kg/m^3] at solid content ``w`` [1]."""
        v = self.recipe[f"{self.electrode}.coating_speed"].nominal
        return self._base((round(float(solid_content), 6), round(float(v), 6)))[2]

    def fused_solid_content(self, w_lab: float, lab_std: float, density: float,
                            density_std: float) -> tuple[float, float]:
        """The batch's solid content [1] from both lab results: the oven-dry test ``w_lab``
        and the pycnometer's ``density`` [kg/m^3], read through the chain's slurry density
        (linear about ``w_lab``: a 1e-3 step), weighted by inverse variance. Returns the
        estimate and its standard deviation."""
        dw = 1e-3
        rho = self.slurry_density(w_lab)
        slope = (self.slurry_density(w_lab + dw) - self.slurry_density(w_lab - dw)) / (2 * dw)
        if not (math.isfinite(density) and slope > 0 and lab_std > 0 and density_std > 0):
            return w_lab, lab_std
        w_rho, var_rho = w_lab + (density - rho) / slope, (density_std / slope) ** 2
        weight = var_rho / (var_rho + lab_std**2)
        return weight * w_lab + (1 - weight) * w_rho, math.sqrt(weight * lab_std**2)

    def _base(self, key: tuple[float, float]) -> tuple[float, float, float]:
        from gigatwin.twin.chain import simulate

        e = self.electrode
        if key not in self._cache:
            given = {p: np.full(1, self.recipe[p].nominal) for p in self.recipe.settings}
            given[f"{e}.slurry_solid_content"] = np.full(1, key[0])
            given[f"{e}.coating_speed"] = np.full(1, key[1])
            given[f"{e}.coating_slot_flow_rate_deviation"] = np.zeros(1)
            result = simulate(self.recipe, 1, seed=0, given=given, nominal_run=False)
            coated = result.outputs["coating"]
            self._cache[key] = (float(coated[f"{e}.coating_areal_loading"][0]),
                                float(coated[f"{e}.wet_film_thickness"][0]),
                                float(result.outputs["mixing"][f"{e}.slurry_density"][0]))
        return self._cache[key]

    def reading_variance(self, gauge_std: float, lanes: int, readings_per_coil: int,
                         solid_content_std: float) -> float:
        """Variance of one gauge reading about ``L0 (1 + u + b)`` [(kg/m^2)^2]: the gauge,
        the pump's variation along the web (the recipe's tolerance, averaged over lanes),
        and the lab's solid-content error, common to the whole coil (weighted by the
        readings per coil so that one coil carries the information of one such error)."""
        e = self.electrode
        w = self.recipe[f"{e}.slurry_solid_content"].nominal
        l0 = self.base_loading(w)
        pump = l0 * self.recipe[f"{e}.coating_slot_flow_rate_deviation"].std
        dw = 1e-3
        slope = (self.base_loading(w + dw) - self.base_loading(w - dw)) / (2 * dw)
        common = slope * solid_content_std
        return gauge_std**2 + pump**2 / lanes + readings_per_coil * common**2

    def wet_reading_variance(self, gauge_std: float, lanes: int) -> float:
        """Variance of one wet-film reading about ``h0 (1 + u + b)`` [m^2]: the gauge and
        the pump's variation along the web averaged over lanes."""
        return sum(self.wet_variances(gauge_std, lanes))

    def wet_variances(self, gauge_std: float, lanes: int) -> tuple[float, float]:
        """The two parts of :meth:`wet_reading_variance` [m^2]: the gauge's (independent
        from reading to reading) and the pump's along the web, averaged over lanes (the
        same for every reading of one metre range: readings of one segment, or of a
        stopped coater, share it; :func:`segment_means` bins them)."""
        e = self.electrode
        pump = self.base_wet_film() * self.recipe[f"{e}.coating_slot_flow_rate_deviation"].std
        return gauge_std**2, pump**2 / lanes


def segment_means(ts, values, t0: float, t1: float, segments: int):
    """Readings of one coil binned by metre range: the coil's run from ``t0`` to ``t1``
    [s] covers ``segments`` equal ranges in order (the virtual line's gauge reads the
    metre under it at constant speed; a stop stretches the run, and its readings fall
    on the ranges stopped at). Returns (range, time of the last reading [s], mean,
    count) per range that holds a finite reading, in metre order.

    A reading is ``value(range) + gauge noise``: readings of one range share the
    range's along-the-web variation, so their mean carries it once, with the gauge's
    variance divided by the count (independent readings would overstate what a stopped
    coater's hundreds of readings of one spot know)."""
    ts, values = np.asarray(ts, dtype=float), np.asarray(values, dtype=float)
    keep = np.isfinite(ts) & np.isfinite(values)
    ts, values = ts[keep], values[keep]
    if ts.size == 0:
        return []
    index = segment_index(ts, t0, t1, segments)
    out = []
    for k in np.unique(index):
        hit = index == k
        out.append((int(k), float(ts[hit].max()), float(values[hit].mean()),
                    int(hit.sum())))
    return out


def segment_index(ts, t0: float, t1: float, segments: int) -> np.ndarray:
    """The metre range (0 .. segments - 1) of readings at times ``ts`` [s] of a coil run
    from ``t0`` to ``t1`` [s] (:func:`segment_means`)."""
    ts = np.asarray(ts, dtype=float)
    span = t1 - t0
    if not span > 0:
        return np.zeros(ts.size, dtype=int)
    return np.clip(((ts - t0) / span * segments).astype(int), 0, segments - 1)


@dataclass
class BiasFilter:
    """Scalar Kalman filter on the bias ``b`` [1] (see the module docstring)."""

    prior_mean: float = 0.0
    prior_std: float = 0.02          # [1]; a die within +-4 % at 95 %
    q: float = (0.002**2) / 3600     # [1/s]; random walk of 0.2 % per sqrt(hour)
    gate: float = 5.0                # reject |innovation| > gate standard deviations
    lam: float = 0.05                # EWMA weight of the residual chart
    limit: float = 3.5               # residual chart limit, in its own sigmas
    mean: float = field(init=False)
    var: float = field(init=False)
    t: float | None = field(init=False, default=None)
    z_ewma: float = field(init=False, default=0.0)
    history: list[Estimate] = field(init=False, default_factory=list)

    def __post_init__(self):
        self.mean, self.var = self.prior_mean, self.prior_std**2

    @property
    def std(self) -> float:
        return math.sqrt(self.var)

    def _predict(self, t: float) -> None:
        if self.t is not None and t > self.t:
            self.var += self.q * (t - self.t)
        self.t = t if self.t is None else max(self.t, t)

    def update(self, t: float, y: float, base: float, u: float, r: float,
               source: str = "") -> Estimate:
        """Assimilate reading ``y`` at time ``t`` [s] of a quantity that the chain puts at
        ``base (1 + u + b)`` (loading [kg/m^2] or wet film [m]), pump setpoint ``u`` [1],
        reading variance ``r`` [unit of y squared]."""
        if not all(math.isfinite(v) for v in (t, y, base, u, r)) or base <= 0 or r <= 0:
            est = Estimate(t, self.mean, self.std, source, False,
                           f"not finite or not positive: y={y}, base={base}, r={r}")
            self.history.append(est)
            return est
        self._predict(t)
        innovation = y - base * (1 + u + self.mean)
        s = base * base * self.var + r
        z = innovation / math.sqrt(s)
        if abs(z) > self.gate:
            est = Estimate(t, self.mean, self.std, source, False,
                           f"outlier: innovation {z:+.1f} sigma beyond the gate {self.gate:g}")
            self.history.append(est)
            return est
        gain = self.var * base / s
        self.mean += gain * innovation
        self.var *= 1 - gain * base
        self.z_ewma = self.lam * z + (1 - self.lam) * self.z_ewma
        if abs(self.z_ewma) > self.limit * math.sqrt(self.lam / (2 - self.lam)):
            self.history.append(Estimate(t, self.mean, self.std, source))
            return self.alarm(t, f"residual EWMA {self.z_ewma:+.2f}")
        est = Estimate(t, self.mean, self.std, source)
        self.history.append(est)
        return est

    def alarm(self, t: float, why: str = "SPC alarm") -> Estimate:
        """A step change: reset the covariance to the prior's (keep the mean)."""
        self.var = max(self.var, self.prior_std**2)
        self.z_ewma = 0.0
        est = Estimate(t, self.mean, self.std, f"reset: {why}")
        self.history.append(est)
        return est
