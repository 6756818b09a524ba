"""One pint unit registry for the whole project, and helpers to convert at the edges.

Everything inside gigatwin is SI (m, kg, s, K, Pa, J, A, V, mol). Units appear in data
files and records as strings that pint parses (``"m/min"``, ``"um"``, ``"mg/cm^2"``,
``"degC"``, ``"ppm"``). Convert with :func:`to_si` when data come in and with
:func:`from_si` when they go out; never with hand-written factors.

>>> to_si(30, "m/min")
0.5
>>> from_si(1.5e-4, "um")
150.0
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import pint


def _registry() -> pint.UnitRegistry:
    """pint's registry, its parsed unit definitions cached on disk (pint's own cache:
    0.02 s instead of 0.12 s at every start of a command). The folder is
    ``$GIGATWIN_UNITS_CACHE`` or ``~/.cache/gigatwin/pint``; ``GIGATWIN_UNITS_CACHE=0``
    turns it off."""
    folder = os.environ.get("GIGATWIN_UNITS_CACHE") or str(
        Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "gigatwin" / "pint")
    if folder != "0":
        try:
            return pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=folder)
        except Exception:  # an unwritable folder, or a cache file another
            pass           # process is writing at this moment: parse the definitions instead
    return pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=None)


ureg = _registry()
ureg.formatter.default_format = "~P"

# Units common on battery lines that pint does not define out of the box.
ureg.define("ampere_hour = ampere * hour = Ah")
ureg.define("milliampere_hour = 1e-3 * ampere_hour = mAh")
ureg.define("watt_hour_ = watt * hour = Wh")
ureg.define("C_rate = 1 / hour")  # a C-rate of 1 charges the rated capacity in one hour
ureg.define("rpm = revolution / minute")

Quantity = ureg.Quantity
DimensionalityError = pint.DimensionalityError
UndefinedUnitError = pint.UndefinedUnitError


class UnitError(ValueError):
    """A unit string that pint cannot parse, or that has the wrong dimension."""


@lru_cache(maxsize=1024)
def parse_unit(unit: str) -> pint.Unit:
    """Parse a unit string (``"m/min"``, ``"1"`` or ``""`` for dimensionless)."""
    text = (unit or "").strip()
    if text in ("", "1", "-", "dimensionless"):
        return ureg.dimensionless
    try:
        return ureg.Unit(text)
    except (pint.UndefinedUnitError, pint.errors.DefinitionSyntaxError, AttributeError,
            TypeError, ValueError, AssertionError) as exc:
        raise UnitError(f"unit {unit!r} is not a unit pint understands ({exc})") from exc


@lru_cache(maxsize=1024)
def si_unit(unit: str) -> pint.Unit:
    """The coherent SI unit of the same dimension as ``unit`` (``"m/min"`` -> m/s)."""
    return ureg.Quantity(1.0, parse_unit(unit)).to_base_units().units


def si_unit_string(unit: str) -> str:
    """``si_unit`` as a compact string, ``"1"`` when dimensionless."""
    u = si_unit(unit)
    return "1" if u == ureg.dimensionless else f"{u:~C}"


def dimensionality(unit: str) -> str:
    """The dimension of ``unit`` as text, e.g. ``"[length] / [time]"``."""
    dim = parse_unit(unit).dimensionality
    return str(dim) if dim else "dimensionless"


def same_dimension(unit_a: str, unit_b: str) -> bool:
    """True when both units measure the same kind of quantity."""
    return parse_unit(unit_a).dimensionality == parse_unit(unit_b).dimensionality


def to_si(value, unit: str):
    """Convert ``value`` given in ``unit`` to SI. Scalars stay floats, arrays stay arrays.

    Offset units (degC, degF) are converted to kelvin correctly.
    """
    q = ureg.Quantity(np.asarray(value, dtype=float), parse_unit(unit)).to_base_units()
    return _plain(q.magnitude)


def from_si(value, unit: str):
    """Convert an SI ``value`` to ``unit`` (the inverse of :func:`to_si`)."""
    target = parse_unit(unit)
    base = ureg.Quantity(1.0, target).to_base_units().units
    q = ureg.Quantity(np.asarray(value, dtype=float), base).to(target)
    return _plain(q.magnitude)


def convert(value, from_unit: str, to_unit: str):
    """Convert ``value`` between two units of the same dimension."""
    q = ureg.Quantity(np.asarray(value, dtype=float), parse_unit(from_unit))
    return _plain(q.to(parse_unit(to_unit)).magnitude)


def parse_quantity(text: str) -> tuple[float, str]:
    """Split a quantity string such as ``"+-0.01 mg/cm^2"`` or ``"1 um"`` into (magnitude, unit)."""
    cleaned = str(text).replace("±", "").replace("+-", "").replace("+/-", "").strip()
    try:
        q = ureg.Quantity(cleaned)
    except Exception as exc:  # pint raises several unrelated types here
        raise UnitError(f"{text!r} is not a quantity pint understands ({exc})") from exc
    if not isinstance(q, pint.Quantity):
        return float(q), "1"
    return float(q.magnitude), f"{q.units:~C}" if q.units != ureg.dimensionless else "1"


def _plain(magnitude):
    arr = np.asarray(magnitude)
    return float(arr) if arr.ndim == 0 else arr
