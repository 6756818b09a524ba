"""Benchmark: run rules over 10,000,000 points, and streaming monitors per signal.

Run rules: all twelve Western Electric and Nelson rules on one signal of 10,000,000
standardised points. Baseline measured in the same run: a naive per-point Python
implementation of the same rules (a loop over points, each looking back over its window)
on a 20,000-point slice, scaled per point; the two must give the same fired indices.
The first (cold) call pays the page faults of fresh arrays; repeats are reported too.
The load average (os.getloadavg) is printed with the times: the 2 cores are shared.

Streaming: points per second of :class:`StreamingMonitor` per signal and chart type,
after the one-time limit computation. Baselines measured in the same run on the same
points: (a) the previous monitor design (the batch chart function on every new point and
the batch rules on a 15-point tail), (b) batch re-evaluation of the whole history at
every new point (what "recomputing history" costs; quadratic, so a short slice), which
must report the same signals.

CSV (``--csv`` runs it alone): the checked reader of the quality commands on 1,000,000
rows against a plain ``pandas.read_csv`` of the same file, measured in the same run.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from gigatwin.quality import charts
from gigatwin.quality.rules import RULE_SETS, RULES, evaluate_rules
from gigatwin.quality.streaming import StreamingMonitor

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "quality"))
from reference_rules import naive_rules  # noqa: E402  (the tests' per-point reference)

N_POINTS = 10_000_000
N_NAIVE = 20_000
N_STREAM = 50_000
N_TAIL_BASELINE = 3_000
N_HISTORY_BASELINE = 1_000
N_CSV_ROWS = 1_000_000
ALL_RULES = RULE_SETS["western-electric"] + RULE_SETS["nelson"]


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def bench_rules(table: Table) -> dict:
    rng = np.random.default_rng(2026)
    z = rng.standard_normal(N_POINTS)
    z[N_POINTS // 2:] += 0.3  # a small shift so every rule has work to report
    times, loads = [], []
    for _ in range(3):
        start = time.perf_counter()
        hits = evaluate_rules(z, ALL_RULES)
        times.append(time.perf_counter() - start)
        loads.append(_load())
    n_signals = sum(h.indices.size for h in hits)

    zs = z[:N_NAIVE].tolist()
    start = time.perf_counter()
    naive = naive_rules(zs, ALL_RULES)
    naive_s = time.perf_counter() - start
    agree = all(h.indices.tolist() == naive[h.rule] for h in evaluate_rules(z[:N_NAIVE], ALL_RULES))
    speedup = (naive_s / N_NAIVE) / (min(times) / N_POINTS)
    table.add_row("run rules, 10,000,000 points, cold (first call)", f"{times[0]:.2f} s", loads[0])
    table.add_row("run rules, 10,000,000 points, repeats", " / ".join(f"{t:.2f}" for t in times[1:]) + " s",
                  loads[-1])
    table.add_row(f"naive per-point Python, {N_NAIVE:,} points", f"{naive_s:.2f} s "
                  f"(extrapolated {naive_s / N_NAIVE * N_POINTS:.0f} s)", _load())
    table.add_row("speed-up per point vs naive (best repeat)", f"{speedup:.0f}x", "")
    table.add_row("vectorised == naive on the slice", f"{agree} ({n_signals:,} rule hits in 10 M)", "")
    return {"points": N_POINTS, "rules": len(ALL_RULES), "cold_s": times[0], "repeat_s": times[1:],
            "load": loads, "signals": int(n_signals), "naive_points": N_NAIVE, "naive_s": naive_s,
            "speedup": speedup, "naive_agrees": agree}


def tail_monitor_baseline(x: list[float], rules="nelson") -> list[tuple]:
    """The previous streaming design: per point, the batch I-MR chart on (previous, new)
    and the batch rules on the last 15 standardised points."""
    params = {"center": 0.0, "sigma": 1.0}
    tail: deque = deque(maxlen=15)
    previous, out = np.nan, []
    run_rules = [r for r in RULE_SETS[rules] if RULES[r].kind != "beyond"]
    for i, value in enumerate(x):
        analysis = charts.imr(np.array([previous, value]), parameters=params, rules=None)
        previous = value
        for chart in analysis.charts:
            if chart.statistic[-1] > chart.ucl[-1] or chart.statistic[-1] < chart.lcl[-1]:
                out.append((chart.name, "limits", i))
        tail.append(value)
        for hit in evaluate_rules(np.fromiter(tail, float), run_rules):
            if hit.indices.size and hit.indices[-1] == len(tail) - 1:
                out.append(("I", hit.rule, i))
    return out


def history_baseline(x: list[float], rules="nelson") -> list[tuple]:
    """Batch re-evaluation of the whole history at every new point (signals at the new point)."""
    out = []
    for i in range(len(x)):
        analysis = charts.imr(x[:i + 1], parameters={"center": 0.0, "sigma": 1.0}, rules=rules)
        out += [(c.name, s.rule, i) for c in analysis.charts for s in c.signals if s.index == i]
    return out


def _stream_rate(monitor: StreamingMonitor, points: list, sizes=None) -> tuple[float, list]:
    monitor.update(points[0], size=None if sizes is None else sizes[0])  # limits computed once
    start = time.perf_counter()
    events = monitor.extend(points[1:], None if sizes is None else sizes[1:])
    return (len(points) - 1) / (time.perf_counter() - start), events


def bench_streaming(table: Table) -> dict:
    rng = np.random.default_rng(7)
    x = rng.standard_normal(N_STREAM)
    x[N_STREAM // 2:] += 0.5  # in control, then a half-sigma shift, so rules fire
    x = x.tolist()
    subgroups = list(rng.normal(0.0, 1.0, (N_STREAM // 5, 5)))
    counts = rng.binomial(60, 0.1, N_STREAM).astype(float).tolist()
    cases = {
        "I-MR + Nelson": (StreamingMonitor("imr", {"center": 0.0, "sigma": 1.0}, rules="nelson"), x, None),
        "I-MR + Western Electric": (StreamingMonitor("imr", {"center": 0.0, "sigma": 1.0}), x, None),
        "X-bar/R (n = 5) + Western Electric": (
            StreamingMonitor("xbar-r", {"center": 0.0, "sigma": 1.0}), subgroups, None),
        "p (n = 60) + Western Electric": (StreamingMonitor("p", {"p": 0.1}), counts, [60.0] * N_STREAM),
        "EWMA (lambda 0.2, exact limits)": (
            StreamingMonitor("ewma", {"center": 0.0, "sigma": 1.0, "lambda": 0.2}), x, None),
        "CUSUM (k 0.5, h 5)": (StreamingMonitor("cusum", {"center": 0.0, "sigma": 1.0}), x, None),
    }
    rates, n_events = {}, {}
    for name, (monitor, points, sizes) in cases.items():
        rates[name], events = _stream_rate(monitor, points, sizes)
        n_events[name] = len(events)
    charts.imr(np.zeros(2), parameters={"center": 0.0, "sigma": 1.0})  # warm d2 for the baselines
    start = time.perf_counter()
    tail_monitor_baseline(x[:N_TAIL_BASELINE])
    tail_rate = N_TAIL_BASELINE / (time.perf_counter() - start)
    start = time.perf_counter()
    history = history_baseline(x[:N_HISTORY_BASELINE])
    history_rate = N_HISTORY_BASELINE / (time.perf_counter() - start)
    streamed = StreamingMonitor("imr", {"center": 0.0, "sigma": 1.0}, rules="nelson").extend(
        x[:N_HISTORY_BASELINE])
    same = sorted((e.chart, e.rule, e.index) for e in streamed) == sorted(history)
    base = rates["I-MR + Nelson"]
    for name, rate in rates.items():
        table.add_row(f"streaming {name}", f"{rate:,.0f} points/s ({n_events[name]:,} alarms)", _load())
    table.add_row(f"baseline (a): batch chart per point + rules on a 15-point tail ({N_TAIL_BASELINE:,})",
                  f"{tail_rate:,.0f} points/s (I-MR + Nelson: {base / tail_rate:.0f}x slower)", _load())
    table.add_row(f"baseline (b): batch re-evaluation of the history ({N_HISTORY_BASELINE:,} points)",
                  f"{history_rate:,.0f} points/s ({base / history_rate:.0f}x slower; "
                  f"same signals: {same})", _load())
    return {"stream_points_per_s": rates, "stream_alarms": n_events, "tail_baseline_points_per_s": tail_rate,
            "history_baseline_points_per_s": history_rate, "history_baseline_points": N_HISTORY_BASELINE,
            "stream_equals_history": same}


def bench_csv(table: Table, rows: int = N_CSV_ROWS) -> dict:
    """The checked CSV reader of the quality commands (text in a declared encoding, every
    cell checked, line numbers for messages) against a plain ``pandas.read_csv`` of the
    same file (the baseline), on ``rows`` subgrouped measurements; both must agree."""
    import tempfile

    import pandas as pd

    from gigatwin.cli.quality import read_csv

    rng = np.random.default_rng(3)
    values = rng.normal(74.0, 0.01, rows)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rings.csv"
        path.write_text("diameter,sample\n" + "".join(
            f"{v:.4f},{i // 5 + 1}\n" for i, v in enumerate(values)))
        checked, plain = [], []
        for _ in range(3):
            start = time.perf_counter()
            frame = pd.read_csv(path)
            base = frame["diameter"].to_numpy(float), frame["sample"].to_numpy()
            plain.append(time.perf_counter() - start)
            start = time.perf_counter()
            csv_table = read_csv(path)
            got = csv_table.numbers("diameter", "--column")
            codes, labels = csv_table.groups("sample", "--subgroup-column")
            checked.append(time.perf_counter() - start)
        agree = bool(np.array_equal(got, base[0]) and labels == list(pd.unique(base[1])))
    ratio = min(checked) / min(plain)
    table.add_row(f"CSV, {rows:,} rows: checked reader (best of 3)", f"{min(checked):.2f} s",
                  _load())
    table.add_row("CSV: plain pandas.read_csv (baseline, best of 3)", f"{min(plain):.2f} s", "")
    table.add_row("CSV: checked / plain", f"{ratio:.1f}x (values and labels equal: {agree})", "")
    return {"rows": rows, "checked_s": checked, "plain_s": plain, "ratio": ratio,
            "agree": agree}


def main() -> dict:
    table = Table(title="Quality: run rules (4 Western Electric + 8 Nelson) and streaming monitors")
    for col in ("measure", "value", "load average 1/5/15 min"):
        table.add_column(col)
    if "--csv" in sys.argv:  # the CSV reader alone (a few seconds)
        figures = {"csv": bench_csv(table)}
    else:
        figures = {"rules": bench_rules(table), "streaming": bench_streaming(table),
                   "csv": bench_csv(table)}
    Console().print(table)
    return figures


if __name__ == "__main__":
    main()
