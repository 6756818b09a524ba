"""Station statistics of the line simulation: OEE, utilisation, WIP, lead times.

OEE = availability x performance x quality (Nakajima 1988), here computed per station
as (good cells x ideal time per cell) / (units x window): ideal time per cell is the lot
time over the lot size. Pure Python/numpy, no SimPy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from gigatwin.citations import cites
from gigatwin.factory.sources import NAKAJIMA_1988


@dataclass
class StationStats:
    name: str
    machines: int
    busy: float = 0.0  # [unit-s]
    down: float = 0.0
    setup: float = 0.0
    starved: float = 0.0
    blocked: float = 0.0
    lots: int = 0
    failures: int = 0
    cells_in: float = 0.0
    good: float = 0.0

    def reset(self) -> None:
        for key in ("busy", "down", "setup", "starved", "blocked", "cells_in", "good"):
            setattr(self, key, 0.0)
        self.lots = self.failures = 0


@dataclass
class StationResult:
    name: str
    machines: int
    utilisation: float
    availability: float
    performance: float
    quality: float
    oee: float
    active_fraction: float
    failures: int
    lots: int
    good_cells: float
    mean_wip_before: float


@dataclass
class LineResult:
    duration: float  # [s] measured window
    good_cells: float
    throughput: float  # [good cells/s]
    stations: list[StationResult]
    bottleneck: str
    lead_time_quantiles: dict[str, float]  # [s], cell-weighted
    lead_time_mean: float
    wip_cells: float  # mean cells in buffers
    events: int
    wall_seconds: float
    lead_times: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))
    lead_weights: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0))

    @property
    def events_per_second(self) -> float:
        return self.events / self.wall_seconds if self.wall_seconds > 0 else float("nan")


@cites(NAKAJIMA_1988)
def oee(good_cells, ideal_time_per_cell, planned_time):
    """Overall equipment effectiveness OEE = good x t_ideal / T_planned [1]."""
    return np.asarray(good_cells) * ideal_time_per_cell / planned_time


def weighted_quantiles(values, weights, qs):
    """Quantiles of ``values`` weighted by ``weights`` (cells per lot)."""
    v, w = np.asarray(values, dtype=float), np.asarray(weights, dtype=float)
    if v.size == 0:
        return {f"p{int(q * 100)}": float("nan") for q in qs}
    order = np.argsort(v)
    cum = np.cumsum(w[order]) / w.sum()
    return {f"p{int(q * 100)}": float(v[order][np.searchsorted(cum, q).clip(0, v.size - 1)])
            for q in qs}


def summarise(stations, stats, sink, wip, duration, *, wall_seconds, events) -> LineResult:
    results = []
    for st, s in zip(stations, stats, strict=True):
        planned = st.machines * duration
        ideal = st.lot_time / st.lot_cells
        run_time = max(planned - s.down - s.setup, 1e-12)
        availability = run_time / planned
        performance = s.cells_in * ideal / run_time
        quality = s.good / s.cells_in if s.cells_in else 1.0
        results.append(StationResult(
            name=st.name, machines=st.machines, utilisation=s.busy / planned,
            availability=availability, performance=performance, quality=quality,
            oee=float(oee(s.good, ideal, planned)),
            active_fraction=(s.busy + s.down + s.setup) / planned, failures=s.failures,
            lots=s.lots, good_cells=s.good, mean_wip_before=wip.get(st.name, 0.0)))
    bottleneck = max(results, key=lambda r: r.active_fraction).name
    lead = np.asarray(sink.lead_times)
    weights = np.asarray(sink.weights)
    mean = float(np.average(lead, weights=weights)) if lead.size else float("nan")
    return LineResult(duration=duration, good_cells=sink.cells, throughput=sink.cells / duration,
                      stations=results, bottleneck=bottleneck,
                      lead_time_quantiles=weighted_quantiles(lead, weights, (0.05, 0.5, 0.95)),
                      lead_time_mean=mean, wip_cells=float(sum(wip.values())), events=events,
                      wall_seconds=wall_seconds, lead_times=lead, lead_weights=weights)
