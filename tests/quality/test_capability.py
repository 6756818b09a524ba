"""Capability indices: hand computations of the textbook formulas (Montgomery 7th ed.
ch. 8; NIST/SEMATECH e-Handbook 6.1.6) and the qcc piston-ring example's inputs."""

import numpy as np
import pytest
from scipy import stats

from gigatwin.quality import capability


def test_pistonrings_indices_by_hand(pistonrings):
    """qcc ``processCapability(q, spec.limits = c(73.95, 74.05))`` on the 25 trial samples:
    center 74.00118, within sigma 0.009785 (R-bar/d2) -> Cp = 0.1 / (6 sigma) = 1.70."""
    r = capability(pistonrings[:25], lsl=73.95, usl=74.05)
    mu, sw = r.mean, r.sigma_within
    assert r.n == 125
    assert mu == pytest.approx(74.00118, abs=5e-6)
    assert sw == pytest.approx(0.009785039, rel=2e-4)
    assert r.indices["cp"].value == pytest.approx(0.1 / (6 * sw))
    assert r.indices["cp"].value == pytest.approx(1.703, abs=5e-4)
    assert r.indices["cpu"].value == pytest.approx((74.05 - mu) / (3 * sw))
    assert r.indices["cpl"].value == pytest.approx((mu - 73.95) / (3 * sw))
    assert r.indices["cpk"].value == pytest.approx(1.663, abs=5e-4)
    so = np.std(pistonrings[:25], ddof=1)
    assert r.sigma_overall == pytest.approx(so)
    assert r.indices["ppk"].value == pytest.approx((74.05 - mu) / (3 * so))
    cpm = 0.1 / (6 * np.sqrt(sw**2 + (mu - 74.0) ** 2))
    assert r.indices["cpm"].value == pytest.approx(cpm)


def test_confidence_intervals_by_hand():
    rng = np.random.default_rng(3)
    x = rng.normal(10.0, 1.0, 50)
    r = capability(x, lsl=7.0, usl=13.0, sigma_within=1.0)
    cp = 1.0
    lo, hi = stats.chi2.ppf([0.025, 0.975], 49)
    assert (r.indices["cp"].ci_low, r.indices["cp"].ci_high) == pytest.approx(
        (cp * np.sqrt(lo / 49), cp * np.sqrt(hi / 49)))
    cpk = r.indices["cpk"].value
    half = 1.959964 * np.sqrt(1 / (9 * 50 * cpk**2) + 1 / (2 * 49))
    assert r.indices["cpk"].ci_low == pytest.approx(cpk * (1 - half), rel=1e-6)
    assert r.indices["cpk"].ci_high == pytest.approx(cpk * (1 + half), rel=1e-6)


def test_off_centre_process_nist_style():
    # USL 20, LSL 8, mean 16, sigma 2: Cp = 12/12 = 1, Cpu = 4/6, Cpl = 8/6, Cpk = 0.667.
    x = np.array([14.0, 18.0] * 10)  # mean 16
    r = capability(x, lsl=8, usl=20, sigma_within=2.0)
    assert r.indices["cp"].value == pytest.approx(1.0)
    assert r.indices["cpu"].value == pytest.approx(2 / 3)
    assert r.indices["cpl"].value == pytest.approx(4 / 3)
    assert r.indices["cpk"].value == pytest.approx(2 / 3)


def test_one_sided_spec():
    r = capability([1.0, 2.0, 3.0, 2.0], usl=5.0, sigma_within=1.0)
    assert np.isnan(r.indices["cp"].value) and np.isnan(r.indices["cpl"].value)
    assert r.indices["cpk"].value == pytest.approx((5 - 2) / 3)


def test_percentile_method_for_skewed_data():
    rng = np.random.default_rng(11)
    x = rng.lognormal(0.0, 0.6, 4000)
    r = capability(x, lsl=0.05, usl=12.0)
    assert r.normality["normal"] is False
    p = r.percentile
    q = np.quantile(x, [0.00135, 0.5, 0.99865])
    assert p["cp"] == pytest.approx((12.0 - 0.05) / (q[2] - q[0]))
    assert p["cpu"] == pytest.approx((12.0 - q[1]) / (q[2] - q[1]))


def test_constant_data_and_bad_limits():
    r = capability([2.0] * 5, lsl=1.0, usl=3.0)
    assert r.indices["cp"].value == np.inf
    assert r.normality["test"] is None
    with pytest.raises(ValueError, match="lsl = 3"):
        capability([1.0, 2.0], lsl=3, usl=1)
    with pytest.raises(ValueError, match="at least 2 values"):
        capability([1.0, np.nan], lsl=0, usl=3)


def test_json_keys():
    d = capability([1.0, 2.0, 3.0, 2.5, 1.5], lsl=0, usl=4).as_dict()
    for key in ("cp", "cpk", "cpl", "cpu", "pp", "ppk", "cpm"):
        assert set(d[key]) == {"value", "ci_low", "ci_high"}
    assert {"n", "mean", "sigma_within", "sigma_overall"} <= set(d)


def test_capability_per_station_keyed_by_spec_key():
    import pandas as pd

    from gigatwin.quality.capability import capability_by_station

    rng = np.random.default_rng(2)
    rows = [("coater-1", "dry_areal_loading", v) for v in rng.normal(20.0, 0.2, 40)]
    rows += [("coater-2", "dry_areal_loading", v) for v in rng.normal(20.3, 0.2, 40)]
    rows += [("coater-1", "my_custom_key", v) for v in rng.normal(5.0, 0.1, 10)]
    rows += [("coater-1", "no_limits", 1.0)]
    table = pd.DataFrame(rows, columns=["station", "parameter", "value"])
    out = capability_by_station(table, {"dry_areal_loading": {"lsl": 19.0, "usl": 21.0},
                                        "my_custom_key": {"usl": 5.5}})
    res = out["results"]
    assert set(res) == {("coater-1", "dry_areal_loading"), ("coater-2", "dry_areal_loading"),
                        ("coater-1", "my_custom_key")}
    assert out["skipped"] == 1
    c1 = res[("coater-1", "dry_areal_loading")]
    x = table[(table.station == "coater-1") & (table.parameter == "dry_areal_loading")].value
    assert c1.indices["pp"].value == pytest.approx(2.0 / (6 * x.std(ddof=1)))
    assert res[("coater-2", "dry_areal_loading")].indices["cpk"].value < c1.indices["cpk"].value + 1
    assert any("not in the gigatwin spec registry" in n for n in res[("coater-1", "my_custom_key")].notes)
    assert not any("registry" in n for n in c1.notes)
