"""Streaming evaluation equals batch evaluation on the same data (hypothesis), for every
chart type and both rule sets; the monitor keeps bounded state and never re-runs the
batch rules or re-evaluates old points."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gigatwin.quality import (
    CHART_FUNCTIONS,
    AlarmEvent,
    EventSink,
    ListSink,
    StreamingMonitor,
    charts,
    imr,
    rules,
)

values = st.lists(st.one_of(st.floats(-6, 6), st.just(np.nan), st.sampled_from([0.0, 1.0, 2.0, -2.0])),
                  min_size=1, max_size=80)
rule_sets = st.sampled_from(["western-electric", "nelson", "none"])


def batch_signals(analysis):
    return sorted((c.name, s.rule, s.index, s.points) for c in analysis.charts for s in c.signals)


def stream_signals(events):
    return sorted((e.chart, e.rule, e.index, e.points) for e in events)


@settings(max_examples=60, deadline=None)
@given(x=values, rule_set=rule_sets)
def test_individuals_stream_equals_batch(x, rule_set):
    params = {"center": 0.0, "sigma": 1.0}
    batch = CHART_FUNCTIONS["imr"](x, parameters=params, rules=rule_set)
    sink = ListSink()
    StreamingMonitor("imr", params, rules=rule_set, sink=sink).extend(x)
    assert stream_signals(sink.events) == batch_signals(batch)


@settings(max_examples=30, deadline=None)
@given(walk=st.lists(st.sampled_from([-0.7, -0.3, 0.0, 0.3, 0.7]), min_size=20, max_size=120),
       rule_set=rule_sets)
def test_individuals_random_walk_stream_equals_batch(walk, rule_set):
    """A random walk produces long runs and trends (WE4, N2, N3, N7), a zigzag of the same
    magnitudes long alternations (N4, N8)."""
    zigzag = np.array([(-1) ** i * (1.5 + v) for i, v in enumerate(walk)])
    for x in (np.cumsum(walk), zigzag):
        params = {"center": 0.0, "sigma": 1.0}
        batch = CHART_FUNCTIONS["imr"](x, parameters=params, rules=rule_set)
        events = StreamingMonitor("imr", params, rules=rule_set).extend(x.tolist())
        assert stream_signals(events) == batch_signals(batch)


@settings(max_examples=40, deadline=None)
@given(x=values, lam=st.floats(0.05, 1.0), steady=st.booleans())
def test_ewma_stream_equals_batch(x, lam, steady):
    params = {"center": 0.0, "sigma": 1.0, "lambda": lam, "steady_state": steady}
    batch = CHART_FUNCTIONS["ewma"](x, lam=lam, steady_state=steady, parameters=params)
    events = StreamingMonitor("ewma", params).extend(x)
    assert stream_signals(events) == batch_signals(batch)


@settings(max_examples=40, deadline=None)
@given(x=values, k=st.floats(0, 1.5), h=st.floats(0.5, 6))
def test_cusum_stream_equals_batch(x, k, h):
    params = {"center": 0.0, "sigma": 1.0, "k": k, "h": h}
    batch = CHART_FUNCTIONS["cusum"](x, k=k, h=h, parameters=params)
    events = StreamingMonitor("cusum", params).extend(x)
    assert stream_signals(events) == batch_signals(batch)


def subgroup_matrix(rows):
    width = max(len(r) for r in rows)
    m = np.full((len(rows), width), np.nan)
    for i, row in enumerate(rows):
        m[i, :len(row)] = row
    return m


subgroups = st.lists(st.lists(st.one_of(st.floats(-5, 5), st.just(np.nan)), min_size=1, max_size=5),
                     min_size=1, max_size=40)


@settings(max_examples=40, deadline=None)
@given(data=subgroups, kind=st.sampled_from(["xbar-r", "xbar-s"]), rule_set=rule_sets)
def test_subgroup_stream_equals_batch(data, kind, rule_set):
    """Unequal sizes and missing values: limits per subgroup size, R/S undefined below 2."""
    m = subgroup_matrix(data)
    params = {"center": 0.1, "sigma": 1.2}
    batch = CHART_FUNCTIONS[kind](m, parameters=params, rules=rule_set)
    events = StreamingMonitor(kind, params, rules=rule_set).extend(list(m))
    assert stream_signals(events) == batch_signals(batch)


@settings(max_examples=30, deadline=None)
@given(data=subgroups, lam=st.floats(0.05, 1.0), k=st.floats(0, 1.5))
def test_subgroup_ewma_and_cusum_stream_equal_batch(data, lam, k):
    m = subgroup_matrix(data)
    params = {"center": 0.1, "sigma": 1.2, "lambda": lam, "k": k, "h": 3.0}
    batch = CHART_FUNCTIONS["ewma"](m, lam=lam, parameters=params)
    assert stream_signals(StreamingMonitor("ewma", params).extend(list(m))) == batch_signals(batch)
    batch = CHART_FUNCTIONS["cusum"](m, k=k, h=3.0, parameters=params)
    assert stream_signals(StreamingMonitor("cusum", params).extend(list(m))) == batch_signals(batch)


@settings(max_examples=40, deadline=None)
@given(counts=st.lists(st.one_of(st.integers(0, 30), st.just(np.nan)), min_size=1, max_size=60),
       rule_set=rule_sets)
def test_attribute_stream_equals_batch(counts, rule_set):
    sizes = [50 + (i % 3) * 10 for i in range(len(counts))]
    for kind, params, extra in (("p", {"p": 0.2}, (sizes,)), ("np", {"p": 0.2, "n": 50}, (50,)),
                                ("c", {"c": 10.0}, ()), ("u", {"u": 0.2}, (sizes,))):
        batch = CHART_FUNCTIONS[kind](counts, *extra, parameters=params, rules=rule_set)
        monitor = StreamingMonitor(kind, params, rules=rule_set)
        events = monitor.extend(counts, sizes if kind in ("p", "u") else None)
        assert stream_signals(events) == batch_signals(batch), kind


def test_limits_are_computed_once_and_rules_never_rerun_in_batch(monkeypatch):
    """The history is not recomputed: the batch chart function runs once (for the limits)
    and the batch rule evaluation never runs, however many points arrive."""
    calls = []

    def counting_imr(*args, **kwargs):
        calls.append(1)
        return imr(*args, **kwargs)

    def no_batch_rules(*args, **kwargs):
        raise AssertionError("streaming must not call the batch rule evaluation")

    monkeypatch.setattr(charts, "imr", counting_imr)
    monkeypatch.setattr(rules, "_Workspace", no_batch_rules)  # built by every batch evaluation
    monitor = StreamingMonitor("imr", {"center": 0.0, "sigma": 1.0}, rules="nelson")
    x = np.cumsum(np.random.default_rng(1).normal(0.0, 0.5, 3000))
    events = monitor.extend(x.tolist())
    assert calls == [1]
    assert {e.rule for e in events} >= {"limits", "N2", "N3"}
    state = monitor._rules["I"]  # bounded: the k-of-n deques never exceed their window
    assert all(len(q) <= window for (_, window), pair in state._zones.items() for q in pair)


def test_monitor_from_a_phase_one_result(pistonrings):
    """Phase I in batch, then stream Phase II: samples 37-39 (1-based) beyond the UCL
    (Montgomery Example 6.1, as in test_charts)."""
    phase1 = CHART_FUNCTIONS["xbar-r"](pistonrings[:25])
    monitor = StreamingMonitor.from_analysis(phase1, rules="none")
    events = monitor.extend(list(pistonrings[25:]))
    assert [e.index + 26 for e in events if e.chart == "xbar"] == [37, 38, 39]


def test_missing_parameters_are_named():
    with pytest.raises(ValueError, match=r"\['sigma'\]"):
        StreamingMonitor("imr", {"center": 0.0})
    with pytest.raises(ValueError, match="one value per point"):
        StreamingMonitor("imr", {"center": 0.0, "sigma": 1.0}).update([1.0, 2.0])


def test_events_go_to_sink_and_callback_with_context():
    got = []
    sink = ListSink()
    assert isinstance(sink, EventSink)
    monitor = StreamingMonitor("imr", {"center": 0.0, "sigma": 1.0}, signal_key="dry_thickness",
                               asset="coater-1", sink=sink, callback=got.append)
    events = monitor.update(5.0, time="2026-11-22T10:00:00Z")
    assert [(e.chart, e.rule) for e in events] == [("I", "limits")]  # first MR undefined
    e = events[0]
    assert isinstance(e, AlarmEvent) and e.chart == "I" and e.value == 5.0
    assert (e.ucl, e.lcl, e.center) == (3.0, -3.0, 0.0)
    assert e.signal_key == "dry_thickness" and e.asset == "coater-1"
    assert e.time == "2026-11-22T10:00:00Z"
    assert got == sink.events
    assert monitor.stats.count == 1 and monitor.stats.mean == 5.0


def test_running_statistics_match_numpy():
    rng = np.random.default_rng(5)
    x = rng.normal(3.0, 2.0, 500)
    monitor = StreamingMonitor("imr", {"center": 3.0, "sigma": 2.0})
    monitor.extend(x)
    assert monitor.stats.mean == pytest.approx(x.mean(), rel=1e-12)
    assert monitor.stats.std == pytest.approx(x.std(ddof=1), rel=1e-10)
