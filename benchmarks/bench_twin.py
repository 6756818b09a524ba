"""Throughput of the process chain: one vectorised call vs a per-sample Python loop.

Both run the same step models on the NMC622 pouch example: the vectorised chain on 100,000
and 1,000,000 samples in one call, with 1 and 2 worker threads (threads fill the random
draws; results are identical), and the baseline calls the chain once per sample (200
samples, rate extrapolated), measured in the same run. Also times a Sobol analysis of
capacity. The machine's load average is printed before and after: the figures are wall
times on a machine shared with other jobs (best of several repeats), plus the CPU time of
the 1-worker call.

End to end (issue 10, item 6): ``gigatwin simulate RECIPE --samples 1000000 --json`` in a
fresh process (interpreter start, imports, recipe validation, the chunked chain, summary
statistics, table and JSON), its wall time against the in-process chain
(``simulate(recipe, 1000000, workers=2)``) measured in the same run, and its peak memory
(the child's own ``ru_maxrss``, read after the command).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

RECIPE = Path(__file__).resolve().parents[1] / "examples" / "recipes" / "nmc622_graphite_pouch.yaml"
VECTOR_SAMPLES = 100_000
LARGE_SAMPLES = 1_000_000
LOOP_SAMPLES = 200
TARGET = 1_000_000  # cells/s, issue 3
END_TO_END_RATIO = 2.0  # CLI wall time / in-process chain time, issue 10
END_TO_END_MEMORY = 600  # MB, issue 10
# Runs the CLI in this fresh interpreter and reports its own peak memory on stderr: the
# high-water mark of its address space (VmHWM, Linux); ru_maxrss would also count the
# pages of the parent it was forked from.
CLI = """
import resource, sys
from gigatwin.cli.app import app
try:
    app(sys.argv[1:])
except SystemExit as exc:
    if exc.code:
        raise
try:
    with open("/proc/self/status") as status:
        peak = next(int(line.split()[1]) for line in status if line.startswith("VmHWM"))
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print("MAXRSS_KB", peak, file=sys.stderr)
"""


def _best_of(repeats: int, func) -> tuple[float, float]:
    """Best wall time and the CPU time of that repeat [s]."""
    best = (float("inf"), float("inf"))
    for _ in range(repeats):
        cpu, start = time.process_time(), time.perf_counter()
        func()
        wall = time.perf_counter() - start
        best = min(best, (wall, time.process_time() - cpu))
    return best


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 min, {os.cpu_count()} cores)"


def main() -> dict:
    from gigatwin.twin import load_recipe, simulate
    from gigatwin.twin.chain import run
    from gigatwin.twin.sampling import SettingDraws
    from gigatwin.twin.sensitivity import sobol_indices

    console = Console()
    load_before = _load()
    console.print(f"load average before: {load_before}")
    recipe = load_recipe(RECIPE)
    simulate(recipe, 1000, seed=0)  # warm-up (imports, material tables, drying table)
    timings = {}
    for samples, repeats in ((VECTOR_SAMPLES, 7), (LARGE_SAMPLES, 2)):
        for workers in (1, 2):
            timings[samples, workers] = _best_of(repeats, lambda n=samples, w=workers: simulate(
                recipe, n, seed=1, nominal_run=False, workers=w))
    rng = np.random.default_rng(2)

    def loop():
        for _ in range(LOOP_SAMPLES):
            run(recipe, SettingDraws(recipe, rng, 1))

    looped, _ = _best_of(1, loop)
    end_to_end = [_end_to_end(recipe) for _ in range(2)]
    sobol, _ = _best_of(1, lambda: sobol_indices(recipe, "capacity", base_samples=512))
    load_after = _load()
    rate = {key: key[0] / wall for key, (wall, _cpu) in timings.items()}
    figures = {
        "vectorised_cells_per_s": rate[VECTOR_SAMPLES, 1],
        "vectorised_2_threads_cells_per_s": rate[VECTOR_SAMPLES, 2],
        "vectorised_1m_cells_per_s": rate[LARGE_SAMPLES, 1],
        "vectorised_1m_2_threads_cells_per_s": rate[LARGE_SAMPLES, 2],
        "cells_per_cpu_second": VECTOR_SAMPLES / timings[VECTOR_SAMPLES, 1][1],
        "loop_cells_per_s": LOOP_SAMPLES / looped,
        "speed_up": max(rate.values()) / (LOOP_SAMPLES / looped),
        "seconds_100k": timings[VECTOR_SAMPLES, 1][0],
        "sobol_capacity_seconds": sobol,
        "end_to_end": end_to_end,
        "load_before": load_before, "load_after": load_after,
    }
    table = Table(title="gigatwin twin: chain throughput (NMC622 pouch recipe, all 10 steps)")
    table.add_column("measurement")
    table.add_column("value", justify="right")
    for (samples, workers), (wall, cpu) in timings.items():
        table.add_row(f"vectorised chain, {samples:,} samples in one call, {workers} worker(s)",
                      f"{rate[samples, workers]:,.0f} cells/s ({wall:.3f} s, CPU {cpu:.3f} s)")
    table.add_row("1 worker, per CPU second (100,000 samples)",
                  f"{figures['cells_per_cpu_second']:,.0f} cells/s")
    table.add_row(f"per-sample Python loop ({LOOP_SAMPLES} samples)",
                  f"{figures['loop_cells_per_s']:,.0f} cells/s")
    table.add_row("speed-up vectorised (best) / loop", f"{figures['speed_up']:,.0f} x")
    table.add_row(f"target of issue 3: {TARGET:,} cells/s",
                  "reached" if max(rate.values()) >= TARGET else "not reached")
    table.add_row("Sobol of capacity, N = 512 (all toleranced settings)", f"{sobol:.2f} s")
    for i, e2e in enumerate(end_to_end, start=1):
        table.add_row(f"end to end {i}: `gigatwin simulate -n 1000000 --json` / in-process "
                      "chain (2 workers)",
                      f"{e2e['cli_s']:.2f} s / {e2e['chain_s']:.2f} s = {e2e['ratio']:.2f} x "
                      f"(target <= {END_TO_END_RATIO:g}), peak {e2e['peak_mb']:.0f} MB "
                      f"(target < {END_TO_END_MEMORY})")
    console.print(table)
    console.print(f"load average after: {load_after}")
    return figures


def _end_to_end(recipe) -> dict:
    """The CLI on 10^6 samples in a fresh process, then the in-process chain."""
    from gigatwin.twin import simulate

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-c", CLI, "simulate", str(RECIPE), "--samples",
                               str(LARGE_SAMPLES), "--json", str(Path(tmp) / "sim.json")],
                              capture_output=True, text=True, check=True)
        cli = time.perf_counter() - start
    peak = next(int(line.split()[1]) for line in done.stderr.splitlines()
                if line.startswith("MAXRSS_KB"))
    chain, _ = _best_of(1, lambda: simulate(recipe, LARGE_SAMPLES, seed=0, workers=2))
    return {"cli_s": cli, "chain_s": chain, "ratio": cli / chain, "peak_mb": peak / 1024}


if __name__ == "__main__":
    main()
