"""Trace (upstream) and track (downstream) through the genealogy, with roll positions.

The genealogy is a directed acyclic graph of objects (lots, slurry batches, rolls, coils,
sheets or segments, stacks, cells). An edge ``parent -> child`` may carry the range of
the parent it used, ``[parent_from_m, parent_to_m]`` in metres along a roll or coil, and,
when the child is roll goods too, the matching range on the child
``[child_from_m, child_to_m]``. Positions map linearly between the two ranges:

    x_parent = parent_from_m + (x_child - child_from_m) * (parent_to_m - parent_from_m)
                                                       / (child_to_m - child_from_m)

(a coil slit from a roll runs along the roll, so metre x of the coil is metre x of the
roll when both ranges are equal; calendering that stretches the web by 2 % maps 0..1000 m
of the roll onto 0..1020 m of the calendered roll).

**Track** from an object, optionally restricted to a position range on it, follows an edge
when its parent range overlaps the current range; the range carried on is the overlap
mapped onto the child (or none once the child is a discrete piece such as a sheet).
**Trace** from a cell walks to the parents; a discrete child cut from roll goods gives the
range it came from, and that range is mapped further up to the roll and the coating run.

Both are breadth-first, one indexed query per generation (the genealogy is shallow: about
seven generations from lot to cell), so they cost a few index lookups on DuckDB and
PostgreSQL alike however large the factory. Edge rows carry the ids and kinds of both
ends (schema version 3), so the objects reached are named from the edges that reach them. Converging flows (several coils into one
stack, several lots into one batch) and diverging flows (one roll into several coils) are
both plain fan-in/fan-out of the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MAX_GENERATIONS = 32


@dataclass
class Reached:
    """An object reached by trace or track, with the position ranges on it that matter."""

    object_id: str
    kind: str
    generation: int  # 0 for the start, 1 for its parents (trace) or children (track), ...
    ranges_m: list[tuple[float, float]] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"object_id": self.object_id, "kind": self.kind, "generation": self.generation,
                "ranges_m": [list(r) for r in _merge(self.ranges_m)]}


def _merge(ranges: list[tuple[float, float]]) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for lo, hi in sorted(ranges):
        if merged and lo <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], hi))
        else:
            merged.append((lo, hi))
    return merged


def map_range(lo: float, hi: float, src: tuple[float, float], dst: tuple[float, float]):
    """Map ``[lo, hi]`` (inside ``src``) linearly onto ``dst``."""
    (s0, s1), (d0, d1) = src, dst
    scale = (d1 - d0) / (s1 - s0) if s1 != s0 else 0.0
    return d0 + (lo - s0) * scale, d0 + (hi - s0) * scale


_CHUNK = 2000  # frontier objects per query (bound parameters per IN list)


def _in_list(n: int) -> str:
    """``IN (?, ?, ...)``: explicit placeholders let DuckDB use its ART index or, on a table
    stored in that column's order, skip row groups by min/max (``= ANY(?)`` becomes a hash
    join over the whole table); PostgreSQL uses its B-tree either way."""
    return "IN (" + ", ".join("?" * n) + ")"


def _step_sql(near: str, far: str, whole: int, ranged: int) -> str:
    """The edges one generation away from ``whole`` objects (all their edges) and from
    ``ranged`` objects (only edges that overlap the metre window ``[?, ?]`` on the near
    side, ``near_from_m < :to AND near_to_m > :from``, or that do not say where on the near
    object they are). The arms are disjoint; PostgreSQL answers the window from its
    ``(parent_pk, parent_from_m)`` B-tree and the unplaced edges from a partial index,
    DuckDB from a table stored in ``(parent_pk, parent_from_m)`` order (migration 2). Each
    row brings the id and kind of its far object (migration 3), so nothing else is read."""
    columns = (f"SELECT g.{near}_pk, g.{far}_pk, g.{near}_from_m, g.{near}_to_m, g.{far}_from_m, "
               f"g.{far}_to_m, g.{far}_id, g.{far}_kind FROM genealogy g "
               f"WHERE g.{near}_pk BETWEEN ? AND ? AND g.{near}_pk ")
    arms = []
    if whole:
        arms.append(columns + _in_list(whole))
    if ranged:
        arms.append(columns + _in_list(ranged) + f" AND g.{near}_from_m < ? AND g.{near}_to_m > ?")
        arms.append(columns + _in_list(ranged) + f" AND (g.{near}_from_m IS NULL OR g.{near}_to_m IS NULL)")
    return "\nUNION ALL\n".join(arms)


_SIDES = {"track": ("parent", "child"), "trace": ("child", "parent")}  # identifiers: constants only


def _frontier_arrays(frontier: dict[int, list | None]):
    """The frontier as sorted arrays ``pk, lo, hi`` (NaN for a whole object)."""
    pks, los, his = [], [], []
    for pk, ranges in frontier.items():
        for lo, hi in ranges if ranges is not None else [(np.nan, np.nan)]:
            pks.append(pk)
            los.append(lo)
            his.append(hi)
    pk = np.asarray(pks, dtype=np.int64)
    order = np.argsort(pk, kind="stable")
    return pk[order], np.asarray(los, dtype=float)[order], np.asarray(his, dtype=float)[order]


def _fetch_edges(store, direction: str, frontier: dict[int, list | None],
                 names: dict[int, tuple[str, str]]) -> np.ndarray:
    """The candidate edges of one generation, rows ``near, far, n0, n1, d0, d1`` as floats
    (NULL -> NaN; object keys are exact in float64 below 2**53). A superset of the edges
    taken only by the window bound (the smallest window holding every frontier range).
    Adds ``{far: (object_id, kind)}`` of every edge fetched to ``names``."""
    near, far = _SIDES[direction]
    if direction == "track":
        whole = [pk for pk, r in frontier.items() if r is None]
        ranged = [pk for pk, r in frontier.items() if r is not None]
    else:  # a few edges per child: all of them (DuckDB's ART takes a bare IN list only)
        whole, ranged = list(frontier), []
    window = [(lo, hi) for r in frontier.values() if r is not None for lo, hi in r]
    rows = []
    for start in range(0, max(len(whole), len(ranged)), _CHUNK):
        w, r = whole[start:start + _CHUNK], ranged[start:start + _CHUNK]
        params = [min(w), max(w), *w] if w else []
        if r:
            bounds = [min(r), max(r)]
            params += [*bounds, *r, max(hi for _, hi in window), min(lo for lo, _ in window), *bounds, *r]
        rows += store.query(_step_sql(near, far, len(w), len(r)), params)
    names.update((row[1], (row[6], row[7])) for row in rows)
    return np.array([row[:6] for row in rows], dtype=float).reshape(len(rows), 6)


def _step(store, direction: str, frontier: dict[int, list | None],
          names: dict[int, tuple[str, str]]) -> list[tuple]:
    """``(pk, ranges)`` per edge taken one generation away: ``ranges`` is ``[(lo, hi)]`` on
    that object or ``None`` (the whole object, or one without positions). Vectorised: each
    edge is paired with every frontier range of its near object, and the overlap is mapped
    with :func:`map_range`'s arithmetic. The names of the objects reached go to ``names``."""
    edges = _fetch_edges(store, direction, frontier, names)
    if len(edges) == 0:
        return []
    near, far = edges[:, 0].astype(np.int64), edges[:, 1].astype(np.int64)
    n0, n1, d0, d1 = edges[:, 2], edges[:, 3], edges[:, 4], edges[:, 5]
    f_pk, f_lo, f_hi = _frontier_arrays(frontier)
    first, last = np.searchsorted(f_pk, near, "left"), np.searchsorted(f_pk, near, "right")
    e = np.repeat(np.arange(len(near)), last - first)  # edge of each (edge, frontier range) pair
    f = np.arange(len(e)) - np.repeat(np.cumsum(last - first) - (last - first), last - first) + first[e]
    lo, hi, n0, n1, d0, d1 = f_lo[f], f_hi[f], n0[e], n1[e], d0[e], d1[e]
    whole = np.isnan(lo) | np.isnan(n0) | np.isnan(n1)
    with np.errstate(invalid="ignore"):
        take = whole | ((n0 < hi) & (n1 > lo))
        span = n1 - n0
        scale = np.divide(d1 - d0, span, out=np.zeros_like(span), where=span != 0)
        out_lo = np.where(whole, d0, d0 + (np.maximum(lo, n0) - n0) * scale)
        out_hi = np.where(whole, d1, d0 + (np.minimum(hi, n1) - n0) * scale)
    placed = ~(np.isnan(d0) | np.isnan(d1))
    return [(pk, [(a, b)] if p else None)
            for pk, a, b, p in zip(far[e][take].tolist(), out_lo[take].tolist(), out_hi[take].tolist(),
                                   placed[take].tolist(), strict=True)]


def _start(store, object_id: str) -> tuple[int, str]:
    rows = store.query("SELECT object_pk, kind FROM objects WHERE object_id = ?", (object_id,))
    if not rows:
        raise KeyError(f"no object {object_id!r} in the store")
    return rows[0]


def track(store, object_id: str, from_m: float | None = None, to_m: float | None = None) -> list[Reached]:
    """Every object downstream of ``object_id`` (optionally only of its metres
    ``from_m``..``to_m``), each with the position ranges on it that came from there."""
    if (from_m is None) != (to_m is None):
        raise ValueError("give both --from and --to (metres), or neither")
    if from_m is not None and not from_m < to_m:
        raise ValueError(f"position range from {from_m} m to {to_m} m is empty; from must be < to")
    start_range = [(float(from_m), float(to_m))] if from_m is not None else None
    return _walk(store, object_id, "track", start_range)


def trace(store, object_id: str) -> list[Reached]:
    """Every object upstream of ``object_id`` (a cell, usually), each roll or coil with the
    metre ranges the object's material came from."""
    return _walk(store, object_id, "trace", None)


def _walk(store, object_id: str, direction: str, start_range) -> list[Reached]:
    """Breadth-first over the genealogy, one query per generation (edges and names)."""
    start_pk, kind = _start(store, object_id)
    frontier: dict[int, list | None] = {start_pk: start_range}
    reached: dict[int, Reached] = {start_pk: Reached(object_id, kind, 0, list(start_range or []))}
    names: dict[int, tuple[str, str]] = {}
    for generation in range(1, MAX_GENERATIONS):
        if not frontier:
            break
        next_frontier: dict[int, list | None] = {}
        for pk, ranges in _step(store, direction, frontier, names):
            _visit(reached, next_frontier, pk, generation, ranges, names)
        frontier = next_frontier
    return sorted(reached.values(), key=lambda r: (r.generation, r.object_id))


def _visit(reached, frontier, pk, generation, ranges, names) -> None:
    if pk not in reached:
        reached[pk] = Reached(*names[pk], generation)
    if ranges:
        reached[pk].ranges_m.extend(ranges)
    previous = frontier.get(pk, [])
    if previous is None or ranges is None:
        frontier[pk] = None  # the whole object matters
    else:
        frontier[pk] = previous + ranges
