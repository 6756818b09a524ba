"""``gigatwin simulate``, ``sensitivity`` and ``compare``: run the process chain on recipes."""
# ruff: noqa: B008  (typer declares arguments and options as default values)

from __future__ import annotations

import os
from pathlib import Path

import typer

from gigatwin.cli._common import console, fail, write_json
from gigatwin.cli.recipe import SET_HELP, load

KEY_CELL = ("cell_capacity", "cell_energy", "gravimetric_energy_density",
            "volumetric_energy_density", "np_ratio", "cathode.areal_capacity", "cell_mass",
            "cell_volume")


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)
    app.command("sensitivity")(sensitivity)
    app.command("compare")(compare)


ENGINES = ("auto", "chain", "sweep", "dask")
DASK_ABOVE = 10_000_000  # --engine auto: samples above this run as a sweep on dask


def simulate(recipe: Path = typer.Argument(..., help="Recipe YAML file"),
             samples: int = typer.Option(10_000, "--samples", "-n", max=10**9,
                                      help="Monte Carlo samples (at most 10^9)"),
             seed: int = typer.Option(0, "--seed", min=0, help="Seed of the numpy Generator"),
             json_path: Path | None = typer.Option(None, "--json", help="Write results as JSON (- for stdout)"),
             plot: Path | None = typer.Option(None, "--plot", help="Directory for PNG plots"),
             workers: int = typer.Option(min(2, os.cpu_count() or 1), "--workers", min=1, max=64,
                                         help="Threads (chain, sweep) or dask worker "
                                              "processes (dask); the result does not "
                                              "depend on it"),
             sets: list[str] | None = typer.Option(None, "--set", help=SET_HELP),
             engine: str = typer.Option(
                 "auto", "--engine",
                 help="chain: one run, exact percentiles; sweep: independent chunks "
                      "merged with bounded memory, in this process; dask: the sweep on "
                      "a LocalCluster of --workers processes or on --scheduler; auto: "
                      f"dask above {DASK_ABOVE:,} samples or with --scheduler, sweep "
                      "with --performance, else chain"),
             scheduler: str | None = typer.Option(
                 None, "--scheduler", help="Address of a running dask scheduler "
                                           "(tcp://host:8786): the sweep runs there"),
             chunk: int = typer.Option(2**17, "--chunk", min=1,
                                       help="Samples per chunk (sweep, dask); the result "
                                            "depends on it"),
             performance: Path | None = typer.Option(
                 None, "--performance", help="Surrogate model (gigatwin surrogate train): "
                                             "every cell's rate capability (sweep)")) -> None:
    """Simulate a recipe through the whole chain; print a per-step table with units."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    if samples < 1:
        raise fail(f"--samples = {samples} [1] is outside the allowed range [1, inf)")
    if engine not in ENGINES:
        raise fail(f"--engine = {engine!r} is not one of {', '.join(ENGINES)}")
    if engine == "auto":
        engine = ("dask" if scheduler is not None or samples > DASK_ABOVE
                  else "sweep" if performance is not None else "chain")
    if scheduler is not None and engine != "dask":
        raise fail(f"--scheduler needs --engine dask (or auto), not {engine}")
    if performance is not None and engine == "chain":
        raise fail("--performance needs --engine sweep or dask (the chain engine keeps "
                   "no per-cell draws for the surrogate)")
    if engine != "chain" and plot is not None:
        raise fail(f"--plot needs --engine chain: the {engine} engine keeps no samples")
    loaded = load(recipe, sets)
    extra = _performance(performance, loaded) if performance is not None else None
    if engine == "chain":
        result = _chain(loaded, samples, seed, workers, plot)
    else:
        result = _sweep(loaded, samples, seed, workers, engine, scheduler, chunk, extra)
    data = result.to_dict()
    table = Table(title=f"{loaded.name}: {samples:,} samples, seed {seed}",
                  box=box.SIMPLE_HEAD, pad_edge=False)
    for col in ("step / output [unit]", "nominal", "mean", "std", "p05", "p95"):
        first = col.startswith("step")
        table.add_column(col, justify="left" if first else "right", no_wrap=not first,
                         overflow="fold", min_width=22 if first else None,
                         max_width=None if first else 10)
    for step, outputs in [*data["steps"].items(), ("cell", data["cell"])]:
        table.add_row(f"[bold]{step}[/bold]")
        for i, (name, q) in enumerate(outputs.items()):
            table.add_row(escape(f"  {name} [{q['unit']}]"), _g4(q.get("nominal")), _g4(q["mean"]),
                          _g4(q["std"]), _g4(q["p05"]), _g4(q["p95"]),
                          end_section=i == len(outputs) - 1)
    console.print(table)
    yields = Table(title="Yield against the recipe's spec limits")
    yields.add_column("step")
    yields.add_column("yield", justify="right")
    for step, value in data["yield"].items():
        yields.add_row(step, f"{100 * value:.3f} %")
    console.print(yields)
    console.print(f"[dim]{len(data['citations'])} cited models: "
                  + ", ".join(c["key"] for c in data["citations"]) + "[/dim]")
    if "performance" in data:
        _performance_table(data["performance"], performance)
    if "sweep" in data:
        run = data["sweep"]
        console.print(f"[dim]{run['engine']}: {run['chunks']:,} chunks of {run['chunk']:,}, "
                      f"{run['wall_seconds']:.1f} s; percentiles from a fixed histogram "
                      "(p05_error, p95_error in --json bound their error)[/dim]")
    write_json(data, json_path)
    if plot is not None:
        _plots(result, plot)


def _chain(loaded, samples: int, seed: int, workers: int, plot: Path | None):
    """One chain run (:func:`simulate_summary`): exact percentiles, float32 copies kept
    for the plots."""
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from gigatwin.twin.chain import simulate_summary

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        progress.add_task(f"simulating {samples:,} cells of {loaded.name}", total=None)
        try:
            keep = [("cell", n) for n in KEY_CELL] if plot is not None else []
            return simulate_summary(loaded, samples=samples, seed=seed, workers=workers,
                                    keep=keep)
        except (ValueError, KeyError) as exc:
            raise fail(str(exc)) from exc


def _sweep(loaded, samples, seed, workers, engine, scheduler, chunk, extra):
    """The sweep (:mod:`gigatwin.twin.sweep`) in this process or on dask."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from gigatwin.twin.sweep import sweep

    where = {"sweep": {"threads": workers}, "dask": {"scheduler": scheduler}
             if scheduler is not None else {"workers": workers}}[engine]
    with Progress(TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed}/{task.total} chunks"), TimeElapsedColumn(),
                  console=console, transient=True) as bar:
        task = bar.add_task(f"{engine}: {samples:,} cells of {loaded.name}", total=None)
        try:
            return sweep(loaded, samples, seed, chunk=chunk, extra=extra,
                         progress=lambda done, total: bar.update(task, completed=done,
                                                                 total=total), **where)
        except (ValueError, KeyError, OSError) as exc:
            raise fail(str(exc).strip('"')) from exc


def _performance(path: Path, loaded):
    """The sweep's ``extra`` for ``--performance MODEL``: errors name the model."""
    from gigatwin.twin.performance.monte_carlo import SurrogateCells, check_recipe
    from gigatwin.twin.performance.surrogate import Surrogate

    try:
        model = Surrogate.load(path)
        check_recipe(model, loaded)
    except ValueError as exc:
        raise fail(f"--performance {path}: {exc}") from exc
    return SurrogateCells(model)


def _performance_table(section: dict, path: Path) -> None:
    from rich.table import Table

    from gigatwin.twin.performance.monte_carlo import FLAG

    flag = section[FLAG]
    outside = int(round(flag["mean"] * flag["n"]))
    table = Table(title=f"Rate capability from the surrogate {path.name} "
                        f"({flag['n'] - outside:,} cells inside its domain)")
    for col in ("output [unit]", "nominal", "mean", "std", "p05", "p95"):
        table.add_column(col, justify="left" if col.startswith("output") else "right")
    for name, q in section.items():
        if name != FLAG:
            table.add_row(f"{name} [{q['unit']}]", _g4(q.get("nominal")), _g4(q["mean"]),
                          _g4(q["std"]), _g4(q["p05"]), _g4(q["p95"]))
    console.print(table)
    style = "bold red" if outside else "dim"
    console.print(f"[{style}]{outside:,} of {flag['n']:,} cells "
                  f"({100 * flag['mean']:.3g} %) outside the surrogate's training domain: "
                  "not extrapolated, left out of these figures[/]")


def _g(value) -> str:
    return "" if value is None else f"{value:.5g}"


def _g4(value) -> str:
    return "" if value is None else f"{value:.4g}"


def _plots(result, directory: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from gigatwin.twin.results import display_unit
    from gigatwin.units import from_si

    directory.mkdir(parents=True, exist_ok=True)
    names = [n for n in KEY_CELL if n in result.outputs.get("cell", {})]  # varying ones
    fig, axes = plt.subplots(2, 4, figsize=(14, 6))
    for ax, name in zip(axes.flat, names, strict=False):
        unit = display_unit(name)
        ax.hist(from_si(result.outputs["cell"][name], unit), bins=60, color="tab:blue")
        ax.set_title(name.replace("_", " "), fontsize=9)
        ax.set_xlabel(unit)
    fig.suptitle(f"{result.recipe}: {result.samples:,} samples")
    fig.tight_layout()
    fig.savefig(directory / "distributions.png", dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(8, 4))
    steps = list(result.step_yield)
    ax.bar(steps + ["overall"], [100 * result.step_yield[s] for s in steps]
           + [100 * result.overall_yield], color="tab:green")
    ax.set_ylabel("yield [%]")
    ax.set_ylim(min(90.0, 100 * result.overall_yield - 1), 100.5)
    ax.tick_params(axis="x", rotation=45)
    fig.tight_layout()
    fig.savefig(directory / "yield_by_step.png", dpi=110)
    plt.close(fig)
    console.print(f"[dim]wrote {directory / 'distributions.png'} and {directory / 'yield_by_step.png'}[/dim]")


def sensitivity(recipe: Path = typer.Argument(..., help="Recipe YAML file"),
                output: str = typer.Option("capacity", "--output", "-o",
                                           help="capacity, energy, energy_density, dcir, yield, or any output key"),
                samples: int = typer.Option(512, "--samples", "-n", min=2, max=65536,
                                            help="Saltelli base samples N (evaluations N (D + 2))"),
                parameter: list[str] | None = typer.Option(None, "--parameter", "-p",
                                                           help="Setting path (repeatable); default all with a tolerance"),
                plot: Path | None = typer.Option(None, "--plot", help="PNG file for the bar chart"),
                json_path: Path | None = typer.Option(None, "--json", help="Write indices as JSON"),
                sets: list[str] | None = typer.Option(None, "--set", help=SET_HELP)) -> None:
    """Sobol first- and total-order indices of an output w.r.t. machine settings."""
    from rich.table import Table

    from gigatwin.twin.sensitivity import plot_indices, sobol_indices

    loaded = load(recipe, sets)
    with console.status(f"Sobol analysis of {output} ({loaded.name})"):
        try:
            result = sobol_indices(loaded, output, parameter or None, base_samples=samples)
        except (ValueError, KeyError) as exc:
            raise fail(str(exc)) from exc
    table = Table(title=f"Sobol indices of {output} ({result.evaluations:,} chain evaluations)")
    for col in ("setting", "S1", "S1 conf", "ST", "ST conf"):
        table.add_column(col, justify="left" if col == "setting" else "right")
    for name, s1, c1, st, ct in result.rows():
        table.add_row(name, f"{s1:.3f}", f"{c1:.3f}", f"{st:.3f}", f"{ct:.3f}")
    console.print(table)
    if plot is not None:
        plot_indices(result, plot)
        console.print(f"[dim]wrote {plot}[/dim]")
    write_json({"output": output, "evaluations": result.evaluations,
                "indices": [dict(zip(("setting", "S1", "S1_conf", "ST", "ST_conf"), r, strict=True))
                            for r in result.rows()]}, json_path)


def compare(recipe_a: Path = typer.Argument(..., help="Recipe A (the reference)"),
            recipe_b: Path = typer.Argument(..., help="Recipe B"),
            sets: list[str] | None = typer.Option(None, "--set",
                                                  help=SET_HELP + "; applied to B only"),
            samples: int = typer.Option(10_000, "--samples", "-n", max=10**9,
                                      help="Samples per recipe (at most 10^9)"),
            seed: int = typer.Option(0, "--seed", min=0, help="Seed of the numpy Generator"),
            json_path: Path | None = typer.Option(None, "--json",
                                                  help="Write the comparison as JSON"),
            show_all: bool = typer.Option(False, "--all",
                                          help="List every output, not only changed ones"),
            workers: int = typer.Option(min(2, os.cpu_count() or 1), "--workers", min=1, max=64,
                                        help="Threads (the result does not depend on it)")
            ) -> None:
    """Compare two recipes (B - A): both means of every output, the difference with its
    95 % confidence interval, and which spec limits moved the yield."""
    from rich.table import Table

    from gigatwin.twin.compare import compare as run_compare

    if samples < 2:
        raise fail(f"--samples = {samples} [1] is outside the allowed range [2, inf)")
    a, b = load(recipe_a), load(recipe_b, sets)
    with console.status(f"simulating {samples:,} cells of each recipe"):
        try:
            result = run_compare(a, b, samples=samples, seed=seed, workers=workers)
        except (ValueError, KeyError) as exc:
            raise fail(str(exc)) from exc
    table = Table(title=f"B = {b.name} vs A = {a.name}: {samples:,} paired samples, "
                        "95 % intervals")
    for col in ("output", "mean A", "mean B", "B - A", "± 95 %", "unit"):
        table.add_column(col, justify="left" if col in ("output", "unit") else "right",
                         no_wrap=col in ("output", "unit"))
    shown = [d for d in result.outputs if show_all or d.significant]
    for d in shown:
        table.add_row(d.name, _g4(d.mean_a), _g4(d.mean_b), _g4(d.difference),
                      _g4(d.high - d.difference), d.unit)
    y = result.yield_difference
    table.add_row("yield", _g4(y.mean_a), _g4(y.mean_b), _g4(y.difference),
                  _g4(y.high - y.difference), "%", style="bold")
    console.print(table)
    hidden = len(result.outputs) - len(shown)
    if hidden:
        console.print(f"[dim]{hidden} output(s) without a significant change not shown "
                      "(--all lists them)[/dim]")
    limits = Table(title="What moved the yield: pass fraction per spec limit / defect model")
    for col in ("limit", "A [%]", "B [%]", "B - A", "± 95 %", "moved"):
        limits.add_column(col, justify="left" if col == "limit" else "right",
                          no_wrap=col == "limit")
    for row in result.limits:
        name = row["limit"].removeprefix("spec_limits.")
        limits.add_row(name, _g4(row["pass_a"]), _g4(row["pass_b"]), _g4(row["difference"]),
                       _g4(row["ci_high"] - row["difference"]),
                       "yes" if row["moved_yield"] else "")
    console.print(limits)
    write_json(result.as_dict(), json_path)
