"""The virtual pilot line: one simulated week as fast as possible.

Issue 12's target: a week of the example pilot line into the embedded store in under
60 s on this machine. Measured three ways in the same run, so the cost of each layer
shows as a ratio: the line alone (records counted, nowhere stored), into CSV files, and
into an embedded DuckDB store through the ingestion path (validation, deduplication).
Reported: wall time, records/s and SimPy events/s.
"""

from __future__ import annotations

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

    start = time.perf_counter()
    truth = run_to(line, scenario, sinks, duration=WEEK, seed=0)
    return time.perf_counter() - start, truth


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
    base = results["line alone"][0]
    table = Table(title="One simulated week of examples/lines/pilot_line.yaml "
                        "(solid_content_drift)")
    for column in ("run", "wall s", "x line alone", "records", "records/s", "cells tested"):
        table.add_column(column, justify="right" if column != "run" else "left")
    for name, (seconds, truth, records) in results.items():
        table.add_row(name, f"{seconds:.1f}", f"{seconds / base:.2f}", f"{records:,}",
                      f"{records / seconds:,.0f}", f"{len(truth.cell_rows):,}")
    Console().print(table)
    return {name: {"seconds": s, "records": r} for name, (s, _, r) in results.items()}
