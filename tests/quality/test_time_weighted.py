"""EWMA and CUSUM against worked examples, with the provenance of every number.

* NIST/SEMATECH e-Handbook 6.3.2.4 (EWMA): 20 observations, lambda = 0.3, EWMA_0 = 50,
  s = 2.0539, k = 3; EWMA values to 2 decimals; steady-state limits UCL = 52.5884,
  LCL = 47.4115; no point out of control. The handbook page itself could not be read
  with the search tools available here (a copy of the handbook text found on the web has
  the numbers stripped); data, EWMA values and limits are as quoted from the page in a
  public repository's evidence script (claimlib/modules/ewma/evidence.py, found in the
  code index; the index does not name the repository). Checked by hand:
  z_1 = 0.3 * 52 + 0.7 * 50 = 50.60, z_2 = 0.3 * 47 + 0.7 * 50.60 = 49.52;
  UCL = 50 + 3 * 2.0539 * sqrt(0.3 / 1.7) = 50 + 3 * 2.0539 * 0.420084 = 52.58843.
* Montgomery, Introduction to SQC, Example 9.1 / Table 9.2 (tabular CUSUM): mu_0 = 10,
  sigma = 1, K = 0.5, H = 5. The 30 observations also appear in the IMSL EWMA example
  (help.imsl.com, citing Montgomery p. 428); the tabulated upper CUSUM for periods 1-29
  is as quoted in a public repository's test (MONTGOMERY_UPPER, found in the code
  index), the book itself was not readable here. Checked by hand:
  C+_4 = 11.66 - 10.5 = 1.16, C+_5 = 1.16 + 12.16 - 10.5 = 2.82,
  C+_6 = 2.82 + 10.18 - 10.5 = 2.50; C-_2 = (9.5 - 9.45) + (9.5 - 7.99) = 1.56.
"""

import numpy as np
import pytest

from gigatwin.quality import cusum, ewma

NIST_DATA = [52.0, 47.0, 53.0, 49.3, 50.1, 47.0, 51.0, 50.1, 51.2, 50.5,
             49.6, 47.6, 49.9, 51.3, 47.8, 51.2, 52.6, 52.4, 53.6, 52.1]
NIST_EWMA = [50.60, 49.52, 50.56, 50.18, 50.16, 49.21, 49.75, 49.85, 50.26, 50.33,
             50.11, 49.36, 49.52, 50.05, 49.38, 49.92, 50.73, 51.23, 51.94, 51.99]

MONTGOMERY_9_1 = [9.45, 7.99, 9.29, 11.66, 12.16, 10.18, 8.04, 11.46, 9.20, 10.34,
                  9.03, 11.47, 10.51, 9.40, 10.08, 9.37, 10.62, 10.31, 8.52, 10.84,
                  10.90, 9.33, 12.29, 11.50, 10.60, 11.08, 10.38, 11.62, 11.31, 10.52]
MONTGOMERY_UPPER = [0.0, 0.0, 0.0, 1.16, 2.82, 2.50, 0.04, 1.00, 0.0, 0.0, 0.0, 0.97, 0.98,
                    0.0, 0.0, 0.0, 0.12, 0.0, 0.0, 0.34, 0.74, 0.0, 1.79, 2.79, 2.89, 3.47,
                    3.35, 4.47, 5.28]


def test_ewma_nist_handbook_example():
    a = ewma(NIST_DATA, lam=0.3, target=50, sigma=2.0539, steady_state=True)
    c = a.charts[0]
    assert np.round(c.statistic, 2).tolist() == NIST_EWMA
    assert c.ucl[0] == pytest.approx(52.5884, abs=1e-3)  # the page's truncated 0.4201 factor
    assert c.lcl[0] == pytest.approx(47.4115, abs=1e-3)
    assert c.ucl[0] == pytest.approx(52.58843, abs=1e-5)  # hand computation above
    assert a.signals == []


def test_ewma_exact_limits_start_at_lambda_sigma():
    # First point: sd = sigma * lambda exactly (hand: sqrt(l/(2-l) (1-(1-l)^2)) = l).
    c = ewma([1.0, 2.0, 3.0], lam=0.3, target=0.0, sigma=2.0).charts[0]
    assert c.ucl[0] == pytest.approx(3 * 2.0 * 0.3)
    assert c.statistic.tolist() == pytest.approx([0.3, 0.81, 1.467])


def test_ewma_missing_value_carries_forward():
    c = ewma([1.0, np.nan, 1.0], lam=0.5, target=0.0, sigma=1.0).charts[0]
    assert c.statistic.tolist() == pytest.approx([0.5, 0.5, 0.75])


def test_cusum_montgomery_example_9_1():
    a = cusum(MONTGOMERY_9_1, k=0.5, h=5, target=10, sigma=1)
    upper = a.chart("cusum_upper")
    assert np.round(upper.statistic[:29], 2).tolist() == MONTGOMERY_UPPER
    assert upper.limit_signal_indices() == [28, 29]  # periods 29 and 30
    assert a.chart("cusum_lower").statistic[1] == pytest.approx(1.56)  # 9.5-9.45 + 9.5-7.99
    assert a.chart("cusum_lower").signals == []


def test_cusum_subgroups_are_standardised_by_sqrt_n():
    # Two subgroups of 4 with mean 11, mu 10, sigma 2: y = (11-10)/(2/2) = 1.
    m = np.array([[11.0, 11.0, 11.0, 11.0]] * 2)
    a = cusum(m, k=0.5, h=5, target=10, sigma=2)
    assert a.chart("cusum_upper").statistic.tolist() == pytest.approx([0.5, 1.0])


def test_cusum_rejects_bad_parameters():
    with pytest.raises(ValueError, match="h = 0"):
        cusum([1.0, 2.0], h=0, target=1, sigma=1)
