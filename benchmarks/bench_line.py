"""The virtual pilot line: one simulated week as fast as possible.

Issue 12's target: a week of the example pilot line into the embedded store in under
60 s on this machine. Measured three ways in the same run, so the cost of each layer
shows as a ratio: the line alone (records counted, nowhere stored), into CSV files, and
into an embedded DuckDB store through the ingestion path (validation, deduplication).
Reported: wall time, CPU time of the process (the machine is shared: wall time
follows the load of other jobs, CPU time much less), records/s and the load average
before and after each run. ``GIGATWIN_BENCH_DAYS`` shortens the simulated time (a
profile of one day, say). To compare with an older version of the code in the same
session, run this file with ``PYTHONPATH`` pointing at that version's ``src``.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).parents[1]
WEEK = 7 * 86400.0


class _Count:
    sent = 0

    def records(self, rows):
        self.sent += len(rows)

    def genealogy(self, g):
        pass

    def close(self):
        pass


def _run(sinks, scenario, line):
    from gigatwin.line.sinks import run_to

    days = float(os.environ.get("GIGATWIN_BENCH_DAYS", 7))
    load = os.getloadavg()[0]
    start, cpu = time.perf_counter(), time.process_time()
    truth = run_to(line, scenario, sinks, duration=days * 86400.0, seed=0)
    return (time.perf_counter() - start, time.process_time() - cpu,
            f"{load:.1f}-{os.getloadavg()[0]:.1f}", truth)


def main() -> dict:
    from gigatwin.line import load_line, load_scenario
    from gigatwin.line.sinks import FileSink, StoreSink
    from gigatwin.store import open_store

    line = load_line(ROOT / "examples" / "lines" / "pilot_line.yaml")
    scenario = load_scenario(ROOT / "examples" / "lines" / "scenarios" /
                             "solid_content_drift.yaml", line)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        count = _Count()
        results["line alone"] = (*_run([count], scenario, line), count.sent)
        files = FileSink(Path(tmp) / "files")
        results["into CSV files"] = (*_run([files], scenario, line), files.sent)
        with open_store(f"duckdb://{tmp}/line.duckdb") as store:
            sink = StoreSink(store)
            results["into DuckDB (ingestion)"] = (*_run([sink], scenario, line), sink.sent)
    import gigatwin

    base = results["line alone"][0]
    table = Table(title="Simulated time of examples/lines/pilot_line.yaml "
                        f"(solid_content_drift), code in {Path(gigatwin.__file__).parents[1]}")
    for column in ("run", "wall s", "CPU s", "x line alone", "records", "records/s",
                   "cells tested", "load"):
        table.add_column(column, justify="right" if column != "run" else "left")
    for name, (seconds, cpu, load, truth, records) in results.items():
        table.add_row(name, f"{seconds:.1f}", f"{cpu:.1f}", f"{seconds / base:.2f}",
                      f"{records:,}", f"{records / seconds:,.0f}",
                      f"{len(truth.cell_rows):,}", load)
    Console().print(table)
    return {name: {"seconds": s, "cpu": c, "records": r}
            for name, (s, c, _, _, r) in results.items()}
