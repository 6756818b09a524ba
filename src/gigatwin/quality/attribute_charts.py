"""Shewhart charts for attributes: p, np, c and u.

Inputs: ``counts`` is the count per subgroup (defectives for p/np, defects for c/u);
``sizes`` is the number of items inspected (p, np) or of inspection units (u).

Equations (Montgomery, Introduction to Statistical Quality Control, 7th ed., ch. 7;
NIST/SEMATECH e-Handbook 6.3.3), limits at ``width`` sigmas, lower limits clipped at 0
(and p at 1):

* p:  p-bar = sum(d) / sum(n); ``p-bar +- width sqrt(p-bar (1 - p-bar) / n_i)``
* np: requires one sample size n; ``n p-bar +- width sqrt(n p-bar (1 - p-bar))``
* c:  c-bar = mean(c); ``c-bar +- width sqrt(c-bar)``
* u:  u-bar = sum(c) / sum(n); ``u-bar +- width sqrt(u-bar / n_i)``

Phase II takes ``parameters={"p": ...}`` (p, np), ``{"c": ...}`` or ``{"u": ...}``.
"""

from __future__ import annotations

import numpy as np

from gigatwin.checks import require_range
from gigatwin.quality.chart_model import (
    ChartAnalysis,
    check_options,
    given_parameters,
    make_chart,
    phase_one,
    require_measurements,
)
from gigatwin.quality.charts import DEFAULT_RULES


def _counts_sizes(counts, sizes, need_sizes: bool):
    counts = require_measurements(np.asarray(counts, dtype=float).ravel())
    if counts.size == 0:
        raise ValueError("no subgroup to chart")
    finite = counts[np.isfinite(counts)]
    require_range("count", finite, unit="1", ge=0)
    if sizes is None:
        if need_sizes:
            raise ValueError("sample sizes are required (give --subgroup N or --subgroup-column COL)")
        return counts, np.ones_like(counts)
    sizes = np.broadcast_to(require_measurements(np.asarray(sizes, dtype=float)),
                            counts.shape).copy()
    require_range("sample size", sizes[np.isfinite(sizes)], unit="1", gt=0)
    return counts, sizes


# The rate each chart is built on, its bounds (given as --target or as Phase II parameters).
RATE_BOUNDS = {"p": {"gt": 0, "lt": 1, "unit": "1"}, "np": {"gt": 0, "lt": 1, "unit": "1"},
               "c": {"gt": 0, "unit": "1"}, "u": {"gt": 0, "unit": "1/unit"}}


def _check(chart_type, width, target):
    bounds = dict(RATE_BOUNDS[chart_type])
    check_options(width=width, target=target, target_unit=bounds.pop("unit"),
                  target_bounds=bounds)


def _analysis(chart_type, n_groups, estimate, build, parameters, exclude, max_iterations):
    if parameters is not None:
        rate = "p" if chart_type == "np" else chart_type
        given = given_parameters(parameters, {rate: RATE_BOUNDS[chart_type]})
        return ChartAnalysis(chart_type, build({**parameters, **given}), dict(parameters), "II")
    usable = np.ones(n_groups, dtype=bool)
    charts, params, excluded = phase_one(estimate, build, n_groups,
                                         exclude_out_of_control=exclude,
                                         max_iterations=max_iterations, usable=usable)
    return ChartAnalysis(chart_type, charts, params, "I", excluded)


def _usable(counts, sizes, mask):
    use = mask & np.isfinite(counts) & np.isfinite(sizes)
    if not use.any():
        raise ValueError("no subgroup left to estimate the control limits")
    return use


def p_chart(counts, sizes, *, width: float = 3.0, target: float | None = None,
            rules=DEFAULT_RULES, parameters: dict | None = None,
            exclude_out_of_control: bool = False, max_iterations: int = 10) -> ChartAnalysis:
    """Fraction nonconforming chart; ``target`` is a known fraction p [1]."""
    counts, sizes = _counts_sizes(counts, sizes, need_sizes=True)
    _check("p", width, target)
    require_range("defectives", (counts - sizes)[np.isfinite(counts)], unit="1", le=0)

    def estimate(mask):
        use = _usable(counts, sizes, mask)
        p = counts[use].sum() / sizes[use].sum() if target is None else float(target)
        return {"p": float(p), "width": width}

    def build(params):
        p = params["p"]
        sd = np.sqrt(p * (1 - p) / sizes)
        return [make_chart("p", counts / sizes, p, np.minimum(1.0, p + width * sd),
                           np.maximum(0.0, p - width * sd), sd, rules)]

    return _analysis("p", counts.size, estimate, build, parameters,
                     exclude_out_of_control, max_iterations)


def np_chart(counts, size, *, width: float = 3.0, target: float | None = None,
             rules=DEFAULT_RULES, parameters: dict | None = None,
             exclude_out_of_control: bool = False, max_iterations: int = 10) -> ChartAnalysis:
    """Number nonconforming chart for one constant sample ``size``; ``target`` is p [1]."""
    counts, sizes = _counts_sizes(counts, size, need_sizes=True)
    _check("np", width, target)
    if np.unique(sizes[np.isfinite(sizes)]).size > 1:
        raise ValueError("the np chart needs one sample size; use the p chart for varying sizes")
    n = float(sizes[0])

    def estimate(mask):
        use = _usable(counts, sizes, mask)
        p = counts[use].sum() / sizes[use].sum() if target is None else float(target)
        return {"p": float(p), "n": n, "width": width}

    def build(params):
        p = params["p"]
        sd = np.sqrt(n * p * (1 - p))
        return [make_chart("np", counts, n * p, min(n, n * p + width * sd),
                           max(0.0, n * p - width * sd), sd, rules)]

    return _analysis("np", counts.size, estimate, build, parameters,
                     exclude_out_of_control, max_iterations)


def c_chart(counts, *, width: float = 3.0, target: float | None = None,
            rules=DEFAULT_RULES, parameters: dict | None = None,
            exclude_out_of_control: bool = False, max_iterations: int = 10) -> ChartAnalysis:
    """Defects per subgroup (constant area of opportunity); ``target`` is a known c [1]."""
    counts, _ = _counts_sizes(counts, None, need_sizes=False)
    _check("c", width, target)

    def estimate(mask):
        use = _usable(counts, np.ones_like(counts), mask)
        return {"c": float(counts[use].mean()) if target is None else float(target), "width": width}

    def build(params):
        c = params["c"]
        sd = np.sqrt(c)
        return [make_chart("c", counts, c, c + width * sd, max(0.0, c - width * sd), sd, rules)]

    return _analysis("c", counts.size, estimate, build, parameters,
                     exclude_out_of_control, max_iterations)


def u_chart(counts, sizes, *, width: float = 3.0, target: float | None = None,
            rules=DEFAULT_RULES, parameters: dict | None = None,
            exclude_out_of_control: bool = False, max_iterations: int = 10) -> ChartAnalysis:
    """Defects per inspection unit; ``sizes`` in units inspected; ``target`` is u [1/unit]."""
    counts, sizes = _counts_sizes(counts, sizes, need_sizes=True)
    _check("u", width, target)

    def estimate(mask):
        use = _usable(counts, sizes, mask)
        u = counts[use].sum() / sizes[use].sum() if target is None else float(target)
        return {"u": float(u), "width": width}

    def build(params):
        u = params["u"]
        sd = np.sqrt(u / sizes)
        return [make_chart("u", counts / sizes, u, u + width * sd,
                           np.maximum(0.0, u - width * sd), sd, rules)]

    return _analysis("u", counts.size, estimate, build, parameters,
                     exclude_out_of_control, max_iterations)
