"""Western Electric and Nelson run rules evaluated one point at a time.

:class:`IncrementalRules` keeps a few counters and two short deques per "k of n" test, and
:meth:`IncrementalRules.push` costs O(window) at most, independent of the history:

* one side of the center line (WE4, N2): the sign of the current run and its length;
* within / beyond 1 sigma (N7, N8): the band of the current run (1 within, 2 beyond,
  0 on the boundary or missing) and its length;
* steadily increasing or decreasing (N3): the sign of the current step and the length
  of the run of equal steps;
* alternating (N4): the length of the run of sign changes of the steps;
* k of the last n beyond t on one side (WE2/N5, WE3/N6): the indices of the qualifying
  points above and below within the last n (bounded deques);
* one point beyond t (WE1, N1): the current point.

Definitions, tie and missing-value conventions are those of :mod:`gigatwin.quality.rules`
(the batch evaluation), and a fired rule reports the same rule name, index and points:
``tests/quality/test_streaming.py`` checks this with hypothesis.
"""

from __future__ import annotations

from collections import deque

from gigatwin.quality.rules import RULES, resolve_rules

BAND = 1.0  # the within/beyond band of N7 and N8 [sigma] (checked in rules.py)


def _run(previous_value: int, previous_length: int, value: int) -> int:
    """Length of the run of equal nonzero values ending at the current point (0 if value is 0)."""
    if value == 0:
        return 0
    return previous_length + 1 if value == previous_value else 1


class IncrementalRules:
    """Run rules on a standardised statistic ``z`` [sigma], fed one point at a time."""

    def __init__(self, rules) -> None:
        self.definitions = tuple(RULES[name] for name in sorted(resolve_rules(rules)))
        self.index = -1
        self._side = self._side_run = 0
        self._band = self._band_run = 0
        self._previous = float("nan")
        self._step = self._step_run = self._flip_run = 0
        self._zones: dict[tuple[float, int], tuple[deque, deque]] = {
            (d.threshold, d.window): (deque(), deque())
            for d in self.definitions if d.kind == "zone_same_side"}

    def push(self, z: float) -> list[tuple[str, tuple[int, ...]]]:
        """Add the next point; returns ``(rule, points)`` for every rule it completes."""
        self.index = i = self.index + 1
        self._update_runs(z)
        self._update_zones(i, z)
        fired = []
        for definition in self.definitions:
            kind, window = definition.kind, definition.window
            if kind == "zone_same_side":
                if i >= window - 1:
                    for queue in self._zones[(definition.threshold, window)]:
                        if len(queue) >= definition.needed:
                            fired.append((definition.name, tuple(queue)))
                            break
                continue
            if kind == "beyond":
                if abs(z) > definition.threshold:
                    fired.append((definition.name, (i,)))
                continue
            if self._run_length(kind) >= window:
                fired.append((definition.name, tuple(range(i - window + 1, i + 1))))
        return fired

    def _update_runs(self, z: float) -> None:
        side = (z > 0) - (z < 0)  # NaN: 0
        self._side_run, self._side = _run(self._side, self._side_run, side), side
        band = 1 if abs(z) < BAND else 2 if abs(z) > BAND else 0
        self._band_run, self._band = _run(self._band, self._band_run, band), band
        step_size = z - self._previous
        step = (step_size > 0) - (step_size < 0)  # a tie or a missing neighbour: 0
        flip = step != 0 and step == -self._step
        self._flip_run = self._flip_run + 1 if flip else 0
        self._step_run, self._step = _run(self._step, self._step_run, step), step
        self._previous = z

    def _update_zones(self, i: int, z: float) -> None:
        for (threshold, window), (above, below) in self._zones.items():
            if z > threshold:
                above.append(i)
            elif z < -threshold:
                below.append(i)
            for queue in (above, below):
                while queue and queue[0] <= i - window:
                    queue.popleft()

    def _run_length(self, kind: str) -> int:
        """Points in the current qualifying run of a run rule."""
        if kind == "same_side":
            return self._side_run
        if kind in ("within", "outside"):
            return self._band_run if self._band == (1 if kind == "within" else 2) else 0
        if kind == "trend":  # w points are w - 1 steps
            return self._step_run + 1 if self._step_run else 0
        return self._flip_run + 2 if self._flip_run else 0  # alternate: w - 2 sign changes
