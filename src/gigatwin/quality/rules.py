"""Run rules on a control chart: the four Western Electric rules and the eight Nelson rules.

Rules are evaluated on the standardised statistic ``z = (x - center) / sigma`` where
``sigma`` is the standard deviation of the plotted statistic (one third of the distance
from the center line to the 3-sigma limit). Zone A is ``2 < |z| <= 3``, zone B
``1 < |z| <= 2``, zone C ``|z| <= 1``.

=====  ===============================================================  ======  ======
rule   test (the window ends at the flagged point)                       WE      Nelson
=====  ===============================================================  ======  ======
1      one point beyond 3 sigma                                          WE1     N1
       2 of 3 consecutive points beyond 2 sigma on the same side         WE2     N5
       4 of 5 consecutive points beyond 1 sigma on the same side         WE3     N6
       8 consecutive points on the same side of the center line          WE4
       9 consecutive points on the same side of the center line                  N2
       6 consecutive points steadily increasing or decreasing                    N3
       14 consecutive points alternating up and down                             N4
       15 consecutive points within 1 sigma (either side)                        N7
       8 consecutive points beyond 1 sigma (either side)                         N8
=====  ===============================================================  ======  ======

Sources: Western Electric Co. (1956) Statistical Quality Control Handbook, Indianapolis;
Nelson, L.S. (1984) The Shewhart control chart - tests for special causes, Journal of
Quality Technology 16(4), 237-239, doi:10.1080/00224065.1984.11978921; the same tables
are printed in the NIST/SEMATECH e-Handbook, section 6.3.2.

A rule fires at every point that completes a qualifying window (so a long run of 12
points on one side fires WE4 at the 8th, 9th, ... 12th point), as Minitab and qcc flag
them. Points on the center line (z = 0) are on neither side; equal neighbours are
neither increasing nor decreasing.

All rules are vectorised, with no Python loop over points, and share their work:

* the zone of every point is computed once as an int8 code (:func:`zone_codes`), and
  every side/zone mask is one comparison of that code;
* "k of the last n" rules (WE2/N5, WE3/N6) count qualifying points with ``n - 1``
  shifted int8 additions (for n <= 5 several times cheaper than an int32 cumulative
  sum, measured in benchmarks/bench_quality.py);
* "n in a row" rules (WE4/N2 on the side code, N7/N8 on a within/beyond-1-sigma band
  code, N3 on the sign of the steps, N4 on the sign changes of the steps) find the
  maximal runs of one nonzero value from the positions where the code changes, keep
  the runs at least n long and expand them into the fired indices: the cost is one
  pass over the series per code plus work proportional to the number of runs;
* rules with the same test (WE1 = N1, WE2 = N5, WE3 = N6) are evaluated once.

:mod:`gigatwin.quality.streaming_rules` evaluates the same rules one point at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from gigatwin.citations import Citation, cites

NELSON_1984 = Citation(
    key="nelson1984",
    authors="Nelson, L.S.",
    title="The Shewhart control chart - tests for special causes",
    venue="Journal of Quality Technology 16(4) (1984) 237-239",
    year=1984,
    doi="10.1080/00224065.1984.11978921",
)
WESTERN_ELECTRIC_1956 = Citation(
    key="westernelectric1956",
    authors="Western Electric Company",
    title="Statistical Quality Control Handbook",
    venue="Western Electric Co., Indianapolis",
    year=1956,
)


@dataclass(frozen=True)
class RuleDefinition:
    """One run rule: a window of ``window`` points of which at least ``needed`` qualify."""

    name: str
    description: str
    window: int
    needed: int
    kind: str  # beyond, zone_same_side, same_side, trend, alternate, within, outside
    threshold: float = 0.0


RULES: dict[str, RuleDefinition] = {r.name: r for r in (
    RuleDefinition("WE1", "1 point beyond 3 sigma", 1, 1, "beyond", 3.0),
    RuleDefinition("WE2", "2 of 3 points beyond 2 sigma, same side", 3, 2, "zone_same_side", 2.0),
    RuleDefinition("WE3", "4 of 5 points beyond 1 sigma, same side", 5, 4, "zone_same_side", 1.0),
    RuleDefinition("WE4", "8 points in a row on one side of the center line", 8, 8, "same_side"),
    RuleDefinition("N1", "1 point beyond 3 sigma", 1, 1, "beyond", 3.0),
    RuleDefinition("N2", "9 points in a row on one side of the center line", 9, 9, "same_side"),
    RuleDefinition("N3", "6 points in a row steadily increasing or decreasing", 6, 6, "trend"),
    RuleDefinition("N4", "14 points in a row alternating up and down", 14, 14, "alternate"),
    RuleDefinition("N5", "2 of 3 points beyond 2 sigma, same side", 3, 2, "zone_same_side", 2.0),
    RuleDefinition("N6", "4 of 5 points beyond 1 sigma, same side", 5, 4, "zone_same_side", 1.0),
    RuleDefinition("N7", "15 points in a row within 1 sigma", 15, 15, "within", 1.0),
    RuleDefinition("N8", "8 points in a row beyond 1 sigma, either side", 8, 8, "outside", 1.0),
)}

RULE_SETS: dict[str, tuple[str, ...]] = {
    "western-electric": ("WE1", "WE2", "WE3", "WE4"),
    "nelson": ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8"),
    "none": (),
}


def resolve_rules(rules: str | Iterable[str] | None) -> tuple[str, ...]:
    """Rule names from a set name (``western-electric``, ``nelson``, ``none``) or a list."""
    if rules is None:
        return ()
    if isinstance(rules, str):
        if rules in RULE_SETS:
            return RULE_SETS[rules]
        rules = [rules]
    names = tuple(rules)
    unknown = [r for r in names if r not in RULES]
    if unknown:
        raise ValueError(f"unknown run rule(s) {unknown}; choose from {sorted(RULES)} "
                         f"or a set {sorted(RULE_SETS)}")
    return names


@dataclass(frozen=True)
class Signal:
    """One out-of-control signal: the rule, the point that completed it, the points involved."""

    rule: str
    index: int
    points: tuple[int, ...]
    description: str = ""

    def as_dict(self) -> dict:
        return {"rule": self.rule, "index": self.index, "points": list(self.points),
                "description": self.description}


@dataclass(frozen=True)
class RuleSummary:
    """One test (rule) of one chart with every point where it failed, as Minitab and qcc
    report them ("Test 2 failed at points: 35, 36, 37"): ``indices`` are the points that
    completed a qualifying window, ``points`` every point that counts towards one."""

    rule: str
    description: str
    indices: tuple[int, ...]
    points: tuple[int, ...]

    def as_dict(self, labels=None) -> dict:
        name = (lambda i: i) if labels is None else (lambda i: plain_label(labels[i]))
        return {"rule": self.rule, "description": self.description,
                "at": [name(i) for i in self.indices],
                "points": [name(i) for i in self.points],
                "indices": list(self.indices)}


def plain_label(label):
    """A label as a JSON-friendly Python value (numpy scalars to int/float/str)."""
    return label.item() if isinstance(label, np.generic) else label


def summarise_signals(signals: Iterable[Signal]) -> list[RuleSummary]:
    """One :class:`RuleSummary` per rule: ``limits`` first, then the run rules by name."""
    by_rule: dict[str, list[Signal]] = {}
    for s in signals:
        by_rule.setdefault(s.rule, []).append(s)
    order = sorted(by_rule, key=lambda r: (r != "limits", r))
    return [RuleSummary(rule, by_rule[rule][0].description,
                        tuple(sorted({s.index for s in by_rule[rule]})),
                        tuple(sorted({p for s in by_rule[rule] for p in s.points})))
            for rule in order]


@dataclass
class RuleHits:
    """The points where one rule fired (window-end indices), kept as arrays.

    ``side`` gives, per fired index, 0 (above the center / the only side) or 1 (below).
    ``masks`` holds the qualifying mask per side for the "k of the last n" rules (a
    tuple of boolean arrays shared with the other rules); ``None`` means every point of
    the window counts (runs, trends, alternations, one point beyond).
    """

    rule: str
    indices: np.ndarray
    side: np.ndarray
    masks: tuple[np.ndarray, ...] | None = None

    def signals(self) -> list[Signal]:
        """Materialise :class:`Signal` objects with the window's qualifying points."""
        definition = RULES[self.rule]
        out = []
        for end, row in zip(self.indices.tolist(), self.side.tolist(), strict=True):
            start = max(0, end - definition.window + 1)
            if self.masks is None:
                involved = tuple(range(start, end + 1))
            else:
                window = np.arange(start, end + 1)
                involved = tuple(window[self.masks[row][start:end + 1]].tolist())
            out.append(Signal(self.rule, end, involved, definition.description))
        return out


def zone_codes(z: np.ndarray) -> np.ndarray:
    """Zone of each point as a small integer: ``sign(z) * level`` with level 0 for z = 0
    (or NaN), 1 for ``0 < |z| <= 1``, 2 for ``1 < |z| <= 2``, 3 for ``2 < |z| <= 3``, 4
    beyond 3 [int8]. ``z > t`` is ``code >= t + 1`` and ``|z| > t`` is ``|code| >= t + 1``
    for t = 0, 1, 2, 3; every side and zone mask of the rules derives from it."""
    magnitude = np.abs(z)
    code = np.zeros(z.shape, dtype=np.int8)
    flag = np.empty(z.shape, dtype=bool)
    for edge in ZONE_EDGES:
        np.greater(magnitude, edge, out=flag)
        np.add(code, flag, out=code)
    np.less(z, 0.0, out=flag)
    np.negative(code, out=code, where=flag)
    return code


ZONE_EDGES = (0.0, 1.0, 2.0, 3.0)
if any(r.threshold not in ZONE_EDGES for r in RULES.values()) or any(
        r.threshold != 1.0 for r in RULES.values() if r.kind in ("within", "outside")):
    raise AssertionError("run-rule thresholds must be zone edges; bands at 1 sigma")  # pragma: no cover


class _Workspace:
    """Zone codes, masks and runs computed once per series and shared by the rules
    (WE2/N5 and WE3/N6 are the same test, WE4 and N2 share the runs on one side, N7 and
    N8 share one pass over the within/outside bands ...)."""

    def __init__(self, z: np.ndarray) -> None:
        self.z = z
        self._cache: dict = {}

    def get(self, key):
        if key not in self._cache:
            self._cache[key] = self._build(key)
        return self._cache[key]

    def _build(self, key):
        name, t = key if isinstance(key, tuple) else (key, None)
        if name == "codes":
            return zone_codes(self.z)
        if name == "level":
            return np.abs(self.get("codes"))
        if name == "above":
            return self.get("codes") >= int(t) + 1
        if name == "below":
            return self.get("codes") <= -(int(t) + 1)
        if name == "outside":
            return self.get("level") >= int(t) + 1
        if name == "band":  # 1 within t, 2 beyond t, 0 neither (|z| = t or NaN)
            band = (np.abs(self.z) < t).view(np.int8)
            band += self.get(("outside", t)).view(np.int8) << 1
            return band
        if name == "steps":  # sign of z_i - z_(i-1): +1, -1, 0 (tie or NaN)
            steps = np.zeros(self.z.size, dtype=np.int8)
            diff = np.diff(self.z)
            steps[1:] = (diff > 0).view(np.int8)
            steps[1:] -= (diff < 0).view(np.int8)
            return steps
        if name == "flips":  # the step changes sign: 1, else 0
            steps = self.get("steps")
            flips = np.zeros(steps.size, dtype=np.int8)
            flips[1:] = (steps[1:] * steps[:-1] == -1).view(np.int8)
            return flips
        if name == "rule":
            kind, window, needed, threshold = t
            return _evaluate_test(RuleDefinition("", "", window, needed, kind, threshold), self)
        if name == "runs":  # long runs of equal nonzero values of a coded series
            series = {"side": lambda: np.sign(self.get("codes")), "band": lambda: self.get(("band", 1.0)),
                      "trend": lambda: self.get("steps"), "alternate": lambda: self.get("flips")}[t]
            return _long_runs(series(), _SHORTEST_RUN[t])
        raise KeyError(key)  # pragma: no cover


def _long_runs(series: np.ndarray, shortest: int):
    """Maximal runs of one nonzero value at least ``shortest`` long: (last index, length,
    value) per run, in order. Loop-free: the run ends are where the value changes."""
    n = series.size
    if n == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, dtype=series.dtype)
    last = np.append(np.flatnonzero(series[1:] != series[:-1]), n - 1)
    length = np.diff(last, prepend=-1)
    long = length >= shortest
    last, length = last[long], length[long]
    value = series[last]
    keep = value != 0
    return last[keep], length[keep], value[keep]


def _expand(first: np.ndarray, count: np.ndarray) -> np.ndarray:
    """``first[j], first[j] + 1, ..., first[j] + count[j] - 1`` for every j, concatenated."""
    total = int(count.sum())
    offset = np.cumsum(count) - count
    return np.repeat(first - offset, count) + np.arange(total)


def _window_sum(mask: np.ndarray, window: int) -> np.ndarray:
    """Qualifying points in the window ending at each point from ``window - 1`` on [int8]
    (``window`` shifted adds of int8: cheaper than a cumulative sum for short windows)."""
    n = mask.size - window + 1
    count = mask[window - 1:].view(np.int8).copy()
    for shift in range(1, window):
        count += mask[window - 1 - shift:window - 1 - shift + n].view(np.int8)
    return count


def _run_rule(definition: RuleDefinition, ws: _Workspace):
    """Fired indices and sides of a rule on runs (one side, a band, a trend, alternation)."""
    kind, window = definition.kind, definition.window
    last, length, value = ws.get(("runs", _RUN_SERIES[kind]))
    if kind in ("within", "outside"):
        wanted = (length >= window) & (value == (1 if kind == "within" else 2))
    else:
        wanted = length >= window - _STEPS_BEHIND[kind]
    last, length, value = last[wanted], length[wanted], value[wanted]
    count = length - (window - _STEPS_BEHIND[kind]) + 1
    indices = _expand(last - length + 1 + window - 1 - _STEPS_BEHIND[kind], count)
    if kind == "same_side":
        side = np.repeat((value < 0).view(np.int8), count)
    else:
        side = np.zeros(indices.size, dtype=np.int8)
    return indices, side, None


def _zone_rule(definition: RuleDefinition, ws: _Workspace):
    """k of the last n points beyond t on one side (windowed counts of the zone masks)."""
    window, needed, t = definition.window, definition.needed, definition.threshold
    above, below = ws.get(("above", t)), ws.get(("below", t))
    if above.size < window:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int8), (above, below)
    fired_above = _window_sum(above, window) >= needed
    fired = fired_above | (_window_sum(below, window) >= needed)
    position = np.flatnonzero(fired)
    side = (~fired_above[position]).view(np.int8)
    return position + (window - 1), side, (above, below)


def _evaluate_one(definition: RuleDefinition, ws: _Workspace):
    """Fired indices, sides and masks; rules with the same test (WE2 = N5 ...) share them."""
    return ws.get(("rule", (definition.kind, definition.window, definition.needed,
                            definition.threshold)))


def _evaluate_test(definition: RuleDefinition, ws: _Workspace):
    if definition.kind == "beyond":
        indices = np.flatnonzero(ws.get(("outside", definition.threshold)))
        return indices, np.zeros(indices.size, dtype=np.int8), None
    if definition.kind == "zone_same_side":
        return _zone_rule(definition, ws)
    return _run_rule(definition, ws)


# Runs: which coded series a rule reads, how many leading points have no step (a trend
# of w points is w - 1 steps, an alternation of w points is w - 2 sign changes).
_RUN_SERIES = {"same_side": "side", "within": "band", "outside": "band",
               "trend": "trend", "alternate": "alternate"}
_STEPS_BEHIND = {"same_side": 0, "within": 0, "outside": 0, "trend": 1, "alternate": 2}
_SHORTEST_RUN = {series: min(r.window - _STEPS_BEHIND[r.kind] for r in RULES.values()
                             if _RUN_SERIES.get(r.kind) == series)
                 for series in set(_RUN_SERIES.values())}


@cites(NELSON_1984, WESTERN_ELECTRIC_1956)
def evaluate_rules(z: Sequence[float] | np.ndarray, rules="western-electric") -> list[RuleHits]:
    """Evaluate run rules on a standardised statistic ``z`` [sigma of the statistic].

    Missing values (NaN) qualify for no rule and break runs and trends.
    Returns one :class:`RuleHits` per rule (``indices`` are 0-based point indices).
    """
    z = np.asarray(z, dtype=float).ravel()
    ws = _Workspace(z)
    hits = []
    for name in resolve_rules(rules):
        indices, side, masks = _evaluate_one(RULES[name], ws)
        hits.append(RuleHits(name, indices, side, masks))
    return hits


def signals_from_hits(hits: Iterable[RuleHits]) -> list[Signal]:
    """All signals of several rules, ordered by point index then rule name."""
    out = [s for h in hits for s in h.signals()]
    return sorted(out, key=lambda s: (s.index, s.rule))


def run_rule_signals(z, rules="western-electric") -> list[Signal]:
    """Convenience: :func:`evaluate_rules` then :func:`signals_from_hits`."""
    return signals_from_hits(evaluate_rules(z, rules))
