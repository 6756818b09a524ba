"""Cost per cell of the performance model: DFN physics vs its Gaussian-process surrogate.

Baseline, measured in the same run: the DFN (PyBaMM's default mesh, IDAKLU) of the
NMC811/Si-graphite 21700 example -- chain cell, parameter set, discharges at 0.1, 1 and 2C
and the 10 s pulse -- for 3 sampled cells. The surrogate (GPs of the same 7 outputs over
cathode loading and line load, trained here on 32 SPMe runs on the coarse mesh, the size
of a 40-run design less its held-out fifth: the cost of a prediction depends on the number
of training runs, not on the model that made them) predicts 10,000 cells in one call. Wall times, best
of repeats, on a machine shared with other jobs (load average printed).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

RECIPE = (Path(__file__).resolve().parents[1] / "examples" / "recipes"
          / "nmc811_sigraphite_21700.yaml")
RATES = (0.1, 1.0, 2.0)
PHYSICS_CELLS = 3
PREDICTED_CELLS = 10_000
TARGET = 10_000  # x faster per cell than the DFN (issue 11)


def main() -> dict:
    from gigatwin.twin import load_recipe
    from gigatwin.twin.performance import surrogate as sg

    console = Console()
    console.print(f"load average before: {os.getloadavg()}")
    recipe = load_recipe(RECIPE)
    variables = [sg.parse_vary(recipe, "cathode.coating_areal_loading=20:26"),
                 sg.parse_vary(recipe, "cathode.calender_line_load=600:1100")]
    points = sg.latin_hypercube(variables, PHYSICS_CELLS, seed=5)
    sg.physics_runs(recipe, variables, points[:1], RATES)  # warm-up: imports, caches
    start = time.perf_counter()
    sg.physics_runs(recipe, variables, points, RATES, model="dfn", mesh="default")
    dfn = (time.perf_counter() - start) / PHYSICS_CELLS
    x = sg.latin_hypercube(variables, PREDICTED_CELLS, seed=6)
    figures = {"dfn_seconds_per_cell": dfn}
    table = Table(title="Seconds per cell (7 outputs: capacity and energy at 3 rates, DCIR)")
    for col in ("model", "s/cell", "speed-up vs DFN"):
        table.add_column(col, justify="left" if col == "model" else "right")
    table.add_row(f"DFN, default mesh ({PHYSICS_CELLS} cells)", f"{dfn:.3g}", "1")
    for runs in (40,):
        model = sg.train(recipe, variables, runs, RATES, model="spme", mesh="coarse", seed=1)
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            model.predict(x)
            best = min(best, time.perf_counter() - start)
        per_cell = best / PREDICTED_CELLS
        figures[f"gp_{runs}_runs_seconds_per_cell"] = per_cell
        table.add_row(f"GP surrogate, {len(model.x_train)} training runs "
                      f"({PREDICTED_CELLS:,} cells)",
                      f"{per_cell:.3g}", f"{dfn / per_cell:,.0f}")
    console.print(table)
    console.print(f"target: >= {TARGET:,}x; load average after: {os.getloadavg()}")
    return figures


if __name__ == "__main__":
    main()
