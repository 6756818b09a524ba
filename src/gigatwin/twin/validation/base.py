"""Published reference cases: what a case compares, and how a comparison is judged.

A *case* is one published measurement or teardown (a cell, or one process step) run
through gigatwin's models; each comparison holds the reference value with its source,
the predicted value, and the tolerance the source's scatter allows. A case that misses
stays in the suite with ``known_miss`` set to the reason (a strict xfail in the tests).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Comparison:
    """One quantity of one case: reference against prediction, in the spec key's unit."""

    case: str
    quantity: str           # a key of the data specification
    unit: str               # display unit of reference and predicted (pint syntax)
    reference: float
    predicted: float
    tolerance: float        # allowed |deviation|, relative (0.05 = 5 %) if relative
    relative: bool = True
    source: str = ""        # paper, table or figure
    known_miss: str = ""    # reason, when the model is known to miss this one

    @property
    def deviation(self) -> float:
        """Relative (predicted / reference - 1) or absolute (predicted - reference)."""
        if self.relative:
            return self.predicted / self.reference - 1.0
        return self.predicted - self.reference

    @property
    def within(self) -> bool:
        return abs(self.deviation) <= self.tolerance


@dataclass(frozen=True)
class Case:
    """A named published case; ``run()`` returns its comparisons."""

    name: str
    kind: str               # "cell" or the step name of the spec ("drying", ...)
    source: str
    run: Callable[[], list[Comparison]] = field(repr=False)
