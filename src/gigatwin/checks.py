"""Input checks shared by every model: errors that name the field, value, unit and range.

Models take SI floats or numpy arrays. A check looks at the whole array at once and, on
failure, reports the first offending value and how many there are::

    >>> require_range("porosity", 1.2, unit="1", gt=0, lt=1)
    Traceback (most recent call last):
    ...
    gigatwin.checks.RangeError: porosity = 1.2 [1] is outside the allowed range (0, 1)
"""

from __future__ import annotations

import numpy as np


class RangeError(ValueError):
    """A value outside its allowed range. Carries the field, the value, unit and bounds."""

    def __init__(self, field: str, value: float, unit: str, bounds: str, count: int = 1,
                 context: str = ""):
        self.field, self.value, self.unit, self.bounds, self.count = field, value, unit, bounds, count
        many = f" ({count} values out of range)" if count > 1 else ""
        where = f" in {context}" if context else ""
        super().__init__(
            f"{field} = {value:.6g} [{unit}]{where} is outside the allowed range {bounds}{many}"
        )


def format_bounds(gt=None, ge=None, lt=None, le=None) -> str:
    """Interval notation: ``(0, 1)``, ``[0, inf)`` ..."""
    left = f"({gt:g}" if gt is not None else (f"[{ge:g}" if ge is not None else "(-inf")
    right = f"{lt:g})" if lt is not None else (f"{le:g}]" if le is not None else "inf)")
    return f"{left}, {right}"


def require_range(field: str, value, *, unit: str, gt=None, ge=None, lt=None, le=None,
                  context: str = "", allow_infinity: bool = False):
    """Raise :class:`RangeError` unless every element of ``value`` lies in the interval.

    NaN and infinities are always out of range: no physical quantity is infinite, and an
    infinity in a model input is a bug upstream. ``allow_infinity=True`` admits +-inf where
    the model gives it a meaning (a short resistance of inf: no short) and the bounds allow
    it. Returns ``value`` as given, so checks can be
    chained inline. The common case (everything inside) costs one ``min`` and one ``max``
    reduction: NaN propagates through both and fails every comparison. Only a failing check builds the
    element-wise mask, for the first offender and the count in the message.
    """
    if isinstance(value, (float, int)):  # plain Python or numpy float scalar: no array
        scalar = float(value)
        if _inside(scalar, scalar, gt, ge, lt, le, allow_infinity):
            return value
        raise RangeError(field, scalar, unit, format_bounds(gt, ge, lt, le), 1, context)
    arr = np.asarray(value, dtype=float)
    if arr.size == 0:
        return value
    if _scalar_bounds(gt, ge, lt, le):
        if arr.size == 1:
            low = high = arr.item()
        else:
            low, high = arr.min(), arr.max()
        if _inside(low, high, gt, ge, lt, le, allow_infinity):
            return value
    bad = _outside(arr, gt, ge, lt, le, allow_infinity)
    if bad.any():
        first = float(arr[bad].flat[0]) if arr.ndim else float(arr)
        raise RangeError(field, first, unit, format_bounds(gt, ge, lt, le), int(bad.sum()), context)
    return value


def _scalar_bounds(*bounds) -> bool:
    return all(b is None or isinstance(b, (float, int)) for b in bounds)


def _inside(low, high, gt, ge, lt, le, allow_infinity=False) -> bool:
    """True when [low, high] lies in the interval; False when either is NaN (or infinite)."""
    finite = low == low and high == high if allow_infinity else -np.inf < low and high < np.inf
    return bool(finite
                and (gt is None or low > gt) and (ge is None or low >= ge)
                and (lt is None or high < lt) and (le is None or high <= le))


def _outside(arr: np.ndarray, gt, ge, lt, le, allow_infinity=False) -> np.ndarray:
    """Element-wise mask of values outside the interval (NaN, and infinities unless allowed)."""
    bad = np.isnan(arr) if allow_infinity else ~np.isfinite(arr)
    if gt is not None:
        bad |= arr <= gt
    if ge is not None:
        bad |= arr < ge
    if lt is not None:
        bad |= arr >= lt
    if le is not None:
        bad |= arr > le
    return bad


def require_positive(field: str, value, *, unit: str, context: str = "", allow_infinity: bool = False):
    """Shorthand for a strictly positive quantity (thickness, speed, density ...)."""
    return require_range(field, value, unit=unit, gt=0, context=context, allow_infinity=allow_infinity)


def require_fraction(field: str, value, *, open_interval: bool = False, context: str = ""):
    """A fraction in [0, 1], or (0, 1) with ``open_interval`` (porosity)."""
    if open_interval:
        return require_range(field, value, unit="1", gt=0, lt=1, context=context)
    return require_range(field, value, unit="1", ge=0, le=1, context=context)
