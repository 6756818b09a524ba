"""Monte Carlo sweeps on dask.distributed (issue 11, item 5): 10^8 cells, bounded memory.

Baseline, measured in the same run (after the dask runs, so that the client's peaks
are theirs): the sweep in this process, one thread, on ``SERIAL_SAMPLES`` cells (the
serial rate). A LocalCluster of ``WORKERS``
single-threaded worker processes runs ``SMALL`` and then ``LARGE`` cells of the NMC622
pouch (chunks of 2^17). Peak memory: the high-water mark (VmHWM) of this process (the
client, which merges the chunk summaries) and of each worker process, read after each
run; the same peaks after 10^6 and 10^8 cells show that memory does not grow with the
sample count. ``GIGATWIN_SWEEP_SAMPLES`` overrides ``LARGE`` (a quick check).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

RECIPE = Path(__file__).resolve().parents[1] / "examples" / "recipes" / "nmc811_sigraphite_21700.yaml"
SERIAL_SAMPLES = 2**20
SMALL = 10**6
LARGE = int(os.environ.get("GIGATWIN_SWEEP_SAMPLES", 10**8))
WORKERS = 2


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM) [MB]."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status
                    if line.startswith("VmHWM")) / 1024


def _progress(start: float, samples: int):
    """Print chunks done, elapsed time and the client's peak memory now and then (a long
    run on a shared machine shows how far it got)."""
    def report(done: int, total: int) -> None:
        if done % 50 == 0 or done == total:
            print(f"  {samples:,} cells: {done}/{total} chunks, "
                  f"{time.perf_counter() - start:.0f} s, client peak {_peak_mb():.0f} MB",
                  flush=True)
    return report


def main() -> dict:
    from distributed import Client

    from gigatwin.twin import load_recipe
    from gigatwin.twin.sweep import local_cluster, sweep

    console = Console()
    recipe = load_recipe(RECIPE)
    console.print(f"load average before: {os.getloadavg()}")
    rows = []
    figures = {}
    with local_cluster(WORKERS) as cluster, Client(cluster) as client:
        for samples in (SMALL, LARGE):
            start = time.perf_counter()
            result = sweep(recipe, samples, seed=1, client=client,
                           progress=_progress(start, samples))
            wall = time.perf_counter() - start
            workers = client.run(_peak_mb)
            rows.append((f"dask LocalCluster, {WORKERS} processes", samples, wall,
                         samples / wall, _peak_mb(), max(workers.values())))
            figures[samples] = {"wall": wall, "rate": samples / wall,
                                "client_mb": _peak_mb(), "worker_mb": max(workers.values()),
                                "mean_capacity": result.stats["cell"]["cell_capacity"][0],
                                "yield": result.overall_yield}
    start = time.perf_counter()
    sweep(recipe, SERIAL_SAMPLES, seed=1)  # after the dask runs: its peak is its own
    serial_wall = time.perf_counter() - start
    rows.insert(0, ("serial, in process, 1 thread", SERIAL_SAMPLES, serial_wall,
                    SERIAL_SAMPLES / serial_wall, _peak_mb(), None))
    figures["serial_rate"] = SERIAL_SAMPLES / serial_wall
    console.print(f"load average after: {os.getloadavg()}")
    table = Table(title="Monte Carlo sweep of the NMC811 21700 (peak memory: VmHWM)")
    for col in ("engine", "cells", "wall [s]", "cells/s", "x serial", "client MB",
                "worker MB (max)"):
        table.add_column(col, justify="left" if col == "engine" else "right")
    for engine, samples, wall, rate, client_mb, worker_mb in rows:
        table.add_row(engine, f"{samples:,}", f"{wall:.1f}", f"{rate:,.0f}",
                      f"{rate / figures['serial_rate']:.2f}", f"{client_mb:.0f}",
                      "" if worker_mb is None else f"{worker_mb:.0f}")
    console.print(table)
    console.print(figures)
    return figures


if __name__ == "__main__":
    main()
