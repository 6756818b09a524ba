"""Streaming SPC over stored line data: an EWMA chart per series, alarms into the store.

Every series of the store (one asset and key: a machine or gauge signal, or a per-product
measurement in time order) is monitored as a line's SPC would: time-series signals are
averaged into subgroups of ``subgroup`` seconds (a gauge sampling every 10 s gives 30
values per 5 minutes), the first ``phase1`` seconds of each series estimate its centre and
the standard deviation of its subgroup means (Phase I, taken to be in control), and the
rest is streamed through an EWMA chart (:class:`gigatwin.quality.StreamingMonitor`,
Montgomery, Introduction to Statistical Quality Control, 7th ed., Section 9.2: lambda
0.2; L = 4.0 rather than the textbook's 2.86-3.0, because a line monitors tens of series
at once: on four days of the example pilot line without disturbances, L = 3.5 raised 17
false alarms over 37 series and L = 4.0 raised 4, about one a day, docs/line.md).
Phase I is the first ``phase1`` seconds of a series, extended to at least 25 subgroups
(Montgomery, Section 6.4). Consecutive signalling points of one series form one alarm, stored as an
``events`` row of kind ``alarm`` with the time it was raised and cleared.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

EWMA_LAMBDA = 0.2
EWMA_WIDTH = 4.0
MIN_PHASE1_POINTS = 25   # Montgomery (2013) Section 6.4: 20-25 subgroups in Phase I
# A sensor that repeats exactly the same reading this many times in a row is stuck: a
# live measurement of a continuous quantity carries noise in its last digits.
STUCK_READINGS = 10


@dataclass(frozen=True)
class Alarm:
    asset: str
    key: str
    raised: datetime
    cleared: datetime
    points: int
    value: float
    center: float
    rule: str = "ewma"      # or "stuck"

    @property
    def event_id(self) -> str:
        return f"spc:{self.rule}:{self.asset}:{self.key}:{self.raised.isoformat()}"


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
    """Means of consecutive subgroups of equal size: as many readings as the median
    sample period puts in ``seconds`` (a gauge every 10 s: 30 readings for 5 minutes).
    Equal sizes keep the subgroup means' variance the same across pauses of the line
    (each subgroup is labelled by the time of its last reading; an incomplete last
    subgroup waits for more data)."""
    period = float(np.median(np.diff(ts) / np.timedelta64(1, "s"))) if ts.size > 1 else seconds
    size = max(1, int(round(seconds / max(period, 1e-9))))
    full = values.size // size
    means = values[:full * size].reshape(full, size).mean(axis=1)
    return ts[size - 1:full * size:size], means


def watch(store, *, phase1: float = 6 * 3600.0, subgroup: float = 300.0) -> tuple[list[Alarm], list[str]]:
    """Monitor every stored series; store and return the alarms, and the series skipped
    (with the reason: too few points for Phase I, or no variation)."""
    from gigatwin.quality import StreamingMonitor

    alarms, skipped = [], []
    for table, asset, key in _series(store):
        ts, values = _values(store, table, asset, key)
        if table == "signals" and ts.size:
            alarms += _stuck(asset, key, ts, values)
            ts, values = _subgroups(ts, values, subgroup)
        if ts.size == 0:
            continue
        # Phase I: the first ``phase1`` seconds, extended to MIN_PHASE1_POINTS subgroups
        n_ref = max(int(np.sum(ts < ts[0] + np.timedelta64(int(phase1 * 1e6), "us"))),
                    MIN_PHASE1_POINTS)
        if values.size < n_ref + 1:
            skipped.append(f"{asset} {key}: {values.size} points; Phase I needs "
                           f"{MIN_PHASE1_POINTS} and more to monitor")
            continue
        reference = values[:n_ref]
        sigma = float(np.std(reference, ddof=1))
        if not sigma > 0:
            skipped.append(f"{asset} {key}: no variation in Phase I")
            continue
        monitor = StreamingMonitor("ewma", {"center": float(np.mean(reference)), "sigma": sigma,
                                            "lambda": EWMA_LAMBDA}, width=EWMA_WIDTH,
                                   signal_key=key, asset=asset)
        later = np.arange(ts.size) >= n_ref
        signalling = np.zeros(int(later.sum()), dtype=bool)
        for i, value in enumerate(values[later]):
            signalling[i] = bool(monitor.update(float(value)))
        alarms += _episodes(asset, key, ts[later], values[later], signalling,
                            float(np.mean(reference)))
    for alarm in alarms:
        message = (f"EWMA alarm on {alarm.key}: {alarm.points} point(s) beyond {EWMA_WIDTH} "
                   f"sigma of the Phase I centre {alarm.center:.6g}" if alarm.rule == "ewma"
                   else f"{alarm.key} stuck at {alarm.value:.6g} for {alarm.points} readings")
        store.add_event(alarm.event_id, alarm.raised, "alarm", asset_id=alarm.asset,
                        severity="warning", code=f"{alarm.rule}:{alarm.key}", message=message)
        store.clear_alarm(alarm.event_id, alarm.cleared)
    return alarms, skipped


def _runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of every run of consecutive True values in ``flags``."""
    edges = np.diff(np.r_[0, flags.astype(np.int8), 0])
    return list(zip(np.flatnonzero(edges == 1).tolist(),
                    (np.flatnonzero(edges == -1) - 1).tolist(), strict=True))


def _stuck(asset, key, ts, values) -> list[Alarm]:
    """Runs of at least ``STUCK_READINGS`` identical consecutive readings, raised at the
    reading that completes ``STUCK_READINGS`` of them."""
    same = np.r_[False, values[1:] == values[:-1]]   # True where a reading repeats the last
    out = []
    for first, last in _runs(same):
        length = last - first + 2                    # the run and the reading before it
        if length >= STUCK_READINGS:
            out.append(Alarm(asset, key, _utc(ts[first + STUCK_READINGS - 2]), _utc(ts[last]),
                             length, float(values[first]), float(values[first]),
                             rule="stuck"))
    return out


def _episodes(asset, key, ts, values, signalling, center) -> list[Alarm]:
    """One alarm per run of signalling points, cleared at the first point that is not."""
    return [Alarm(asset, key, _utc(ts[first]),
                  _utc(ts[last + 1]) if last + 1 < ts.size else _utc(ts[last]),
                  last - first + 1, float(values[first]), center)
            for first, last in _runs(signalling)]


def _utc(t: np.datetime64) -> datetime:
    from datetime import UTC

    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(
        t.astype("datetime64[us]").astype(np.int64)))
