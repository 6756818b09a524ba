"""Factory benchmark: a simulated year of the 10 GWh/yr industrial line (SimPy DES).

Baseline measured in the same run: raw SimPy (one process doing timeouts) events per
second, so the DES speed is reported as a ratio to what SimPy itself can do here. Also
times the static plant model. Not a test: figures go to docs/benchmarks.md.
"""

from __future__ import annotations

import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

PLANT = Path(__file__).resolve().parents[1] / "examples" / "plants" / "industrial_nmc622_10gwh.yaml"


def raw_simpy_events_per_second(n: int = 300_000) -> float:
    import simpy

    env = simpy.Environment()

    def ticker(env):
        for _ in range(n):
            yield env.timeout(1.0)

    env.process(ticker(env))
    t = time.perf_counter()
    env.run()
    return n / (time.perf_counter() - t)


def main() -> dict:
    from gigatwin.factory import evaluate_plant, load_plant
    from gigatwin.factory.des import line_from_result, simulate_line, static_line_capacity

    console = Console()
    baseline = raw_simpy_events_per_second()
    t = time.perf_counter()
    for _ in range(20):
        result = evaluate_plant(load_plant(PLANT))
    static_ms = (time.perf_counter() - t) / 20 * 1e3
    stations = line_from_result(result)
    cal = result.plant.calendar
    day = cal.shifts_per_day * cal.hours_per_shift * 3600.0
    sim = simulate_line(stations, cal.days_per_year * day, warmup=13 * day, seed=0)
    gwh = result.annual_energy_output / 3.6e12
    figures = {
        "plant_gwh_per_year": gwh,
        "simulated_days": cal.days_per_year + 13,
        "wall_seconds": sim.wall_seconds,
        "events": sim.events,
        "events_per_second": sim.events_per_second,
        "raw_simpy_events_per_second": baseline,
        "ratio_to_raw_simpy": sim.events_per_second / baseline,
        "static_model_ms": static_ms,
        "des_throughput_cells_per_h": sim.throughput * 3600,
        "static_capacity_cells_per_h": static_line_capacity(stations) * 3600,
        "bottleneck": sim.bottleneck,
    }
    table = Table(title=f"factory: one simulated year of a {gwh:.1f} GWh/yr line")
    table.add_column("measure")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        table.add_row(key, f"{value:,.3f}" if isinstance(value, float) else str(value))
    console.print(table)
    return figures


if __name__ == "__main__":
    main()
