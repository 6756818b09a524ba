"""Stations of the line for the DES, derived from the static model (no SimPy here).

Each production step becomes a station of ``machines`` parallel units that take a lot
(slurry batch, coil, oven load, magazine, formation rack, shelf tray) from the buffer in
front, hold it for the lot time, and pass the good cells on. Services (dry room, NMP
recovery) are not stations.
"""

from __future__ import annotations

from dataclasses import dataclass

from gigatwin.factory.model import PlantResult


@dataclass(frozen=True)
class StationSpec:
    name: str
    machines: int
    lot_cells: float
    lot_time: float  # [s]
    yield_fraction: float = 1.0
    mtbf: float | None = None  # [s]
    mttr: float | None = None  # [s]
    changeover_time: float = 0.0  # [s]
    changeover_every: int = 0
    buffer_cells: float = 0.0  # capacity of the buffer in front of the station [cells]

    @property
    def ideal_rate(self) -> float:
        """Cells per second into the station with every unit busy [1/s]."""
        return self.machines * self.lot_cells / self.lot_time


def line_from_result(result: PlantResult) -> list[StationSpec]:
    """Stations in line order with buffers sized from ``buffer_lots`` of each step."""
    steps = {s.name: s for s in result.plant.steps}
    flows = [r for r in result.steps if r.kind != "service"]
    stations = []
    previous_lot = 0.0
    for r in flows:
        step = steps[r.name]
        buffer = max(step.buffer_lots * r.lot_cells, 2.0 * previous_lot, 2.0 * r.lot_cells)
        stations.append(StationSpec(
            name=r.name, machines=r.machines, lot_cells=r.lot_cells, lot_time=r.lot_time,
            yield_fraction=step.yield_fraction, mtbf=step.mtbf, mttr=step.mttr,
            changeover_time=step.changeover_time, changeover_every=step.changeover_every,
            buffer_cells=buffer))
        previous_lot = r.lot_cells
    return stations


def static_line_capacity(stations: list[StationSpec], failures: bool = True,
                         changeovers: bool = True) -> float:
    """Good cells per second out of the line: min_i n_i r_i A_i (1 - s_i) prod_{j>=i} y_j."""
    capacity = float("inf")
    downstream = 1.0
    for st in reversed(stations):
        downstream *= st.yield_fraction
        rate = st.ideal_rate
        if failures and st.mtbf and st.mttr:
            rate *= st.mtbf / (st.mtbf + st.mttr)
        if changeovers and st.changeover_every and st.changeover_time:
            per_lot = st.changeover_time / st.changeover_every
            rate *= st.lot_time / (st.lot_time + per_lot)
        capacity = min(capacity, rate * downstream)
    return capacity
