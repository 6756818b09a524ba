"""One conformance test over every step module (the uniform step contract).

For every module in ``gigatwin.steps.STEP_MODULES`` and every entry of its ``CONFORMANCE``:
scalar and array inputs agree, valid inputs never give NaN, and each invalid input raises a
``ValueError`` naming the offending argument. A module without ``CONFORMANCE`` fails.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect

import numpy as np
import pytest

from gigatwin.steps import STEP_MODULES
from gigatwin.steps.contract import Conformance

N = 4


def _module(name):
    return importlib.import_module(f"gigatwin.steps.{name}")


def _entries():
    for name in STEP_MODULES:
        try:
            module = _module(name)
        except ModuleNotFoundError:
            yield pytest.param(name, None, id=f"{name}-missing")
            continue
        entries = getattr(module, "CONFORMANCE", None)
        if not entries:
            yield pytest.param(name, None, id=f"{name}-no-CONFORMANCE")
            continue
        for entry in entries:
            yield pytest.param(name, entry, id=f"{name}.{entry.function.__name__}")


def _as_dict(result) -> dict[str, np.ndarray]:
    if dataclasses.is_dataclass(result):
        return {f.name: np.asarray(getattr(result, f.name), dtype=float)
                for f in dataclasses.fields(result)}
    if isinstance(result, tuple):
        return {str(i): np.asarray(v, dtype=float) for i, v in enumerate(result)}
    return {"result": np.asarray(result, dtype=float)}


def _arrays(valid):
    """Every scalar argument repeated N times, with a small spread-free tile."""
    return {k: (np.full(N, v, dtype=float) if np.ndim(v) == 0 and not isinstance(v, bool) else v)
            for k, v in valid.items()}


@pytest.mark.parametrize(("module_name", "entry"), list(_entries()))
def test_step_conformance(module_name, entry: Conformance | None):
    assert entry is not None, (
        f"gigatwin.steps.{module_name} is missing or defines no CONFORMANCE (step contract)")
    scalar = _as_dict(entry.function(**entry.valid))
    for key, value in scalar.items():
        assert not np.isnan(value).any(), f"{entry.function.__name__} gave NaN in {key}"
    array = _as_dict(entry.function(**_arrays(entry.valid)))
    for key, value in scalar.items():
        got = np.broadcast_to(array[key], (N,)) if array[key].ndim else array[key]
        np.testing.assert_allclose(got, np.full(N, value), rtol=1e-12,
                                   err_msg=f"{entry.function.__name__}.{key}: array != scalar")
    for argument, bad in entry.invalid:
        with pytest.raises(ValueError) as info:
            entry.function(**{**entry.valid, argument: bad})
        assert argument in str(info.value), (
            f"{entry.function.__name__}({argument}={bad!r}) error does not name {argument!r}: "
            f"{info.value}")


@pytest.mark.parametrize("module_name", STEP_MODULES)
def test_every_public_model_has_a_conformance_entry(module_name):
    module = _module(module_name)
    covered = {e.function.__name__ for e in getattr(module, "CONFORMANCE", ())}
    public = {name for name, obj in inspect.getmembers(module, inspect.isfunction)
              if not name.startswith("_") and obj.__module__ == module.__name__}
    assert public <= covered, f"{module_name}: no CONFORMANCE for {sorted(public - covered)}"
