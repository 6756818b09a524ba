"""Run-to-run control of areal loading through the slot-die pump setpoint.

The manipulated variable is the pump's flow-rate setpoint ``u`` [1] (spec key
``coating_slot_flow_rate_deviation``); one run is one coil.

* :class:`EwmaController`: the EWMA run-to-run controller of Sachs, Hu and Ingolfsson
  (1995, IEEE Trans. Semicond. Manuf. 8(1), 26-38, doi:10.1109/66.350755). Process model
  ``y = a + g u`` with a fixed gain ``g`` (the recipe's target loading per unit flow
  deviation); after run ``k`` with mean output ``y_k``, ``a_k = lam (y_k - g u_k) +
  (1 - lam) a_{k-1}`` and ``u_{k+1} = (T - a_k) / g``.
* :class:`TwinController`: the live twin's model-based controller. The bias comes from
  the :class:`~gigatwin.twin.live.calibration.BiasFilter` (updated per reading), and the
  base loading ``L0`` of the *next* coil from the chain at its slurry batch's measured
  solid content (feed-forward), so ``u = T / L0 - 1 - b``.

Every recommendation passes :meth:`Limits.clip`: within the trim range ``[low, high]``
(and the spec's physical range, where the spec gives one) and within ``max_step`` of
the previous setpoint.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Limits:
    """Range [1] and rate limit [1 per run] of the pump setpoint."""

    low: float = -0.05
    high: float = 0.05
    max_step: float = 0.01

    def __post_init__(self):
        if not (math.isfinite(self.low) and math.isfinite(self.high) and self.low < self.high):
            raise ValueError(f"limits low = {self.low}, high = {self.high} [1]: need low < high")
        if not (math.isfinite(self.max_step) and self.max_step > 0):
            raise ValueError(f"max_step = {self.max_step} [1] must be finite and > 0")

    @classmethod
    def for_setting(cls, path: str, **kwargs) -> Limits:
        """The limits, narrowed to the spec's physical range of ``path`` if it has one."""
        from gigatwin.spec.vocabulary import parameter

        limits = cls(**kwargs)
        physical = parameter(path).physical
        low, high = limits.low, limits.high
        if physical is not None:
            if physical.lower is not None:
                low = max(low, physical.lower)
            if physical.upper is not None:
                high = min(high, physical.upper)
        return cls(low, high, limits.max_step)

    def clip(self, wanted: float, previous: float) -> float:
        """``wanted`` moved into the range and to within ``max_step`` of ``previous``."""
        if not math.isfinite(wanted):
            return min(max(previous, self.low), self.high)
        step = min(max(wanted - previous, -self.max_step), self.max_step)
        return min(max(previous + step, self.low), self.high)

    def clip_profile(self, wanted, previous: float) -> np.ndarray:
        """A setpoint per segment along a coil, each :meth:`clip`-ped against the one
        before it (the first against ``previous``, the value in force): within the range
        and within ``max_step`` from segment to segment."""
        out = np.empty(np.size(wanted))
        for i, w in enumerate(np.asarray(wanted, dtype=float).reshape(-1)):
            previous = out[i] = self.clip(float(w), previous)
        return out


@dataclass
class EwmaController:
    """EWMA run-to-run controller (Sachs, Hu and Ingolfsson 1995)."""

    target: float          # [kg/m^2]
    gain: float            # [kg/m^2 per unit u]
    limits: Limits
    lam: float = 0.3
    u: float = 0.0
    a: float | None = None

    def after_run(self, y_mean: float) -> float:
        """New setpoint after a run whose mean output was ``y_mean`` [kg/m^2]."""
        observed = y_mean - self.gain * self.u
        self.a = observed if self.a is None else self.lam * observed + (1 - self.lam) * self.a
        self.u = self.limits.clip((self.target - self.a) / self.gain, self.u)
        return self.u


@dataclass
class TwinController:
    """Model-based setpoint: ``u = T / L0 - 1 - b`` (see the module docstring).

    With a speed actuator (``speed``: limits of the relative coating speed ``s = v / v0``
    [1]) the coater slows down when the pump's trim range cannot reach the target: at a
    metered flow the loading is ``L0 (1 + u + b) / s`` (mass balance, flow / (width v)),
    so a slurry too thin for the pump's +5 % is coated at ``s = L0 (1 + u_max - m + b) /
    T`` with the pump ``m`` (0.5 %) below its limit, and the speed returns to the recipe's
    as soon as the pump suffices again. Only slower than the recipe (``speed.high`` = 1):
    the dryer is sized for the recipe's speed; a slower web dries longer, a faster one
    would leave solvent. Both setpoints pass their :meth:`Limits.clip`.
    """

    target: float          # [kg/m^2]
    limits: Limits
    u: float = 0.0
    speed: Limits | None = None
    s: float = 1.0         # relative coating speed in force [1]
    margin: float = 0.005  # [1] pump headroom kept when the speed acts
    # plan the queued batches with the head (:func:`plan`); off by default: it lowers
    # the squared error per coil after a coater stop, but moves the coil in progress,
    # whose stop stretched its readings (docs/live_twin.md, "a queue of batches")
    plan_queue: bool = False

    def recommend(self, base: float, bias: float, upcoming=()) -> float:
        """Pump setpoint [1] for base loading ``base`` [kg/m^2] at the recipe's speed and
        bias ``bias`` [1]; with a speed actuator also moves :attr:`s`.

        ``upcoming``: the base loadings of the batches queued behind this one (reported,
        not yet coated; after a stop the coater takes them back to back). Their setpoints
        are planned with this one's (:func:`plan`), so that the rate limit spreads a large
        change over the queue's coils instead of leaving the last one far off."""
        if not (math.isfinite(base) and base > 0 and math.isfinite(bias)):
            return self.u          # nothing to act on: keep the setpoints
        if self.speed is not None:
            wanted = min(1.0, base * (1 + self.limits.high - self.margin + bias) / self.target)
            self.s = self.speed.clip(wanted, self.s)
        wanted = self.target * self.s / base - 1 - bias
        later = [self.target * self.s / b - 1 - bias for b in upcoming
                 if math.isfinite(b) and b > 0]
        if later and self.plan_queue:
            wanted = plan([wanted, *later], self.u, self.limits)[0]
        self.u = self.limits.clip(wanted, self.u)
        return self.u


def plan(wanted, previous: float, limits: Limits) -> list[float]:
    """Setpoints ``u_0 .. u_n`` [1] of consecutive runs closest to ``wanted`` in the least
    squares ``sum (u_i - w_i)^2``, within ``[low, high]`` and within ``max_step`` of the
    run before (``u_-1 = previous``).

    In the steps ``d_i = u_i - u_(i-1)`` it is a linear least-squares problem with box
    bounds ``|d_i| <= max_step`` (``u = previous + L d``, ``L`` lower-triangular ones;
    scipy's ``lsq_linear``). The range is met by first clipping ``w`` into it: clipping
    to an interval is 1-Lipschitz (no step grows) and moves every ``u_i`` towards its
    ``w_i``, so the optimum of the clipped targets lies in the range (a final clip only
    removes rounding)."""
    from scipy.optimize import lsq_linear

    w = np.clip(np.asarray(wanted, dtype=float), limits.low, limits.high)
    previous = min(max(float(previous), limits.low), limits.high)
    n = w.size
    lower = np.tril(np.ones((n, n)))
    d = lsq_linear(lower, w - previous, bounds=(-limits.max_step, limits.max_step),
                   method="bvls").x          # exact active set for these few steps
    u = previous + np.cumsum(d)
    out, last = [], previous
    for x in u:                      # rounding only: within range and rate of the last
        last = limits.clip(float(x), last)
        out.append(last)
    return out
