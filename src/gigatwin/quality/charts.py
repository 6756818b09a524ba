"""Shewhart charts for variables: X-bar/R, X-bar/S and individuals/moving range (I-MR).

Equations (Montgomery, Introduction to Statistical Quality Control, 7th ed., ch. 6;
NIST/SEMATECH e-Handbook 6.3.2; limits at ``width`` sigmas, 3 by default):

* X-bar chart: center = grand mean of all measurements (= mean of subgroup means for
  equal sizes); limits ``center +- width * sigma / sqrt(n_i)``.
* sigma within subgroups: X-bar/R uses ``mean(R_i / d2(n_i))`` (= R-bar/d2 for equal
  sizes), X-bar/S uses ``mean(S_i / c4(n_i))`` (= S-bar/c4); I-MR uses
  ``MR-bar / d2(2)`` with moving ranges of span 2. These are the "UWAVE" estimators of
  qcc and SAS/QC, so limits equal theirs for equal and unequal subgroup sizes.
* R chart: center ``d2(n_i) sigma``, limits ``(d2 +- width d3) sigma`` (lower clipped at
  0): for equal sizes exactly R-bar, D3 R-bar, D4 R-bar.
* S chart: center ``c4(n_i) sigma``, limits ``(c4 +- width sqrt(1 - c4^2)) sigma``:
  for equal sizes S-bar, B3 S-bar, B4 S-bar.
* MR chart: center MR-bar, limits ``(d2(2) +- width d3(2)) sigma`` (D4 MR-bar above).

Run rules are applied to the location chart (X-bar, I); dispersion charts (R, S, MR)
signal on their limits only. Subgroups with fewer than two values have no range or
standard deviation and do not enter the sigma estimate.
"""

from __future__ import annotations

import warnings

import numpy as np

from gigatwin.quality.chart_model import (
    ChartAnalysis,
    ControlChart,
    check_options,
    given_parameters,
    make_chart,
    phase_one,
    require_measurements,
)
from gigatwin.quality.constants import c4, d2, d2_array, d3, d3_array

DEFAULT_RULES = "western-electric"


def _sizes(data: np.ndarray) -> np.ndarray:
    return np.sum(np.isfinite(data), axis=1)


def subgroup_means(data: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(data, axis=1)


def subgroup_ranges(data: np.ndarray) -> np.ndarray:
    """Range per subgroup; NaN for subgroups with fewer than two values."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        r = np.nanmax(data, axis=1) - np.nanmin(data, axis=1)
    r[_sizes(data) < 2] = np.nan
    return r


def subgroup_stdevs(data: np.ndarray) -> np.ndarray:
    """Sample standard deviation (ddof=1) per subgroup; NaN below two values."""
    n = _sizes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        s = np.nanstd(data, axis=1, ddof=1)
    s[n < 2] = np.nan
    return s


def _as_matrix(data) -> np.ndarray:
    data = np.asarray(data, dtype=float)
    if data.ndim != 2:
        raise ValueError(f"subgroup data must be a 2-D array (rows: subgroups), got shape {data.shape}")
    if data.shape[0] == 0:
        raise ValueError("no subgroup to chart")
    return require_measurements(data)


# Phase II parameters of the variables charts: center [unit of the data], sigma > 0.
LOCATION_PARAMETERS = {"center": {}, "sigma": {"gt": 0}}


def _dispersion_factor(sizes: np.ndarray, kind: str) -> np.ndarray:
    """d2(n) for ranges, c4(n) for standard deviations; NaN below n = 2."""
    out = np.full(sizes.shape, np.nan)
    ok = sizes >= 2
    if kind == "R":
        out[ok] = d2_array(sizes[ok])
    else:
        out[ok] = c4(sizes[ok].astype(float))
    return out


def _estimate_xbar(data, mask, kind, target, sigma):
    sizes = _sizes(data)
    use = mask & (sizes > 0)
    if not use.any():
        raise ValueError("no subgroup left to estimate the control limits")
    center = float(np.nansum(data[use]) / sizes[use].sum()) if target is None else float(target)
    if sigma is None:
        spread = subgroup_ranges(data) if kind == "R" else subgroup_stdevs(data)
        factor = _dispersion_factor(sizes, kind)
        ok = use & np.isfinite(spread)
        if not ok.any():
            raise ValueError("sigma cannot be estimated: no subgroup with two or more values; "
                             "give --sigma or use an I-MR chart")
        sigma = float(np.mean(spread[ok] / factor[ok]))
    return {"center": center, "sigma": float(sigma)}


def _xbar_charts(data, params, kind, width, rules) -> list[ControlChart]:
    sizes = _sizes(data).astype(float)
    center, sigma = params["center"], params["sigma"]
    with np.errstate(divide="ignore", invalid="ignore"):
        se = sigma / np.sqrt(sizes)
    xbar = make_chart("xbar", subgroup_means(data), center, center + width * se,
                      center - width * se, se, rules)
    return [xbar, _dispersion_chart(data, sizes, sigma, kind, width)]


def _dispersion_chart(data, sizes, sigma, kind, width) -> ControlChart:
    ok = sizes >= 2
    mean_factor = np.full(sizes.shape, np.nan)
    sd_factor = np.full(sizes.shape, np.nan)
    if kind == "R":
        mean_factor[ok], sd_factor[ok] = d2_array(sizes[ok]), d3_array(sizes[ok])
        statistic = subgroup_ranges(data)
    else:
        mean_factor[ok] = c4(sizes[ok])
        sd_factor[ok] = np.sqrt(1.0 - mean_factor[ok] ** 2)
        statistic = subgroup_stdevs(data)
    center = mean_factor * sigma
    spread = sd_factor * sigma
    return make_chart(kind, statistic, center, center + width * spread,
                      np.maximum(0.0, center - width * spread), spread)


def _xbar_analysis(kind, data, *, width, target, sigma, rules, parameters,
                   exclude_out_of_control, max_iterations) -> ChartAnalysis:
    data = _as_matrix(data)
    check_options(width=width, sigma=sigma, target=target)
    chart_type = "xbar-r" if kind == "R" else "xbar-s"
    if parameters is not None:
        params = given_parameters(parameters, LOCATION_PARAMETERS)
        return ChartAnalysis(chart_type, _xbar_charts(data, params, kind, width, rules),
                             {**params, "width": width}, phase="II")
    charts, params, excluded = phase_one(
        lambda mask: _estimate_xbar(data, mask, kind, target, sigma),
        lambda p: _xbar_charts(data, p, kind, width, rules),
        data.shape[0], exclude_out_of_control=exclude_out_of_control,
        max_iterations=max_iterations)
    return ChartAnalysis(chart_type, charts, {**params, "width": width}, "I", excluded)


def xbar_r(data, *, width: float = 3.0, target: float | None = None, sigma: float | None = None,
           rules=DEFAULT_RULES, parameters: dict | None = None,
           exclude_out_of_control: bool = False, max_iterations: int = 10) -> ChartAnalysis:
    """X-bar and R charts of a subgroup matrix ``data`` [unit of the measurement].

    ``target``/``sigma`` fix known process parameters instead of estimating them;
    ``parameters`` (``{"center", "sigma"}``) runs Phase II against given limits.
    """
    return _xbar_analysis("R", data, width=width, target=target, sigma=sigma, rules=rules,
                          parameters=parameters, exclude_out_of_control=exclude_out_of_control,
                          max_iterations=max_iterations)


def xbar_s(data, *, width: float = 3.0, target: float | None = None, sigma: float | None = None,
           rules=DEFAULT_RULES, parameters: dict | None = None,
           exclude_out_of_control: bool = False, max_iterations: int = 10) -> ChartAnalysis:
    """X-bar and S charts of a subgroup matrix ``data`` [unit of the measurement]."""
    return _xbar_analysis("S", data, width=width, target=target, sigma=sigma, rules=rules,
                          parameters=parameters, exclude_out_of_control=exclude_out_of_control,
                          max_iterations=max_iterations)


def moving_ranges(values: np.ndarray) -> np.ndarray:
    """``|x_i - x_(i-1)|``, NaN for the first point and next to missing values."""
    mr = np.full(values.shape, np.nan)
    mr[1:] = np.abs(np.diff(values))
    return mr


def _estimate_imr(x, mask, target, sigma):
    use = mask & np.isfinite(x)
    if not use.any():
        raise ValueError("no value left to estimate the control limits")
    center = float(np.mean(x[use])) if target is None else float(target)
    if sigma is None:
        mr = moving_ranges(x)
        pair_ok = use & np.r_[False, use[:-1]] & np.isfinite(mr)
        if not pair_ok.any():
            raise ValueError("sigma cannot be estimated from fewer than two consecutive values; "
                             "give --sigma")
        sigma = float(np.mean(mr[pair_ok]) / d2(2))
    return {"center": center, "sigma": float(sigma)}


def _imr_charts(x, params, width, rules) -> list[ControlChart]:
    center, sigma = params["center"], params["sigma"]
    individuals = make_chart("I", x, center, center + width * sigma, center - width * sigma,
                             sigma, rules)
    mr_center, mr_sd = d2(2) * sigma, d3(2) * sigma
    mr = make_chart("MR", moving_ranges(x), mr_center, mr_center + width * mr_sd,
                    max(0.0, mr_center - width * mr_sd), mr_sd)
    return [individuals, mr]


def imr(values, *, width: float = 3.0, target: float | None = None, sigma: float | None = None,
        rules=DEFAULT_RULES, parameters: dict | None = None,
        exclude_out_of_control: bool = False, max_iterations: int = 10) -> ChartAnalysis:
    """Individuals and moving-range charts of single measurements [unit of the measurement]."""
    x = require_measurements(np.asarray(values, dtype=float).ravel())
    if x.size == 0:
        raise ValueError("no value to chart")
    check_options(width=width, sigma=sigma, target=target)
    if parameters is not None:
        params = given_parameters(parameters, LOCATION_PARAMETERS)
        return ChartAnalysis("imr", _imr_charts(x, params, width, rules),
                             {**params, "width": width}, "II")
    charts, params, excluded = phase_one(
        lambda mask: _estimate_imr(x, mask, target, sigma),
        lambda p: _imr_charts(x, p, width, rules),
        x.size, exclude_out_of_control=exclude_out_of_control, max_iterations=max_iterations)
    # Phase I exclusion: a moving range beyond its limit excludes the later of its two points.
    return ChartAnalysis("imr", charts, {**params, "width": width}, "I", excluded)
