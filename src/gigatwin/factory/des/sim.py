"""SimPy simulation of the cell line: lots, buffers, failures, changeovers, scrap, batches.

Nouns are classes (``LotBuffer``, ``StationStats``), verbs are processes (``run_machine``).
Time runs over operating hours only: a simulated day is ``shifts x hours_per_shift``.
Material in a buffer is counted in cells (a ``simpy.Container``) with a FIFO record of
when it entered the line, so each finished lot has a lead time. Failures: exponential
time between failures (counted on processing time) and exponential repair times;
changeovers every N lots; scrap by a binomial draw with the step yield.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import simpy

from gigatwin.factory.des.line import StationSpec
from gigatwin.factory.des.stats import LineResult, StationStats, summarise


class LotBuffer:
    """Cells waiting in front of a station, with their line-entry times (FIFO)."""

    def __init__(self, env: simpy.Environment, capacity: float):
        self.env = env
        self.container = simpy.Container(env, capacity=capacity)
        self.entries: deque[list[float]] = deque()  # [cells, birth time]
        self._area = 0.0
        self._t = 0.0
        self._level = 0.0

    def _account(self, delta: float) -> None:
        now = self.env.now
        self._area += self._level * (now - self._t)
        self._t, self._level = now, self._level + delta

    def add(self, cells: float, birth: float) -> None:
        self.entries.append([cells, birth])
        self._account(cells)

    def take(self, cells: float) -> float:
        """Remove ``cells`` from the head; returns their mean line-entry time."""
        self._account(-cells)
        need, weighted = cells, 0.0
        while need > 1e-9 and self.entries:
            head = self.entries[0]
            used = min(head[0], need)
            weighted += used * head[1]
            need -= used
            head[0] -= used
            if head[0] <= 1e-9:
                self.entries.popleft()
        taken = cells - need
        return weighted / taken if taken > 0 else self.env.now

    def mean_level(self, since: float) -> float:
        self._account(0.0)
        span = self.env.now - since
        return self._area / span if span > 0 else 0.0

    def reset(self) -> None:
        self._account(0.0)
        self._area = 0.0


@dataclass
class Sink:
    cells: float = 0.0
    lead_times: list[float] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)

    def record(self, cells: float, lead_time: float) -> None:
        self.cells += cells
        self.lead_times.append(lead_time)
        self.weights.append(cells)

    def reset(self) -> None:
        self.cells = 0.0
        self.lead_times.clear()
        self.weights.clear()


def run_machine(env, st: StationSpec, stats: StationStats, inbuf: LotBuffer | None,
                outbuf: LotBuffer | None, sink: Sink, rng: np.random.Generator,
                failures: bool, changeovers: bool, stochastic_yield: bool):
    """One unit of a station: take a lot, process it (with failures), pass the good cells."""
    has_failures = failures and bool(st.mtbf) and bool(st.mttr)
    uptime = rng.exponential(st.mtbf) if has_failures else math.inf
    lots = 0
    while True:
        t0 = env.now
        if inbuf is None:
            birth = env.now
        else:
            yield inbuf.container.get(st.lot_cells)
            birth = inbuf.take(st.lot_cells)
        stats.starved += env.now - t0
        remaining = st.lot_time
        while remaining > 0:
            if uptime >= remaining:
                yield env.timeout(remaining)
                stats.busy += remaining
                uptime -= remaining
                remaining = 0.0
            else:
                yield env.timeout(uptime)
                stats.busy += uptime
                remaining -= uptime
                repair = rng.exponential(st.mttr)
                yield env.timeout(repair)
                stats.down += repair
                stats.failures += 1
                uptime = rng.exponential(st.mtbf)
        good = (float(rng.binomial(int(round(st.lot_cells)), st.yield_fraction))
                if stochastic_yield else st.lot_cells * st.yield_fraction)
        stats.lots += 1
        stats.cells_in += st.lot_cells
        stats.good += good
        t1 = env.now
        if outbuf is None:
            sink.record(good, env.now - birth)
        elif good > 0:
            outbuf.add(good, birth)
            yield outbuf.container.put(good)
        stats.blocked += env.now - t1
        lots += 1
        if changeovers and st.changeover_every and lots % st.changeover_every == 0:
            yield env.timeout(st.changeover_time)
            stats.setup += st.changeover_time


def simulate_line(stations: list[StationSpec], duration: float, *, warmup: float = 0.0,
                  seed: int = 0, failures: bool = True, changeovers: bool = True,
                  stochastic_yield: bool = True, chunk: float = 86400.0,
                  progress: Callable[[float, float], None] | None = None) -> LineResult:
    """Simulate ``duration`` seconds of operating time after ``warmup`` seconds.

    stations: the line in order (``des.line.line_from_result``); seed: for the
    ``numpy.random.Generator``; progress(done, total) is called after each chunk [s].
    Statistics (throughput, OEE, WIP, lead times) cover the window after the warm-up.
    """
    env = simpy.Environment()
    rng = np.random.default_rng(seed)
    buffers: list[LotBuffer | None] = [None] + [LotBuffer(env, st.buffer_cells)
                                                 for st in stations[1:]]
    stats = [StationStats(st.name, st.machines) for st in stations]
    sink = Sink()
    for i, st in enumerate(stations):
        out = buffers[i + 1] if i + 1 < len(stations) else None
        for _ in range(st.machines):
            env.process(run_machine(env, st, stats[i], buffers[i], out, sink, rng, failures,
                                    changeovers, stochastic_yield))
    total = warmup + duration
    wall = time.perf_counter()
    _advance(env, warmup, chunk, total, progress)
    for s in stats:
        s.reset()
    for b in buffers:
        if b is not None:
            b.reset()
    sink.reset()
    start = env.now
    _advance(env, total, chunk, total, progress)
    wall = time.perf_counter() - wall
    wip = {stations[i].name: b.mean_level(start) for i, b in enumerate(buffers) if b is not None}
    return summarise(stations, stats, sink, wip, duration, wall_seconds=wall,
                     events=_event_count(env))


def _advance(env, until: float, chunk: float, total: float, progress) -> None:
    while env.now < until - 1e-9:
        env.run(until=min(env.now + chunk, until))
        if progress:
            progress(env.now, total)


def _event_count(env: simpy.Environment) -> int:
    # SimPy keeps a running event id (eid) used to order the heap: the number of scheduled events.
    return int(getattr(env, "_eid", None).__next__()) if hasattr(env, "_eid") else -1
