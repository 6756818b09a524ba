"""Process capability: Cp, Cpk, Cpl, Cpu, Pp, Ppk, Cpm with confidence intervals.

Equations (Montgomery, Introduction to Statistical Quality Control, 7th ed., ch. 8;
NIST/SEMATECH e-Handbook 6.1.6), ``mu`` the sample mean, ``sigma_w`` the within
(short-term) standard deviation, ``sigma_o`` the overall sample standard deviation:

* ``Cp = (USL - LSL) / (6 sigma_w)``, ``Cpu = (USL - mu) / (3 sigma_w)``,
  ``Cpl = (mu - LSL) / (3 sigma_w)``, ``Cpk = min(Cpu, Cpl)``;
  ``Pp``, ``Ppk`` the same with ``sigma_o``;
* ``Cpm = (USL - LSL) / (6 sqrt(sigma_w^2 + (mu - T)^2))`` (Chan, Cheng and Spiring 1988;
  computed with the within sigma as qcc does), T = target, default the mid-specification.

``sigma_w``: ``mean(R_i/d2(n_i))`` for subgrouped data (as the X-bar/R chart), else
``MR-bar/d2(2)`` of consecutive individual values.

Confidence intervals at level ``1 - alpha`` (the formulas of qcc ``processCapability``):

* Cp, Pp (Chou, Owen and Borrego 1990): ``Cp sqrt(chi2_{alpha/2, n-1} / (n-1))`` ..
  ``Cp sqrt(chi2_{1-alpha/2, n-1} / (n-1))``;
* Cpk, Cpu, Cpl, Ppk (Bissell 1990): ``C (1 -+ z_{1-alpha/2} sqrt(1/(9 n C^2) + 1/(2(n-1))))``;
* Cpm (Boyles 1991): chi-square with ``nu = n (1 + d^2) / (1 + 2 d^2)``, ``d = (mu - T)/sigma_w``.

Stability: capability indices describe a process in statistical control; on an
unstable process they predict nothing (Montgomery 7th ed. 8.2). Every run therefore
charts the data first and reports each test that fired in ``stability`` and as a
warning in ``notes``: the X-bar and R charts of subgroups, the individuals chart of
individual values, with the limit test alone by default (Minitab's default, "Test 1";
run rules on request). The moving-range chart is left out: its 3-sigma limit is passed
by about 0.9 % of in-control moving ranges (``P(|Z| > 3.267 d2(2) / sqrt(2))``), which
alarms on most long in-control series while adding little detection (Rigdon, Cruthis
and Champ 1994).

Normality: Shapiro-Wilk for n <= 5000, D'Agostino-Pearson above. For data that fail it,
the percentile method (Clements 1989; ISO 22514-2) replaces ``mu +- 3 sigma`` by the
empirical 0.135 %, 50 % and 99.865 % quantiles:
``Cp = (USL - LSL) / (X_99.865 - X_0.135)``, ``Cpu = (USL - X_50) / (X_99.865 - X_50)``,
``Cpl = (X_50 - LSL) / (X_50 - X_0.135)``. Empirical tail quantiles need large samples
(the 0.135 % quantile is poorly estimated below about 1000 values).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import stats

from gigatwin.checks import require_range
from gigatwin.citations import Citation, cites
from gigatwin.quality.chart_model import require_measurements
from gigatwin.quality.charts import _estimate_imr, _estimate_xbar, imr, xbar_r

BISSELL_1990 = Citation(
    key="bissell1990",
    authors="Bissell, A.F.",
    title="How reliable is your capability index?",
    venue="Journal of the Royal Statistical Society C (Applied Statistics) 39(3) (1990) 331-340",
    year=1990,
    doi="10.2307/2347383",
)
RIGDON_1994 = Citation(
    key="rigdon1994",
    authors="Rigdon, S.E., Cruthis, E.N., Champ, C.W.",
    title="Design strategies for individuals and moving range control charts",
    venue="Journal of Quality Technology 26(4) (1994) 274-287",
    year=1994,
)
CLEMENTS_1989 = Citation(
    key="clements1989",
    authors="Clements, J.A.",
    title="Process capability calculations for non-normal distributions",
    venue="Quality Progress 22(9) (1989) 95-100",
    year=1989,
)

INDEX_NAMES = ("cp", "cpk", "cpl", "cpu", "pp", "ppk", "cpm")


@dataclass
class Index:
    """A capability index with its confidence interval."""

    value: float
    ci_low: float
    ci_high: float

    def as_dict(self) -> dict:
        return {"value": self.value, "ci_low": self.ci_low, "ci_high": self.ci_high}


@dataclass
class CapabilityResult:
    """Indices, sample statistics, normality test and (if asked) percentile indices."""

    indices: dict[str, Index]
    n: int
    mean: float
    sigma_within: float
    sigma_overall: float
    lsl: float | None
    usl: float | None
    target: float | None
    confidence: float
    normality: dict
    percentile: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    stability: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        out = {name: idx.as_dict() for name, idx in self.indices.items()}
        out.update({"n": self.n, "mean": self.mean, "sigma_within": self.sigma_within,
                    "sigma_overall": self.sigma_overall, "lsl": self.lsl, "usl": self.usl,
                    "target": self.target, "confidence": self.confidence,
                    "normality": self.normality, "percentile": self.percentile,
                    "stability": self.stability, "notes": self.notes})
        return out


def _nan_to_none(x):
    return None if x is None or not np.isfinite(x) else float(x)


def chi2_interval(index: float, dof: float, alpha: float) -> tuple[float, float]:
    """Chou et al. (1990) interval for Cp-type indices."""
    if not np.isfinite(index):
        return np.nan, np.nan
    low, high = stats.chi2.ppf([alpha / 2, 1 - alpha / 2], dof)
    return index * np.sqrt(low / dof), index * np.sqrt(high / dof)


@cites(BISSELL_1990)
def bissell_interval(index: float, n: int, alpha: float) -> tuple[float, float]:
    """Bissell (1990) normal approximation for Cpk-type indices."""
    if not np.isfinite(index) or index == 0:
        return np.nan, np.nan
    z = stats.norm.ppf(1 - alpha / 2)
    half = z * np.sqrt(1.0 / (9.0 * n * index**2) + 1.0 / (2.0 * (n - 1)))
    return index * (1 - half), index * (1 + half)


def normality_test(x: np.ndarray, alpha: float = 0.05) -> dict:
    """Shapiro-Wilk (n <= 5000) or D'Agostino-Pearson; ``normal`` if p >= alpha."""
    if x.size < 3 or np.ptp(x) == 0:
        return {"test": None, "statistic": None, "p_value": None, "normal": None,
                "note": "normality not testable (fewer than 3 values or constant data)"}
    if x.size <= 5000:
        name, result = "shapiro-wilk", stats.shapiro(x)
    else:
        name, result = "dagostino-pearson", stats.normaltest(x)
    p = float(result.pvalue)
    return {"test": name, "statistic": float(result.statistic), "p_value": p, "normal": p >= alpha}


def percentile_indices(x: np.ndarray, lsl: float | None, usl: float | None) -> dict:
    """Clements (1989) percentile-method Cp, Cpu, Cpl, Cpk from empirical quantiles."""
    q_low, median, q_high = np.quantile(x, [0.00135, 0.5, 0.99865])
    with np.errstate(divide="ignore", invalid="ignore"):
        cp = (usl - lsl) / (q_high - q_low) if lsl is not None and usl is not None else np.nan
        cpu = (usl - median) / (q_high - median) if usl is not None else np.nan
        cpl = (median - lsl) / (median - q_low) if lsl is not None else np.nan
    cpk = np.nanmin([cpu, cpl]) if np.isfinite([cpu, cpl]).any() else np.nan
    return {"method": "percentile (Clements 1989)", "p00135": float(q_low), "p50": float(median),
            "p99865": float(q_high), "cp": _nan_to_none(cp), "cpu": _nan_to_none(cpu),
            "cpl": _nan_to_none(cpl), "cpk": _nan_to_none(cpk)}


def _sigma_within(data: np.ndarray) -> float:
    mask = np.ones(data.shape[0], dtype=bool)
    if data.ndim == 1:
        return _estimate_imr(data, mask, None, None)["sigma"]
    return _estimate_xbar(data, mask, "R", None, None)["sigma"]


@cites(RIGDON_1994)
def stability(data, *, rules=None, labels=None) -> dict:
    """Is the process in statistical control? The control chart of the data (X-bar/R of
    2-D subgroups, the individuals chart of 1-D values) with its limits and ``rules``:
    ``{"chart", "in_control", "tests": [{"chart", "rule", "description", "at", ...}]}``
    with the points named by ``labels`` (default 1, 2, ...)."""
    arr = np.asarray(data, dtype=float)
    usable = arr[np.isfinite(arr)]
    if usable.size < 2 or np.ptp(usable) == 0:
        return {"chart": None, "in_control": None,
                "note": "stability not testable (fewer than 2 values or constant data)"}
    analysis = (xbar_r if arr.ndim == 2 and arr.shape[1] > 1 else imr)(
        arr if arr.ndim == 2 and arr.shape[1] > 1 else arr.ravel(), rules=rules)
    analysis.with_labels(labels)
    tests = [{"chart": c.name, **t.as_dict(analysis.point_labels())}
             for c in analysis.charts if c.name != "MR" for t in c.tests()]
    return {"chart": analysis.chart_type, "rules": rules, "in_control": not tests,
            "tests": tests}


def _stability_note(result: dict) -> str | None:
    if result.get("in_control") is not False:
        return None
    fired = "; ".join(f"{t['chart']} {t['rule']} ({t['description']}) at "
                      f"{', '.join(str(a) for a in t['at'][:10])}"
                      f"{' ...' if len(t['at']) > 10 else ''}" for t in result["tests"])
    return (f"the process is not in statistical control ({result['chart']} chart: {fired}); "
            "capability indices assume a stable process and do not predict this one")


@cites(BISSELL_1990, CLEMENTS_1989)
def capability(data, *, lsl: float | None = None, usl: float | None = None,
               target: float | None = None, sigma_within: float | None = None,
               confidence: float = 0.95, percentile: bool | None = None,
               check_stability: bool = True, stability_rules=None,
               labels=None) -> CapabilityResult:
    """Capability indices of ``data`` (1-D individual values or 2-D subgroups) [unit of data].

    ``lsl``/``usl`` specification limits (either may be None for a one-sided spec),
    ``target`` [unit of data]; ``percentile`` adds the percentile method (default: when
    the normality test rejects). ``check_stability`` charts the data first and warns
    (``notes``, ``stability``) when a control-chart test fires (the limits and
    ``stability_rules``: a rule-set name, default None: the limits alone); ``labels`` name the
    subgroups (or values) in that warning. Infinite values are an error; NaN values are
    missing, left out and counted in ``notes``.
    """
    for name, value in (("lsl", lsl), ("usl", usl), ("target", target),
                        ("sigma_within", sigma_within)):
        if value is not None:
            require_range(name, value, unit="unit of the data",
                          **({"gt": 0} if name == "sigma_within" else {}))
    if lsl is None and usl is None:
        raise ValueError("at least one specification limit (lsl or usl) is required")
    if lsl is not None and usl is not None and not lsl < usl:
        raise ValueError(f"lsl = {lsl} must be below usl = {usl}")
    require_range("confidence", confidence, unit="1", gt=0, lt=1)
    arr = require_measurements(np.asarray(data, dtype=float))
    x = arr[np.isfinite(arr)].ravel()
    notes = []
    if arr.size != x.size:
        notes.append(f"{arr.size - x.size} missing values (NaN) left out")
    if x.size < 2:
        raise ValueError(f"capability needs at least 2 values, got {x.size}")
    mean = float(x.mean())
    sw = float(sigma_within) if sigma_within is not None else _sigma_within(arr)
    so = float(x.std(ddof=1))
    if target is None and lsl is not None and usl is not None:
        target = (lsl + usl) / 2.0
    indices = _indices(x.size, mean, sw, so, lsl, usl, target, 1 - confidence)
    normality = normality_test(x)
    result = CapabilityResult(indices, int(x.size), mean, sw, so, lsl, usl, target, confidence,
                              normality, notes=notes)
    if percentile or (percentile is None and normality.get("normal") is False):
        result.percentile = percentile_indices(x, lsl, usl)
    if check_stability:
        result.stability = stability(arr, rules=stability_rules, labels=labels)
        warning = _stability_note(result.stability)
        if warning:
            notes.append(warning)
    if sw == 0 or so == 0:
        notes.append("zero spread: indices are infinite (reported as null in JSON)")
    return result


def _ratio(num, den):
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(np.float64(num) / np.float64(den)) if num is not None else np.nan


def _indices(n, mean, sw, so, lsl, usl, target, alpha) -> dict[str, Index]:
    def family(sigma):
        cp = _ratio(usl - lsl, 6 * sigma) if lsl is not None and usl is not None else np.nan
        cpu = _ratio(usl - mean, 3 * sigma) if usl is not None else np.nan
        cpl = _ratio(mean - lsl, 3 * sigma) if lsl is not None else np.nan
        cpk = float(np.nanmin([cpu, cpl]))
        return cp, cpu, cpl, cpk

    cp, cpu, cpl, cpk = family(sw)
    pp, _, _, ppk = family(so)
    out = {"cp": Index(cp, *chi2_interval(cp, n - 1, alpha)),
           "cpk": Index(cpk, *bissell_interval(cpk, n, alpha)),
           "cpl": Index(cpl, *bissell_interval(cpl, n, alpha)),
           "cpu": Index(cpu, *bissell_interval(cpu, n, alpha)),
           "pp": Index(pp, *chi2_interval(pp, n - 1, alpha)),
           "ppk": Index(ppk, *bissell_interval(ppk, n, alpha))}
    if target is not None and np.isfinite(cp) and sw > 0:
        d = (mean - target) / sw
        cpm = cp / np.sqrt(1 + d**2)
        out["cpm"] = Index(cpm, *chi2_interval(cpm, n * (1 + d**2) / (1 + 2 * d**2), alpha))
    else:
        out["cpm"] = Index(np.nan, np.nan, np.nan)
    return out


def unknown_spec_keys(keys) -> list[str]:
    """Keys not in the spec registry (``gigatwin.spec``)."""
    from gigatwin.spec import load_registry

    known = load_registry().parameters
    return sorted(k for k in keys if k not in known)


def capability_by_station(table, spec_limits: dict, *, station: str = "station",
                          parameter: str = "parameter", value: str = "value",
                          confidence: float = 0.95) -> dict:
    """Capability per (station, parameter) of a long table, limits keyed by spec key.

    ``spec_limits``: ``{spec_key: {"lsl": .., "usl": .., "target": ..}}`` in the unit of
    the data. Any string key is accepted; keys unknown to the spec registry are noted in
    each result. Rows whose parameter has no limits are counted in ``"skipped"``.
    """
    unknown = set(unknown_spec_keys(spec_limits))
    out: dict = {"results": {}, "skipped": 0}
    for (where, key), group in table.groupby([station, parameter], sort=True):
        limits = spec_limits.get(key)
        if limits is None:
            out["skipped"] += len(group)
            continue
        result = capability(group[value].to_numpy(dtype=float), lsl=limits.get("lsl"),
                            usl=limits.get("usl"), target=limits.get("target"),
                            confidence=confidence)
        if key in unknown:
            result.notes.append(f"spec key {key!r} is not in the gigatwin spec registry")
        out["results"][(str(where), str(key))] = result
    return out
