"""The uniform step contract, exercised by one conformance test over all step modules."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Conformance:
    """How the conformance test exercises one model function.

    ``valid``: keyword arguments (SI scalars) inside the validity range.
    ``invalid``: a list of (argument name, bad value) pairs; substituting any one of them
    into ``valid`` must raise ``ValueError`` whose message names that argument.
    """

    function: Callable
    valid: Mapping[str, float]
    invalid: tuple[tuple[str, float], ...] = field(default_factory=tuple)


def scalar_or_array(x):
    """A model's result as the contract wants it: a Python float for scalar inputs, else an array."""
    arr = np.asarray(x, dtype=float)
    return float(arr) if arr.ndim == 0 else arr
