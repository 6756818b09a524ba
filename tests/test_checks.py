"""gigatwin.checks: errors name the field, the value, the unit and the range."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigatwin.checks import RangeError, require_fraction, require_positive, require_range


def test_range_error_names_field_value_unit_and_range():
    with pytest.raises(RangeError) as info:
        require_range("porosity", 1.2, unit="1", gt=0, lt=1)
    message = str(info.value)
    assert "porosity" in message and "1.2" in message and "(0, 1)" in message
    assert info.value.field == "porosity" and info.value.value == 1.2


def test_array_reports_first_offender_and_count():
    with pytest.raises(RangeError, match=r"-1 \[m\].*2 values out of range"):
        require_positive("wet_film_thickness", np.array([1e-4, -1.0, -2.0]), unit="m")


def test_nan_is_out_of_range_and_valid_passes_through():
    with pytest.raises(RangeError):
        require_fraction("solid_content", np.nan)
    values = np.array([0.0, 0.5, 1.0])
    assert require_fraction("solid_content", values) is values
    with pytest.raises(RangeError):
        require_fraction("porosity", 0.0, open_interval=True)


def _outside_reference(arr, gt=None, ge=None, lt=None, le=None):
    """The element-wise definition of out of range: NaN, or any bound violated."""
    return (~np.isfinite(arr) | (arr <= gt if gt is not None else False)
            | (arr < ge if ge is not None else False) | (arr >= lt if lt is not None else False)
            | (arr > le if le is not None else False))


BOUNDS = st.fixed_dictionaries({}, optional={
    "gt": st.floats(-10, 10), "ge": st.floats(-10, 10), "lt": st.floats(-10, 10),
    "le": st.floats(-10, 10)})


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.floats(-20, 20), st.just(float("nan")), st.just(float("inf")),
                          st.just(float("-inf")), st.just(-0.0)), max_size=12), BOUNDS)
def test_min_max_fast_path_agrees_with_elementwise_definition(values, bounds):
    """Invariant: the check raises exactly when some element is NaN, infinite or violates a bound, and
    then reports the first such element and how many there are."""
    arr = np.array(values, dtype=float)
    bad = _outside_reference(arr, **bounds)
    if not np.any(bad):
        assert require_range("x", arr, unit="m", **bounds) is arr
        return
    with pytest.raises(RangeError) as info:
        require_range("x", arr, unit="m", **bounds)
    expected = arr[bad][0]
    assert info.value.count == int(bad.sum())
    assert info.value.value == expected or (np.isnan(expected) and np.isnan(info.value.value))


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.floats(-20, 20), st.just(float("nan")), st.integers(-20, 20)), BOUNDS)
def test_scalar_fast_path_agrees_with_array_path(value, bounds):
    """Python and numpy scalars, 0-d and 1-element arrays give the same verdict."""
    verdicts = set()
    for form in (value, np.float64(value), np.array(value, dtype=float),
                 np.array([value], dtype=float)):
        try:
            require_range("x", form, unit="1", **bounds)
            verdicts.add(True)
        except RangeError as exc:
            verdicts.add(False)
            assert exc.count == 1
    assert len(verdicts) == 1
    assert verdicts == {not bool(_outside_reference(np.array(float(value)), **bounds))}


def test_nan_without_bounds_empty_array_and_infinities():
    with pytest.raises(RangeError, match=r"nan \[1\].*\(-inf, inf\)"):
        require_range("x", np.array([1.0, np.nan]), unit="1")
    empty = np.array([])
    assert require_positive("x", empty, unit="m") is empty
    with pytest.raises(RangeError, match="2 values out of range"):
        require_range("x", np.array([np.inf, 1.0, -np.inf]), unit="1", gt=-np.inf, lt=np.inf)
    # an infinite input is rejected even where only one bound is set (review finding:
    # mixer_power = inf used to pass gt=0)
    with pytest.raises(RangeError, match=r"mixer_power = inf \[W\]"):
        require_positive("mixer_power", float("inf"), unit="W")
    with pytest.raises(RangeError):
        require_positive("mixer_power", np.array([1.0, np.inf]), unit="W")
    # where a model gives infinity a meaning (no short circuit), it may admit it explicitly
    short = np.array([1e4, np.inf])
    assert require_positive("short_resistance", short, unit="ohm", allow_infinity=True) is short
    with pytest.raises(RangeError):
        require_positive("short_resistance", np.array([np.nan]), unit="ohm", allow_infinity=True)
    with pytest.raises(RangeError, match=r"x = 0 \[m\] in coating is outside"):
        require_positive("x", np.zeros((2, 3)), unit="m", context="coating")
