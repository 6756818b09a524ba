"""Control-chart constants computed from their definitions, not typed in.

For a sample of ``n`` independent standard normal values with range ``W`` and sample
standard deviation ``S``:

* ``d2(n) = E[W]``, ``d3(n) = sd[W]``. The range has the distribution function
  ``F_W(w) = n * integral phi(x) [Phi(x + w) - Phi(x)]^(n-1) dx`` (Tippett 1925), so
  ``E[W] = integral_0^inf (1 - F_W(w)) dw`` and ``E[W^2] = 2 integral_0^inf w (1 - F_W(w)) dw``.
  Both integrals are evaluated numerically (composite Simpson rule on a fine grid,
  error below 1e-9 for n <= 100).
* ``c4(n) = E[S] = sqrt(2 / (n - 1)) * Gamma(n / 2) / Gamma((n - 1) / 2)``.

The tabulated factors follow (Montgomery, Introduction to Statistical Quality Control,
Appendix VI, where the same definitions are given):
``A2 = 3 / (d2 sqrt(n))``, ``A3 = 3 / (c4 sqrt(n))``, ``D3 = max(0, 1 - 3 d3/d2)``,
``D4 = 1 + 3 d3/d2``, ``B3 = max(0, 1 - 3 sqrt(1 - c4^2)/c4)``, ``B4 = 1 + 3 sqrt(1 - c4^2)/c4``.
Every factor takes ``width`` (the distance of the limits in sigmas, 3 by default).

Sources: Tippett, L.H.C. (1925) On the extreme individuals and the range of samples
taken from a normal population, Biometrika 17, 364-387, doi:10.1093/biomet/17.3-4.364;
NIST/SEMATECH e-Handbook of Statistical Methods, section 6.3.2 (doi:10.18434/M32189).
"""

from __future__ import annotations

from functools import cache

import numpy as np
from scipy import special, stats

from gigatwin.citations import Citation, cites

TIPPETT_1925 = Citation(
    key="tippett1925",
    authors="Tippett, L.H.C.",
    title="On the extreme individuals and the range of samples taken from a normal population",
    venue="Biometrika 17 (1925) 364-387",
    year=1925,
    doi="10.1093/biomet/17.3-4.364",
)
NIST_HANDBOOK = Citation(
    key="nist_sematech_handbook",
    authors="NIST/SEMATECH",
    title="e-Handbook of Statistical Methods, chapter 6: Process or Product Monitoring and Control",
    venue="National Institute of Standards and Technology",
    year=2012,
    doi="10.18434/M32189",
)

_MAX_N = 1000


def _check_n(n: int, smallest: int = 2) -> int:
    if int(n) != n or n < smallest or n > _MAX_N:
        raise ValueError(
            f"subgroup size n = {n} [1] is outside the allowed range [{smallest}, {_MAX_N}]"
        )
    return int(n)


@cache
def _range_moments(n: int) -> tuple[float, float]:
    """E[W] and E[W^2] of the range of n standard normal values (Tippett's integral)."""
    x = np.linspace(-9.0, 9.0, 3601)  # inner variable, Simpson on 3601 points
    w = np.linspace(0.0, 14.0, 2801)
    pdf_x = stats.norm.pdf(x)
    cdf_x = stats.norm.cdf(x)
    # F_W(w) for each w: integrate over x (rows: w, cols: x), chunked to bound memory.
    cdf_w = np.empty_like(w)
    for start in range(0, w.size, 400):
        ws = w[start:start + 400, None]
        inner = pdf_x * (stats.norm.cdf(x + ws) - cdf_x) ** (n - 1)
        cdf_w[start:start + 400] = n * _simpson(inner, x)
    survival = np.clip(1.0 - cdf_w, 0.0, 1.0)
    mean = float(_simpson(survival, w))
    second = float(2.0 * _simpson(w * survival, w))
    return mean, second


def _simpson(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Composite Simpson rule along the last axis (odd number of equally spaced points)."""
    h = x[1] - x[0]
    return h / 3.0 * (y[..., 0] + y[..., -1] + 4.0 * y[..., 1:-1:2].sum(-1)
                      + 2.0 * y[..., 2:-1:2].sum(-1))


@cites(TIPPETT_1925)
def d2(n: int) -> float:
    """Mean of the range of ``n`` standard normal values, ``E[W]`` [1]; 2 <= n <= 1000."""
    return _range_moments(_check_n(n))[0]


@cites(TIPPETT_1925)
def d3(n: int) -> float:
    """Standard deviation of the range of ``n`` standard normal values [1]."""
    mean, second = _range_moments(_check_n(n))
    return float(np.sqrt(second - mean**2))


def c4(n):
    """``E[S]/sigma`` for samples of size ``n``: sqrt(2/(n-1)) Gamma(n/2)/Gamma((n-1)/2) [1].

    Vectorised over ``n`` (n >= 2); computed through log-gamma so large n do not overflow.
    """
    n = np.asarray(n, dtype=float)
    if np.any(n < 2):
        raise ValueError(f"subgroup size n = {n.min():g} [1] is outside the allowed range [2, inf)")
    value = np.sqrt(2.0 / (n - 1.0)) * np.exp(special.gammaln(n / 2.0) - special.gammaln((n - 1.0) / 2.0))
    return float(value) if value.ndim == 0 else value


def d2_array(sizes) -> np.ndarray:
    """``d2`` for each subgroup size in ``sizes``."""
    return np.array([d2(int(s)) for s in np.asarray(sizes).ravel()]).reshape(np.shape(sizes))


def d3_array(sizes) -> np.ndarray:
    """``d3`` for each subgroup size in ``sizes``."""
    return np.array([d3(int(s)) for s in np.asarray(sizes).ravel()]).reshape(np.shape(sizes))


def A2(n: int, width: float = 3.0) -> float:  # noqa: N802 (textbook name)
    """X-bar limits from R-bar: ``width / (d2 sqrt(n))`` [1]."""
    return width / (d2(n) * np.sqrt(n))


def A3(n: int, width: float = 3.0) -> float:  # noqa: N802 (textbook name)
    """X-bar limits from S-bar: ``width / (c4 sqrt(n))`` [1]."""
    return width / (c4(n) * np.sqrt(n))


def D3(n: int, width: float = 3.0) -> float:  # noqa: N802 (textbook name)
    """Lower R-chart factor: ``max(0, 1 - width d3/d2)`` [1]."""
    return max(0.0, 1.0 - width * d3(n) / d2(n))


def D4(n: int, width: float = 3.0) -> float:  # noqa: N802 (textbook name)
    """Upper R-chart factor: ``1 + width d3/d2`` [1]."""
    return 1.0 + width * d3(n) / d2(n)


def B3(n: int, width: float = 3.0) -> float:  # noqa: N802 (textbook name)
    """Lower S-chart factor: ``max(0, 1 - width sqrt(1 - c4^2)/c4)`` [1]."""
    c = c4(n)
    return max(0.0, 1.0 - width * np.sqrt(1.0 - c**2) / c)


def B4(n: int, width: float = 3.0) -> float:  # noqa: N802 (textbook name)
    """Upper S-chart factor: ``1 + width sqrt(1 - c4^2)/c4`` [1]."""
    c = c4(n)
    return 1.0 + width * np.sqrt(1.0 - c**2) / c
