"""Control-chart constants computed from their definitions vs the published tables.

Table values: Montgomery, Introduction to Statistical Quality Control, 7th ed.,
Appendix VI ("Factors for constructing variables control charts"); the same values
are in the NIST/SEMATECH e-Handbook 6.3.2 tables (e.g. d2(5) = 2.326, c4(5) = 0.9400,
A2(5) = 0.577, D4(5) = 2.114). Tables print 3-4 decimals, so tolerances are half a
unit in the last printed place.
"""

import math

import pytest

from gigatwin.quality import A2, A3, B3, B4, D3, D4, c4, d2, d3

TABLE = {  # n: (d2, d3, c4, A2, A3, D3, D4, B3, B4)
    2: (1.128, 0.853, 0.7979, 1.880, 2.659, 0.0, 3.267, 0.0, 3.267),
    3: (1.693, 0.888, 0.8862, 1.023, 1.954, 0.0, 2.574, 0.0, 2.568),
    5: (2.326, 0.864, 0.9400, 0.577, 1.427, 0.0, 2.114, 0.0, 2.089),
    10: (3.078, 0.797, 0.9727, 0.308, 0.975, 0.223, 1.777, 0.284, 1.716),
    25: (3.931, 0.708, 0.9896, 0.153, 0.606, 0.459, 1.541, 0.565, 1.435),
}


@pytest.mark.parametrize("n", sorted(TABLE))
def test_constants_match_montgomery_appendix_vi(n):
    want = TABLE[n]
    got = (d2(n), d3(n), c4(n), A2(n), A3(n), D3(n), D4(n), B3(n), B4(n))
    places = (3, 3, 4, 3, 3, 3, 3, 3, 3)
    for name, g, w, p in zip(("d2", "d3", "c4", "A2", "A3", "D3", "D4", "B3", "B4"),
                             got, want, places, strict=True):
        # D4(3) is printed 2.574 (1 + 3 * 0.888/1.693 = 2.5735...): allow one unit.
        tol = 10.0 ** -p * (1.0 if (name, n) == ("D4", 3) else 0.5) + 1e-12
        assert abs(g - w) <= tol, f"{name}({n}) = {g} vs table {w}"


def test_d2_of_two_is_exact():
    # E|X1 - X2| for standard normals = 2/sqrt(pi) (hand computation).
    assert d2(2) == pytest.approx(2 / math.sqrt(math.pi), abs=1e-9)
    # Var(|X1-X2|) = 2 - 4/pi
    assert d3(2) == pytest.approx(math.sqrt(2 - 4 / math.pi), abs=1e-8)


def test_c4_closed_form_small_n():
    # c4(2) = sqrt(2/pi) (hand computation from the gamma function)
    assert c4(2) == pytest.approx(math.sqrt(2 / math.pi), rel=1e-12)


def test_bad_subgroup_size_is_named():
    with pytest.raises(ValueError, match="subgroup size n = 1"):
        d2(1)
