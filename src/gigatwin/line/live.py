"""The live twin on the virtual line, and the three-way experiment.

:class:`LiveTwin` watches a :class:`~gigatwin.line.engine.VirtualLine`'s records as the
line publishes them (it wraps the line's sink) and, per electrode:

* on the mixer's solid-content result of a slurry batch: computes the base loading
  ``L0`` of the coil that batch will coat (the chain, feed-forward) and its predicted
  loading at the current setpoint (stored in :attr:`predictions`, scored when the
  coil's gauge readings arrive);
* on each beta-gauge reading of a coil: updates the bias filter;
* in ``mode='twin'`` writes ``u = T / L0 - 1 - b`` (clipped); in ``mode='ewma'`` the
  EWMA baseline's setpoint after each coil; in ``mode='open'`` nothing; in
  ``mode='advise'`` it records the twin's recommendation without writing it.

Which batch a coil is coated from: the mixer hands batches to the coater in the order it
reports them, so the twin keeps the reported batches not yet coated in a queue
(:attr:`ElectrodeState.pending`); the coil the coater works on is the head of the queue,
and its first record pops it. The pump is always set for the head's solid content. When
the coater stops (a machine fault) the mixer reports one or two batches more before the
coil in progress ends; setting the pump for the last reported batch, as the first
version did, coated that coil with another batch's setpoint (on the merged twin's draws
a coil 1.6 % heavy, and cathode loading Ppk 0.45 over 24 h of solid-content drift).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from gigatwin.line.config import ELECTRODES
from gigatwin.twin.live.calender import LOAD, CalenderState, calender_state, shrink
from gigatwin.twin.live.calibration import BiasFilter, CoatingModel, segment_index, segment_means
from gigatwin.twin.live.control import EwmaController, Limits, TwinController
from gigatwin.twin.live.quality import CellPredictor, ElectrodeInput

MODES = ("open", "ewma", "twin", "advise")
BET_KEY = "anode.active_material_bet_surface_area"
FCL = "first_cycle_irreversible_capacity_loss"
FLOW = "coating_slot_flow_rate_deviation"
SPEED = "coating_speed"


@dataclass
class ElectrodeState:
    electrode: str
    model: CoatingModel
    filter: BiasFilter
    twin: TwinController
    ewma: EwmaController
    r: float
    solid_content: float
    base: float
    r_wet: tuple[float, float] | None = None   # wet-film gauge's and pump's variance [m^2]
    lab_std: float = 0.0               # [1] the oven-dry test of solid content
    density_std: float | None = None   # [kg/m^3] the pycnometer, if the mixer has one
    u: float = 0.0
    u_coil: float = 0.0
    s: float = 1.0                     # relative coating speed in force (v / v0) [1]
    s_coil: float = 1.0                # ... when the coil whose records arrive was coated
    coil_t0: float = float("nan")
    readings: list[tuple[float, float]] = field(default_factory=list)   # (t, y) [SI]
    recommendations: list[dict] = field(default_factory=list)
    predictions: list[dict] = field(default_factory=list)
    pending: list[dict] = field(default_factory=list)   # batches reported, not yet coated
    coil_batch: dict | None = None     # the batch of the coil whose records arrive
    last_batch: tuple | None = None    # the mixer's last report (a duplicate is skipped)
    batches: int = 0                   # batches reported so far (batch k coats coil k)
    coil_index: int = -1               # the coil whose records arrive
    slope: float = 0.0                 # dL0/dw [kg/m^2 per unit solid content]
    coils: dict = field(default_factory=dict)   # coil -> measured loading (t, mean, std)


class LiveTwin:
    """The live twin of ``vline`` (a VirtualLine) in ``mode`` (see the module docstring)."""

    def __init__(self, vline, mode: str = "twin", *, limits: Limits | None = None,
                 tolerance: float = 0.02, predict: bool = True, per_segment: bool = True):
        from gigatwin.spec.vocabulary import parameter

        if mode not in MODES:
            raise ValueError(f"mode = {mode!r}; allowed: {', '.join(MODES)}")
        self.vline, self.mode = vline, mode
        recipe, line = vline.recipe, vline.line
        self.state: dict[str, ElectrodeState] = {}
        for e in ELECTRODES:
            coater = line.station("coating", e)
            gauge = next(p for p in coater.publishes if p.key == f"{e}.coating_areal_loading")
            mixer = line.station("mixing", e)
            lab = next((p for p in mixer.publishes if p.key == f"{e}.slurry_solid_content"), None)
            speed = recipe[f"{e}.coating_speed"].nominal
            per_coil = max(int(line.coil_length / speed / (gauge.period or 1.0)), 1)
            model = CoatingModel(recipe, e)
            w = recipe[f"{e}.slurry_solid_content"].nominal
            r = model.reading_variance(gauge.noise, vline.lanes, per_coil,
                                       lab.noise if lab else recipe[f"{e}.slurry_solid_content"].std)
            wet = next((p for p in coater.publishes if p.key == f"{e}.wet_film_thickness"),
                       None)
            r_wet = model.wet_variances(wet.noise, vline.lanes) if wet else None
            pycnometer = next((p for p in mixer.publishes if p.key == f"{e}.slurry_density"),
                              None)
            target = recipe[f"{e}.coating_areal_loading"].nominal
            lim = limits or Limits.for_setting(f"{e}.{FLOW}")
            # the coating speed as a second actuator when the pump's range does not
            # suffice: 90-100 % of the recipe's, 2 % per write (control.TwinController)
            speed = (Limits(0.9, 1.0, 0.02) if f"{e}.{SPEED}" in coater.setpoints
                     else None)
            self.state[e] = ElectrodeState(
                e, model, BiasFilter(), TwinController(target, lim, speed=speed),
                EwmaController(target, target, lim), r, w, model.base_loading(w), r_wet=r_wet,
                lab_std=lab.noise if lab else recipe[f"{e}.slurry_solid_content"].std,
                density_std=pycnometer.noise if pycnometer and pycnometer.noise > 0 else None)
            self.state[e].slope = (model.base_loading(w + 1e-3)
                                   - model.base_loading(w - 1e-3)) / 2e-3
        self.gauge_unit = parameter("coating_areal_loading").unit
        self.calender: dict[str, CalenderState] = {}
        for e in ELECTRODES:
            station = line.station("calendering", e)
            cells = next((p for p in station.publishes if p.key == f"{e}.{LOAD}"), None)
            if cells is not None and f"{e}.{LOAD}" in station.setpoints:
                # metre-resolved: the coater's loading gauge and the dryer's thickness
                # gauge, per metre range, set the line load along the coil
                coater = line.station("coating", e)
                gauge = next((p for p in coater.publishes
                              if p.key == f"{e}.coating_areal_loading" and p.period), None)
                dryer = line.optional_station("drying", e)
                dry = next((p for p in (dryer.publishes if dryer else [])
                            if p.key == f"{e}.dry_coating_thickness" and p.period), None)
                self.calender[e] = calender_state(
                    recipe, e, cells.noise, vline.lanes,
                    loading_noise=gauge.noise if gauge and per_segment else None,
                    dry_thickness_noise=dry.noise if dry else None)
        # predictive quality (gigatwin.twin.live.quality) and the measured streaming SPC
        # it is compared with (the chart of gigatwin.ingest.spc, run on the records)
        self.quality = CellPredictor(recipe, tolerance=tolerance,
                                     recipe_for=self._recipe_for) if predict else None
        # the SEI loss factor k (quality.sei_sensitivity): the formation's first-cycle
        # loss of each pair against the chain's, given its anode lot's BET area; the
        # filter's "bias" is k - 1 (prior: the material data's SEI charge within 20 %)
        self.sei = BiasFilter(prior_std=0.2, q=(0.05**2) / 86400)
        self.lot_bet: dict[int, float] = {}     # anode lot -> BET used [m^2/kg]
        self.bet_check: dict[int, dict] = {}    # anode lot -> the inspection's verdict
        self._recipes: dict[float, object] = {}
        self.spc = {(f"{e}.coating_areal_loading"): MeasuredSpc(subgroup=300.0)
                    for e in ELECTRODES}
        self.spc["eol_discharge_capacity"] = MeasuredSpc(subgroup=None)
        self.measured_capacity: dict[int, list[float]] = {}

    # ------------------------------------------------------------------ records

    def observe(self, batch) -> None:
        """Take one :class:`~gigatwin.line.engine.RecordBatch` (display units)."""
        from gigatwin.units import to_si

        station = next((s for s in self.vline.line.stations if s.asset == batch.asset), None)
        if station is None or not len(batch):
            return
        if (station.step == "incoming_inspection" and station.electrode == "anode"
                and batch.key.endswith(BET_KEY.partition(".")[2])):
            self._inspection(batch, station)
            return
        if station.step == "formation" and batch.key == FCL:
            self._formation(batch)
            return
        if station.step == "aging_eol" and batch.key == "eol_discharge_capacity":
            values = np.asarray(to_si(batch.values, batch.unit), dtype=float)
            self.spc["eol_discharge_capacity"].add(batch.ts, values)
            for name, v in zip(batch.products or [], values, strict=False):
                pair = int(name.split("-")[1])    # CELL-<pair>-<lane>-<segment>
                self.measured_capacity.setdefault(pair, []).append(float(v))
            return
        if station.electrode is None:
            return
        st = self.state[station.electrode]
        key = batch.key.partition(".")[2] if "." in batch.key else batch.key
        values = np.asarray(to_si(batch.values, batch.unit), dtype=float)
        now = float(batch.ts.max())
        if station.step == "coating" and float(batch.ts[0]) != st.coil_t0:
            # the first record of a new coil: the setpoint it was coated with is the one
            # in force now (a write that follows applies to the next coil), its batch the
            # head of the queue; the pump is then set for the next batch in the queue
            st.coil_t0, st.u_coil, st.s_coil = float(batch.ts[0]), st.u, st.s
            st.coil_batch = st.pending.pop(0) if st.pending else None
            st.coil_index = st.coil_batch["index"] if st.coil_batch else st.coil_index + 1
            if st.pending:
                self._head(st, now)
        cal = self.calender.get(station.electrode)
        if cal is not None:
            self._calender(cal, station.step, key, batch, values, now, st)
        if station.step == "mixing" and key == "slurry_solid_content":
            product = (batch.products or [""])[-1]
            if (product, now) == st.last_batch:
                return
            st.last_batch = (product, now)
            w = float(values[-1])
            st.pending.append({"t_s": now, "product": product, "solid_content": w,
                               "base": st.model.base_loading(w), "predicted": None,
                               "std": None, "measured": None, "index": st.batches,
                               "w_std": st.lab_std})
            st.batches += 1
            st.predictions.append(st.pending[-1])
            if len(st.pending) == 1:      # the coater takes this batch now
                self._head(st, now)
            self._act(st, now, "batch solid content")
            self._predict(st)
            self._quality(st.batches - 1, now, "feed-forward")
        elif station.step == "mixing" and key == "slurry_density" and st.density_std:
            # the pycnometer's density of the same batch: a second reading of its solid
            # content through the chain's slurry density (the lab's 0.1 point alone moves
            # the loading by 0.3 %, the feed-forward's largest error)
            product = (batch.products or [""])[-1]
            entry = next((b for b in reversed(st.pending) if b["product"] == product
                          and "density" not in b), None)
            if entry is None:
                return
            w, w_std = st.model.fused_solid_content(entry["solid_content"], st.lab_std,
                                                    float(values[-1]), st.density_std)
            entry.update(density=float(values[-1]), lab_solid_content=entry["solid_content"],
                         solid_content=w, base=st.model.base_loading(w), w_std=w_std)
            if entry is st.pending[0]:
                self._head(st, now)
                self._act(st, now, "batch density")
                self._predict(st)
        elif station.step == "coating" and key == "wet_film_thickness" and st.r_wet:
            # one update per metre range of the coil (calibration.segment_means): its
            # readings share the pump's variation along the web
            base = st.model.base_wet_film() / st.s_coil     # h = flow / (width v)
            gauge, pump = st.r_wet
            for _, t, y, n in segment_means(batch.ts, values, st.coil_t0, self.vline.env.now,
                                         self.vline.segments):
                st.filter.update(t, y, base, st.u_coil, gauge / n + pump,
                                 source=f"{batch.asset} wet_film_thickness t<={t:.0f}s "
                                        f"({n} readings of one metre range)")
        elif station.step == "coating" and key == "coating_areal_loading":
            if not st.r_wet:     # without a wet-film gauge, the loading gauge calibrates
                for t, y in zip(batch.ts, values, strict=True):
                    st.filter.update(float(t), float(y), st.base / st.s_coil, st.u_coil, st.r,
                                     source=f"{batch.asset} coating_areal_loading t={t:.0f}s")
            st.readings.extend(zip(batch.ts.tolist(), values.tolist(), strict=True))
            mean = float(np.median(values))
            if st.coil_batch is not None and st.coil_batch["measured"] is None:
                st.coil_batch["measured"] = mean
            self.spc[f"{station.electrode}.coating_areal_loading"].add(batch.ts, values)
            st.coils[st.coil_index] = {
                "t_s": now, "mean": mean, "std": float(np.std(values, ddof=1) / math.sqrt(
                    values.size)) if values.size > 1 else 0.0,
                "solid_content": st.coil_batch["solid_content"] if st.coil_batch else None}
            if self.mode == "ewma":
                self._write(st, st.ewma.after_run(mean), now, "EWMA after coil")
            else:
                self._act(st, now, "coil measured")
            self._predict(st)
            self._quality(st.coil_index, now, "coated")

    def _quality(self, pair: int, now: float, stage: str) -> None:
        """Predict the cells of coil ``pair`` once both electrodes' coils are known:
        'feed-forward' from the batches (before coating), 'coated' from the gauges."""
        if self.quality is None or pair < 0:
            return
        done = self.quality.predictions.get(pair)
        if done is not None and (done.stage == "coated" or stage == "feed-forward"):
            return
        inputs = {}
        for e, st in self.state.items():
            cal = self.calender.get(e)
            load = cal.model.f0 * (1 + cal.u + cal.filter.mean) if cal else None
            if stage == "coated":
                coil = st.coils.get(pair)
                if coil is None or coil["solid_content"] is None:
                    return
                w = coil["solid_content"]
                inputs[e] = ElectrodeInput(coil["mean"], coil["std"], w,
                                           st.model.base_loading(w), load)
            else:
                entry = next((b for b in st.pending if b["index"] == pair), None)
                if entry is None:
                    return
                b, u, s = st.filter.mean, st.u, st.s
                if self.mode == "twin":     # the setpoints the twin will write for it
                    plan = replace(st.twin)
                    u = plan.recommend(entry["base"], b)
                    s = plan.s
                loading = entry["base"] / s * (1 + u + b)
                std = math.hypot(entry["base"] / s * st.filter.std,
                                 st.slope * entry["w_std"] * (1 + u + b) / s)
                inputs[e] = ElectrodeInput(loading, std, entry["solid_content"],
                                           entry["base"], load)
        self.quality.predict(pair, now, stage, inputs, bet=self._bet(pair))

    # ------------------------------------------------------------ anode lot, SEI loss

    def _recipe_for(self, bet: float):
        """The line's recipe with the anode BET area ``bet`` [m^2/kg] (cached; 0.5 %
        steps)."""
        from gigatwin.spec.vocabulary import parameter
        from gigatwin.twin import load_recipe

        key = float(f"{bet:.3g}")
        if key not in self._recipes:
            self._recipes[key] = load_recipe(
                self.vline.line.recipe_path,
                overrides={BET_KEY: f"{key!r} {parameter(BET_KEY).unit}"})
        return self._recipes[key]

    def _bet(self, pair: int) -> float | None:
        """The anode's effective BET area of coil pair ``pair`` [m^2/kg]: its lot's (the
        inspection's, where it rejected the recipe's) times the SEI loss factor; None
        where that is within 0.5 % of the recipe's (the recipe itself)."""
        nominal = self.vline.recipe[BET_KEY].nominal
        lot = pair // self.vline.line.coils_per_lot
        value = self.lot_bet.get(lot, nominal) * (1 + self.sei.mean)
        return None if abs(value / nominal - 1) < 0.005 else value

    def _inspection(self, batch, station) -> None:
        """The incoming inspection's BET area of an anode lot: used in place of the
        recipe's when it departs by more than 3 of the instrument's standard deviations
        (an acceptance test; within them the recipe's value is the better estimate)."""
        from gigatwin.units import to_si

        pub = next(p for p in station.publishes if p.key == batch.key)
        nominal = self.vline.recipe[BET_KEY].nominal
        values = np.asarray(to_si(batch.values, batch.unit), dtype=float)
        for name, v in zip(batch.products or [], values, strict=False):
            head, _, number = name.rpartition("-")
            if not (head.endswith("LOT") and number.isdigit() and math.isfinite(v)):
                continue
            changed = abs(v - nominal) > 3 * pub.noise
            self.bet_check[int(number)] = {"measured": float(v), "nominal": nominal,
                                           "instrument_std": pub.noise, "used": changed}
            if changed:
                self.lot_bet[int(number)] = float(v)

    def _formation(self, batch) -> None:
        """The formation's first-cycle loss of a pair's cells: one update of the SEI loss
        factor (k - 1) from the pair's mean against its prediction, linearised with the
        chain's sensitivity at the pair's lot (``quality.sei_sensitivity``)."""
        if self.quality is None or not len(batch):
            return
        from gigatwin.units import to_si

        values = np.asarray(to_si(batch.values, batch.unit), dtype=float)   # [1]
        pairs = [int(n.split("-")[1]) for n in batch.products or []]
        if not pairs:
            return
        pair = pairs[0]
        pred = self.quality.predictions.get(pair)
        if pred is None or pred.first_cycle_loss is None:
            return
        nominal = self.vline.recipe[BET_KEY].nominal
        lot_bet = self.lot_bet.get(pair // self.vline.line.coils_per_lot)
        _, slope = self.quality.sei_sensitivity(lot_bet)
        used = (pred.bet or nominal) / (lot_bet or nominal)     # k of the prediction
        noise = next((p.noise for s in self.vline.line.stations if s.step == "formation"
                      for p in s.publishes if p.key == FCL), 0.0)
        spread = float(np.var(pred.first_cycle_loss, ddof=1))
        n = values.size
        r = (noise**2 + spread) / n + spread / pred.first_cycle_loss.size
        observed = used - 1 + (float(np.mean(values))
                               - float(np.mean(pred.first_cycle_loss))) / slope
        self.sei.update(float(batch.ts.max()), 1.0 + observed, 1.0, 0.0, r / slope**2,
                        source=f"{batch.asset} {FCL} pair {pair} ({n} cells)")

    def _calender(self, cal: CalenderState, step: str, key: str, batch, values, now,
                  st: ElectrodeState) -> None:
        """Line-load control (:mod:`gigatwin.twin.live.calender`): one load per coil, or
        (``cal.per_segment``) one per metre range from the loading and dried porosity
        gauged upstream of it."""
        f0, segments = cal.model.f0, self.vline.segments
        if step == "calendering" and self.vline.env.now != cal.coil_t0:
            # a station publishes all of a coil at one instant, right after applying
            # its settings: the first record of that instant sees the setpoint in force
            cal.coil_t0 = self.vline.env.now
            cal.u_coil = cal.profile if cal.profile is not None else cal.u
        if step == "coating" and key == "coating_areal_loading":
            cal.loading = float(np.median(values))
            cal.coil = st.coil_index
            cal.segment_loading = segment_means(batch.ts, values, float(batch.ts[0]),
                                                self.vline.env.now, segments)
            if self.mode in ("twin", "advise") and (not cal.per_segment
                                                    or cal.dried_vars is None):
                self._calender_act(cal, now, None)
        elif (step == "drying" and key == "dry_coating_thickness" and cal.per_segment
              and cal.dried_vars is not None and self.mode in ("twin", "advise")
              and cal.segment_loading is not None):
            self._calender_act(cal, now, segment_means(
                batch.ts, values, float(batch.ts[0]), self.vline.env.now, segments))
        elif step == "calendering" and key == LOAD:
            u = np.broadcast_to(np.asarray(cal.u_coil, dtype=float), (segments,)) \
                if np.ndim(cal.u_coil) else None
            index = segment_index(batch.ts, float(batch.ts[0]), self.vline.env.now,
                                  segments)
            for i, t, y in zip(index, batch.ts, values, strict=True):
                cal.filter.update(float(t), float(y) / f0, 1.0,
                                  float(u[i]) if u is not None else float(cal.u_coil),
                                  cal.r, source=f"{batch.asset} {LOAD} t={t:.0f}s")
        elif step == "calendering" and key == "calendered_porosity":
            # the lab sample names its coil: did the coil get the profile made for it?
            coil = _coil_number((batch.products or [""])[-1])
            cal.calendered += 1
            if (cal.per_segment and self.mode == "twin" and cal.profile_coil is not None
                    and coil is not None and coil != cal.profile_coil):
                cal.misaligned += 1
            if self.mode == "ewma":
                self._write_load(cal, cal.ewma.after_run(float(np.mean(values))))

    def _calender_act(self, cal: CalenderState, now: float, dried_bins) -> None:
        """The load for the coil whose gauges arrived: per coil, the load that gives the
        target porosity at its median loading; per metre range, the loads of
        :meth:`~gigatwin.twin.live.calender.CalenderModel.segment_loads` at each range's
        loading and dried porosity (each the posterior mean of its readings,
        :func:`~gigatwin.twin.live.calender.shrink`); less the estimated offset."""
        f0, segments = cal.model.f0, self.vline.segments
        center = cal.model.load_for(cal.loading)
        why = f"coil loading {cal.loading:.4g} kg/m^2"
        if not cal.per_segment:
            u = cal.limits.clip(center - 1 - cal.filter.mean, cal.u)
            profile = None
        else:
            bins = cal.segment_loading
            loading = np.full(segments, cal.loading)
            idx = np.array([b[0] for b in bins], dtype=int)
            loading[idx] = shrink([b[2] for b in bins], [b[3] for b in bins],
                                  *cal.loading_vars)
            dried = None
            if dried_bins:
                di = np.array([b[0] for b in dried_bins], dtype=int)
                eps = cal.model.dried_porosity(loading[di], [b[2] for b in dried_bins])
                dried = np.full(segments, float(np.mean(eps)))
                dried[di] = shrink(eps, [b[3] for b in dried_bins], *cal.dried_vars)
                why += ", per metre range with the dried porosity"
            x = cal.model.segment_loads(loading, dried, center)
            profile = cal.limits.clip_profile(x - 1 - cal.filter.mean, cal.u_last)
            u = float(np.mean(profile))
            why += (f"; profile {f0 * (1 + profile.min()):.4g}-"
                    f"{f0 * (1 + profile.max()):.4g} N/m")
        cal.recommendations.append({
            "t_s": now, "key": f"{cal.electrode}.{LOAD}", "previous": f0 * (1 + cal.u),
            "value": f0 * (1 + u), "why": why, "coil": cal.coil,
            "offset": cal.filter.mean, "offset_std": cal.filter.std,
            "profile": None if profile is None else {
                "segments": int(profile.size), "min": float(f0 * (1 + profile.min())),
                "max": float(f0 * (1 + profile.max())),
                # the largest step from segment to segment, the first from the value
                # in force [N/m]
                "max_step": float(f0 * np.max(np.abs(np.diff(np.r_[cal.u_last, profile]))))},
            "status": "written" if self.mode == "twin" else "advised"})
        if self.mode != "twin":
            return
        if profile is None:
            self._write_load(cal, u)
        else:
            self.vline.write_profile(f"{cal.electrode}.{LOAD}", f0 * (1 + profile))
            cal.profile, cal.u, cal.u_last = profile, u, float(profile[-1])
            cal.profile_coil = cal.coil

    def _write_load(self, cal: CalenderState, u: float) -> None:
        if u != cal.u:
            self.vline.write_setpoint(f"{cal.electrode}.{LOAD}", cal.model.f0 * (1 + u))
            cal.u = cal.u_last = u

    @staticmethod
    def _head(st: ElectrodeState, now: float) -> None:
        """The head of the queue is the batch the coater works on: its base loading."""
        st.solid_content, st.base = st.pending[0]["solid_content"], st.pending[0]["base"]

    @staticmethod
    def _predict(st: ElectrodeState) -> None:
        """Predicted loading of the head's coil at the setpoint in force (the line applies
        the setpoint in force when the coil ends; a later write replaces the prediction)."""
        if st.pending:
            head = st.pending[0]
            head["predicted"] = head["base"] / st.s * (1 + st.u + st.filter.mean)
            head["std"] = head["base"] / st.s * st.filter.std

    def _act(self, st: ElectrodeState, now: float, why: str) -> None:
        if self.mode not in ("twin", "advise"):
            return
        previous, previous_s = st.twin.u, st.twin.s
        # the batches queued behind the head are planned with it (control.plan)
        u = st.twin.recommend(st.base, st.filter.mean,
                              [b["base"] for b in st.pending[1:]])
        s = st.twin.s
        predicted = st.base / s * (1 + u + st.filter.mean)
        st.recommendations.append({
            "t_s": now, "key": f"{st.electrode}.{FLOW}", "previous": previous, "value": u,
            "why": why, "bias": st.filter.mean, "bias_std": st.filter.std,
            "speed_previous": previous_s, "speed": s,
            "predicted_loading": predicted, "predicted_std": st.base / s * st.filter.std,
            "target": st.twin.target,
            "status": "written" if self.mode == "twin" else "advised"})
        if self.mode == "twin":
            if s != st.s:
                v0 = self.vline.recipe[f"{st.electrode}.{SPEED}"].nominal
                self.vline.write_setpoint(f"{st.electrode}.{SPEED}", v0 * s)
                st.s = s
            self._write(st, u, now, why)
        else:              # advice only: the line keeps its setpoints
            st.twin.u, st.twin.s = previous, previous_s

    def _write(self, st: ElectrodeState, u: float, now: float, why: str) -> None:
        if u != st.u:
            self.vline.write_setpoint(f"{st.electrode}.{FLOW}", u)
            st.u = u


class MeasuredSpc:
    """The streaming SPC of :mod:`gigatwin.ingest.spc`, run on records as they arrive:
    time-series readings averaged into subgroups of ``subgroup`` seconds (``None``: one
    point per reading, e.g. per cell), Phase I the first 6 h extended to 25 points, then
    an EWMA chart (lambda 0.2, L = 4). :attr:`first_alarm` is the time [s] of the first
    signalling point (None while in control)."""

    def __init__(self, subgroup: float | None, phase1: float = 6 * 3600.0):
        self.subgroup, self.phase1 = subgroup, phase1
        self.points: list[tuple[float, float]] = []
        self.buffer: list[tuple[float, float]] = []
        self.monitor = None
        self.first_alarm: float | None = None

    def add(self, ts, values) -> None:
        for t, v in zip(np.asarray(ts, float).tolist(), np.asarray(values, float).tolist(),
                        strict=True):
            if not math.isfinite(v):
                continue
            if self.subgroup is None:
                self._point(t, v)
                continue
            self.buffer.append((t, v))
            size = self._size()
            if size and len(self.buffer) >= size:
                self._point(self.buffer[size - 1][0],
                            float(np.mean([x for _, x in self.buffer[:size]])))
                self.buffer = self.buffer[size:]

    def _size(self) -> int | None:
        if len(self.buffer) < 2:
            return None
        period = float(np.median(np.diff([t for t, _ in self.buffer[:10]])))
        return max(1, int(round(self.subgroup / max(period, 1e-9))))

    def _point(self, t: float, v: float) -> None:
        from gigatwin.ingest.spc import EWMA_LAMBDA, EWMA_WIDTH, MIN_PHASE1_POINTS
        from gigatwin.quality import StreamingMonitor

        if self.monitor is None:
            self.points.append((t, v))
            if (t < self.points[0][0] + self.phase1 or len(self.points) < MIN_PHASE1_POINTS):
                return
            ref = np.array([x for _, x in self.points])
            sigma = float(np.std(ref, ddof=1))
            if not sigma > 0:
                return
            self.monitor = StreamingMonitor("ewma", {"center": float(np.mean(ref)),
                                                     "sigma": sigma, "lambda": EWMA_LAMBDA},
                                            width=EWMA_WIDTH)
            return
        if self.monitor.update(v) and self.first_alarm is None:
            self.first_alarm = t


def _coil_number(product: str) -> int | None:
    """The coil number of a product name ``X-COIL-00005`` (None if not a coil)."""
    head, _, number = product.rpartition("-")
    return int(number) if head.endswith("COIL") and number.isdigit() else None


# ---------------------------------------------------------------------- experiment

def true_bias(line, scenario, electrode: str, t: np.ndarray) -> np.ndarray:
    """The machine's own flow deviation [1] at times ``t`` [s]: hidden offset + drifts."""
    path = f"{electrode}.{FLOW}"
    value = np.full(np.shape(t), line.hidden.get(path, 0.0), dtype=float)
    for d in scenario.of("drift", "step"):
        if d.target == path:
            value = value + d.offset(np.asarray(t, dtype=float))
    return value


def first_departure(history, start: float, z: float = 3.0, hold: float = 1800.0):
    """Time [s] from which the estimates stay more than ``z`` standard deviations from the
    last estimate before ``start`` for ``hold`` seconds (None if never)."""
    kept = [h for h in history if h.accepted and not h.source.startswith("reset")]
    before = [h for h in kept if h.t < start]
    if not before:
        return None
    ref = before[-1].mean
    after = [h for h in kept if h.t >= start]
    since = None
    for h in after:
        if abs(h.mean - ref) > z * h.std:
            since = h.t if since is None else since
            if h.t - since >= hold:
                return since
        else:
            since = None
    return None


def detections(twin: LiveTwin, scenario) -> list[dict]:
    """Detection delay [h] of each drift or step of a calibrated parameter: from its start
    until the estimate departs from its value before it (:func:`first_departure`)."""
    filters = {f"{e}.{FLOW}": st.filter for e, st in twin.state.items()}
    filters |= {f"{e}.{LOAD}": cal.filter for e, cal in twin.calender.items()}
    out = []
    for d in scenario.of("drift", "step"):
        entry = {"name": d.name, "target": d.target, "start_h": d.start / 3600}
        f = filters.get(d.target)
        if f is None:
            entry["detected"] = None
            entry["note"] = "not a calibrated parameter (the twin feeds it forward or " \
                            "does not model it)"
            out.append(entry)
            continue
        hit = first_departure(f.history, d.start)
        entry["detected"] = hit is not None
        entry["delay_h"] = (hit - d.start) / 3600 if hit is not None else None
        out.append(entry)
    return out


def _true_offset(line, scenario, electrode: str, t: np.ndarray, f0: float) -> np.ndarray:
    """The calender's own line-load offset relative to ``f0`` [1] at times ``t`` [s]."""
    path = f"{electrode}.{LOAD}"
    value = np.full(np.shape(t), line.hidden.get(path, 0.0), dtype=float)
    for d in scenario.of("drift", "step"):
        if d.target == path:
            value = value + d.offset(np.asarray(t, dtype=float))
    return value / f0


def ppk(values: np.ndarray, lsl: float, usl: float) -> float:
    """Capability with the overall standard deviation, min(USL - m, m - LSL) / 3 s."""
    values = np.asarray(values, dtype=float)
    s = float(np.std(values, ddof=1)) if values.size > 1 else float("nan")
    m = float(np.mean(values))
    return min(usl - m, m - lsl) / (3 * s) if s > 0 else float("nan")


def run_mode(line, scenario, mode: str, *, duration: float, seed: int = 0,
             tolerance: float = 0.02, warmup: float = 0.0, per_segment: bool = True) -> dict:
    """Run the line once with the live twin in ``mode``; metrics per target
    (``per_segment`` False: the calender's load once per coil, not per metre range)."""
    from gigatwin.line.engine import VirtualLine
    from gigatwin.twin.chain import simulate

    holder: dict = {}
    vline = VirtualLine(line, scenario, seed=seed, sink=lambda b: holder["twin"].observe(b),
                        genealogy=lambda g: None)
    # each coil pair's true cell capacities at assembly (the end-of-line test comes 1-3
    # days later, after most runs have ended)
    assembled: dict[int, tuple[float, np.ndarray]] = {}

    def keep(index: int, t0: float, outputs: dict) -> None:
        cap = np.broadcast_to(outputs["cell_capacity"], (vline.samples,))
        assembled[index] = (float(t0), np.array(cap, dtype=float))

    vline.on_assembly = keep
    twin = holder["twin"] = LiveTwin(vline, mode, tolerance=tolerance,
                                     per_segment=per_segment)
    vline.truth.keep = tuple(f"{e}.calendered_{q}" for e in twin.calender
                             for q in ("porosity", "thickness"))
    truth = vline.run(duration, steps=20)
    given = {p: np.full(1, vline.recipe[p].nominal) for p in vline.recipe.settings}
    nominal_out = simulate(vline.recipe, 1, seed=0, given=given, nominal_run=False).outputs
    out: dict = {"mode": mode, "targets": {}, "estimates": {}}
    for e, st in twin.state.items():
        t, y = (np.array(c) for c in zip(*st.readings, strict=True)) if st.readings else (
            np.zeros(0), np.zeros(0))
        keep = t >= warmup
        target = st.twin.target
        lsl, usl = target * (1 - tolerance), target * (1 + tolerance)
        out["targets"][f"{e}.coating_areal_loading"] = _metrics(y[keep], target, lsl, usl)
        hist = [h for h in st.filter.history if h.accepted and not h.source.startswith("reset")]
        if hist:
            ht = np.array([h.t for h in hist])
            mean = np.array([h.mean for h in hist])
            std = np.array([h.std for h in hist])
            true = true_bias(line, scenario, e, ht)
            after = ht >= ht[0] + 3600.0       # after the first hour of learning
            inside = np.abs(mean - true) <= 1.959964 * std
            out["estimates"][f"{e}.{FLOW}"] = {
                "final_mean": float(mean[-1]), "final_std": float(std[-1]),
                "final_true": float(true[-1]),
                "final_inside_95": bool(inside[-1]),
                "coverage_95_after_1h": float(inside[after].mean()) if after.any() else None,
                "rmse": float(np.sqrt(np.mean((mean[after] - true[after]) ** 2)))
                if after.any() else None,
                "updates": len(hist),
                "rejected": sum(not h.accepted for h in st.filter.history),
                "resets": [h.t for h in st.filter.history if h.source.startswith("reset")]}
        scored = [p for p in st.predictions
                  if p["measured"] is not None and p["predicted"] is not None]
        if scored:
            err = np.array([p["measured"] - p["predicted"] for p in scored])
            out["targets"][f"{e}.coating_areal_loading"]["feed_forward_rmse"] = float(
                np.sqrt(np.mean(err**2)))
        out["targets"][f"{e}.coating_areal_loading"]["setpoint_writes"] = sum(
            1 for w in truth.setpoint_writes if w["key"] == f"{e}.{FLOW}")
        out["targets"][f"{e}.coating_areal_loading"]["correction"] = corrections(
            [(c["t_s"], c["mean"]) for _, c in sorted(st.coils.items())], scenario,
            target, tolerance, e)
    for e, cal in twin.calender.items():
        series = truth.series.get(f"{e}.calendered_porosity", [])
        y = np.array([v for t, v in series if t >= warmup])
        target = cal.model.target
        m = _metrics(y, target, target * (1 - tolerance), target * (1 + tolerance))
        m["values"] = "true porosity per coil (the lab's 0.5 % noise left out)"
        m["setpoint_writes"] = sum(1 for w in truth.setpoint_writes
                                   if w["key"] == f"{e}.{LOAD}")
        m["correction"] = corrections([(t, v) for t, v in series if t >= warmup], scenario,
                                      target, tolerance, e)
        profiles = [r["profile"] for r in cal.recommendations if r.get("profile")]
        if profiles:     # the line load per metre range (each profile's extremes) [N/m]
            m["profiles"] = {"n": len(profiles), "segments": profiles[0]["segments"],
                             "min": min(p["min"] for p in profiles),
                             "max": max(p["max"] for p in profiles),
                             "max_step": max(p["max_step"] for p in profiles),
                             "coils_calendered": cal.calendered,
                             "misaligned": cal.misaligned}
        out["targets"][f"{e}.calendered_porosity"] = m
        series = truth.series.get(f"{e}.calendered_thickness", [])
        target = float(nominal_out["calendering"][f"{e}.calendered_thickness"][0])
        y = np.array([v for t, v in series if t >= warmup])
        m = _metrics(y, target, target * (1 - tolerance), target * (1 + tolerance))
        m["values"] = ("true thickness per gauge reading (held with porosity by the line "
                       "load per metre range)" if cal.per_segment else
                       "true thickness per gauge reading (not controlled on its own)")
        m["correction"] = corrections(_per_coil(series), scenario, target, tolerance, e)
        out["targets"][f"{e}.calendered_thickness"] = m
        hist = [h for h in cal.filter.history if h.accepted and not h.source.startswith("reset")]
        if hist:
            ht = np.array([h.t for h in hist])
            true = _true_offset(line, scenario, e, ht, cal.model.f0)
            mean, std = np.array([h.mean for h in hist]), np.array([h.std for h in hist])
            inside = np.abs(mean - true) <= 1.959964 * std
            out["estimates"][f"{e}.{LOAD}"] = {
                "relative_to": cal.model.f0, "final_mean": float(mean[-1]),
                "final_std": float(std[-1]), "final_true": float(true[-1]),
                "final_inside_95": bool(inside[-1]),
                "coverage_95_after_1h": float(inside[ht >= ht[0] + 3600].mean())
                if (ht >= ht[0] + 3600).any() else None,
                "updates": len(hist),
                "resets": [h.t for h in cal.filter.history if h.source.startswith("reset")]}
    hist = [h for h in twin.sei.history if h.accepted and not h.source.startswith("reset")]
    if hist:
        # truth: 1, the line's SEI is the chain's at each lot's true BET area; what the
        # twin learns is the factor over the BET it uses (the inspection's or the recipe's)
        mean, std = np.array([h.mean for h in hist]), np.array([h.std for h in hist])
        inside = np.abs(mean) <= 1.959964 * std
        out["estimates"]["formation.sei_loss_factor"] = {
            "relative_to": 1.0, "final_mean": float(mean[-1]), "final_std": float(std[-1]),
            "final_true": 0.0, "final_inside_95": bool(inside[-1]),
            "coverage_95_after_1h": float(inside.mean()), "updates": len(hist),
            "note": "k - 1 from the formation's first-cycle loss per coil pair",
            "lots_inspected": twin.bet_check}
    nominal = float(nominal_out["cell"]["cell_capacity"][0])
    if assembled:
        cells = np.concatenate([c for _, c in assembled.values()])
        m = _metrics(cells, nominal, nominal * (1 - tolerance), nominal * (1 + tolerance))
        m["values"] = (f"true capacity of the {cells.size} cells assembled in the run "
                       f"({len(truth.cell_rows)} of them tested)")
        # per pair at the time its second coil was coated (not assembled: the delay is
        # then the control's, without the 15-20 h from coating to assembly)
        coated = {k: max(st.coils[k]["t_s"] for st in twin.state.values())
                  for k in assembled
                  if all(k in st.coils for st in twin.state.values())}
        m["correction"] = corrections(
            [(coated[k], float(np.mean(c))) for k, (_, c) in sorted(assembled.items())
             if k in coated], scenario, nominal, tolerance)
        out["targets"]["cell_capacity"] = m
    if twin.quality is not None:
        out["predictive"] = predictive_summary(twin, assembled, duration)
    out["writes"] = written(vline, truth.setpoint_writes)
    out["recommendations"] = sum(len(st.recommendations) for st in twin.state.values())
    out["detections"] = detections(twin, scenario)
    return out


def written(vline, writes: list[dict]) -> dict:
    """Per written key: how many writes, the range of values and the largest step between
    consecutive values, starting from the value before the first write (0 for the
    pump's flow deviation, else the recipe's nominal) [SI]."""
    out: dict = {}
    for w in writes:
        key, value = w["key"], float(w["value_si"])
        entry = out.setdefault(key, {"n": 0, "min": value, "max": value, "max_step": 0.0,
                                     "last": 0.0 if key.endswith(FLOW)
                                     else vline.recipe[key].nominal})
        entry["n"] += 1
        entry["min"], entry["max"] = min(entry["min"], value), max(entry["max"], value)
        entry["max_step"] = max(entry["max_step"], abs(value - entry["last"]))
        entry["last"] = value
    return out


def _per_coil(series, gap: float = 60.0) -> list[tuple[float, float]]:
    """(time of the last reading, mean) of each run of readings without a pause > gap."""
    out, run = [], []
    for t, v in series:
        if run and t - run[-1][0] > gap:
            out.append((run[-1][0], float(np.mean([x for _, x in run]))))
            run = []
        run.append((t, v))
    if run:
        out.append((run[-1][0], float(np.mean([x for _, x in run]))))
    return out


def corrections(per_coil, scenario, target: float, tolerance: float,
                electrode: str | None = None) -> list[dict]:
    """Correction delay of each disturbance on one target, from per-coil values ``(t,
    value)``: from the disturbance's start until the first coil after the last one whose
    value lies outside the band ``target (1 +- tolerance / 2)``, i.e. from when on every
    coil stayed in the band [h]. ``left_band`` False: no coil left it after the start;
    ``delay_h`` None with ``left_band`` True: the last coil is still outside. With
    ``electrode``, only the disturbances of that electrode's settings count (a cell
    target: all)."""
    out = []
    band = target * tolerance / 2
    for d in scenario.of("drift", "step", "lot_change"):
        if electrode is not None and not d.target.startswith(f"{electrode}."):
            continue
        after = [(t, v) for t, v in per_coil if t >= d.start]
        outside = [i for i, (_, v) in enumerate(after) if abs(v - target) > band]
        entry = {"name": d.name, "left_band": bool(outside)}
        if not outside:
            entry["delay_h"] = None
        elif outside[-1] == len(after) - 1:
            entry["delay_h"] = None
            entry["note"] = "still outside at the end of the run"
        else:
            entry["delay_h"] = (after[outside[-1] + 1][0] - d.start) / 3600
        out.append(entry)
    return out


def predictive_summary(twin: LiveTwin, assembled: dict, duration: float) -> dict:
    """Predicted capacity against the truth of the assembled cells; predicted Cpk of the
    cells in the line; the predictive alarm's lead time on the measured SPC alarms."""
    q = twin.quality
    scored = []
    for pair, (_, cap) in sorted(assembled.items()):
        p = q.predictions.get(pair)
        if p is None:
            continue
        m, s = float(np.mean(p.capacity)), float(np.std(p.capacity, ddof=1))
        scored.append({"pair": pair, "stage": p.stage, "predicted_mean": m,
                       "predicted_std": s, "true_mean": float(np.mean(cap)),
                       "true_std": float(np.std(cap, ddof=1)),
                       # the pair's true cells inside the predicted central 95 %
                       "inside_95": float(np.mean(
                           (cap >= np.percentile(p.capacity, 2.5))
                           & (cap <= np.percentile(p.capacity, 97.5))))})
    tested = set(twin.measured_capacity)
    in_line = [k for k in q.predictions if k not in tested]
    first = min((a["t_s"] for a in q.alarms), default=None)
    measured = {k: s.first_alarm for k, s in twin.spc.items()}
    lead = {}
    for k, t in measured.items():
        if first is None:
            lead[k] = None
        elif t is None:
            lead[k] = {"hours_at_least": (duration - first) / 3600,
                       "note": "no measured alarm within the run"}
        else:
            lead[k] = {"hours": (t - first) / 3600}
    err = np.array([s["predicted_mean"] - s["true_mean"] for s in scored])
    nominal = q.nominal["cell_capacity"]
    return {"pairs_predicted": len(q.predictions), "pairs_scored": len(scored),
            "capacity_rmse_rel": float(np.sqrt(np.mean(err**2)) / nominal)
            if err.size else None,
            "capacity_inside_95": float(np.mean([s["inside_95"] for s in scored]))
            if scored else None,
            "predicted_cpk": q.predicted_cpk(in_line),
            "predicted_cpk_all": q.predicted_cpk(),
            "action_limits": list(q.action_limits()),
            "alarms": q.alarms[:20], "alarm_count": len(q.alarms),
            "first_alarm_h": first / 3600 if first is not None else None,
            "measured_first_alarm_h": {k: (t / 3600 if t is not None else None)
                                       for k, t in measured.items()},
            "lead_time": lead, "pairs": scored}


def _metrics(y: np.ndarray, target: float, lsl: float, usl: float) -> dict:
    if y.size == 0:
        return {"n": 0}
    return {"n": int(y.size), "target": target, "lsl": lsl, "usl": usl,
            "mean": float(np.mean(y)), "mean_deviation": float(np.mean(y) - target),
            "ppk": ppk(y, lsl, usl),
            "scrap_fraction": float(np.mean((y < lsl) | (y > usl)))}


def experiment(line, scenario, *, duration: float, seed: int = 0,
               tolerance: float = 0.02, modes=("open", "ewma", "twin")) -> dict:
    """The line ``len(modes)`` times on the same seed; metrics per mode and target."""
    runs = {m: run_mode(line, scenario, m, duration=duration, seed=seed,
                        tolerance=tolerance) for m in modes}
    return {"line": line.name, "scenario": scenario.name,
            "scenario_file": str(scenario.source or ""), "seed": seed,
            "duration_s": duration, "tolerance": tolerance,
            "hidden": dict(line.hidden), "runs": runs}


def finite(x) -> bool:
    return isinstance(x, float) and math.isfinite(x)
