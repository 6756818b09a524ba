"""Ground truth of a virtual-line run: what really happened, written beside the data.

A detector (streaming SPC, the live twin) is scored against this: when each disturbance
started and ended, where machines were down, which sensor readings were faulty, the
hidden offsets of the line, every setpoint written, the actual settings of every coil at
every station, and each cell's true (noise-free) properties.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import numpy as np

from gigatwin.line.config import Disturbance, Line, Scenario

# The cell properties kept per cell (true values, SI), when the twin computes them.
CELL_TRUTH = ("cell_capacity", "cell_energy", "eol_dc_internal_resistance",
              "self_discharge_k_value")


@dataclass
class Truth:
    line: Line
    scenario: Scenario
    seed: int
    coils: list[dict] = field(default_factory=list)
    machine_faults: list[dict] = field(default_factory=list)
    sensor_faults: dict[str, dict] = field(default_factory=dict)
    setpoint_writes: list[dict] = field(default_factory=list)
    published_counts: dict[str, int] = field(default_factory=dict)
    cell_rows: list[dict] = field(default_factory=list)
    duration: float = 0.0
    # keys whose true (noise-free) published values are kept, e.g. for capability
    keep: tuple[str, ...] = ()
    series: dict[str, list[tuple[float, float]]] = field(default_factory=dict)
    # disturbance name -> published keys the physics moves when its setting changes
    affects: dict[str, list[str]] = field(default_factory=dict)

    def _iso(self, t: float) -> str | None:
        if not math.isfinite(t):
            return None
        return (self.line.start + timedelta(seconds=float(t))).isoformat()

    def settings(self, coil: int, step: str, electrode: str | None, t0: float, t1: float,
                 means: dict[str, float]) -> None:
        self.coils.append({"coil": coil, "step": step, "electrode": electrode,
                           "start": self._iso(t0), "end": self._iso(t1), "settings": means})

    def machine_fault(self, asset: str, t0: float, t1: float) -> None:
        self.machine_faults.append({"asset": asset, "start": self._iso(t0),
                                    "end": self._iso(t1)})

    def fault(self, d: Disturbance, times: np.ndarray) -> None:
        entry = self.sensor_faults.setdefault(d.name, {
            "asset": d.station, "key": d.target, "mode": d.mode, "readings": 0,
            "first": None, "last": None})
        if times.size:
            entry["readings"] += int(times.size)
            entry["first"] = entry["first"] or self._iso(float(times[0]))
            entry["last"] = self._iso(float(times[-1]))

    def setpoint(self, t: float, path: str, value: float, source: str = "") -> None:
        entry = {"ts": self._iso(t), "key": path, "value_si": value}
        if source:
            entry["source"] = source
        self.setpoint_writes.append(entry)

    def published(self, asset: str, key: str, times: np.ndarray, values: np.ndarray) -> None:
        name = f"{asset} {key}"
        self.published_counts[name] = self.published_counts.get(name, 0) + int(times.size)
        if key in self.keep:
            self.series.setdefault(key, []).extend(
                zip(np.asarray(times, dtype=float).tolist(),
                    np.asarray(values, dtype=float).tolist(), strict=True))

    def cells(self, names: list[str], outputs: dict[str, np.ndarray]) -> None:
        columns = {k: np.broadcast_to(outputs[k], (len(names),)) for k in CELL_TRUTH
                   if k in outputs}
        for i, name in enumerate(names):
            self.cell_rows.append({"cell": name, **{k: float(v[i]) for k, v in columns.items()}})

    def finish(self, duration: float) -> None:
        self.duration = duration

    def disturbances(self) -> list[dict]:
        out = []
        for d in self.scenario.disturbances:
            entry = {"name": d.name, "kind": d.kind, "target": d.target or None,
                     "station": d.station or None, "start": self._iso(d.start),
                     "end": self._iso(d.end), "change_si": d.change}
            if d.kind == "machine_fault":
                entry.update(mtbf_s=d.mtbf, mttr_s=d.mttr)
            if d.kind == "comm_fault":
                entry.update(mode=d.mode, probability=d.probability, delay_s=d.delay)
            if d.kind == "sensor_fault":
                entry["mode"] = d.mode
            if d.name in self.affects:
                entry["affects"] = self.affects[d.name]
            out.append(entry)
        return out

    def as_dict(self) -> dict:
        return {
            "line": self.line.name, "line_file": self.line.source,
            "scenario": self.scenario.name, "scenario_file": self.scenario.source,
            "seed": self.seed, "start": self.line.start.isoformat(),
            "end": self._iso(self.duration), "hidden": self.line.hidden,
            "disturbances": self.disturbances(), "machine_faults": self.machine_faults,
            "sensor_faults": list(self.sensor_faults.values()),
            "setpoint_writes": self.setpoint_writes, "published": self.published_counts,
            "coils": self.coils, "cells": len(self.cell_rows),
        }

    def write(self, path: str | Path) -> Path:
        """``path`` (JSON) and, beside it, ``<stem>_cells.csv`` with each cell's truth."""
        import pandas as pd

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=1) + "\n", encoding="utf-8")
        pd.DataFrame(self.cell_rows).to_csv(path.with_name(f"{path.stem}_cells.csv"),
                                            index=False)
        return path
