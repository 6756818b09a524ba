"""``gigatwin demo``: the main job on the embedded default, no server needed.

One pass through what gigatwin does, each stage running the same commands a user would,
with every output written under ``--out``:

1. the data specification (summary, JSON-LD/HTML exports, gap report);
2. validation of a line data file against it (rejects kept with their reasons);
3. the process-chain twin: a 62 Ah NMC622/graphite pouch cell from recipe to end of line,
   Monte Carlo over the line's tolerances, with yield and plots;
4. quality: SPC and capability of the simulated cathode loading, end-of-line grading and
   module matching of the simulated cells;
5. the factory: cost, energy and throughput of an 8 GWh/yr plant making that cell, and
   what dry coating and fast formation change;
6. the line data platform: ingestion into an embedded DuckDB historian, then trace a cell
   back to its roll positions and track a roll segment forward to its cells;
7. the virtual pilot line: three days with a drift, streaming SPC's alarm scored against
   the truth, and the cells of the coil on the coater at the alarm traced to their lots.

The terminal shows a summary of a few lines per stage (readable at 80 columns); what
each command printed in full goes to ``--out``/log/, which the summary names.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.markup import escape

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


_log_dir: Path | None = None


def _run(*args: str) -> None:
    """Run a gigatwin command exactly as the command line would, its output going to a
    log file under ``--out``/log/; stop the demo if it fails."""
    from gigatwin.cli._common import err_console

    assert _log_dir is not None
    # the command's words only ("line run", "grade"): a relative path such as
    # out/demo/quality/x.csv (the default --out is relative) is no part of a file name
    command = " ".join(a for a in args[:2] if re.fullmatch(r"[a-z][a-z-]*", a))
    log = _log_dir / f"{len(list(_log_dir.iterdir())) + 1:02d}_{command.replace(' ', '_')}.log"
    with log.open("w", encoding="utf-8") as handle:
        handle.write(f"$ gigatwin {' '.join(args)}\n")
        # Rich's ``file`` reads sys.stdout when unset; keep it unset afterwards (the
        # stream of the moment may be replaced later, as pytest's capture does).
        saved = console._file, err_console._file
        console.file = err_console.file = handle
        try:
            code = _app(list(args), standalone_mode=False)
        finally:
            console._file, err_console._file = saved
    if code not in (None, 0):
        console.print(f"[red]gigatwin {command} failed (exit {code}); see {log}[/red]")
        raise typer.Exit(code)
    console.print(f"[dim]$ gigatwin {command} ...  > log/{log.name}[/dim]")


def _json(path: Path):
    import json

    return json.loads(path.read_text(encoding="utf-8"))


def _say(text: str) -> None:
    """One line of the summary, indented (and wrapped lines with it)."""
    from rich.padding import Padding

    console.print(Padding(text, (0, 0, 0, 2), expand=False))


def stage_spec(out: Path) -> None:
    from gigatwin.spec import export, load_registry

    reg = load_registry()
    roles = Counter(p.role for p in reg.parameters.values())
    online = sum(p.online in ("online", "both") for p in reg.parameters.values())
    (out / "spec.jsonld").write_text(dumps(export.jsonld(reg)))
    (out / "spec.html").write_text(export.html_tables(reg))
    (out / "spec_gaps.md").write_text(export.gaps_markdown(reg))
    _say(f"{len(reg.parameters)} parameters in {len(reg.steps)} steps (Zanotto et al. 2022, "
         f"Tables 5-12, and additions): {roles['MP']} machine, {roles['PP']} product and "
         f"{roles['SP']} structure parameters; {online} measurable online")
    _say(f"{len(export.gaps(reg))} are needed by models but measured only offline or not at "
         f"all: {out / 'spec_gaps.md'}")
    _say(f"exports: {out / 'spec.jsonld'} (JSON-LD), {out / 'spec.html'} (tables)")


def stage_validate(out: Path) -> None:
    from gigatwin.spec import validate_file

    path = examples_dir() / "records" / "coating_line.csv"
    batch = validate_file(path)
    _say(f"{path.name}: {batch.received} records, {len(batch.accepted)} accepted (converted "
         f"to SI), {len(batch.rejected)} rejected and kept with their reasons:")
    for r in batch.rejected:
        _say(f"  row {r.row}: [red]{escape(r.reason)}[/red]")


def stage_twin(out: Path) -> None:
    _run("simulate", str(examples_dir() / RECIPE), "--samples", "20000", "--seed", "1",
         "--json", str(out / "twin" / "simulation.json"), "--plot", str(out / "twin"))
    result = _json(out / "twin" / "simulation.json")
    cell, yields = result["cell"], result["yield"]
    _say(f"{result['recipe']}: {result['samples']:,} cells drawn from the line's tolerances")
    for key, label in (("cell_capacity", "capacity"), ("cell_energy", "energy"),
                       ("gravimetric_energy_density", "specific energy")):
        q = cell[key]
        _say(f"{label:>15}: {q['mean']:.4g} ± {q['std']:.2g} {q['unit']} (5-95 %: "
             f"{q['p05']:.4g}-{q['p95']:.4g})")
    worst = min((k for k in yields if k not in ("overall", "cell")), key=yields.get)
    _say(f"{'yield':>15}: {yields['overall']:.2%} overall; lowest step {worst} "
         f"{yields[worst]:.2%}")
    _say(f"plots: {out / 'twin' / 'distributions.png'}, {out / 'twin' / 'yield_by_step.png'}")


def stage_virtual_line(out: Path) -> None:
    """Three days of the pilot line with a drift: the alarm, the trace, the cells (the
    first cells are tested after about two and a half days: oven, formation, aging)."""
    from datetime import datetime

    from gigatwin.line.score import load_truth
    from gigatwin.store import open_store
    from gigatwin.trace.genealogy import trace

    folder = out / "line"
    folder.mkdir(parents=True, exist_ok=True)
    database = folder / "line.duckdb"
    database.unlink(missing_ok=True)
    url = f"duckdb://{database}"
    lines = examples_dir() / "lines"
    _run("line", "run", str(lines / "pilot_line.yaml"), "--scenario",
         str(lines / "scenarios" / "solid_content_drift.yaml"), "--duration", "3d",
         "--store", url, "--truth", str(folder / "truth.json"))
    _run("line", "score", str(folder / "truth.json"), "--store", url,
         "--json", str(folder / "score.json"))
    truth, score = load_truth(folder / "truth.json"), _json(folder / "score.json")
    drift = next(d for d in score["detections"] if d["kind"] == "drift")
    _say(f"3 days of {truth['line']}: {sum(truth['published'].values()):,} readings, "
         f"{truth['cells']:,} cells tested; scenario: {truth['scenario']}")
    _say(f"the drift of {drift['target']} began {drift['start'][11:16]} on day 1; "
         f"streaming SPC raised the alarm {drift['delay_h']:.1f} h later on "
         f"{drift['first_alarm_series'].rsplit('/', 1)[-1]}")
    caught = sum(d["detected"] for d in score["detections"])
    _say(f"{caught} of {len(score['detections'])} disturbances detected; "
         f"{score['false_alarms']} false alarm(s) in {score['monitored_days']:.1f} days")
    alarm = datetime.fromisoformat(drift["start"]).timestamp() + drift["delay_h"] * 3600
    coil = next((c for c in truth["coils"] if c["step"] == "coating"
                 and c["electrode"] == "cathode"
                 and datetime.fromisoformat(c["end"]).timestamp() >= alarm), None)
    if coil is None:
        return
    with open_store(url) as store:
        cells = store.query("SELECT object_id FROM objects WHERE kind = 'cell' AND "
                            "object_id LIKE ? ORDER BY object_id", (f"CELL-{coil['coil']:05d}-%",))
        if not cells:
            _say(f"cathode coil {coil['coil']} was being coated then; its cells are not built yet")
            return
        reached = trace(store, cells[0][0])
    lots = sorted({r.object_id for r in reached if r.kind == "lot"})
    segment = next((r for r in reached if r.kind == "coil" and r.object_id.startswith("C-")),
                   None)
    where = (f" metres {segment.ranges_m[0][0]:.1f}-{segment.ranges_m[0][1]:.1f} of "
             f"{segment.object_id}" if segment is not None and segment.ranges_m else "")
    _say(f"cathode coil C-COIL-{coil['coil']:05d} was on the coater then: {len(cells)} cells "
         f"came from it; {cells[0][0]} traces back to{where} and lots {', '.join(lots)}")


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
    cpk = _json(quality / "capability.json")["cpk"]
    _say(f"cathode loading, ±3 % limits: Cpk {cpk['value']:.2f} (95 % CI "
         f"{cpk['ci_low']:.2f}-{cpk['ci_high']:.2f}); X-bar/R chart: {quality / 'xbar_r.html'}")
    grades = _json(quality / "grades.json")["summary"]
    shares = ", ".join(f"{name} {count:,}" for name, count in grades["grades"].items())
    _say(f"end-of-line grading of {grades['cells']:,} cells: {shares}")
    modules = _json(quality / "modules.json")
    _say(f"module matching: capacity spread within modules {modules['capacity_improvement']:.0f}x "
         "smaller than in production order")


def stage_factory(out: Path) -> None:
    _run("plant", str(examples_dir() / PLANT), "--scenario", "dry_coating", "--scenario",
         "fast_formation_narrow_window", "--json", str(out / "factory" / "plant.json"),
         "--plot", str(out / "factory"))
    plant = _json(out / "factory" / "plant.json")

    def q(entry, scale=1.0, digits=3):
        return f"{entry['value'] * scale:.{digits}g} {entry['unit']}"

    _say(f"{plant['plant']}: {q(plant['annual_output'])}, conversion cost "
         f"{q(plant['conversion_cost_per_kwh'])}, energy {q(plant['energy_per_kwh'])}")
    _say(f"capital {plant['capital']['value'] / 1e6:.0f} million {plant['capital']['unit']} "
         f"(BatPaC {plant['batpac_edition']} inputs); bottleneck: {plant['bottleneck']}")
    for scenario in plant["scenarios"]:
        delta = scenario["delta"]
        _say(f"scenario {scenario['name']}: cost {delta['cost_per_kwh']['value']:+.2f} "
             f"{delta['cost_per_kwh']['unit']}, energy {delta['energy_per_kwh']['value']:+.1f} "
             f"{delta['energy_per_kwh']['unit']}")
    _say(f"plots: {out / 'factory'}/")


def stage_line_data(out: Path) -> None:
    from gigatwin.store import open_store
    from gigatwin.trace.generate import Plant, load

    database = out / "line.duckdb"
    database.unlink(missing_ok=True)
    url = f"duckdb://{database.resolve()}"
    with open_store(url) as store:
        objects, edges = load(store, Plant(cells=2000))
    _say(f"genealogy of 2,000 cells: {objects:,} objects, {edges:,} edges (lots, slurry "
         "batches, rolls, coils, segments, stacks, cells)")
    _run("ingest", "file", str(examples_dir() / "records" / "coating_line.csv"), "--store", url)
    _run("trace", "CELL-00000007", "--store", url, "--json", str(out / "trace_cell.json"))
    _run("track", "C-ROLL-0000000", "--from", "1200", "--to", "1250", "--store", url,
         "--json", str(out / "track_roll.json"))
    trace = _json(out / "trace_cell.json")
    kinds = Counter(obj["kind"] for obj in trace[1:])
    _say(f"CELL-00000007 traces back to {len(trace) - 1} objects: "
         + ", ".join(f"{n} {kind}" for kind, n in kinds.items()))
    track = _json(out / "track_roll.json")
    cells = sum(obj["kind"] == "cell" for obj in track)
    _say(f"metres 1200-1250 of cathode roll C-ROLL-0000000 reach {cells} cells")


STAGES = (
    ("The data specification", stage_spec),
    ("Line data validated against the specification", stage_validate),
    ("Process-chain twin: recipe to cell, Monte Carlo", stage_twin),
    ("Quality: SPC, capability, grading, matching", stage_quality),
    ("Factory: cost, energy, throughput; scenarios", stage_factory),
    ("Line data: historian, trace and track", stage_line_data),
    ("The virtual pilot line: a drift, the alarm, the trace", stage_virtual_line),
)


def demo(out: Annotated[Path, typer.Option(help="folder for the demo's outputs")] = Path("out/demo")) -> None:
    """Run the main job on the embedded default (no server needed)."""
    global _log_dir
    _log_dir = out / "log"
    if _log_dir.exists():
        for old in _log_dir.glob("*.log"):
            old.unlink()
    _log_dir.mkdir(parents=True, exist_ok=True)
    for number, (title, stage) in enumerate(STAGES, start=1):
        console.rule(f"[bold]{number}. {title}")
        stage(out)
    console.rule("[bold green]demo finished")
    console.print(f"All outputs are in {out}/; each command's full output in {_log_dir}/.")


# The ``gigatwin`` application, set by :func:`register` (importing ``cli.app`` here would
# make the two modules import each other).
_app: typer.Typer | None = None


def register(app: typer.Typer) -> None:
    global _app
    _app = app
    app.command("demo")(demo)
