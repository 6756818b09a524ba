"""Cell matching: assign cells to modules so that each module's cells are alike.

Algorithm ("sort, band and cut", documented in docs/quality.md):

1. Sort all cells by capacity (ties by resistance) and cut the sorted list into
   *bands* of ``cells_per_module * modules_per_band`` consecutive cells.
2. Within a band, sort by resistance and cut into modules of ``cells_per_module``.

With ``modules_per_band = 1`` step 2 does nothing and the modules are consecutive runs of
the capacity-sorted list, which minimises the sum of within-module capacity ranges
for equal-sized groups (a contiguous partition of sorted values is optimal for the
sum of ranges). Larger bands trade a little capacity spread for resistance spread.
The objective reported is the sum over modules of the within-module ranges, capacity
and resistance separately, compared against sequential assignment (cells in the order
they come off the line). Cells left over (count not a multiple of the module size)
are reported, not forced into a module. Cost: one sort, O(N log N).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class MatchResult:
    """Module number per cell (-1 = unassigned) and the spread metrics."""

    module: np.ndarray
    capacity_spread: float  # mean within-module capacity range [unit of capacity]
    resistance_spread: float  # mean within-module resistance range [unit of resistance]
    sequential_capacity_spread: float
    sequential_resistance_spread: float
    unassigned: list[int]
    reasons: dict[int, str] = field(default_factory=dict)  # cell index -> why not matched

    @property
    def capacity_improvement(self) -> float:
        """Sequential / matched mean within-module capacity range [1]."""
        return _ratio(self.sequential_capacity_spread, self.capacity_spread)

    @property
    def resistance_improvement(self) -> float:
        return _ratio(self.sequential_resistance_spread, self.resistance_spread)

    def as_dict(self) -> dict:
        return {"module": self.module.tolist(), "capacity_spread": self.capacity_spread,
                "resistance_spread": self.resistance_spread,
                "sequential_capacity_spread": self.sequential_capacity_spread,
                "sequential_resistance_spread": self.sequential_resistance_spread,
                "capacity_improvement": self.capacity_improvement,
                "resistance_improvement": self.resistance_improvement,
                "unassigned": self.unassigned,
                "reasons": {str(i): r for i, r in self.reasons.items()}}


def _ratio(a, b):
    return float(a / b) if b > 0 else float("inf")


def mean_module_range(values: np.ndarray, module: np.ndarray) -> float:
    """Mean over modules of (max - min) of ``values`` within the module."""
    ok = module >= 0
    if not ok.any():
        return float("nan")
    m, v = module[ok], values[ok]
    n_modules = m.max() + 1
    high = np.full(n_modules, -np.inf)
    low = np.full(n_modules, np.inf)
    np.maximum.at(high, m, v)
    np.minimum.at(low, m, v)
    return float(np.mean(high - low))


def sequential_modules(n_cells: int, cells_per_module: int) -> np.ndarray:
    """Cells in line order, filled into modules one after the other."""
    module = np.arange(n_cells) // cells_per_module
    module[module >= n_cells // cells_per_module] = -1
    return module


def match_cells(capacity, resistance, cells_per_module: int, *,
                modules_per_band: int = 1) -> MatchResult:
    """Assign cells to modules minimising the within-module spread (see module docstring).

    ``capacity`` [C] and ``resistance`` [ohm] per cell (SI; the assignment is the same
    for any positive scale, the spreads are in the unit given). A cell with a missing
    value, an infinite one or one outside the spec's physical range (a negative
    capacity or resistance) is left unassigned, with its reason in ``reasons``.
    Leftover cells (the usable count is not a multiple of ``cells_per_module``) are
    unassigned too. Fewer usable cells than one module is a ValueError.
    """
    from gigatwin.quality.grading import physical_problems

    cap = np.asarray(capacity, dtype=float)
    res = np.asarray(resistance, dtype=float)
    if cap.shape != res.shape or cap.ndim != 1:
        raise ValueError("capacity and resistance must have one value per cell")
    for name, value in (("cells_per_module", cells_per_module),
                        ("modules_per_band", modules_per_band)):
        if isinstance(value, bool) or int(value) != value or value < 1:
            raise ValueError(f"{name} = {value} [1] is outside the allowed range [1, inf)")
    problems = physical_problems({"capacity": cap, "dcir": res}, {"capacity": "Ah",
                                                                  "dcir": "mohm"})
    reasons = {i: "; ".join(p) for i, p in enumerate(problems) if p}
    for i in np.flatnonzero(np.isnan(cap) | np.isnan(res)):
        reasons[int(i)] = "missing " + " and ".join(
            q for q, v in (("capacity", cap[i]), ("resistance", res[i])) if np.isnan(v))
    valid = np.setdiff1d(np.arange(cap.size), np.fromiter(reasons, dtype=int, count=len(reasons)))
    if valid.size == 0:
        raise ValueError(f"no cell has a valid capacity and resistance (of {cap.size}; "
                         f"first: {reasons[0]})")
    if valid.size < cells_per_module:
        raise ValueError(f"cells_per_module = {cells_per_module} is more than the {valid.size} "
                         f"cells with a valid capacity and resistance (of {cap.size})")
    usable = (valid.size // cells_per_module) * cells_per_module
    order = valid[np.lexsort((res[valid], cap[valid]))]  # by capacity, ties by resistance
    module = np.full(cap.size, -1)
    band = cells_per_module * modules_per_band
    for start in range(0, usable, band):  # loop over bands, not cells
        members = order[start:min(start + band, usable)]
        members = members[np.argsort(res[members], kind="stable")]
        first_module = start // cells_per_module
        module[members] = first_module + np.arange(members.size) // cells_per_module
    for i in order[usable:]:
        reasons[int(i)] = f"left over ({valid.size} usable cells, modules of {cells_per_module})"
    seq = np.full(cap.size, -1)
    seq[valid] = sequential_modules(valid.size, cells_per_module)
    unassigned = np.flatnonzero(module < 0).tolist()
    return MatchResult(module, mean_module_range(cap, module), mean_module_range(res, module),
                       mean_module_range(cap, seq), mean_module_range(res, seq), unassigned,
                       dict(sorted(reasons.items())))
