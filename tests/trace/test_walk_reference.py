"""The SQL + numpy walk against a plain per-edge Python reference (the semantics of the
first implementation: every edge fetched, the metre ranges filtered and mapped one by one),
on random genealogies with roll positions, discrete pieces and edges without positions."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gigatwin.store import open_store
from gigatwin.trace import map_range, trace, track

pytestmark = pytest.mark.integration


def _overlaps(current, a, b):
    return [(max(lo, a), min(hi, b)) for lo, hi in current if lo < b and hi > a]


def _down(current, pf, pt, cf, ct):
    far = [(cf, ct)] if cf is not None and ct is not None else None
    if current is None or pf is None or pt is None:
        return far
    hits = _overlaps(current, pf, pt)
    if not hits:
        return False
    return None if far is None else [map_range(lo, hi, (pf, pt), (cf, ct)) for lo, hi in hits]


def _up(current, pf, pt, cf, ct):
    if current is not None and cf is not None and ct is not None:
        hits = _overlaps(current, cf, ct)
        if not hits:
            return False
        return None if pf is None or pt is None else [map_range(lo, hi, (cf, ct), (pf, pt)) for lo, hi in hits]
    return [(pf, pt)] if pf is not None and pt is not None else None


def _reference(edges, start, start_range, downstream):
    reached = {start: (0, list(start_range or []))}
    frontier = {start: start_range}
    for generation in range(1, 32):
        if not frontier:
            break
        nxt = {}
        for p, c, pf, pt, cf, ct in edges:
            near, far = (p, c) if downstream else (c, p)
            if near not in frontier:
                continue
            ranges = (_down if downstream else _up)(frontier[near], pf, pt, cf, ct)
            if ranges is False:
                continue
            reached.setdefault(far, (generation, []))[1].extend(ranges or [])
            prev = nxt.get(far, [])
            nxt[far] = None if prev is None or ranges is None else prev + ranges
        frontier = nxt
    return {k: (g, _merged(r)) for k, (g, r) in reached.items()}


def _merged(ranges):
    out = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1]:
            out[-1] = [out[-1][0], max(out[-1][1], hi)]
        else:
            out.append([lo, hi])
    return out


metres = st.integers(0, 40).map(float)


@st.composite
def genealogies(draw):
    """Up to 4 layers of up to 3 objects; edges only downwards (a DAG), each with or
    without a parent range and a child range (some half-given)."""
    layers = [[f"L{i}O{j}" for j in range(draw(st.integers(1, 3)))] for i in range(draw(st.integers(2, 4)))]
    edges = set()
    for upper, lower in zip(layers, layers[1:], strict=False):
        for child in lower:
            for parent in draw(st.lists(st.sampled_from(upper), min_size=1, max_size=2, unique=True)):
                a, b = sorted(draw(st.lists(metres, min_size=2, max_size=2, unique=True)))
                c, d = sorted(draw(st.lists(metres, min_size=2, max_size=2, unique=True)))
                kind = draw(st.sampled_from(["both", "parent", "child", "none", "half"]))
                pf, pt = (a, b) if kind in ("both", "parent") else ((a, None) if kind == "half" else (None, None))
                cf, ct = (c, d) if kind in ("both", "child") else (None, None)
                edges.add((parent, child, pf, pt, cf, ct))
    return [o for layer in layers for o in layer], sorted(edges, key=str)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(genealogies(), st.data())
def test_walk_matches_per_edge_reference(plant, data):
    objects, edges = plant
    with open_store("duckdb://:memory:") as store:
        store.add_objects([{"object_id": o, "kind": "x"} for o in objects])
        store.add_edges([dict(zip(("parent_id", "child_id", "parent_from_m", "parent_to_m", "child_from_m",
                                   "child_to_m"), e, strict=True)) for e in edges])
        start = data.draw(st.sampled_from(objects))
        window = data.draw(st.one_of(st.none(), st.lists(metres, min_size=2, max_size=2, unique=True).map(sorted)))
        got = {r.object_id: (r.generation, r.as_dict()["ranges_m"]) for r in track(store, start, *(window or (None, None)))}
        assert got == _reference(edges, start, [tuple(window)] if window else None, True)
        got = {r.object_id: (r.generation, r.as_dict()["ranges_m"]) for r in trace(store, start)}
        assert got == _reference(edges, start, None, False)
