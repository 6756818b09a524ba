"""Score stored alarms against the ground truth of a virtual-line run.

A disturbance of a setting (drift, step, raw-material lot change) can show in its own
series and in the published keys that the twin's physics moves when that setting changes
(``affects`` in the truth: the engine runs the chain with and without the change, same
random streams). A truth without ``affects`` (written before it existed) falls back to
the order of the line: the keys of that electrode at its step or later, and every
cell-level key. A sensor fault shows in its own series only.
An alarm on an affected series between the disturbance's start and ``horizon`` after its
end detects it; the **detection delay** is from the start to the first such alarm. Every
alarm that detects nothing is a **false alarm**; their rate is per day of monitored time.
Machine and communication faults are listed but not scored (they change no value).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from gigatwin.line.config import CELL_STATIONS, ELECTRODE_STATIONS


@dataclass(frozen=True)
class Detection:
    name: str
    kind: str
    target: str
    start: datetime
    first_alarm: datetime | None
    series: str | None

    @property
    def detected(self) -> bool:
        return self.first_alarm is not None

    @property
    def delay_hours(self) -> float | None:
        if self.first_alarm is None:
            return None
        return (self.first_alarm - self.start).total_seconds() / 3600


@dataclass(frozen=True)
class Score:
    detections: list[Detection]
    not_scored: list[str]
    false_alarms: int
    monitored_days: float
    alarms: int

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.monitored_days if self.monitored_days > 0 else 0.0

    def as_dict(self) -> dict:
        return {"detections": [{"name": d.name, "kind": d.kind, "target": d.target,
                                "start": d.start.isoformat(), "detected": d.detected,
                                "delay_h": d.delay_hours, "first_alarm_series": d.series}
                               for d in self.detections],
                "not_scored": self.not_scored, "alarms": self.alarms,
                "false_alarms": self.false_alarms, "monitored_days": self.monitored_days,
                "false_alarms_per_day": self.false_alarm_rate}


def _step_rank(key: str) -> tuple[str | None, int]:
    """(electrode, position of the key's step in the line) of a stored key."""
    from gigatwin.spec.vocabulary import split_name, step_of

    electrode, bare = split_name(key)
    step = step_of(bare)
    order = ELECTRODE_STATIONS + CELL_STATIONS + ("cell",)
    return electrode, order.index(step) if step in order else len(order)


def _setting_keys(truth: dict) -> set[str]:
    """The keys of the recipe settings the line applied (as records name them)."""
    keys = set()
    for coil in truth["coils"]:
        for path in coil["settings"]:
            head, _, key = path.partition(".")
            keys.add(path if head in ("cathode", "anode") else key)
    return keys


def _affects(disturbance: dict, asset: str, key: str, settings: set[str]) -> bool:
    """Whether ``key`` of ``asset`` can show ``disturbance``: its own series for a sensor
    fault; for a setting, the setting itself and every quantity the twin computes
    downstream of it (not another machine setting, which it does not move)."""
    if disturbance["kind"] == "sensor_fault":
        return asset == disturbance["station"] and key == disturbance["target"]
    if key == disturbance["target"]:
        return True
    if disturbance.get("affects") is not None:
        return key in disturbance["affects"]
    if key in settings:
        return False
    electrode, rank = _step_rank(disturbance["target"])
    key_electrode, key_rank = _step_rank(key)
    if key_electrode is None:                     # a cell-level quantity
        return True
    return key_electrode == electrode and key_rank >= rank


def score(truth: dict, alarms: list[tuple[str, str, datetime]], *,
          horizon: timedelta = timedelta(days=4), phase1: timedelta = timedelta(hours=6)) -> Score:
    """``alarms``: (asset, key, raised) of every stored alarm."""
    start = datetime.fromisoformat(truth["start"])
    end = datetime.fromisoformat(truth["end"])
    scored = [d for d in truth["disturbances"]
              if d["kind"] in ("drift", "step", "lot_change", "sensor_fault")]
    not_scored = [f"{d['name']} ({d['kind']}): changes no value" for d in truth["disturbances"]
                  if d not in scored]
    settings = _setting_keys(truth)
    used = set()
    detections = []
    for d in scored:
        d_start = datetime.fromisoformat(d["start"])
        d_end = datetime.fromisoformat(d["end"]) if d["end"] else end
        until = d_end + (horizon if d["kind"] != "sensor_fault" else timedelta(minutes=10))
        hits = sorted((t, a, k) for a, k, t in alarms
                      if d_start <= t <= until and _affects(d, a, k, settings))
        used |= {(a, k, t) for t, a, k in hits}
        first = hits[0] if hits else None
        detections.append(Detection(d["name"], d["kind"], d["target"] or d["station"], d_start,
                                    first[0] if first else None,
                                    f"{first[1]} {first[2]}" if first else None))
    false = [a for a in alarms if a not in used]
    days = max((end - start - phase1).total_seconds() / 86400, 0.0)
    return Score(detections, not_scored, len(false), days, len(alarms))


def stored_alarms(store) -> list[tuple[str, str, datetime]]:
    rows = store.query("SELECT asset_id, code, ts FROM events WHERE kind = 'alarm' "
                       "AND (code LIKE 'ewma:%' OR code LIKE 'stuck:%') ORDER BY ts")
    return [(a, code.split(":", 1)[1], ts) for a, code, ts in rows]


TRUTH_KEYS = ("scenario", "start", "end", "disturbances")


def load_truth(path: str | Path) -> dict:
    """The ground truth written by ``line run --truth``; a ValueError names what a file
    that is not one lacks."""
    truth = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(truth, dict):
        raise ValueError(f"not a ground truth of the virtual line: a JSON "
                         f"{type(truth).__name__}, where an object is expected")
    missing = [key for key in TRUTH_KEYS if key not in truth]
    if missing:
        raise ValueError(f"not a ground truth of the virtual line: no "
                         f"{', '.join(missing)} (written by 'gigatwin line run --truth')")
    return truth

