"""The virtual pilot line: a SimPy model of what the line moves, with the twin's physics.

Granularity (what a real line tracks):

* a **slurry batch** per electrode coats one **coil** of ``coil_length``; a raw-material
  **lot** feeds ``coils_per_lot`` batches;
* the coil passes coater + dryer (inline), calender, slitter (into ``lanes`` lane coils)
  and the vacuum oven;
* cathode coil *k* and anode coil *k* become cells: each lane yields one cell per
  **segment** (the electrode length one cell takes: its sheets or its winding), so a cell
  knows the coil, lane and metre range its electrodes came from; cells pass stacking or
  winding, filling, formation in racks, aging and the end-of-line test.

Processes are SimPy generators (nouns are classes, verbs are processes, as in SimPy
itself); the physics stays in the twin: when a station finishes a coil (or the tester a
batch of cells), :meth:`VirtualLine._physics` runs the twin's chain
(:func:`gigatwin.twin.chain.simulate`) with the **actual** settings of every segment of
that coil pair, given explicitly: the recipe's nominal value, plus the line's hidden
offset, plus every disturbance active at the moment *that segment* passed *that station*,
plus the machine's own variation (one draw per segment from the recipe's tolerance). A
drift in solid content therefore shows in wet film, loading, porosity and capacity as
the step models say. Upstream outputs depend on upstream settings only, so computing the
chain again at a later station gives the same upstream values.

Each station publishes what the line file says: time series (every ``period`` seconds
while it works on a coil, the value at the metre under the gauge, averaged over lanes)
or one value per product, in the spec's display unit with the sensor's noise and any
sensor fault of the scenario. Records go to a :class:`~gigatwin.line.sinks.Sink`; the
genealogy (lot -> slurry batch -> coil -> lane coil -> cell, with metre ranges) is
emitted in the store's genealogy format. What really happened goes to :class:`Truth`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import simpy

from gigatwin.line.config import ELECTRODES, Line, Scenario, Station
from gigatwin.line.truth import Truth
from gigatwin.spec.vocabulary import display_unit, parameter, step_of
from gigatwin.units import from_si

# The electrode steps in the order of the twin's chain (electrode_steps.run_electrode)
_ELECTRODE_STEPS = ("mixing", "coating", "drying", "calendering", "slitting", "post_drying")
# Steps that treat a coil as one batch (one slurry, one oven load): one draw per coil.
_BATCH_STEPS = ("mixing", "post_drying")


class LinePhysicsError(ValueError):
    """The twin's models refuse the line's actual (disturbed) settings, e.g. a dryer
    temperature below a model's validity range; the message names coil, time, cause."""


@dataclass
class RecordBatch:
    """Records of one key from one station, as columns (values in ``unit``)."""

    key: str
    unit: str
    asset: str
    ts: np.ndarray                 # seconds from the line's start
    values: np.ndarray
    products: list[str] | None = None

    def __len__(self) -> int:
        return len(self.values)


@dataclass
class Genealogy:
    objects: list[dict] = field(default_factory=list)
    edges: list[dict] = field(default_factory=list)


@dataclass
class CoilPair:
    """Cathode and anode coil ``k``: the actual settings of each of their segments."""

    index: int
    settings: dict[str, np.ndarray]
    times: dict[tuple[str, str | None], tuple[float, float]] = field(default_factory=dict)
    cells: list[str] = field(default_factory=list)
    # properties of the raw-material lots of this pair that a lot change altered [SI]
    lot_values: dict[str, float] = field(default_factory=dict)
    # each electrode's step outputs at the current settings: (key, {step: outputs}),
    # see VirtualLine._electrode; a step's and later ones' are dropped when its station
    # applies settings
    electrodes: dict[str, tuple] = field(default_factory=dict)


class VirtualLine:
    """The line of ``line`` running ``scenario``, sending records to ``sink``."""

    def __init__(self, line: Line, scenario: Scenario, *, seed: int = 0,
                 sink: Callable[[RecordBatch], None], genealogy: Callable[[Genealogy], None],
                 progress: Callable[[float], None] | None = None):
        from gigatwin.twin import load_recipe
        from gigatwin.twin.chain import design

        self.line, self.scenario = line, scenario
        self.recipe = load_recipe(line.recipe_path)
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        self.sink, self.emit_genealogy, self.progress = sink, genealogy, progress
        self.truth = Truth(line, scenario, seed)
        self.geometry = design(self.recipe)
        self.lanes = int(round(self.recipe["cathode.slitting_lane_count"].nominal))
        self.segment_length = self._segment_length()
        self.segments = int(line.coil_length // self.segment_length)
        if self.segments < 1:
            raise ValueError(f"{line.source}: coil_length = {line.coil_length:g} m is shorter "
                             f"than one cell's electrode ({self.segment_length:.3g} m)")
        self.samples = self.lanes * self.segments
        self.setpoints: dict[str, float | np.ndarray] = {}   # by a client: SI
        self._setpoint_writes = 0
        self.env = simpy.Environment()
        self._faults = {d.station: d for d in scenario.of("machine_fault")}
        self._fault_rng = np.random.default_rng([seed, 1])
        self._noise_rng = np.random.default_rng([seed, 2])
        self._stuck: dict[str, float] = {}
        self._lot_recipes: dict[tuple, object] = {}
        # called with (pair index, time [s], the chain's outputs by name) at assembly
        self.on_assembly: Callable[[int, float, dict], None] | None = None
        self._check_publications()
        self.truth.affects = {d.name: self._moved_by(d)
                              for d in scenario.of("drift", "step", "lot_change")}

    def _check_publications(self) -> None:
        """Every published key is a twin output or a recipe setting (checked before the
        run, with every miss named)."""
        from gigatwin.line.config import LineFileError

        outputs = set(self._physics(CoilPair(0, {})))
        missing = [f"{s.asset}: {p.key!r} is neither computed by the twin nor set by the "
                   f"recipe {self.line.recipe_path.name}" for s in self.line.stations
                   for p in s.publishes
                   if p.key not in outputs and p.key not in self.recipe.settings]
        if missing:
            raise LineFileError(self.line.source, missing)

    def _moved_by(self, d) -> list[str]:
        """The published keys whose values the twin's physics moves when the setting of
        ``d`` changes by its full ``change`` (the chain run twice with the same random
        streams, all other settings nominal): what a detector may rightly alarm on."""
        base = self._physics(CoilPair(0, {}))
        value = self._nominal(d.target) + d.change
        moved_pair = CoilPair(0, {d.target: np.full(self.samples, value)})
        if d.kind == "lot_change":
            moved_pair.lot_values[d.target] = value
        moved = self._physics(moved_pair)
        published = {p.key for s in self.line.stations for p in s.publishes}
        return sorted(k for k in published if k in base and k in moved
                      and not np.allclose(base[k], moved[k], rtol=1e-9, atol=0.0))

    # ------------------------------------------------------------------ geometry

    def _segment_length(self) -> float:
        """Electrode length one cell takes [m]: its sheets (stacked) or its winding."""
        g = self.geometry
        if g.winding_length > 0:
            return float(g.winding_length * g.jelly_rolls)
        return float(g.cathode_sheet_count * self.recipe["cell.cathode_sheet_height"].nominal)

    # ------------------------------------------------------------------ settings

    def _nominal(self, path: str) -> float:
        """What the machine does for ``path``: the written setpoint (else the recipe's
        nominal) plus the line's hidden offset, which a setpoint does not remove (a die
        that coats 0.6 % heavy does so at every pump setting)."""
        base = self.setpoints.get(path, self.recipe[path].nominal)
        return base + self.line.hidden.get(path, 0.0)

    def _station_paths(self, step: str, electrode: str | None) -> list[str]:
        """Recipe settings that the station of ``step`` (and ``electrode``) applies."""
        paths = []
        for path in self.recipe.settings:
            head, _, key = path.partition(".")
            if electrode is not None:
                if head == electrode and _spec_step(key) == step:
                    paths.append(path)
            elif head == step or (step == "assembly" and head == "cell"):
                paths.append(path)
        return paths

    def _apply(self, pair: CoilPair, step: str, electrode: str | None, t0: float, t1: float,
               lot_start: float | None = None) -> None:
        """Set the actual values of the station's settings for every segment of ``pair``,
        given that the station worked on the coil from ``t0`` to ``t1`` [s]."""
        pair.times[(step, electrode)] = (t0, t1)
        if electrode is not None and electrode in pair.electrodes and step in _ELECTRODE_STEPS:
            done = pair.electrodes[electrode][1]    # this step's and later outputs change
            for later in _ELECTRODE_STEPS[_ELECTRODE_STEPS.index(step):]:
                done.pop(later, None)
        position = np.tile(np.arange(self.segments), self.lanes)
        t = t0 + (t1 - t0) * (position + 0.5) / self.segments
        for path in self._station_paths(step, electrode):
            setting = self.recipe[path]
            value = np.full(self.samples, self._nominal(path))
            for d in self.scenario.of("drift", "step"):
                if d.target == path:
                    value = value + d.offset(t)
            for d in self.scenario.of("lot_change"):
                if d.target == path and lot_start is not None and lot_start >= d.start:
                    value = value + d.change
                    pair.lot_values[path] = self._lot_value(path, lot_start)
            if setting.std > 0:   # a batch varies as a whole; a web along its length
                draws = 1 if step in _BATCH_STEPS else self.samples
                value = value + setting.std * self.rng.standard_normal(draws)
            pair.settings[path] = value
        self.truth.settings(pair.index, step, electrode, t0, t1,
                            {p: float(np.mean(pair.settings[p]))
                             for p in self._station_paths(step, electrode)})

    def write_setpoint(self, path: str, value: float, source: str = "") -> None:
        """A client writes a setpoint [SI]; it applies to what the station does next
        (the engine reads the setpoint when a station starts or finishes a product).
        The write is recorded in the truth, with ``source`` (e.g. ``opcua``)."""
        check_setpoint(self.line, path, value)
        self.setpoints[path] = value
        self._setpoint_writes += 1      # settings not yet applied read the setpoints
        self.truth.setpoint(self.env.now, path, value, source)

    def write_profile(self, path: str, values, source: str = "") -> None:
        """A client writes one setpoint per segment of the next coil [SI], in metre
        order (metre-resolved feed-forward, e.g. a calender's line load following the
        loading gauged upstream); each value is checked as by :meth:`write_setpoint`,
        the truth records the profile's mean. For a setting applied per sample (a web
        station's), not one the engine reads as a number (a speed, a time)."""
        values = np.asarray(values, dtype=float).reshape(-1)
        if values.size != self.segments:
            raise ValueError(f"{path}: a profile of {values.size} values; allowed: one "
                             f"per segment of a coil, {self.segments}")
        for v in values:
            check_setpoint(self.line, path, float(v))
        self.setpoints[path] = np.tile(values, self.lanes)    # sample = lane, segment
        self._setpoint_writes += 1      # settings not yet applied read the setpoints
        self.truth.setpoint(self.env.now, path, float(values.mean()), source)

    # ------------------------------------------------------------------ physics

    def _physics(self, pair: CoilPair, electrode: str | None = None,
                 upto: str = "post_drying") -> dict[str, np.ndarray]:
        """The chain at the actual settings of every segment of ``pair`` (SI outputs by
        name; cell-level figures included); with ``electrode``, only that electrode's
        steps up to ``upto`` (what a station of that step publishes).

        The same numbers as one run of :func:`gigatwin.twin.chain.simulate` with every
        setting given and the pair's seed (tests/line/test_line_physics_cache.py compares
        them on the calls of a run), computed in parts: an electrode step's outputs
        depend on the settings of that step and earlier ones only, so each is kept with
        the pair until a station of that step or an earlier one applies its settings
        (:meth:`_electrode`); a station computes the steps up to its own, and the cell
        stations, which come after both ovens, only the cell steps. The chain's one
        measurement-noise block (the end-of-line test) is
        drawn by the cell steps, as in the chain, from the pair's seed."""
        from gigatwin.twin import cell_steps, chain
        from gigatwin.twin.sampling import SettingDraws

        recipe = self._lot_recipe(pair)
        given = {path: pair.settings.get(path, np.full(self.samples, self._nominal(path)))
                 for path in self.recipe.settings}
        draw = SettingDraws(recipe, np.random.default_rng([self.seed, pair.index]),
                            self.samples, given=given)
        flat: dict[str, np.ndarray] = {}
        try:
            structures = {}
            for e in ELECTRODES if electrode is None else (electrode,):
                structures[e], outputs = self._electrode(pair, e, recipe, draw, upto)
                flat.update(outputs)
            if electrode is None:
                geometry = chain.design(recipe)
                sep = recipe.separator()
                cathode, anode = structures["cathode"], structures["anode"]
                steps = {"assembly": cell_steps.run_assembly(recipe, draw, geometry, cathode,
                                                             anode, sep.thickness)}
                steps["electrolyte_filling"] = cell_steps.run_filling(recipe, draw, geometry,
                                                                      cathode, anode)
                steps["formation"] = cell_steps.run_formation(
                    recipe, draw, geometry, cathode, anode, steps["assembly"],
                    steps["electrolyte_filling"])
                steps["aging_eol"] = cell_steps.run_end_of_line(recipe, draw,
                                                                steps["formation"])
                for values in steps.values():
                    flat.update(values)
                flat.update(chain._cell(recipe, geometry, cathode, anode, sep, steps))
        except ValueError as exc:   # one plain message: SimPy re-creates the exception
            raise LinePhysicsError(f"{self.line.source}: coil pair {pair.index} at "
                                   f"{self.env.now / 3600:.2f} h: the twin cannot compute "
                                   f"the line's actual settings: {exc}") from None
        shape = (self.samples,)
        return {k: np.broadcast_to(np.asarray(v, dtype=float), shape) for k, v in flat.items()}

    def _station_physics(self, station: Station, pair: CoilPair) -> dict[str, np.ndarray]:
        """What an electrode station publishes needs only its electrode's steps (unless
        it publishes a cell-level figure, which takes the whole chain)."""
        electrode = station.electrode
        if electrode is not None and station.step in _ELECTRODE_STEPS:
            outputs = self._physics(pair, electrode, station.step)
            if all(p.key in outputs or p.key in pair.settings for p in station.publishes):
                return outputs
        return self._physics(pair)

    def _electrode(self, pair: CoilPair, electrode: str, recipe, draw,
                   upto: str = "post_drying"):
        """The structure handed to assembly (None unless ``upto`` is the last electrode
        step) and the outputs of ``electrode``'s steps up to ``upto`` for ``pair``.

        The steps of :func:`gigatwin.twin.electrode_steps.run_electrode`, one at a time:
        a step's outputs depend on its own and earlier steps' settings only, so each is
        kept with the pair until a station of that step or an earlier one applies its
        settings (:meth:`_apply`), or a client writes a setpoint (settings not yet
        applied read it), or the pair's raw-material lots change the recipe."""
        from gigatwin.twin import electrode_steps as es

        key = (id(recipe), self._setpoint_writes)
        kept = pair.electrodes.get(electrode)
        if kept is None or kept[0] != key:
            kept = pair.electrodes[electrode] = (key, {})
        done = kept[1]
        run = {"mixing": lambda: es.run_mixing(recipe, draw, electrode),
               "coating": lambda: es.run_coating(recipe, draw, electrode, done["mixing"]),
               "drying": lambda: es.run_drying(recipe, draw, electrode, done["mixing"],
                                               done["coating"]),
               "calendering": lambda: es.run_calendering(recipe, draw, electrode,
                                                         done["mixing"], done["coating"],
                                                         done["drying"]),
               "slitting": lambda: es.run_slitting(recipe, draw, electrode, done["coating"]),
               "post_drying": lambda: es.run_post_drying(recipe, draw, electrode)}
        last = _ELECTRODE_STEPS.index(upto)
        for step in _ELECTRODE_STEPS[:last + 1]:
            if step not in done:
                done[step] = run[step]()
        outputs = {f"{electrode}.{k}": v for step in _ELECTRODE_STEPS[:last + 1]
                   for k, v in done[step].items() if not k.startswith("_")}
        if upto != _ELECTRODE_STEPS[-1]:
            return None, outputs
        return es.structure(recipe, electrode, done["mixing"], done["coating"],
                            done["calendering"]), outputs

    def _lot_recipe(self, pair: CoilPair):
        """The recipe with the properties of ``pair``'s raw-material lots.

        Some material properties enter the twin as recipe constants, not per sample (the
        anode's BET area sets the SEI loss of formation, ``twin/cell_steps.py``). A lot
        change of such a property therefore runs the chain with a recipe in which the
        lot's value replaces the nominal one (all segments of a coil pair come from one
        lot per electrode, so one recipe per pair is exact). Built once per distinct lot.
        """
        if not pair.lot_values:
            return self.recipe
        key = tuple(sorted(pair.lot_values.items()))
        if key not in self._lot_recipes:
            from gigatwin.twin import load_recipe

            self._lot_recipes[key] = load_recipe(
                self.line.recipe_path,
                overrides={path: f"{value!r} {parameter(path).unit}"
                           for path, value in pair.lot_values.items()})
        return self._lot_recipes[key]

    def _lot_value(self, path: str, lot_start: float) -> float:
        """The true value of a lot property [SI] for a lot started at ``lot_start``."""
        value = self._nominal(path)
        for d in self.scenario.of("lot_change"):
            if d.target == path and lot_start >= d.start:
                value += d.change
        return value

    # ------------------------------------------------------------------ publishing

    def _publish(self, station: Station, pair: CoilPair, t0: float, t1: float,
                 outputs: dict[str, np.ndarray] | None, products: list[str] | None = None,
                 per_segment: bool = True) -> None:
        for pub in station.publishes:
            source = (outputs or {}).get(pub.key)
            if source is None:
                source = pair.settings.get(pub.key)
            if source is None:
                raise KeyError(f"{self.line.source}: {station.asset} publishes {pub.key!r}, "
                               "which neither the twin computes nor the recipe sets")
            source = np.broadcast_to(np.asarray(source, dtype=float), (self.samples,))
            if pub.period is None:           # one value per product
                if products is not None:     # cells: one per segment and lane
                    times = np.linspace(t0, t1, len(products), endpoint=False)
                    values, names = source[:len(products)], products
                else:                        # the batch or coil: its mean
                    times, values = np.array([t1]), np.array([source.mean()])
                    names = [_product(station, pair.index)]
            else:
                times = np.arange(t0, t1, pub.period)
                if times.size == 0:
                    continue
                segment = np.minimum(((times - t0) / (t1 - t0) * self.segments).astype(int),
                                     self.segments - 1)
                values = source.reshape(self.lanes, self.segments).mean(axis=0)[segment]
                names = None
            true = values.copy()
            measured = values + pub.noise * self._noise_rng.standard_normal(values.size)
            measured = self._sensor_faults(station.asset, pub.key, times, measured)
            unit = display_unit(pub.key)
            self.truth.published(station.asset, pub.key, times, true)
            keep = ~np.isnan(measured)
            self.sink(RecordBatch(pub.key, unit, station.asset, times[keep],
                                  np.asarray(from_si(measured[keep], unit), dtype=float),
                                  [n for n, k in zip(names, keep, strict=True) if k]
                                  if names else None))

    def _sensor_faults(self, asset: str, key: str, times: np.ndarray,
                       values: np.ndarray) -> np.ndarray:
        for d in self.scenario.of("sensor_fault"):
            if d.station != asset or d.target != key:
                continue
            active = (times >= d.start) & (times < d.end)
            if not active.any():
                continue
            if d.mode == "bias":
                values = np.where(active, values + d.change, values)
            elif d.mode == "stuck":   # frozen at the first reading of the fault
                frozen = self._stuck.setdefault(d.name, float(values[np.argmax(active)]))
                values = np.where(active, frozen, values)
            elif d.mode == "spikes":
                hit = active & (self._noise_rng.random(values.size) < 0.05)
                sign = self._noise_rng.choice((-1.0, 1.0), values.size)
                values = np.where(hit, values + sign * d.change, values)
            elif d.mode == "dropout":
                values = np.where(active, np.nan, values)
            self.truth.fault(d, times[active])
        return values

    # ------------------------------------------------------------------ processes

    def _work(self, asset: str, duration: float):
        """Work for ``duration`` [s] of operating time, with the station's machine faults
        (exponential time between failures on operating time, repair ``mttr``)."""
        fault = self._faults.get(asset)
        remaining = duration
        while remaining > 0:
            if fault is None:
                yield self.env.timeout(remaining)
                return
            to_failure = self._fault_rng.exponential(fault.mtbf)
            if to_failure >= remaining:
                yield self.env.timeout(remaining)
                return
            yield self.env.timeout(to_failure)
            remaining -= to_failure
            down = self._fault_rng.exponential(fault.mttr)
            self.truth.machine_fault(asset, self.env.now, self.env.now + down)
            yield self.env.timeout(down)

    def _electrode_line(self, electrode: str, pairs: dict[int, CoilPair],
                        ready: simpy.Store):
        """Mixer -> coater/dryer -> calender -> slitter -> oven for one electrode."""
        env, line = self.env, self.line
        mixed, coated, calendered, slit = (simpy.Store(env, capacity=1) for _ in range(4))
        oven = simpy.Resource(env, capacity=line.station("post_drying", electrode).capacity)
        env.process(self._mixer(electrode, pairs, mixed))
        env.process(self._coater(electrode, pairs, mixed, coated))
        env.process(self._web_station("calendering", electrode, pairs, coated, calendered))
        env.process(self._web_station("slitting", electrode, pairs, calendered, slit))
        while True:
            k = yield slit.get()
            env.process(self._oven(electrode, pairs[k], oven, ready))

    def _mixer(self, electrode, pairs, mixed):
        station = self.line.station("mixing", electrode)
        cycle = station.cycle_time
        if cycle is None:
            path = f"{electrode}.mixing_time"
            cycle = self._nominal(path) if path in self.recipe.settings else 3600.0
        inspection = self.line.optional_station("incoming_inspection", electrode)
        k, lot_start = 0, 0.0
        while True:
            if k % self.line.coils_per_lot == 0:
                lot_start = self.env.now
                self._lot(electrode, k // self.line.coils_per_lot)
                if inspection is not None:
                    self._inspect(inspection, k // self.line.coils_per_lot, lot_start)
            pair = pairs.setdefault(k, CoilPair(k, {}))
            t0 = self.env.now
            yield from self._work(station.asset, cycle)
            self._apply(pair, "mixing", electrode, t0, self.env.now, lot_start=lot_start)
            self._publish(station, pair, t0, self.env.now, self._station_physics(station, pair))
            self._batch(electrode, k, t0)
            yield mixed.put(k)
            k += 1

    def _inspect(self, station: Station, lot: int, t: float) -> None:
        """Incoming inspection of a raw-material lot as it arrives: one measurement per
        lot of each property the station publishes (the lot's true value, the recipe's
        nominal plus any lot change, plus the instrument's noise)."""
        values = {pub.key: self._lot_value(pub.key, t) for pub in station.publishes}
        lot_id = _id(station.electrode, "LOT", lot)
        self._publish(station, CoilPair(lot, {}), t, t + 1.0, values, [lot_id])

    def _coater(self, electrode, pairs, mixed, coated):
        coater = self.line.station("coating", electrode)
        dryer = self.line.station("drying", electrode)
        while True:
            k = yield mixed.get()
            pair = pairs[k]
            speed = self._nominal(f"{electrode}.coating_speed")
            t0 = self.env.now
            yield from self._work(coater.asset, self.line.coil_length / speed)
            self._apply(pair, "coating", electrode, t0, self.env.now)
            self._apply(pair, "drying", electrode, t0, self.env.now)
            outputs = self._station_physics(coater, pair)
            if dryer.electrode != coater.electrode or not all(
                    p.key in outputs or p.key in pair.settings for p in dryer.publishes):
                outputs = self._physics(pair)
            self._publish(coater, pair, t0, self.env.now, outputs)
            self._publish(dryer, pair, t0, self.env.now, outputs)
            self._coil(electrode, k, t0, coater.asset)
            yield coated.put(k)

    def _web_station(self, step, electrode, pairs, inbox, outbox):
        station = self.line.station(step, electrode)
        speed = station.speed or self._nominal(f"{electrode}.slitting_speed")
        while True:
            k = yield inbox.get()
            t0 = self.env.now
            yield from self._work(station.asset, self.line.coil_length / speed)
            self._apply(pairs[k], step, electrode, t0, self.env.now)
            self._publish(station, pairs[k], t0, self.env.now,
                          self._station_physics(station, pairs[k]))
            if step == "slitting":
                self._lanes(electrode, k, t0, station.asset)
            yield outbox.put(k)

    def _oven(self, electrode, pair, oven, ready):
        station = self.line.station("post_drying", electrode)
        with oven.request() as slot:
            yield slot
            t0 = self.env.now
            yield from self._work(station.asset, self._nominal(f"{electrode}.post_drying_time"))
            self._apply(pair, "post_drying", electrode, t0, self.env.now)
            self._publish(station, pair, t0, self.env.now, self._station_physics(station, pair))
        yield ready.put(pair.index)

    def _cells(self, pairs, cathodes: simpy.Store, anodes: simpy.Store):
        """Assembly, filling, formation in racks, aging and the end-of-line test."""
        line = self.line
        assembly = line.station("assembly")
        filling = line.station("electrolyte_filling")
        formation = line.station("formation")
        tester = line.station("aging_eol")
        racks_free = simpy.Container(self.env, capacity=formation.capacity,
                                     init=formation.capacity)
        done_c, done_a = set(), set()
        k = 0
        while True:
            while k not in done_c:
                done_c.add((yield cathodes.get()))
            while k not in done_a:
                done_a.add((yield anodes.get()))
            pair = pairs[k]
            for step, station in (("assembly", assembly), ("electrolyte_filling", filling)):
                t0 = self.env.now
                yield from self._work(station.asset, (station.cycle_time or 60.0) * self.samples)
                self._apply(pair, step, None, t0, self.env.now)
                if step == "assembly":
                    self._cell_objects(pair, t0, station.asset)
                outputs = self._physics(pair)
                if step == "assembly" and self.on_assembly is not None:
                    self.on_assembly(pair.index, t0, outputs)    # the truth, for scoring
                self._publish(station, pair, t0, self.env.now, outputs, pair.cells)
            # formation starts from the filled cells: the same settings, the same outputs
            self.env.process(self._formation_and_test(pair, formation, tester, racks_free,
                                                      outputs))
            pairs.pop(k - 2, None)     # keep memory bounded: two coil pairs back are done
            k += 1

    def _formation_and_test(self, pair, formation, tester, racks_free, outputs):
        # The twin's formation_duration includes the recipe's aging, which the line runs
        # on its shelves (with the line file's aging_time): formation is the rest.
        duration = float(np.mean(outputs["formation_duration"]))
        duration = max(duration - self.recipe["aging_eol.aging_time"].nominal, 3600.0)
        racks = min(math.ceil(self.samples / self.line.cells_per_rack), formation.capacity)
        yield racks_free.get(racks)
        t0 = self.env.now
        yield from self._work(formation.asset, duration)
        yield racks_free.put(racks)
        self._apply(pair, "formation", None, t0, self.env.now)
        self._publish(formation, pair, t0, self.env.now, self._physics(pair), pair.cells)
        aging = self.line.aging_time or self._nominal("aging_eol.aging_time")
        yield self.env.timeout(aging)
        t0 = self.env.now
        yield from self._work(tester.asset, (tester.cycle_time or 30.0) * self.samples)
        self._apply(pair, "aging_eol", None, t0, self.env.now)
        outputs = self._physics(pair)
        self._publish(tester, pair, t0, self.env.now, outputs, pair.cells)
        self.truth.cells(pair.cells, outputs)

    # ------------------------------------------------------------------ genealogy

    def _ts(self, t: float):
        return self.line.start + timedelta(seconds=float(t))

    def _lot(self, electrode: str, lot: int) -> None:
        material = self.recipe.raw.get(electrode, {}).get("active_material", "")
        self.emit_genealogy(Genealogy(objects=[{
            "object_id": _id(electrode, "LOT", lot), "kind": "lot", "material": str(material),
            "created_ts": self._ts(self.env.now)}]))

    def _batch(self, electrode: str, k: int, t0: float) -> None:
        batch = _id(electrode, "BATCH", k)
        self.emit_genealogy(Genealogy(
            objects=[{"object_id": batch, "kind": "slurry_batch", "created_ts": self._ts(t0)}],
            edges=[{"parent_id": _id(electrode, "LOT", k // self.line.coils_per_lot),
                    "child_id": batch}]))

    def _coil(self, electrode: str, k: int, t0: float, asset: str) -> None:
        coil = _id(electrode, "COIL", k)
        self.emit_genealogy(Genealogy(
            objects=[{"object_id": coil, "kind": "roll", "length_m": self.line.coil_length,
                      "asset_id": asset, "created_ts": self._ts(t0)}],
            edges=[{"parent_id": _id(electrode, "BATCH", k), "child_id": coil,
                    "child_from_m": 0.0, "child_to_m": self.line.coil_length}]))

    def _lanes(self, electrode: str, k: int, t0: float, asset: str) -> None:
        used = self.segments * self.segment_length
        objects, edges = [], []
        for lane in range(self.lanes):
            lane_coil = f"{_id(electrode, 'COIL', k)}-L{lane + 1}"
            objects.append({"object_id": lane_coil, "kind": "coil", "length_m": used,
                            "asset_id": asset, "created_ts": self._ts(t0)})
            edges.append({"parent_id": _id(electrode, "COIL", k), "child_id": lane_coil,
                          "parent_from_m": 0.0, "parent_to_m": used, "child_from_m": 0.0,
                          "child_to_m": used})
        self.emit_genealogy(Genealogy(objects, edges))

    def _cell_objects(self, pair: CoilPair, t0: float, asset: str) -> None:
        objects, edges = [], []
        pair.cells = []
        for lane in range(self.lanes):
            for segment in range(self.segments):
                cell = f"CELL-{pair.index:05d}-{lane + 1}-{segment:03d}"
                pair.cells.append(cell)
                objects.append({"object_id": cell, "kind": "cell", "asset_id": asset,
                                "created_ts": self._ts(t0)})
                start = segment * self.segment_length
                for electrode in ELECTRODES:
                    edges.append({"parent_id": f"{_id(electrode, 'COIL', pair.index)}-L{lane + 1}",
                                  "child_id": cell, "parent_from_m": start,
                                  "parent_to_m": start + self.segment_length})
        self.emit_genealogy(Genealogy(objects, edges))

    # ------------------------------------------------------------------ run

    def run(self, duration: float, steps: int = 100) -> Truth:
        """Simulate ``duration`` seconds of production in ``steps`` stretches (progress is
        reported after each); returns the ground truth."""
        if not (math.isfinite(duration) and duration > 0):
            raise ValueError(f"duration = {duration!r} [s] must be finite and > 0")
        pairs: dict[int, CoilPair] = {}
        ready = {e: simpy.Store(self.env) for e in ELECTRODES}
        for electrode in ELECTRODES:
            self.env.process(self._electrode_line(electrode, pairs, ready[electrode]))
        self.env.process(self._cells(pairs, ready["cathode"], ready["anode"]))
        step = duration / steps
        for n in range(1, steps + 1):
            self.env.run(until=step * n)
            if self.progress is not None:
                self.progress(step * n)
        self.truth.finish(duration)
        return self.truth


def check_setpoint(line: Line, path: str, value: float) -> None:
    """Refuse a setpoint write that the line does not allow: ``path`` must be one of
    its stations' ``setpoints`` and ``value`` [SI] finite and inside the spec's physical
    range (KeyError, ValueError naming the key, value, unit and range)."""
    writable = {p for s in line.stations for p in s.setpoints}
    if path not in writable:
        raise KeyError(f"{path!r} is not a writable setpoint of {line.source}; "
                       f"writable: {', '.join(sorted(writable))}")
    spec = parameter(path)
    limits = spec.physical
    if not math.isfinite(value) or (limits is not None and not limits.contains(value)):
        raise ValueError(f"{path} = {value:g} [{spec.unit}] is outside the allowed range "
                         f"{limits.interval() if limits else '(finite)'}")


def _id(electrode: str, kind: str, number: int) -> str:
    return f"{electrode[0].upper()}-{kind}-{number:05d}"


def _product(station: Station, k: int) -> str:
    """The product a station reports on once: the slurry batch at the mixer, else the coil."""
    return _id(station.electrode or "cell", "BATCH" if station.step == "mixing" else "COIL", k)


def _spec_step(key: str) -> str:
    try:
        return step_of(key)
    except (KeyError, ValueError):
        return ""
