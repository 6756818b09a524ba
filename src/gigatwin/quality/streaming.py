"""Streaming SPC: Phase II control charts updated point by point, emitting alarm events.

Phase I (estimating the center and sigma, excluding out-of-control subgroups) is a batch
activity; a :class:`StreamingMonitor` is built from its result (the ``parameters`` block
of a :class:`~gigatwin.quality.chart_model.ChartAnalysis`, its JSON, or a ``--limits``
file) and monitors new data against those fixed limits. Each
:meth:`StreamingMonitor.update` costs O(1) in the length of the history (O(subgroup
size) for a subgroup, O(15) at most for the run rules) and never revisits old points:

* I-MR: the moving range from the previous value;
* X-bar/R, X-bar/S: mean, range or standard deviation of the new subgroup only;
* p, np, c, u: the new count over its sample size;
* EWMA: ``z_i = lambda xbar_i + (1 - lambda) z_(i-1)`` and the count of points for the
  exact limits;
* CUSUM: the random walk ``W_i = W_(i-1) + y_i - k`` and its running minimum, so
  ``C+_i = W_i - min(0, min W)`` (Lindley's form of ``max(0, C+_(i-1) + y_i - k)``, the
  same arithmetic as the batch chart);
* run rules: :class:`~gigatwin.quality.streaming_rules.IncrementalRules`, counters of
  runs and short deques per rule.

Limits per subgroup or sample size are computed once by the batch chart functions
themselves (on a placeholder subgroup of that size) and cached, so the streaming limits
are the batch limits bit for bit. ``tests/quality/test_streaming.py`` checks with
hypothesis that every chart type, with both rule sets, gives the same signals (chart,
rule, index, points) streamed as in batch.

Alarms are :class:`AlarmEvent` objects handed to an :class:`EventSink` (anything with
``write_event(event)``; the historian in ``gigatwin.store`` can implement it) and/or a
callback. The domain does not import the store.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from gigatwin.checks import require_range
from gigatwin.quality import attribute_charts, charts
from gigatwin.quality.chart_model import chart_run_rules
from gigatwin.quality.rules import RULES
from gigatwin.quality.streaming_rules import IncrementalRules
from gigatwin.quality.time_weighted import ewma_sigma_factor

SHEWHART = ("xbar-r", "xbar-s", "imr", "p", "np", "c", "u")
ATTRIBUTE = ("p", "np", "c", "u")
REQUIRED = {"xbar-r": ("center", "sigma"), "xbar-s": ("center", "sigma"), "imr": ("center", "sigma"),
            "ewma": ("center", "sigma"), "cusum": ("center", "sigma"),
            "p": ("p",), "np": ("p",), "c": ("c",), "u": ("u",)}
RULE_CHARTS = ("xbar", "I", "p", "np", "c", "u")  # location and attribute charts
_CACHE_LIMIT = 4096  # distinct sample sizes whose limits are kept


@dataclass(frozen=True)
class AlarmEvent:
    """One alarm: which chart and rule fired, where, on what value and limits."""

    index: int
    chart: str
    rule: str
    points: tuple[int, ...]
    value: float
    center: float
    ucl: float
    lcl: float
    signal_key: str = ""
    asset: str | None = None
    time: Any = None
    description: str = ""

    def as_dict(self) -> dict:
        out = asdict(self)
        out["points"] = list(self.points)
        return out


@runtime_checkable
class EventSink(Protocol):
    """Where alarm events go (the store implements this with a table of events)."""

    def write_event(self, event: AlarmEvent) -> None: ...


class ListSink:
    """An in-memory sink, for tests and for the CLI."""

    def __init__(self) -> None:
        self.events: list[AlarmEvent] = []

    def write_event(self, event: AlarmEvent) -> None:
        self.events.append(event)


@dataclass
class RunningStats:
    """Count, mean and variance of the raw values, updated one value at a time (Welford)."""

    count: int = 0
    mean: float = 0.0
    m2: float = 0.0

    def push_one(self, value: float) -> None:
        if math.isfinite(value):
            self.count += 1
            delta = value - self.mean
            self.mean += delta / self.count
            self.m2 += delta * (value - self.mean)

    def push(self, values: np.ndarray) -> None:
        for v in values.tolist():
            self.push_one(v)

    @property
    def std(self) -> float:
        return float(np.sqrt(self.m2 / (self.count - 1))) if self.count > 1 else float("nan")


Limits = tuple[float, float, float, float]  # center, ucl, lcl, sigma of the plotted statistic


def _limits_of(analysis) -> dict[str, Limits]:
    return {c.name: (float(c.center[0]), float(c.ucl[0]), float(c.lcl[0]), float(c.sigma[0]))
            for c in analysis.charts}


class StreamingMonitor:
    """Phase II control chart of one signal of one asset, updated one point at a time.

    ``chart_type``: one of xbar-r, xbar-s, imr, ewma, cusum, p, np, c, u.
    ``parameters``: Phase II parameters (``center``/``sigma``, ``p`` (and ``n``), ``c`` or
    ``u``, plus ``lambda``/``steady_state`` for EWMA and ``k``/``h`` for CUSUM), e.g.
    ``analysis.parameters`` of a Phase I result. ``width`` [sigma] defaults to
    ``parameters["width"]`` or 3.
    """

    def __init__(self, chart_type: str, parameters: dict, *, rules="western-electric",
                 width: float | None = None, signal_key: str = "", asset: str | None = None,
                 sink: EventSink | None = None,
                 callback: Callable[[AlarmEvent], None] | None = None) -> None:
        if chart_type not in REQUIRED:
            raise ValueError(f"unknown chart type {chart_type!r}; choose from {sorted(REQUIRED)}")
        missing = [k for k in REQUIRED[chart_type] if k not in parameters]
        if missing:
            raise ValueError(f"a {chart_type} monitor needs the Phase II parameter(s) {missing} "
                             f"(the 'parameters' of a Phase I result); got {sorted(parameters)}")
        self.chart_type, self.parameters = chart_type, dict(parameters)
        self.width = float(width if width is not None else parameters.get("width", 3.0))
        run_rules = chart_run_rules(rules) if chart_type in SHEWHART else ()
        self._rules = {name: IncrementalRules(run_rules) for name in RULE_CHARTS} if run_rules else {}
        self.signal_key, self.asset, self.sink, self.callback = signal_key, asset, sink, callback
        self.index = -1
        self.stats = RunningStats()
        self._limits_cache: dict = {}
        self._previous = math.nan  # last individual value (moving range)
        self._ewma = float(parameters.get("center", 0.0))
        self._finite_count = 0  # subgroups with a mean so far (EWMA exact limits)
        self._walk = [0.0, 0.0]  # CUSUM walks (upper, lower) and their running minima
        self._walk_min = [math.inf, math.inf]
        self._point = {"xbar-r": self._subgroup_points, "xbar-s": self._subgroup_points,
                       "imr": self._individual_points, "ewma": self._ewma_points,
                       "cusum": self._cusum_points}.get(chart_type, self._attribute_points)
        if chart_type == "cusum" and not float(parameters["sigma"]) > 0:
            raise ValueError(f"sigma = {parameters['sigma']} must be > 0 for a CUSUM chart")

    @classmethod
    def from_analysis(cls, analysis, **kwargs) -> StreamingMonitor:
        """A monitor against the limits of a (Phase I) :class:`ChartAnalysis`."""
        return cls(analysis.chart_type, analysis.parameters, **kwargs)

    def update(self, value, *, size: float | None = None, time: Any = None) -> list[AlarmEvent]:
        """Add one point (a value, a subgroup of values, or a count with its ``size``)."""
        self.index += 1
        events = []
        for chart, statistic, (center, ucl, lcl, sigma) in self._point(value, size):
            events += self._signals(chart, statistic, center, ucl, lcl, sigma, time)
        for event in events:
            if self.sink is not None:
                self.sink.write_event(event)
            if self.callback is not None:
                self.callback(event)
        return events

    def extend(self, values: Iterable, sizes: Iterable | None = None, times: Iterable | None = None):
        """Feed many points in order; returns all events."""
        values = list(values)
        sizes = list(sizes) if sizes is not None else [None] * len(values)
        times = list(times) if times is not None else [None] * len(values)
        return [e for v, s, t in zip(values, sizes, times, strict=True)
                for e in self.update(v, size=s, time=t)]

    # -- limits, computed once per subgroup/sample size by the batch chart functions ------
    def _limits(self, key, build) -> dict[str, Limits]:
        limits = self._limits_cache.get(key)
        if limits is None:
            if len(self._limits_cache) >= _CACHE_LIMIT:
                self._limits_cache.clear()
            limits = self._limits_cache[key] = _limits_of(build())
        return limits

    def _xbar_limits(self, n: int) -> dict[str, Limits]:
        fn = charts.xbar_r if self.chart_type == "xbar-r" else charts.xbar_s
        placeholder = np.zeros((1, n)) if n else np.full((1, 1), np.nan)
        return self._limits(n, lambda: fn(placeholder, width=self.width, rules=None,
                                          parameters=self.parameters))

    # -- one point per chart type: [(chart, statistic, limits)] ---------------------------
    def _individual_points(self, value, size):
        x = _one_value(value)
        self.stats.push_one(x)
        moving_range, self._previous = abs(x - self._previous), x
        limits = self._limits("imr", lambda: charts.imr(np.zeros(2), width=self.width, rules=None,
                                                        parameters=self.parameters))
        return [("I", x, limits["I"]), ("MR", moving_range, limits["MR"])]

    def _subgroup_points(self, value, size):
        row = np.asarray(value, dtype=float).reshape(1, -1)
        self.stats.push(row[0])
        limits = self._xbar_limits(int(np.isfinite(row).sum()))
        spread = (charts.subgroup_ranges(row) if self.chart_type == "xbar-r"
                  else charts.subgroup_stdevs(row))
        name = "R" if self.chart_type == "xbar-r" else "S"
        return [("xbar", float(charts.subgroup_means(row)[0]), limits["xbar"]),
                (name, float(spread[0]), limits[name])]

    def _attribute_points(self, value, size):
        count = _one_value(value)
        kind, p = self.chart_type, self.parameters
        if kind in ("p", "np", "u"):
            size = float(size if size is not None else p.get("n", math.nan))
            if math.isfinite(size):
                require_range("sample size", size, unit="1", gt=0)
        if math.isfinite(count):
            require_range("count", count, unit="1", ge=0)
            if kind in ("p", "np") and math.isfinite(size):
                require_range("defectives", count - size, unit="1", le=0,
                              context=f"(at most the sample size {size:g})")
        w = self.width
        if kind == "c":
            limits = self._limits("c", lambda: attribute_charts.c_chart([0.0], width=w, rules=None,
                                                                        parameters=p))
            return [("c", count, limits["c"])]
        build = {"p": attribute_charts.p_chart, "np": attribute_charts.np_chart,
                 "u": attribute_charts.u_chart}[kind]
        limits = self._limits(size, lambda: build([0.0], [size], width=w, rules=None, parameters=p))
        return [(kind, count if kind == "np" else count / size, limits[kind])]

    def _mean_size(self, value) -> tuple[float, int]:
        if isinstance(value, (int, float)):
            x = float(value)
            self.stats.push_one(x)
            return x, 1
        row = np.asarray(value, dtype=float).reshape(1, -1)
        self.stats.push(row[0])
        n = int(np.isfinite(row).sum())
        if n == 0:
            return math.nan, 1
        return (float(row[0, 0]) if row.size == 1 else float(charts.subgroup_means(row)[0])), n

    def _ewma_points(self, value, size):
        mean, n = self._mean_size(value)
        lam, p = float(self.parameters.get("lambda", 0.2)), self.parameters
        center, sigma = float(p["center"]), float(p["sigma"])
        if math.isfinite(mean):
            self._ewma = lam * mean + (1.0 - lam) * self._ewma
            self._finite_count += 1
        factor = ewma_sigma_factor(np.array([max(self._finite_count, 1)]), lam,
                                   bool(p.get("steady_state", False)))[0]
        spread = float(sigma / np.sqrt(np.float64(n)) * factor)
        width = self.width
        return [("ewma", self._ewma, (center, center + width * spread, center - width * spread, spread))]

    def _cusum_points(self, value, size):
        mean, n = self._mean_size(value)
        p = self.parameters
        k, h = float(p.get("k", 0.5)), float(p.get("h", 5.0))
        z = (mean - float(p["center"])) / float(float(p["sigma"]) / np.sqrt(np.float64(n)))
        out = []
        for side, increment in enumerate((z - k, -z - k)):
            self._walk[side] += increment if math.isfinite(z) else 0.0
            self._walk_min[side] = min(self._walk_min[side], self._walk[side])
            statistic = self._walk[side] - min(0.0, self._walk_min[side])
            out.append(("cusum_upper" if side == 0 else "cusum_lower", statistic, (0.0, h, 0.0, 1.0)))
        return out

    # -- signals -------------------------------------------------------------------------
    def _signals(self, chart, statistic, center, ucl, lcl, sigma, time) -> list[AlarmEvent]:
        def event(rule, points, description):
            return AlarmEvent(self.index, chart, rule, points, statistic, center, ucl, lcl,
                              self.signal_key, self.asset, time, description)

        out = []
        if statistic > ucl or statistic < lcl:
            out.append(event("limits", (self.index,), "beyond the control limits"))
        rules = self._rules.get(chart)
        if rules is not None:
            z = (statistic - center) / sigma if math.isfinite(sigma) and sigma > 0 else math.nan
            for rule, points in rules.push(z):
                out.append(event(rule, points, RULES[rule].description))
        return out


def _one_value(value) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    array = np.asarray(value, dtype=float)
    if array.size != 1:
        raise ValueError(f"this chart takes one value per point, got {array.size}")
    return float(array.ravel()[0])

