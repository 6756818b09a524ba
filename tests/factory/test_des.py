"""The line simulation against the static model, and its invariants."""

import pytest

from gigatwin.factory import evaluate_plant
from gigatwin.factory.des import line_from_result, simulate_line, static_line_capacity

DAY = 24 * 3600.0


@pytest.fixture
def industrial_line(industrial_plant):
    result = evaluate_plant(industrial_plant)
    return result, line_from_result(result)


def test_static_and_des_agree_without_failures(industrial_line):
    """Failures, changeovers and random scrap off: DES throughput = static capacity +-5 %."""
    result, stations = industrial_line
    warmup = 13 * DAY  # > static lead time of 290 h
    sim = simulate_line(stations, 4 * DAY, warmup=warmup, failures=False, changeovers=False,
                        stochastic_yield=False)
    static = static_line_capacity(stations, failures=False, changeovers=False)
    assert sim.throughput == pytest.approx(static, rel=0.05)
    assert sim.bottleneck == "Aging" == result.bottleneck


def test_failures_lower_throughput_and_oee(industrial_line):
    _, stations = industrial_line
    kwargs = {"warmup": 13 * DAY, "seed": 3}
    ideal = simulate_line(stations, 3 * DAY, failures=False, changeovers=False, **kwargs)
    real = simulate_line(stations, 3 * DAY, failures=True, changeovers=True, **kwargs)
    assert sum(s.failures for s in real.stations) > 0
    coating = {s.name: s for s in real.stations}["Coating/drying"]
    assert coating.availability < 1.0
    assert real.throughput <= ideal.throughput * 1.01


def test_same_seed_same_result(industrial_line):
    _, stations = industrial_line
    a = simulate_line(stations[:6], 2 * DAY, seed=7)
    b = simulate_line(stations[:6], 2 * DAY, seed=7)
    assert a.good_cells == b.good_cells
    assert [s.failures for s in a.stations] == [s.failures for s in b.stations]


def test_lead_time_at_least_sum_of_lot_times(industrial_line):
    _, stations = industrial_line
    sim = simulate_line(stations, 2 * DAY, warmup=13 * DAY, failures=False, changeovers=False,
                        stochastic_yield=False)
    minimum = sum(st.lot_time for st in stations)
    assert sim.lead_time_quantiles["p5"] >= minimum * (1 - 1e-9)
    assert sim.lead_time_quantiles["p5"] <= sim.lead_time_quantiles["p50"] <= sim.lead_time_quantiles["p95"]


def test_oee_components_bounded(industrial_line):
    _, stations = industrial_line
    sim = simulate_line(stations[:5], 2 * DAY, seed=1)
    for s in sim.stations:
        assert 0.0 <= s.oee <= 1.0 + 1e-9
        assert s.oee == pytest.approx(s.availability * s.performance * s.quality, rel=0.02)


def test_des_module_is_the_only_simpy_user():
    """docs/architecture.md: the domain never imports SimPy."""
    import pathlib
    root = pathlib.Path(__import__("gigatwin.factory").factory.__file__).parent
    users = [p.relative_to(root).as_posix() for p in root.rglob("*.py")
             if "import simpy" in p.read_text()]
    assert users == ["des/sim.py"]
