"""Time-weighted charts: EWMA and tabular CUSUM, for individual values or subgroup means.

EWMA (Roberts 1959; NIST/SEMATECH e-Handbook 6.3.2.4; Montgomery 7th ed. 9.2):
``z_0 = mu_0``, ``z_i = lambda xbar_i + (1 - lambda) z_(i-1)``, limits
``mu_0 +- L sigma_i sqrt(lambda/(2 - lambda) (1 - (1 - lambda)^(2i)))`` with
``sigma_i = sigma / sqrt(n_i)``; ``steady_state=True`` drops the ``(1 - (1 - lambda)^(2i))``
factor, as the NIST handbook example does.

Tabular CUSUM (Page 1954; Montgomery 7th ed. 9.1; NIST 6.3.2.3) on the standardised
subgroup means ``y_i = (xbar_i - mu_0) / sigma_i``:
``C+_i = max(0, C+_(i-1) + y_i - k)``, ``C-_i = max(0, C-_(i-1) - y_i - k)``, ``C_0 = 0``;
a signal when ``C > h``. ``k`` and ``h`` are in sigmas (of the subgroup mean), so are
``C+`` and ``C-``; with sigma = 1 and n = 1 they equal Montgomery's tabulated values.
The recursion is evaluated without a loop through Lindley's identity
``C_i = W_i - min(0, min_{j<=i} W_j)``, ``W_i = sum_{j<=i} (increment_j)``.

A missing subgroup (NaN mean) carries the previous statistic forward.
Run rules do not apply to these charts (their points are autocorrelated): only the
limits (EWMA) or the decision interval (CUSUM) signal.
"""

from __future__ import annotations

import numpy as np
from scipy import signal as scipy_signal

from gigatwin.checks import require_range
from gigatwin.citations import Citation, cites
from gigatwin.quality.chart_model import (
    ChartAnalysis,
    check_options,
    given_parameters,
    make_chart,
    require_measurements,
)
from gigatwin.quality.charts import (
    LOCATION_PARAMETERS,
    _as_matrix,
    _estimate_imr,
    _estimate_xbar,
    subgroup_means,
)
from gigatwin.quality.constants import NIST_HANDBOOK

ROBERTS_1959 = Citation(
    key="roberts1959",
    authors="Roberts, S.W.",
    title="Control chart tests based on geometric moving averages",
    venue="Technometrics 1(3) (1959) 239-250",
    year=1959,
    doi="10.1080/00401706.1959.10489860",
)
PAGE_1954 = Citation(
    key="page1954",
    authors="Page, E.S.",
    title="Continuous inspection schemes",
    venue="Biometrika 41(1-2) (1954) 100-115",
    year=1954,
    doi="10.1093/biomet/41.1-2.100",
)


def _means_and_sizes(data) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Subgroup means and sizes; 1-D input is treated as individual values (n = 1)."""
    arr = np.asarray(data, dtype=float)
    if arr.size == 0:
        raise ValueError("no value to chart")
    matrix = require_measurements(arr[:, None]) if arr.ndim == 1 else _as_matrix(arr)
    sizes = np.maximum(np.sum(np.isfinite(matrix), axis=1), 1).astype(float)  # empty: n = 1
    return matrix, subgroup_means(matrix), sizes


def estimate_mean_sigma(matrix: np.ndarray, target=None, sigma=None) -> dict:
    """Center and within sigma: MR-bar/d2(2) for individuals, mean(R_i/d2(n_i)) otherwise."""
    mask = np.ones(matrix.shape[0], dtype=bool)
    if matrix.shape[1] == 1:
        return _estimate_imr(matrix[:, 0], mask, target, sigma)
    return _estimate_xbar(matrix, mask, "R", target, sigma)


def _parameters(data, target, sigma, parameters):
    matrix, means, sizes = _means_and_sizes(data)
    if parameters is not None:
        return means, sizes, given_parameters(parameters, LOCATION_PARAMETERS), "II"
    return means, sizes, estimate_mean_sigma(matrix, target, sigma), "I"


def ewma_statistic(means: np.ndarray, lam: float, start: float) -> np.ndarray:
    """EWMA of ``means`` starting from ``start``; NaN carries the previous value forward."""
    out = np.full(means.shape, np.nan)
    finite = np.isfinite(means)
    if finite.any():
        out[finite], _ = scipy_signal.lfilter([lam], [1.0, -(1.0 - lam)], means[finite],
                                              zi=[(1.0 - lam) * start])
    filled = np.where(finite, out, np.nan)
    idx = np.where(finite, np.arange(means.size), -1)
    np.maximum.accumulate(idx, out=idx)
    return np.where(idx >= 0, filled[np.maximum(idx, 0)], start)


def ewma_sigma_factor(count: np.ndarray, lam: float, steady_state: bool = False) -> np.ndarray:
    """``sqrt(lambda/(2-lambda) (1-(1-lambda)^(2i)))`` for the i-th point (i = ``count``)."""
    base = lam / (2.0 - lam)
    if steady_state:
        return np.full(np.shape(count), np.sqrt(base))
    return np.sqrt(base * (1.0 - (1.0 - lam) ** (2.0 * np.asarray(count, dtype=float))))


@cites(ROBERTS_1959, NIST_HANDBOOK)
def ewma(data, *, lam: float = 0.2, width: float = 3.0, target: float | None = None,
         sigma: float | None = None, steady_state: bool = False,
         parameters: dict | None = None) -> ChartAnalysis:
    """EWMA chart of individual values (1-D) or subgroups (2-D) [unit of the measurement].

    ``lam`` is the weight lambda in (0, 1] [1]; ``width`` is L [sigma].
    """
    require_range("lambda", lam, unit="1", gt=0, le=1)
    check_options(width=width, sigma=sigma, target=target)
    means, sizes, params, phase = _parameters(data, target, sigma, parameters)
    center, sd = params["center"], params["sigma"]
    z = ewma_statistic(means, lam, center)
    count = np.cumsum(np.isfinite(means))
    spread = sd / np.sqrt(sizes) * ewma_sigma_factor(np.maximum(count, 1), lam, steady_state)
    chart = make_chart("ewma", z, center, center + width * spread, center - width * spread, spread)
    parameters_out = {**params, "lambda": lam, "width": width, "steady_state": steady_state}
    return ChartAnalysis("ewma", [chart], parameters_out, phase)


def tabular_cusum(standardised: np.ndarray, k: float) -> tuple[np.ndarray, np.ndarray]:
    """Upper and lower CUSUM of standardised values (NaN: no increment) [sigma]."""
    finite = np.isfinite(standardised)
    up = np.where(finite, standardised - k, 0.0)
    down = np.where(finite, -standardised - k, 0.0)
    return _lindley(up), _lindley(down)


def _lindley(increments: np.ndarray) -> np.ndarray:
    walk = np.cumsum(increments)
    return walk - np.minimum(0.0, np.minimum.accumulate(walk))


@cites(PAGE_1954, NIST_HANDBOOK)
def cusum(data, *, k: float = 0.5, h: float = 5.0, target: float | None = None,
          sigma: float | None = None, parameters: dict | None = None) -> ChartAnalysis:
    """Tabular CUSUM of individual values (1-D) or subgroups (2-D).

    ``k`` reference value and ``h`` decision interval [sigma of the subgroup mean].
    """
    require_range("k", k, unit="sigma", ge=0)
    require_range("h", h, unit="sigma", gt=0)
    check_options(sigma=sigma, target=target)
    means, sizes, params, phase = _parameters(data, target, sigma, parameters)
    if params["sigma"] <= 0:
        raise ValueError(f"sigma = {params['sigma']} must be > 0 for a CUSUM chart")
    standardised = (means - params["center"]) / (params["sigma"] / np.sqrt(sizes))
    upper, lower = tabular_cusum(standardised, k)
    charts = [make_chart("cusum_upper", upper, 0.0, h, 0.0, 1.0),
              make_chart("cusum_lower", lower, 0.0, h, 0.0, 1.0)]
    return ChartAnalysis("cusum", charts, {**params, "k": k, "h": h}, phase)
