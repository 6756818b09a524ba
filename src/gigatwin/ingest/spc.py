"""Streaming SPC over stored line data: an EWMA chart per series, alarms into the store.

Every series of the store (one asset and key: a machine or gauge signal, or a per-product
measurement in time order) is monitored as a line's SPC would: time-series signals are
averaged into subgroups of ``subgroup`` seconds (a gauge sampling every 10 s gives 30
values per 5 minutes), the first ``phase1`` seconds of each series estimate its centre and
the standard deviation of its subgroup means (Phase I, taken to be in control), and the
rest is streamed through an EWMA chart (:class:`gigatwin.quality.StreamingMonitor`,
Montgomery, Introduction to Statistical Quality Control, 7th ed., Section 9.2: lambda
0.2, L = 3.5, which keeps the in-control run length long enough for a series of 288
points a day). Consecutive signalling points of one series form one alarm, stored as an
``events`` row of kind ``alarm`` with the time it was raised and cleared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

EWMA_LAMBDA = 0.2
EWMA_WIDTH = 3.5
MIN_PHASE1_POINTS = 8


@dataclass(frozen=True)
class Alarm:
    asset: str
    key: str
    raised: datetime
    cleared: datetime
    points: int
    value: float
    center: float

    @property
    def event_id(self) -> str:
        return f"spc:{self.asset}:{self.key}:{self.raised.isoformat()}"


def _series(store) -> list[tuple[str, str, str]]:
    rows = store.query("SELECT DISTINCT asset_id, key FROM signals WHERE value IS NOT NULL")
    rows = [("signals", a, k) for a, k in rows]
    rows += [("measurements", a, k) for a, k in store.query(
        "SELECT DISTINCT asset_id, key FROM measurements WHERE value IS NOT NULL")]
    return sorted((t, a or "", k) for t, a, k in rows)


def _values(store, table: str, asset: str, key: str) -> tuple[np.ndarray, np.ndarray]:
    sql = {"signals": "SELECT ts, value FROM signals WHERE asset_id = ? AND key = ? "
                      "AND value IS NOT NULL ORDER BY ts",
           "measurements": "SELECT ts, avg(value) FROM measurements WHERE asset_id = ? "
                           "AND key = ? AND value IS NOT NULL GROUP BY ts ORDER BY ts"}[table]
    rows = store.query(sql, (asset, key))
    if not rows:
        return np.array([], dtype="datetime64[us]"), np.array([])
    ts = np.array([r[0].replace(tzinfo=None) for r in rows], dtype="datetime64[us]")
    return ts, np.array([float(r[1]) for r in rows])


def _subgroups(ts: np.ndarray, values: np.ndarray, seconds: float):
    """Means over windows of ``seconds`` (each labelled by its last time)."""
    bins = ((ts - ts[0]) / np.timedelta64(1, "s") // seconds).astype(np.int64)
    edges = np.flatnonzero(np.diff(bins)) + 1
    starts = np.r_[0, edges]
    means = np.add.reduceat(values, starts) / np.diff(np.r_[starts, values.size])
    ends = np.r_[edges - 1, values.size - 1]
    return ts[ends], means


def watch(store, *, phase1: float = 6 * 3600.0, subgroup: float = 300.0) -> tuple[list[Alarm], list[str]]:
    """Monitor every stored series; store and return the alarms, and the series skipped
    (with the reason: too few points for Phase I, or no variation)."""
    from gigatwin.quality import StreamingMonitor

    alarms, skipped = [], []
    for table, asset, key in _series(store):
        ts, values = _values(store, table, asset, key)
        if table == "signals" and ts.size:
            ts, values = _subgroups(ts, values, subgroup)
        if ts.size == 0:
            continue
        phase1_end = ts[0] + np.timedelta64(int(phase1 * 1e6), "us")
        reference = values[ts < phase1_end]
        if reference.size < MIN_PHASE1_POINTS:
            skipped.append(f"{asset} {key}: {reference.size} points in Phase I "
                           f"(at least {MIN_PHASE1_POINTS} needed)")
            continue
        sigma = float(np.std(reference, ddof=1))
        if not sigma > 0:
            skipped.append(f"{asset} {key}: no variation in Phase I")
            continue
        monitor = StreamingMonitor("ewma", {"center": float(np.mean(reference)), "sigma": sigma,
                                            "lambda": EWMA_LAMBDA}, width=EWMA_WIDTH,
                                   signal_key=key, asset=asset)
        later = ts >= phase1_end
        signalling = np.zeros(int(later.sum()), dtype=bool)
        for i, value in enumerate(values[later]):
            signalling[i] = bool(monitor.update(float(value)))
        alarms += _episodes(asset, key, ts[later], values[later], signalling,
                            float(np.mean(reference)))
    for alarm in alarms:
        store.add_event(alarm.event_id, alarm.raised, "alarm", asset_id=alarm.asset,
                        severity="warning", code=f"ewma:{alarm.key}",
                        message=f"EWMA alarm on {alarm.key}: {alarm.points} point(s) beyond "
                                f"{EWMA_WIDTH} sigma of the Phase I centre {alarm.center:.6g}")
        store.clear_alarm(alarm.event_id, alarm.cleared)
    return alarms, skipped


def _episodes(asset, key, ts, values, signalling, center) -> list[Alarm]:
    out, i = [], 0
    while i < signalling.size:
        if not signalling[i]:
            i += 1
            continue
        j = i
        while j + 1 < signalling.size and signalling[j + 1]:
            j += 1
        raised = _utc(ts[i])
        cleared = _utc(ts[j + 1]) if j + 1 < ts.size else _utc(ts[j])
        out.append(Alarm(asset, key, raised, cleared, j - i + 1, float(values[i]), center))
        i = j + 1
    return out


def _utc(t: np.datetime64) -> datetime:
    from datetime import UTC

    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(
        t.astype("datetime64[us]").astype(np.int64)))
