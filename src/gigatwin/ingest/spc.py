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

**Per-product series by rational subgroup.** Products made together share their
conditions: the cells of one coil pair share its slurry batches, coils and oven load, so
consecutive cells are not independent and an EWMA of single cells follows each coil
pair's mean across its limits and back (on four days of the example line without
disturbances, 204 of 211 false alarms were on per-cell series; 1 of 8 by subgroup,
docs/line.md). Such
products form a **rational subgroup** (Montgomery, Section 5.3.4): a per-product series
whose products descend, in the stored genealogy, from common objects of one kind (the
nearest of roll, slurry batch or lot that groups at least two of them; the cells of one
cathode and anode roll) is charted as the EWMA of its subgroup means. Their variance has
two parts, within and between subgroups (the one-way random-effects model), and both
belong to the in-control process: ``var(xbar_i) = sigma_b^2 + sigma_w^2 / n_i``, with
``sigma_w^2`` the pooled within-subgroup variance of Phase I and ``sigma_b^2`` the
variance of the Phase I subgroup means less the part the within variation explains
(zero if negative). Limits from ``sigma_w`` alone would flag the ordinary differences
between coils; limits from single cells the ordinary scatter within one (Montgomery,
Section 5.3.4, on subgroups that hide or inflate variation). Each subgroup mean enters
the chart standardised by its own ``sqrt(sigma_b^2 + sigma_w^2 / n_i)`` (subgroups of
unequal size). Phase I of such a series is its first ``phase1`` seconds, extended to at
least ``MIN_PHASE1_SUBGROUPS`` subgroups. Machine time series keep the chart above.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

EWMA_LAMBDA = 0.2
EWMA_WIDTH = 4.0
MIN_PHASE1_POINTS = 25   # Montgomery (2013) Section 6.4: 20-25 subgroups in Phase I
# Per-product series charted by subgroup (a coil pair of cells, about one an hour on the
# example line): 25 subgroups would take a day of Phase I; 12 keep it within the first
# day of cells, so that a raw-material lot that reaches formation a day into the run is
# monitored, not learnt as in control (docs/line.md, scores).
MIN_PHASE1_SUBGROUPS = 12
# Kind of genealogy object whose products form a rational subgroup: the coated roll (a
# cell descends from one cathode and one anode roll). Lots are not: a lot feeds six
# batches made hours apart, whose means differ with the process, not only the lot.
SUBGROUP_KINDS = ("roll",)
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


def _signal(store, asset: str, key: str) -> tuple[np.ndarray, np.ndarray]:
    """Time and value of every stored reading of one machine time series, in time order."""
    rows = store.query("SELECT ts, value FROM signals WHERE asset_id = ? AND key = ? "
                       "AND value IS NOT NULL ORDER BY ts", (asset, key))
    if not rows:
        return np.array([], dtype="datetime64[us]"), np.array([])
    ts = np.array([r[0].replace(tzinfo=None) for r in rows], dtype="datetime64[us]")
    return ts, np.array([float(r[1]) for r in rows])


def _mean_per_time(ts: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The mean of the values stored at each time, in time order (what ``_values`` reads
    for a measurement series), from ``_products``' rows."""
    times, group = np.unique(ts, return_inverse=True)
    return times, np.bincount(group, values) / np.bincount(group)


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


def watch(store, *, phase1: float = 6 * 3600.0, subgroup: float = 300.0,
          subgroup_kinds: tuple[str, ...] = SUBGROUP_KINDS) -> tuple[list[Alarm], list[str]]:
    """Monitor every stored series; store and return the alarms, and the series skipped
    (with the reason: too few points for Phase I, or no variation)."""
    alarms, skipped = monitor(store, phase1=phase1, subgroup=subgroup,
                              subgroup_kinds=subgroup_kinds)
    for alarm in alarms:
        message = (f"EWMA alarm on {alarm.key}: {alarm.points} point(s) beyond {EWMA_WIDTH} "
                   f"sigma of the Phase I centre {alarm.center:.6g}" if alarm.rule == "ewma"
                   else f"{alarm.key} stuck at {alarm.value:.6g} for {alarm.points} readings")
        store.add_event(alarm.event_id, alarm.raised, "alarm", asset_id=alarm.asset,
                        severity="warning", code=f"{alarm.rule}:{alarm.key}", message=message)
        store.clear_alarm(alarm.event_id, alarm.cleared)
    return alarms, skipped


def monitor(store, *, phase1: float = 6 * 3600.0, subgroup: float = 300.0,
            subgroup_kinds: tuple[str, ...] = SUBGROUP_KINDS
            ) -> tuple[list[Alarm], list[str]]:
    """The alarms of :func:`watch` without storing them, and the series skipped."""
    from gigatwin.quality import StreamingMonitor

    alarms, skipped = [], []
    family = _Family(store)
    for table, asset, key in _series(store):
        if table == "measurements":
            ts, products, values = _products(store, asset, key)
            labels = family.subgroups(products, subgroup_kinds)
            if labels is not None:
                found, reason = _subgroup_chart(asset, key, ts, labels, values, phase1)
                alarms += found
                if reason:
                    skipped.append(reason)
                continue
            ts, values = _mean_per_time(ts, values)    # the rows read, not a second query
        else:
            ts, values = _signal(store, asset, key)
            if ts.size:
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
    return alarms, skipped


def _products(store, asset: str, key: str) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Time, product and value of every stored measurement of one series, in time order."""
    rows = store.query("SELECT ts, product_id, value FROM measurements WHERE asset_id = ? "
                       "AND key = ? AND value IS NOT NULL ORDER BY ts, product_id",
                       (asset, key))
    ts = np.array([r[0].replace(tzinfo=None) for r in rows], dtype="datetime64[us]")
    return ts, [r[1] for r in rows], np.array([float(r[2]) for r in rows])


class _Family:
    """The stored genealogy's parents of every object, read once, and each object's
    ancestors (kept as they are found)."""

    def __init__(self, store):
        self.store = store
        self.parents: dict[str, list[tuple[str, str]]] | None = None
        self.found: dict[str, frozenset[tuple[str, str]]] = {}

    def ancestors(self, name: str) -> frozenset[tuple[str, str]]:
        """(object id, kind) of every ancestor of ``name``."""
        if self.parents is None:
            self.parents = {}
            for child, parent, kind in self.store.query(
                    "SELECT child_id, parent_id, parent_kind FROM genealogy"):
                self.parents.setdefault(child, []).append((parent, kind))
        if name not in self.found:
            self.found[name] = frozenset()        # a cycle ends here, not in a recursion
            up = set()
            stack = list(self.parents.get(name, ()))
            while stack:
                parent = stack.pop()
                if parent in up:
                    continue
                up.add(parent)
                if parent[0] in self.found:
                    up |= self.found[parent[0]]
                else:
                    stack += self.parents.get(parent[0], ())
            self.found[name] = frozenset(up)
        return self.found[name]

    def subgroups(self, products: list[str], kinds: tuple[str, ...]) -> list[str] | None:
        """The rational subgroup of each product: its ancestors of the first of ``kinds``
        that every product has and that puts at least two products, on average, in one
        subgroup; None when no kind does (each product is its own subgroup)."""
        if not products or not kinds:
            return None
        names = sorted(set(products))
        for kind in kinds:
            label = {}
            for name in names:
                up = sorted(a for a, k in self.ancestors(name) if k == kind)
                if not up:
                    break
                label[name] = " ".join(up)
            else:
                if len(names) >= 2 * len(set(label.values())):
                    return [label[p] for p in products]
        return None


def variance_components(means: np.ndarray, sizes: np.ndarray,
                        squares: np.ndarray) -> tuple[float, float, float]:
    """Centre, within- and between-subgroup variance of subgroups with ``means``,
    ``sizes`` and sums of squared deviations from their own mean ``squares`` (the
    one-way random-effects model, estimated by moments): ``sigma_w^2`` pools the
    within variances over ``sum(n_i - 1)`` degrees of freedom; ``sigma_b^2`` is the
    variance of the means less ``sigma_w^2`` times the mean of ``1 / n_i``, at least 0;
    the centre is the mean of the subgroup means (each subgroup one unit)."""
    dof = float(np.sum(sizes - 1))
    within = float(np.sum(squares)) / dof if dof > 0 else 0.0
    between = float(np.var(means, ddof=1)) - within * float(np.mean(1.0 / sizes))
    return float(np.mean(means)), within, max(between, 0.0)


def _subgroup_chart(asset, key, ts, labels, values, phase1) -> tuple[list[Alarm], str]:
    """EWMA of the standardised subgroup means of one per-product series; each subgroup
    enters when its last product is measured (the alarms, and why the series was not
    monitored, or "")."""
    from gigatwin.quality import StreamingMonitor

    names, group = np.unique(np.array(labels, dtype=object).astype(str), return_inverse=True)
    sizes = np.bincount(group).astype(float)
    means = np.bincount(group, values) / sizes
    squares = np.bincount(group, (values - means[group]) ** 2)
    last = np.full(names.size, np.datetime64("NaT", "us"))
    np.fmax.at(last, group, ts)
    order = np.argsort(last, kind="stable")
    means, sizes, squares, last = means[order], sizes[order], squares[order], last[order]
    n_ref = max(int(np.sum(last < last[0] + np.timedelta64(int(phase1 * 1e6), "us"))),
                MIN_PHASE1_SUBGROUPS)
    if means.size < n_ref + 1:
        return [], (f"{asset} {key}: {means.size} subgroups of products; Phase I needs "
                    f"{MIN_PHASE1_SUBGROUPS} and more to monitor")
    center, within, between = variance_components(means[:n_ref], sizes[:n_ref],
                                                  squares[:n_ref])
    sigma = np.sqrt(between + within / sizes)
    if not (between + within) > 0:
        return [], f"{asset} {key}: no variation in Phase I"
    chart = StreamingMonitor("ewma", {"center": 0.0, "sigma": 1.0, "lambda": EWMA_LAMBDA},
                             width=EWMA_WIDTH, signal_key=key, asset=asset)
    z = (means[n_ref:] - center) / sigma[n_ref:]
    signalling = np.array([bool(chart.update(float(v))) for v in z], dtype=bool)
    return _episodes(asset, key, last[n_ref:], means[n_ref:], signalling, center), ""


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
