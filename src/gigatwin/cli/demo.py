"""``gigatwin demo``: the main job on the embedded default, no server needed.

One pass through what gigatwin does, each stage running the same commands a user would,
with every output written under ``--out``:

1. the data specification (summary, JSON-LD/HTML exports, gap report);
2. validation of a line data file against it (rejects kept with their reasons);
3. the process-chain twin: a 65 Ah NMC622/graphite pouch cell from recipe to end of line,
   Monte Carlo over the line's tolerances, with yield and plots;
4. quality: SPC and capability of the simulated cathode loading, end-of-line grading and
   module matching of the simulated cells;
5. the factory: cost, energy and throughput of an 8 GWh/yr plant making that cell, and
   what dry coating and fast formation change;
6. the line data platform: ingestion into an embedded DuckDB historian, then trace a cell
   back to its roll positions and track a roll segment forward to its cells.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.markup import escape
from rich.table import Table

from gigatwin.cli._common import console, dumps

RECIPE = "recipes/nmc622_graphite_pouch.yaml"
PLANT = "plants/twin_recipe_plant.yaml"


def examples_dir() -> Path:
    """The repository's ``examples/`` folder (the demo runs from a source checkout)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "examples"
        if (candidate / "records").is_dir():
            return candidate
    raise FileNotFoundError("examples/ not found next to the gigatwin sources; run the demo from a clone")


def _run(*args: str) -> None:
    """Run a gigatwin command exactly as the command line would, and stop the demo if it fails."""
    from gigatwin.cli.app import app

    console.print(f"[dim]$ gigatwin {' '.join(args)}[/dim]")
    code = app(list(args), standalone_mode=False)
    if code not in (None, 0):
        raise typer.Exit(code)


def stage_spec(out: Path) -> None:
    from gigatwin.spec import export, load_registry

    reg = load_registry()
    table = Table(title=f"Data specification: {len(reg.parameters)} parameters in {len(reg.steps)} steps "
                        "(Zanotto et al. 2022, Tables 5-12, and additions)")
    for column in ("step", "MP", "PP", "SP", "online", "offline/none"):
        table.add_column(column, justify="right" if column != "step" else "left")
    for step in reg.ordered_steps():
        params = reg.step_parameters(step.key)
        roles = Counter(p.role for p in params)
        online = sum(p.online in ("online", "both") for p in params)
        table.add_row(step.name, str(roles["MP"]), str(roles["PP"]), str(roles["SP"]), str(online),
                      str(len(params) - online))
    console.print(table)
    (out / "spec.jsonld").write_text(dumps(export.jsonld(reg)))
    (out / "spec.html").write_text(export.html_tables(reg))
    (out / "spec_gaps.md").write_text(export.gaps_markdown(reg))
    console.print(f"{len(export.gaps(reg))} parameters are needed by models but measured only offline or "
                  f"not at all: see {out / 'spec_gaps.md'}")


def stage_validate(out: Path) -> None:
    from gigatwin.spec import validate_file

    path = examples_dir() / "records" / "coating_line.csv"
    batch = validate_file(path)
    console.print(f"Validated {path.name}: {batch.received} records, {len(batch.accepted)} accepted "
                  f"(converted to SI), {len(batch.rejected)} rejected and kept with their reasons:")
    for r in batch.rejected:
        console.print(f"  row {r.row}: [red]{escape(r.reason)}[/red]")


def stage_twin(out: Path) -> None:
    _run("simulate", str(examples_dir() / RECIPE), "--samples", "20000", "--seed", "1",
         "--json", str(out / "twin" / "simulation.json"), "--plot", str(out / "twin"))


def _simulated_cells(samples: int = 2400):
    from gigatwin.twin import load_recipe, simulate

    return simulate(load_recipe(examples_dir() / RECIPE), samples, seed=2)


def stage_quality(out: Path) -> None:
    import pandas as pd

    from gigatwin.units import from_si

    result = _simulated_cells()
    quality = out / "quality"
    quality.mkdir(parents=True, exist_ok=True)
    loading = from_si(result.outputs["coating"]["cathode.coating_areal_loading"], "mg/cm^2")
    pd.DataFrame({"sample": np.arange(loading.size), "cathode_loading_mg_cm2": loading}).to_csv(
        quality / "cathode_loading.csv", index=False)
    eol = result.outputs["aging_eol"]
    pd.DataFrame({
        "cell_id": [f"CELL-{i:06d}" for i in range(loading.size)],
        "batch": np.arange(loading.size) // 400,
        "capacity_Ah": from_si(eol["eol_discharge_capacity"], "Ah"),
        "dcir_mohm": from_si(eol["eol_dc_internal_resistance"], "mohm"),
        "k_mV_per_day": from_si(eol["self_discharge_k_value"], "mV/day"),
    }).to_csv(quality / "eol_cells.csv", index=False)
    target = float(np.mean(loading))
    _run("spc", "chart", str(quality / "cathode_loading.csv"), "--column", "cathode_loading_mg_cm2",
         "--type", "xbar-r", "--subgroup", "5",
         "--json", str(quality / "xbar_r.json"), "--plot", str(quality / "xbar_r.html"))
    _run("spc", "capability", str(quality / "cathode_loading.csv"), "--column", "cathode_loading_mg_cm2",
         "--lsl", f"{target * 0.97:.3f}", "--usl", f"{target * 1.03:.3f}", "--subgroup", "5",
         "--json", str(quality / "capability.json"))
    _run("grade", str(quality / "eol_cells.csv"), "--config",
         str(examples_dir() / "quality" / "GRADES_nmc622_pouch.yaml"), "--json", str(quality / "grades.json"))
    _run("match", str(quality / "eol_cells.csv"), "--cells-per-module", "12",
         "--json", str(quality / "modules.json"))


def stage_factory(out: Path) -> None:
    _run("plant", str(examples_dir() / PLANT), "--scenario", "dry_coating", "--scenario",
         "fast_formation_narrow_window", "--json", str(out / "factory" / "plant.json"),
         "--plot", str(out / "factory"))


def stage_line_data(out: Path) -> None:
    from gigatwin.store import open_store
    from gigatwin.trace.generate import Plant, load

    database = out / "line.duckdb"
    database.unlink(missing_ok=True)
    url = f"duckdb://{database.resolve()}"
    with open_store(url) as store:
        objects, edges = load(store, Plant(cells=2000))
    console.print(f"Generated the genealogy of 2,000 cells: {objects:,} objects, {edges:,} edges "
                  "(lots, slurry batches, rolls, coils, segments, stacks, cells)")
    _run("ingest", "file", str(examples_dir() / "records" / "coating_line.csv"), "--store", url)
    _run("trace", "CELL-00000007", "--store", url, "--json", str(out / "trace_cell.json"))
    _run("track", "C-ROLL-0000000", "--from", "1200", "--to", "1250", "--store", url,
         "--json", str(out / "track_roll.json"))


STAGES = (
    ("The data specification", stage_spec),
    ("Validating line data against the specification", stage_validate),
    ("Process-chain twin: recipe to finished cell with Monte Carlo uncertainty", stage_twin),
    ("Quality: SPC, capability, end-of-line grading and module matching", stage_quality),
    ("Factory: cost, energy and throughput by step; innovation scenarios", stage_factory),
    ("Line data: historian on embedded DuckDB, trace and track", stage_line_data),
)


def demo(out: Annotated[Path, typer.Option(help="folder for the demo's outputs")] = Path("out/demo")) -> None:
    """Run the main job on the embedded default (no server needed)."""
    out.mkdir(parents=True, exist_ok=True)
    for number, (title, stage) in enumerate(STAGES, start=1):
        console.rule(f"[bold]{number}. {title}")
        stage(out)
    console.rule("[bold green]demo finished")
    console.print(f"outputs in {out}/: spec exports, twin plots and JSON, SPC charts (HTML), grades, "
                  "module assignment, plant breakdown plots, the DuckDB historian and trace/track JSON")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
