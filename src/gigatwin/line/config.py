"""The line file and the scenario file of the virtual pilot line, validated on load.

A **line file** (``examples/lines/pilot_line.yaml``, schema in docs/line.md) names the
twin recipe the line runs, its stations (asset id, step, electrode, what each publishes
and how often, which setpoints can be written, faults), the sizes of what it moves
(slurry batch = one coated coil of ``coil_length``; coils per raw-material lot; cells per
formation rack) and the line's *hidden* truth: offsets between what the recipe says and
what the machines really do (a slot die that coats 1 % heavy), which a live twin must
find from the data.

A **scenario file** lists disturbances: drifts and steps of a setting, raw-material lot
changes, machine faults, sensor faults and communication faults. Quantities are written
with units (``"-2 %"``, ``"+8 K"``, ``"30 min"``); temperature changes are differences,
so they are written in K.

Every key is a key of the data specification (``gigatwin spec show KEY``), qualified by
``cathode.``/``anode.`` where the spec has a quantity for both electrodes, exactly as
in recipes and stored records. Loading reports every problem at once, each naming the
file, the entry and the key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gigatwin.checks import load_yaml

ELECTRODES = ("cathode", "anode")
# Which step a station runs, in the order a coil or cell meets them.
ELECTRODE_STATIONS = ("mixing", "coating", "drying", "calendering", "slitting", "post_drying")
CELL_STATIONS = ("assembly", "electrolyte_filling", "formation", "aging_eol")
# Optional per electrode: the incoming inspection of raw-material lots (one measurement
# per lot of its properties, e.g. the BET area of the active material).
INSPECTION = "incoming_inspection"
DISTURBANCES = ("drift", "step", "lot_change", "machine_fault", "sensor_fault", "comm_fault")
SENSOR_MODES = ("bias", "stuck", "spikes", "dropout")
COMM_MODES = ("duplicate", "out_of_order", "late")


class LineFileError(ValueError):
    """A line or scenario file that does not validate; one line per problem."""

    def __init__(self, source: str, problems: list[str]):
        self.problems = problems
        listed = "\n  - ".join(problems)
        super().__init__(f"{source} has {len(problems)} problem(s):\n  - {listed}")


@dataclass(frozen=True)
class Publication:
    """One quantity a station sends: spec key (qualified), sample period [s] or per
    product (``period`` None), and the sensor's standard deviation [SI]."""

    key: str
    period: float | None
    noise: float


@dataclass(frozen=True)
class Station:
    """One machine of the line: asset id, step, electrode (None for cell steps)."""

    asset: str
    step: str
    electrode: str | None
    publishes: tuple[Publication, ...] = ()
    setpoints: tuple[str, ...] = ()
    speed: float | None = None        # web speed [m/s] of calender and slitter
    cycle_time: float | None = None   # [s] per batch (mixer) or per cell (cell stations)
    capacity: int = 1                 # cells or coils processed at once (oven, racks)


@dataclass(frozen=True)
class Line:
    name: str
    source: str
    recipe_path: Path
    start: datetime
    coil_length: float                # [m] one slurry batch coats one coil
    coils_per_lot: int
    cells_per_rack: int
    aging_time: float | None          # [s] override of the recipe's aging, if given
    stations: tuple[Station, ...]
    hidden: dict[str, float] = field(default_factory=dict)  # setting -> true offset [SI]

    def station(self, step: str, electrode: str | None = None) -> Station:
        for s in self.stations:
            if s.step == step and s.electrode == electrode:
                return s
        raise KeyError(f"{self.source}: no station for step {step!r}"
                       + (f" of the {electrode}" if electrode else ""))

    def optional_station(self, step: str, electrode: str | None = None) -> Station | None:
        """The station of ``step`` if the line has one (the incoming inspection)."""
        try:
            return self.station(step, electrode)
        except KeyError:
            return None


@dataclass(frozen=True)
class Disturbance:
    """One disturbance of a scenario; which fields apply depends on ``kind``."""

    kind: str
    target: str = ""            # a setting (drift, step, lot_change) or a published key
    station: str = ""           # asset id (machine, sensor faults)
    start: float = 0.0          # [s] from the start of the run
    end: float = math.inf       # [s]
    change: float = 0.0         # [SI] full change of a drift, size of a step or bias
    mode: str = ""              # sensor or communication fault mode
    mtbf: float = math.inf      # [s] machine faults
    mttr: float = 0.0           # [s]
    probability: float = 0.0    # communication faults, per message
    delay: float = 0.0          # [s] late messages
    name: str = ""

    def offset(self, t):
        """The change this disturbance adds to its setting at time ``t`` [s] (array)."""
        import numpy as np

        t = np.asarray(t, dtype=float)
        if self.kind == "drift":
            span = max(self.end - self.start, 1e-9) if math.isfinite(self.end) else None
            if span is None:
                raise ValueError(f"drift {self.name!r} needs an end")
            return self.change * np.clip((t - self.start) / span, 0.0, 1.0)
        if self.kind in ("step", "lot_change"):
            return np.where((t >= self.start) & (t < self.end), self.change, 0.0)
        return np.zeros_like(t)


@dataclass(frozen=True)
class Scenario:
    name: str
    source: str
    disturbances: tuple[Disturbance, ...] = ()

    def of(self, *kinds: str) -> list[Disturbance]:
        return [d for d in self.disturbances if d.kind in kinds]


NO_DISTURBANCE = Scenario("no disturbance", "<none>")


# ------------------------------------------------------------------ loading helpers

class _Problems:
    def __init__(self, source: str):
        self.source, self.items = source, []

    def add(self, where: str, message: str) -> None:
        self.items.append(f"{where}: {message}")

    def raise_if_any(self) -> None:
        if self.items:
            raise LineFileError(self.source, self.items)


def _quantity(value: Any, dimension_of: str, where: str, problems: _Problems,
              *, positive: bool = False, allow_inf: bool = False) -> float | None:
    """``value`` ("30 min", "-2 %", 12) in SI, checked to have the dimension of the
    unit ``dimension_of``; None (and a problem) when it cannot be used."""
    from gigatwin.units import UnitError, parse_quantity, same_dimension, to_si

    try:
        if isinstance(value, bool):
            raise ValueError("a quantity, not true/false")
        if isinstance(value, int | float) and value == 0:
            return 0.0                      # zero needs no unit
        if isinstance(value, int | float):
            number, unit = float(value), "1"
        else:
            number, unit = parse_quantity(str(value))
        if not same_dimension(unit, dimension_of):
            problems.add(where, f"{value!r} is not a {dimension_of!r}-like quantity")
            return None
        si = float(to_si(number, unit))
    except (UnitError, ValueError, TypeError) as exc:
        problems.add(where, f"{value!r} is not a quantity with a unit ({exc})")
        return None
    if math.isnan(si) or (math.isinf(si) and not allow_inf):
        problems.add(where, f"{value!r} must be finite")
        return None
    if positive and si <= 0:
        problems.add(where, f"{value!r} must be > 0")
        return None
    return si


def _mapping(raw: Any, where: str, problems: _Problems, allowed: set[str],
             required: set[str] = frozenset()) -> dict:
    from gigatwin.spec.vocabulary import close_matches

    if not isinstance(raw, dict):
        problems.add(where, f"expected a mapping, got {type(raw).__name__}")
        return {}
    for key in raw:
        if key not in allowed:
            hint = close_matches(str(key), sorted(allowed))
            problems.add(where, f"unknown key {key!r}"
                         + (f"; did you mean {', '.join(hint)}?" if hint else
                            f"; allowed: {', '.join(sorted(allowed))}"))
    for key in sorted(required - set(raw)):
        problems.add(where, f"missing {key!r}")
    return raw


def _spec_key(name: Any, where: str, problems: _Problems):
    """The spec parameter of a (qualified) key, or None with a problem."""
    from gigatwin.spec.vocabulary import parameter

    try:
        return parameter(str(name))
    except (KeyError, ValueError) as exc:
        problems.add(where, str(exc).strip("'\""))
        return None


# ------------------------------------------------------------------ line file

_LINE_KEYS = {"name", "description", "recipe", "start", "sizes", "stations", "hidden",
              "aging_time", "sources", "site", "line"}
_SIZE_KEYS = {"coil_length", "coils_per_lot", "cells_per_rack"}
_STATION_KEYS = {"asset", "step", "electrode", "publishes", "setpoints", "speed",
                 "cycle_time", "capacity", "name"}


def load_line(path: str | Path) -> Line:
    """Read and validate a line file; every problem at once (:class:`LineFileError`)."""
    path = Path(path)
    raw = load_yaml(path, "line file")
    problems = _Problems(str(path))
    raw = _mapping(raw, "line file", problems, _LINE_KEYS, {"name", "recipe", "stations", "sizes"})
    recipe_path = (path.parent / str(raw.get("recipe", ""))).resolve()
    if "recipe" in raw and not recipe_path.is_file():
        problems.add("recipe", f"{raw['recipe']!r}: no such file (relative to {path.parent})")
    sizes = _mapping(raw.get("sizes", {}), "sizes", problems, _SIZE_KEYS, _SIZE_KEYS)
    coil_length = _quantity(sizes.get("coil_length", "0 m"), "m", "sizes.coil_length",
                            problems, positive=True)
    counts = {}
    for key in ("coils_per_lot", "cells_per_rack"):
        value = sizes.get(key, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            problems.add(f"sizes.{key}", f"{value!r} must be a whole number >= 1")
        counts[key] = value
    start = _start(raw.get("start"), problems)
    aging = (_quantity(raw["aging_time"], "s", "aging_time", problems, positive=True)
             if "aging_time" in raw else None)
    prefix = f"{raw.get('site', 'site')}/{raw.get('line', 'line')}"
    if any(not isinstance(raw.get(k, "x"), str) or "/" in str(raw.get(k, "")) or
           "+" in str(raw.get(k, "")) or "#" in str(raw.get(k, "")) for k in ("site", "line")):
        problems.add("site/line", "must be names without '/', '+' or '#' (MQTT topic levels)")
    stations = _stations(raw.get("stations"), problems, prefix)
    hidden = {}
    for key, value in (_mapping(raw.get("hidden", {}) or {}, "hidden", problems,
                                set(raw.get("hidden", {}) or {})) or {}).items():
        parameter = _spec_key(key, f"hidden.{key}", problems)
        if parameter is not None and parameter.is_quantity:
            offset = _quantity(value, parameter.unit, f"hidden.{key}", problems)
            if offset is not None:
                hidden[str(key)] = offset
    problems.raise_if_any()
    return Line(name=str(raw["name"]), source=str(path), recipe_path=recipe_path, start=start,
                coil_length=coil_length, coils_per_lot=counts["coils_per_lot"],
                cells_per_rack=counts["cells_per_rack"], aging_time=aging,
                stations=tuple(stations), hidden=hidden)


def _start(value: Any, problems: _Problems) -> datetime:
    if value is None:
        return datetime(2026, 1, 5, 6, 0, tzinfo=UTC)
    try:
        start = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        problems.add("start", f"{value!r} is not an ISO 8601 time (2026-01-05T06:00:00Z)")
        return datetime(2026, 1, 5, tzinfo=UTC)
    if start.tzinfo is None:
        problems.add("start", f"{value!r} has no time zone; write e.g. 2026-01-05T06:00:00Z")
    return start


def _stations(raw: Any, problems: _Problems, prefix: str) -> list[Station]:
    if not isinstance(raw, list) or not raw:
        problems.add("stations", "expected a non-empty list of stations")
        return []
    stations, seen = [], set()
    for number, entry in enumerate(raw, start=1):
        where = f"stations[{number}]"
        entry = _mapping(entry, where, problems, _STATION_KEYS, {"asset", "step"})
        asset, step = str(entry.get("asset", "")), entry.get("step")
        where = f"stations[{number}] ({asset})"
        if asset in seen:
            problems.add(where, f"asset id {asset!r} is used twice")
        seen.add(asset)
        electrode = entry.get("electrode")
        if step in ELECTRODE_STATIONS or step == INSPECTION:
            if electrode not in ELECTRODES:
                problems.add(where, f"electrode {electrode!r} must be cathode or anode")
        elif step in CELL_STATIONS:
            if electrode is not None:
                problems.add(where, f"a {step} station has no electrode")
        else:
            problems.add(where, f"step {step!r} is not one of "
                         f"{', '.join((INSPECTION,) + ELECTRODE_STATIONS + CELL_STATIONS)}")
        publishes = []
        for p_number, pub in enumerate(entry.get("publishes") or [], start=1):
            p_where = f"{where}.publishes[{p_number}]"
            pub = _mapping(pub, p_where, problems, {"key", "period", "noise"}, {"key"})
            key = str(pub.get("key", ""))
            full = f"{electrode}.{key}" if electrode in ELECTRODES and "." not in key else key
            parameter = _spec_key(full, p_where, problems)
            if parameter is None:
                continue
            period = pub.get("period", "per product")
            if step == INSPECTION and period != "per product":
                problems.add(f"{p_where}.period", "an incoming inspection measures once per "
                             "lot: leave out `period`")
                continue
            period_si = (None if period == "per product" else
                         _quantity(period, "s", f"{p_where}.period", problems, positive=True))
            if "noise" in pub:
                noise = _quantity(pub["noise"], parameter.unit, f"{p_where}.noise", problems)
            elif parameter.accuracy_si is not None:   # the spec's, read as one std. deviation
                noise = parameter.accuracy_si
            else:
                problems.add(p_where, f"the specification gives no accuracy for {full!r}: "
                             f"give the sensor's `noise` (one standard deviation, in a unit "
                             f"like {parameter.display_unit!r}; 0 when the twin's model of "
                             "the instrument adds it)")
                continue
            publishes.append(Publication(full, period_si, abs(noise or 0.0)))
        setpoints = []
        for name in entry.get("setpoints") or []:
            full = f"{electrode}.{name}" if electrode in ELECTRODES and "." not in name else name
            if _spec_key(full, f"{where}.setpoints", problems) is not None:
                setpoints.append(full)
        speed = (_quantity(entry["speed"], "m/s", f"{where}.speed", problems, positive=True)
                 if "speed" in entry else None)
        cycle = (_quantity(entry["cycle_time"], "s", f"{where}.cycle_time", problems,
                           positive=True) if "cycle_time" in entry else None)
        capacity = entry.get("capacity", 1)
        if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
            problems.add(f"{where}.capacity", f"{capacity!r} must be a whole number >= 1")
            capacity = 1
        stations.append(Station(f"{prefix}/{asset}", str(step), electrode, tuple(publishes), tuple(setpoints),
                                speed, cycle, capacity))
    for electrode in ELECTRODES:
        for step in ELECTRODE_STATIONS:
            if not any(s.step == step and s.electrode == electrode for s in stations):
                problems.add("stations", f"no {step} station for the {electrode}")
    for step in CELL_STATIONS:
        if not any(s.step == step for s in stations):
            problems.add("stations", f"no {step} station")
    return stations


# ------------------------------------------------------------------ scenario file

_DISTURBANCE_KEYS = {
    "drift": {"setting", "start", "end", "change"},
    "step": {"setting", "at", "until", "change"},
    "lot_change": {"setting", "at", "change"},
    "machine_fault": {"station", "mtbf", "mttr"},
    "sensor_fault": {"station", "key", "mode", "start", "end", "size"},
    "comm_fault": {"mode", "probability", "delay", "start", "end"},
}


def load_scenario(path: str | Path, line: Line) -> Scenario:
    """Read and validate a scenario file against ``line``; every problem at once."""
    path = Path(path)
    raw = load_yaml(path, "scenario file")
    problems = _Problems(str(path))
    raw = _mapping(raw, "scenario file", problems, {"name", "description", "disturbances"},
                   {"name", "disturbances"})
    items = raw.get("disturbances") or []
    if not isinstance(items, list):
        problems.add("disturbances", "expected a list")
        items = []
    disturbances = []
    for number, entry in enumerate(items, start=1):
        where = f"disturbances[{number}]"
        if not isinstance(entry, dict) or entry.get("kind") not in DISTURBANCES:
            kind = entry.get("kind") if isinstance(entry, dict) else entry
            problems.add(where, f"kind {kind!r} is not one of {', '.join(DISTURBANCES)}")
            continue
        kind = entry["kind"]
        entry = _mapping(entry, f"{where} ({kind})", problems,
                         _DISTURBANCE_KEYS[kind] | {"kind", "name"}, set())
        disturbance = _disturbance(kind, entry, f"{where} ({kind})", line, problems)
        if disturbance is not None:
            disturbances.append(disturbance)
    problems.raise_if_any()
    return Scenario(str(raw["name"]), str(path), tuple(disturbances))


def _disturbance(kind: str, e: dict, where: str, line: Line,
                 problems: _Problems) -> Disturbance | None:
    name = str(e.get("name", f"{kind} {e.get('setting') or e.get('key') or e.get('station')}"))
    time = lambda k, default: (_quantity(e[k], "s", f"{where}.{k}", problems, allow_inf=True)  # noqa: E731
                               if k in e else default)
    assets = {s.asset for s in line.stations}
    if "station" in e and e["station"] not in assets:   # short id: the line's prefix
        e = {**e, "station": next((a for a in assets if a.endswith("/" + str(e["station"]))),
                                  e["station"])}
    if kind in ("drift", "step", "lot_change"):
        parameter = _spec_key(e.get("setting", ""), f"{where}.setting", problems)
        if parameter is None:
            return None
        if not parameter.is_quantity:
            problems.add(f"{where}.setting", f"{e.get('setting')!r} is not a quantity")
            return None
        change = _quantity(e.get("change", 0), parameter.unit, f"{where}.change", problems)
        if kind == "drift":
            start, end = time("start", 0.0), time("end", None)
            if end is None:
                problems.add(where, "a drift needs an 'end' (when it reaches its full change)")
                return None
        else:
            start, end = time("at", 0.0), time("until", math.inf)
        if None in (change, start, end):
            return None
        if end <= start:
            problems.add(where, "ends before it starts")
            return None
        return Disturbance(kind, target=str(e["setting"]), start=start, end=end,
                           change=change, name=name)
    if kind == "machine_fault":
        if e.get("station") not in assets:
            problems.add(f"{where}.station", f"{e.get('station')!r} is not a station of "
                         f"{line.source}")
            return None
        mtbf = _quantity(e.get("mtbf", 0), "s", f"{where}.mtbf", problems, positive=True)
        mttr = _quantity(e.get("mttr", 0), "s", f"{where}.mttr", problems, positive=True)
        if None in (mtbf, mttr):
            return None
        return Disturbance(kind, station=str(e["station"]), mtbf=mtbf, mttr=mttr, name=name)
    if kind == "sensor_fault":
        station = next((s for s in line.stations if s.asset == e.get("station")), None)
        if station is None:
            problems.add(f"{where}.station", f"{e.get('station')!r} is not a station of "
                         f"{line.source}")
            return None
        keys = {p.key for p in station.publishes}
        key = str(e.get("key", ""))
        full = f"{station.electrode}.{key}" if station.electrode and "." not in key else key
        if full not in keys:
            problems.add(f"{where}.key", f"{station.asset} does not publish {key!r}; it "
                         f"publishes {', '.join(sorted(keys)) or 'nothing'}")
            return None
        if e.get("mode") not in SENSOR_MODES:
            problems.add(f"{where}.mode", f"{e.get('mode')!r} is not one of "
                         f"{', '.join(SENSOR_MODES)}")
            return None
        parameter = _spec_key(full, where, problems)
        size = (_quantity(e["size"], parameter.unit, f"{where}.size", problems)
                if "size" in e and parameter is not None else 0.0)
        start, end = time("start", 0.0), time("end", math.inf)
        if None in (size, start, end):
            return None
        return Disturbance(kind, target=full, station=station.asset, start=start, end=end,
                           change=size, mode=str(e["mode"]), name=name)
    # comm_fault
    if e.get("mode") not in COMM_MODES:
        problems.add(f"{where}.mode", f"{e.get('mode')!r} is not one of {', '.join(COMM_MODES)}")
        return None
    probability = e.get("probability", 0.0)
    if not isinstance(probability, int | float) or not 0 < probability <= 1:
        problems.add(f"{where}.probability", f"{probability!r} must lie in (0, 1]")
        return None
    delay = time("delay", 0.0)
    start, end = time("start", 0.0), time("end", math.inf)
    if None in (delay, start, end):
        return None
    return Disturbance(kind, mode=str(e["mode"]), probability=float(probability), delay=delay,
                       start=start, end=end, name=name)
