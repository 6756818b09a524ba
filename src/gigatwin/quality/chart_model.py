"""Shared pieces of every control chart: result containers, subgrouping, limit signals, Phase I.

A chart analysis has two phases (Montgomery, Introduction to Statistical Quality
Control, ch. 6; NIST/SEMATECH e-Handbook 6.3.1):

* Phase I estimates the process parameters (center, sigma, fraction nonconforming ...)
  from the data. Optionally, subgroups beyond the control limits are excluded and the
  parameters re-estimated until no included subgroup is beyond the limits (or
  ``max_iterations`` passes); the excluded subgroups are reported with their reason and
  still plotted against the final limits.
* Phase II monitors new data against given parameters (``parameters=...``), e.g. the
  ``parameters`` block of a Phase I result's JSON.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from gigatwin.checks import require_range
from gigatwin.quality.rules import (
    RULES,
    RuleSummary,
    Signal,
    evaluate_rules,
    plain_label,
    resolve_rules,
    signals_from_hits,
    summarise_signals,
)


@dataclass
class ControlChart:
    """One plotted chart: statistic per subgroup/point, its limits and its signals."""

    name: str
    statistic: np.ndarray
    center: np.ndarray
    ucl: np.ndarray
    lcl: np.ndarray
    sigma: np.ndarray  # standard deviation of the plotted statistic, per point
    signals: list[Signal] = field(default_factory=list)

    def limit_signal_indices(self) -> list[int]:
        return sorted({s.index for s in self.signals if s.rule == "limits"})

    def tests(self) -> list[RuleSummary]:
        """The signals grouped by test (rule), one entry per test with all its points."""
        return summarise_signals(self.signals)

    def as_dict(self, labels: Sequence | None = None) -> dict:
        """JSON view; ``labels`` (one per point) name the points in ``tests`` and
        ``signals`` (``label``, ``point_labels``) beside the 0-based indices."""
        labels = default_labels(self.statistic.size) if labels is None else labels
        signals = []
        for s in self.signals:
            d = s.as_dict()
            d["label"] = plain_label(labels[s.index])
            d["point_labels"] = [plain_label(labels[i]) for i in s.points]
            signals.append(d)
        return {
            "name": self.name,
            "center": _scalar_or_list(self.center),
            "ucl": _scalar_or_list(self.ucl),
            "lcl": _scalar_or_list(self.lcl),
            "points": self.statistic.tolist(),
            "tests": [t.as_dict(labels) for t in self.tests()],
            "signals": signals,
        }


def default_labels(n: int) -> list[int]:
    """Points numbered from 1, as Minitab and qcc number subgroups and observations."""
    return list(range(1, n + 1))




@dataclass
class ChartAnalysis:
    """The charts of one analysis (e.g. X-bar and R), the parameters behind their limits."""

    chart_type: str
    charts: list[ControlChart]
    parameters: dict
    phase: str = "I"
    excluded: list[dict] = field(default_factory=list)
    labels: list | None = None  # one label per point (subgroup ids of the data); None: 1, 2, ...

    def with_labels(self, labels: Sequence | None) -> ChartAnalysis:
        """Name the points by ``labels`` (e.g. the subgroup column of the data)."""
        if labels is not None:
            n = self.charts[0].statistic.size
            if len(labels) != n:
                raise ValueError(f"{len(labels)} labels for {n} points")
            self.labels = [plain_label(x) for x in labels]
        return self

    def point_labels(self) -> list:
        return self.labels if self.labels is not None else default_labels(
            self.charts[0].statistic.size)

    def chart(self, name: str) -> ControlChart:
        for c in self.charts:
            if c.name == name:
                return c
        raise KeyError(f"no chart named {name!r}; have {[c.name for c in self.charts]}")

    @property
    def signals(self) -> list[Signal]:
        return [s for c in self.charts for s in c.signals]

    def as_dict(self) -> dict:
        return {
            "type": self.chart_type,
            "phase": self.phase,
            "parameters": self.parameters,
            "excluded": [{**e, "label": self.point_labels()[e["index"]]} for e in self.excluded],
            "labels": self.point_labels(),
            "charts": [c.as_dict(self.point_labels()) for c in self.charts],
        }


def require_measurements(values: np.ndarray) -> np.ndarray:
    """Refuse infinite values: a measurement is finite, and one infinity would make the
    center line and limits infinite. NaN is a missing value and stays (ignored)."""
    bad = np.isinf(values)
    if bad.any():
        where = np.argwhere(bad)[0].tolist()
        raise ValueError(f"{int(bad.sum())} infinite value(s) in the data (first at "
                         f"{'point' if values.ndim == 1 else 'subgroup, position'} {where}, "
                         "0-based); a measurement must be finite (missing values: NaN)")
    return values


def check_options(*, width: float | None = None, sigma: float | None = None,
                  target: float | None = None, target_unit: str = "unit of the data",
                  target_bounds: dict | None = None) -> None:
    """Limit width [sigma] finite and > 0, a given sigma finite and > 0, a given target
    finite (and within ``target_bounds``: the fraction p of a p chart ...)."""
    if width is not None:
        require_range("width", width, unit="sigma", gt=0)
    if sigma is not None:
        require_range("sigma", sigma, unit="unit of the data", gt=0)
    if target is not None:
        require_range("target", target, unit=target_unit, **(target_bounds or {}))


def given_parameters(parameters, bounds: dict[str, dict]) -> dict:
    """Phase II parameters: every key of ``bounds`` present, finite, within its bounds."""
    if not isinstance(parameters, dict):
        raise ValueError(f"parameters must be a mapping with keys {sorted(bounds)}, "
                         f"got {type(parameters).__name__}")
    missing = [k for k in bounds if parameters.get(k) is None]
    if missing:
        raise ValueError(f"parameters lack {missing} (have {sorted(parameters)}); "
                         f"a {'/'.join(sorted(bounds))} parameter set is needed")
    out = {}
    for key, limits in bounds.items():
        value = parameters[key]
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"parameters.{key} = {value!r} is not a number")
        out[key] = float(require_range(f"parameters.{key}", float(value),
                                       unit=limits.get("unit", "unit of the data"),
                                       **{k: v for k, v in limits.items() if k != "unit"}))
    return out


def _scalar_or_list(values: np.ndarray):
    values = np.asarray(values, dtype=float)
    finite = values[np.isfinite(values)]
    if values.size and (finite.size == values.size) and np.all(finite == finite[0]):
        return float(finite[0])
    return values.tolist()


def subgroup_matrix(values: Sequence[float] | np.ndarray, subgroup_size: int | None = None,
                    subgroup_ids: Sequence | None = None) -> np.ndarray:
    """Arrange measurements into a subgroup matrix (rows: subgroups), NaN-padded.

    ``subgroup_size`` cuts consecutive chunks (the last may be shorter);
    ``subgroup_ids`` groups rows by label in order of first appearance. Missing values
    (NaN) stay in place and are ignored by the statistics.
    """
    x = np.asarray(values, dtype=float)
    if subgroup_ids is not None:
        ids = np.asarray(subgroup_ids)
        if ids.shape != x.shape:
            raise ValueError(f"subgroup ids have {ids.size} entries for {x.size} values")
        _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
        order = np.argsort(first)
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        group = rank[inverse]
    elif subgroup_size is not None:
        if subgroup_size < 1:
            raise ValueError(f"subgroup size = {subgroup_size} [1] is outside the allowed range [1, inf)")
        group = np.arange(x.size) // subgroup_size
    else:
        return x[:, None]
    position = _position_in_group(group)
    out = np.full((group.max() + 1 if group.size else 0, position.max() + 1 if x.size else 1), np.nan)
    out[group, position] = x
    return out


def _position_in_group(group: np.ndarray) -> np.ndarray:
    order = np.argsort(group, kind="stable")
    sorted_groups = group[order]
    starts = np.flatnonzero(np.r_[True, sorted_groups[1:] != sorted_groups[:-1]])
    counts = np.diff(np.r_[starts, sorted_groups.size])
    pos_sorted = np.arange(group.size) - np.repeat(starts, counts)
    position = np.empty_like(pos_sorted)
    position[order] = pos_sorted
    return position


def standardise(statistic: np.ndarray, center: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """``(statistic - center) / sigma``; NaN where sigma is zero or missing."""
    statistic, center, sigma = np.broadcast_arrays(*(np.asarray(a, dtype=float)
                                                     for a in (statistic, center, sigma)))
    z = np.full(statistic.shape, np.nan)
    ok = np.isfinite(sigma) & (sigma > 0)
    z[ok] = (statistic[ok] - center[ok]) / sigma[ok]
    return z


def chart_run_rules(rules) -> tuple[str, ...]:
    """The run rules a chart adds to its limit test: rule 1 (one point beyond 3 sigma) is
    dropped because the ``limits`` signal already covers it at the chart's own width."""
    return tuple(r for r in resolve_rules(rules) if RULES[r].kind != "beyond")


def make_chart(name: str, statistic, center, ucl, lcl, sigma, rules=None) -> ControlChart:
    """Build a chart: points beyond the limits always signal; ``rules`` adds run rules."""
    statistic = np.asarray(statistic, dtype=float)
    shape = statistic.shape
    center, ucl, lcl, sigma = (np.broadcast_to(np.asarray(a, dtype=float), shape).copy()
                               for a in (center, ucl, lcl, sigma))
    beyond = np.flatnonzero((statistic > ucl) | (statistic < lcl))
    signals = [Signal("limits", int(i), (int(i),), "beyond the control limits") for i in beyond]
    run_rules = chart_run_rules(rules)
    if run_rules:
        signals += signals_from_hits(evaluate_rules(standardise(statistic, center, sigma), run_rules))
    signals.sort(key=lambda s: (s.index, s.rule != "limits", s.rule))
    return ControlChart(name, statistic, center, ucl, lcl, sigma, signals)


def phase_one(estimate: Callable[[np.ndarray], dict], build: Callable[[dict], list[ControlChart]],
              n_subgroups: int, *, exclude_out_of_control: bool, max_iterations: int,
              usable: np.ndarray | None = None) -> tuple[list[ControlChart], dict, list[dict]]:
    """Estimate parameters, optionally drop subgroups beyond the limits and re-estimate.

    ``estimate(mask)`` returns parameters from the included subgroups, ``build(params)``
    the charts over all subgroups. Returns the charts, the parameters and the excluded
    subgroups as ``{"index", "chart", "iteration"}``.
    """
    included = np.ones(n_subgroups, dtype=bool) if usable is None else usable.copy()
    excluded: list[dict] = []
    params = estimate(included)
    charts = build(params)
    for iteration in range(1, max_iterations + 1 if exclude_out_of_control else 1):
        out = {}
        for chart in charts:
            for i in chart.limit_signal_indices():
                if included[i] and i not in out:
                    out[i] = chart.name
        if not out or included.sum() - len(out) < 1:
            break
        for i, name in sorted(out.items()):
            included[i] = False
            excluded.append({"index": i, "chart": name, "iteration": iteration,
                             "reason": f"beyond the control limits of the {name} chart"})
        params = estimate(included)
        charts = build(params)
    return charts, params, excluded
