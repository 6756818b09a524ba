"""Predictive quality: the end-of-line properties of the cells still in the line.

A cell's end-of-line capacity is measured one to three days after its electrodes were
coated (oven, formation in racks, aging). The live twin predicts it as soon as the
coils of both electrodes are known, from what has been measured of them so far:

* the **areal loading** of each electrode's coil [kg/m^2]: the beta gauge's median over
  the coil once it is coated, or before that the feed-forward prediction of the coil from
  its slurry batch (``L0(w) (1 + u + b)``, :mod:`.calibration`), with its standard
  deviation ``s_L`` (the gauge's standard error, or the filter's and the lab's);
* the calender's line load in force, ``F0 (1 + u + b)`` with the estimated offset
  ``b`` (:mod:`.calender`).

The twin's chain (:func:`gigatwin.twin.chain.simulate`) is then run for ``samples``
cells with the measured quantities given and every other setting drawn from the recipe's
tolerances. The loading enters through the pump's flow deviation: for the batch's solid
content ``w`` the chain coats ``L0(w) (1 + u_i)``, so

    u_i = L / L0(w) - 1 + sqrt((s_L / L)^2 + s_p^2) z_i,   z_i ~ N(0, 1)

with ``s_p`` the recipe's tolerance of the flow deviation (the pump's variation along the
web, which reaches each cell). The result is a sample of the pair's cell capacities
[A s] and internal resistances [ohm] (the chain's ``cell_capacity`` and
``eol_dc_internal_resistance``: Doyle-Fuller-Newman-free, a capacity balance of the
limiting electrode after the formation loss, and the aging/EOL model of the recipe).

**Predicted capability** per target: ``Cpk = min(USL - m, m - LSL) / (3 s)`` over the
pooled predicted samples of the cells in the line (Montgomery, Introduction to
Statistical Quality Control, 7th ed., Section 8.2).

**Predictive alarm**: an EWMA (``lambda`` 0.2, the weight of the line's streaming SPC,
:mod:`gigatwin.ingest.spc`) of the predicted mean capacity of the coil pairs, in pair
order and each at its latest prediction, leaves the action limits ``target +- h``, with
``h`` half the spec window (a pair whose mean is off by half the window puts, with the
within-pair spread of about 0.75 % of this recipe's capacity, several percent of its
cells outside the window). The EWMA keeps one heavy batch (the solid content varies per
batch) from raising an alarm; a drift that moves every pair passes it within a few.
The resistance's distribution is predicted, but not given a Cpk: the recipe gives no
window for it (its spread, about 3 %, exceeds a +-2 % window by itself).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

FLOW = "coating_slot_flow_rate_deviation"
LOAD = "calender_line_load"
CAPACITY = "cell_capacity"
RESISTANCE = "eol_dc_internal_resistance"
FCL = "first_cycle_irreversible_capacity_loss"
BET = "anode.active_material_bet_surface_area"


def cpk(values, lsl: float, usl: float) -> float:
    """``min(USL - m, m - LSL) / (3 s)`` of ``values`` (nan with fewer than two)."""
    values = np.asarray(values, dtype=float)
    if values.size < 2:
        return float("nan")
    s = float(np.std(values, ddof=1))
    m = float(np.mean(values))
    return min(usl - m, m - lsl) / (3 * s) if s > 0 else float("nan")


@dataclass(frozen=True)
class ElectrodeInput:
    """What the twin knows of one electrode's coil of a pair."""

    loading: float              # [kg/m^2]
    loading_std: float          # [kg/m^2] of the coil's mean loading
    solid_content: float        # [1] of the coil's batch
    base: float                 # [kg/m^2] L0(w): the chain's loading at zero deviation
    line_load: float | None = None   # [N/m] the calender's load in force, if known

    def __post_init__(self):
        for name, unit in (("loading", "kg/m^2"), ("solid_content", "1"),
                           ("base", "kg/m^2")):
            v = getattr(self, name)
            if not (math.isfinite(v) and v > 0):
                raise ValueError(f"{name} = {v!r} [{unit}] is outside the allowed range "
                                 "(0, inf)")
        if not (math.isfinite(self.loading_std) and self.loading_std >= 0):
            raise ValueError(f"loading_std = {self.loading_std!r} [kg/m^2] is outside the "
                             "allowed range [0, inf)")


@dataclass
class Prediction:
    """The predicted end-of-line properties of the cells of coil pair ``pair``."""

    pair: int
    t: float                    # [s] when predicted
    stage: str                  # 'feed-forward' (batches) or 'coated' (gauges)
    capacity: np.ndarray        # [A s] a sample of the pair's cells
    resistance: np.ndarray      # [ohm]
    first_cycle_loss: np.ndarray | None = None   # [1] formation's irreversible loss
    bet: float | None = None    # [m^2/kg] the anode's effective BET area used (None: recipe's)

    def summary(self) -> dict:
        return {"pair": self.pair, "t_s": self.t, "stage": self.stage,
                "capacity_mean": float(np.mean(self.capacity)),
                "capacity_std": float(np.std(self.capacity, ddof=1)),
                "resistance_mean": float(np.mean(self.resistance)),
                "resistance_std": float(np.std(self.resistance, ddof=1))}


@dataclass
class CellPredictor:
    """Predicted cell capacity and resistance of coil pairs (see the module docstring)."""

    recipe: object
    samples: int = 256
    tolerance: float = 0.02     # spec window, +- fraction of the nominal
    # the recipe with another anode BET area [m^2/kg] (a lot, or the calibrated SEI loss
    # factor times the lot's): BET enters the chain as a recipe constant, not per sample
    recipe_for: object = None
    nominal: dict = field(init=False)
    predictions: dict = field(init=False, default_factory=dict)   # pair -> Prediction
    alarms: list = field(init=False, default_factory=list)

    def __post_init__(self):
        if self.samples < 2:
            raise ValueError(f"samples = {self.samples} [1] is outside the allowed range "
                             "[2, inf)")
        if not (0 < self.tolerance < 1):
            raise ValueError(f"tolerance = {self.tolerance} [1] must be in (0, 1)")
        from gigatwin.twin.chain import simulate

        given = {p: np.full(1, self.recipe[p].nominal) for p in self.recipe.settings}
        out = simulate(self.recipe, 1, seed=0, given=given, nominal_run=False).outputs
        flat = {k: v for step in out.values() for k, v in step.items()}
        self.nominal = {CAPACITY: float(flat[CAPACITY][0]),
                        RESISTANCE: float(flat[RESISTANCE][0])}

    def limits(self, key: str = CAPACITY) -> tuple[float, float]:
        """Spec window ``nominal (1 +- tolerance)`` of ``key``."""
        n = self.nominal[key]
        return n * (1 - self.tolerance), n * (1 + self.tolerance)

    def sei_sensitivity(self, bet: float | None) -> tuple[float, float]:
        """First-cycle loss [1] of the nominal cell with anode BET ``bet`` [m^2/kg] (None:
        the recipe's) and its derivative with respect to the SEI loss factor ``k`` (the
        SEI's area scaled by ``k``; the chain at ``k`` = 1 and 1.1)."""
        from gigatwin.twin.chain import simulate

        key = None if bet is None else round(float(bet), 6)
        cache = self.__dict__.setdefault("_sei", {})
        if key not in cache:
            base = bet if bet is not None else self.recipe[BET].nominal
            values = []
            for k in (1.0, 1.1):
                recipe = (self.recipe if k == 1.0 and bet is None
                          else self.recipe_for(base * k))
                given = {p: np.full(1, recipe[p].nominal) for p in recipe.settings}
                out = simulate(recipe, 1, seed=0, given=given, nominal_run=False).outputs
                values.append(float(out["formation"][FCL][0]))
            cache[key] = (values[0], (values[1] - values[0]) / 0.1)
        return cache[key]

    def predict(self, pair: int, t: float, stage: str,
                electrodes: dict[str, ElectrodeInput], bet: float | None = None) -> Prediction:
        """Run the chain for the cells of ``pair`` given both electrodes' inputs (and the
        anode's effective BET area [m^2/kg], None: the recipe's)."""
        from gigatwin.twin.chain import simulate

        rng = np.random.default_rng([pair, len(stage)])
        n = self.samples
        given = {}
        for e, x in electrodes.items():
            pump = self.recipe[f"{e}.{FLOW}"].std
            spread = math.sqrt((x.loading_std / x.loading) ** 2 + pump**2)
            given[f"{e}.{FLOW}"] = x.loading / x.base - 1 + spread * rng.standard_normal(n)
            given[f"{e}.slurry_solid_content"] = np.full(n, x.solid_content)
            if x.line_load is not None:
                given[f"{e}.{LOAD}"] = np.full(n, x.line_load)
        recipe = self.recipe if bet is None or self.recipe_for is None \
            else self.recipe_for(bet)
        result = simulate(recipe, n, seed=[pair, 7], given=given, nominal_run=False)
        flat = {k: v for step in result.outputs.values() for k, v in step.items()}
        pred = Prediction(pair, t, stage, np.asarray(flat[CAPACITY], dtype=float),
                          np.asarray(flat[RESISTANCE], dtype=float),
                          np.asarray(flat[FCL], dtype=float) if FCL in flat else None,
                          bet if recipe is not self.recipe else None)
        self.predictions[pair] = pred
        low, high = self.action_limits()
        ewma = self.ewma()
        if not low <= ewma <= high:
            self.alarms.append({"pair": pair, "t_s": t, "stage": stage, "ewma": ewma,
                                "capacity_mean": float(np.mean(pred.capacity)),
                                "action_limits": [low, high]})
        return pred

    def ewma(self, lam: float = 0.2) -> float:
        """EWMA of the predicted pair means [A s], in pair order, from the nominal."""
        z = self.nominal[CAPACITY]
        for _, p in sorted(self.predictions.items()):
            z = lam * float(np.mean(p.capacity)) + (1 - lam) * z
        return z

    def action_limits(self) -> tuple[float, float]:
        """``nominal (1 +- tolerance / 2)`` of the capacity [A s]."""
        n = self.nominal[CAPACITY]
        return n * (1 - self.tolerance / 2), n * (1 + self.tolerance / 2)

    def pooled(self, key: str = "capacity", pairs=None) -> np.ndarray:
        """The predicted samples of ``pairs`` (all predicted if None), pooled."""
        chosen = [p for k, p in sorted(self.predictions.items())
                  if pairs is None or k in pairs]
        if not chosen:
            return np.zeros(0)
        return np.concatenate([getattr(p, key) for p in chosen])

    def predicted_cpk(self, pairs=None) -> dict:
        """Predicted Cpk of capacity and resistance over ``pairs`` (see the module)."""
        out = {}
        for key, name in (("capacity", CAPACITY), ("resistance", RESISTANCE)):
            values = self.pooled(key, pairs)
            out[name] = {"n_pairs": len(self.predictions) if pairs is None else len(
                [p for p in pairs if p in self.predictions]),
                "mean": float(np.mean(values)) if values.size else None,
                "std": float(np.std(values, ddof=1)) if values.size > 1 else None}
        low, high = self.limits(CAPACITY)
        out[CAPACITY].update(lsl=low, usl=high,
                             cpk=cpk(self.pooled("capacity", pairs), low, high))
        return out
