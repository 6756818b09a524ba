"""Western Electric and Nelson rules: hand-built sequences where each rule must (and must
not) fire, with the flagged index and the points involved (Nelson 1984 definitions as
tabulated in the NIST/SEMATECH e-Handbook 6.3.2)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_rules import naive_rules

from gigatwin.quality.rules import RULES, evaluate_rules, run_rule_signals, zone_codes


def fired(z, rule):
    return {s.index: s.points for s in run_rule_signals(np.asarray(z, float), [rule])}


def test_beyond_three_sigma():
    assert fired([0, 3.1, -3.2, 2.9], "WE1") == {1: (1,), 2: (2,)}
    assert fired([0, 3.1], "N1") == {1: (1,)}


def test_two_of_three_beyond_two_sigma_same_side():
    assert fired([2.5, 0, 2.1], "WE2") == {2: (0, 2)}
    assert fired([2.5, 0, -2.1], "WE2") == {}  # opposite sides
    assert fired([2.5, 0, 0, 2.1], "N5") == {}  # not within 3


def test_four_of_five_beyond_one_sigma():
    assert fired([1.5, 1.2, 0, 1.1, 1.9], "WE3") == {4: (0, 1, 3, 4)}
    assert fired([1.5, 1.2, 0, 1.1, -1.9], "N6") == {}


def test_runs_on_one_side():
    z = [0.1] * 9
    assert sorted(fired(z, "WE4")) == [7, 8]
    assert fired(z, "N2") == {8: tuple(range(9))}
    assert fired([0.1] * 4 + [0.0] + [0.1] * 4, "WE4") == {}  # a point on the center line breaks it


def test_trend_of_six():
    assert fired([0, 1, 2, 3, 4, 5], "N3") == {5: (0, 1, 2, 3, 4, 5)}
    assert fired([5, 4, 3, 2, 1, 0], "N3") == {5: (0, 1, 2, 3, 4, 5)}
    assert fired([0, 1, 2, 2, 4, 5], "N3") == {}  # a tie breaks the trend


def test_fourteen_alternating():
    z = [(-1) ** i * 0.5 for i in range(14)]
    assert list(fired(z, "N4")) == [13]
    assert fired(z[:13], "N4") == {}


def test_fifteen_within_one_sigma():
    assert list(fired([0.5, -0.5] * 7 + [0.2], "N7")) == [14]
    assert fired([0.5] * 14 + [1.5], "N7") == {}


def test_eight_beyond_one_sigma_either_side():
    z = [1.5, -1.5] * 4
    assert fired(z, "N8") == {7: tuple(range(8))}
    assert fired(z[:-1] + [0.5], "N8") == {}


def test_missing_values_break_runs():
    assert fired([0.1] * 4 + [np.nan] + [0.1] * 4, "WE4") == {}
    assert fired([0, 1, 2, np.nan, 4, 5], "N3") == {}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(st.floats(-4, 4), st.sampled_from([0.0, 1.0, -1.0, 2.0, np.nan])),
                min_size=0, max_size=60))
def test_vectorised_rules_equal_naive_reference(z):
    z = np.asarray(z, dtype=float)
    for name in RULES:
        (hit,) = evaluate_rules(z, [name])
        assert hit.indices.tolist() == naive_rules(z, [name])[name], name


def test_unknown_rule_is_named():
    with pytest.raises(ValueError, match="unknown run rule"):
        evaluate_rules([0.0], ["WE9"])


@settings(max_examples=80, deadline=None)
@given(st.lists(st.sampled_from([0.0, 0.5, -0.5, 1.0, -1.0, 1.5, -1.5, 2.5, -2.5, 3.5, np.nan]),
                min_size=20, max_size=80),
       st.lists(st.integers(-1, 1), min_size=30, max_size=80))
def test_runs_and_zones_equal_naive_reference(levels, walk):
    """Long runs on one side, in a band, trends and alternations are rare in uniform floats;
    these series (few distinct levels; a random walk of +-1 steps; a zigzag) produce them."""
    zigzag = np.array([(-1) ** i * (1.0 + v) for i, v in enumerate(walk)])
    for z in (np.asarray(levels, dtype=float), np.cumsum(np.asarray(walk, dtype=float)), zigzag):
        for name in RULES:
            (hit,) = evaluate_rules(z, [name])
            assert hit.indices.tolist() == naive_rules(z, [name])[name], name


def test_zone_codes_by_hand():
    z = np.array([0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, -0.5, -1.0, -2.0, -3.5, np.nan])
    assert zone_codes(z).tolist() == [0, 1, 1, 2, 2, 3, 3, 4, -1, -1, -2, -4, 0]
    assert zone_codes(z).dtype == np.int8


def test_signal_points_of_k_of_n_rules_are_the_qualifying_points():
    (signal,) = run_rule_signals([-1.5, -0.2, -1.2, -1.1, -1.9], ["WE3"])
    assert (signal.index, signal.points) == (4, (0, 2, 3, 4))
