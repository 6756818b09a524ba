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


class InputFileError(ValueError):
    """A file that cannot be read as what it should be; the message names the file."""


# A user's recipe, plant or configuration is a few kB; data files go through pandas/Arrow.
MAX_TEXT_FILE_BYTES = 20 * 1024 * 1024
# YAML aliases (``*name``) let a 1 kB file expand to billions of nodes ("YAML bomb"):
# the document is refused when its aliases expanded would exceed this many nodes.
MAX_YAML_NODES = 1_000_000


def read_text(path, what: str = "file") -> str:
    """The text of a UTF-8 file; an error names the file, and the byte that is not UTF-8.

    ``what`` says what the file is for the message ("recipe", "plant file"...).
    """
    from pathlib import Path

    path = Path(path)
    size = path.stat().st_size
    if size > MAX_TEXT_FILE_BYTES:
        raise InputFileError(f"{what} {path} has {size:,} bytes; at most "
                             f"{MAX_TEXT_FILE_BYTES:,} are read")
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputFileError(
            f"{what} {path} is not UTF-8 text: byte 0x{data[exc.start]:02x} at position "
            f"{exc.start} (line {line}) cannot be decoded; save the file as UTF-8") from None


def load_yaml(path, what: str = "file"):
    """Parse a YAML file safely: UTF-8, bounded size, and at most ``MAX_YAML_NODES`` nodes
    once its aliases are expanded (so a "YAML bomb" is refused, not expanded).

    Malformed YAML is an :class:`InputFileError` naming the file, line and column.
    """
    import yaml

    class _Loader(yaml.SafeLoader):
        """Counts each node's expanded size as it is composed (children come first)."""

        def compose_node(self, parent, index):
            node = super().compose_node(parent, index)
            sizes = self.__dict__.setdefault("expanded", {})
            if id(node) not in sizes:
                if isinstance(node, yaml.SequenceNode):
                    size = 1 + sum(sizes.get(id(c), 1) for c in node.value)
                elif isinstance(node, yaml.MappingNode):
                    size = 1 + sum(sizes.get(id(k), 1) + sizes.get(id(v), 1)
                                   for k, v in node.value)
                else:
                    size = 1
                sizes[id(node)] = size
                if size > MAX_YAML_NODES:
                    raise InputFileError(
                        f"{what} {path} expands to more than {MAX_YAML_NODES:,} values "
                        "through YAML aliases (*name); write the values out instead")
            return node

    text = read_text(path, what)
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise InputFileError(f"{what} {path} is not valid YAML{where}: "
                             f"{exc.problem or exc}") from None
    except yaml.YAMLError as exc:
        raise InputFileError(f"{what} {path} is not valid YAML: {exc}") from None
