"""``gigatwin performance``: rate capability of a recipe's cells with PyBaMM."""
# ruff: noqa: B008  (typer declares arguments and options as default values)

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import typer

from gigatwin.cli._common import console, fail, fail_input, write_json

# Display units of the table (SI inside; converted here, at the edge). Capacity, energy and
# DC resistance take the data specification's display units (rate_capability.SPEC_KEYS).
UNITS = {"capacity": "spec", "retention": "%", "energy": "spec", "mean_voltage": "V",
         "specific_energy": "W*h/kg", "specific_power": "W/kg"}


def _units() -> dict[str, str]:
    from gigatwin.spec import load_registry
    from gigatwin.twin.performance.rate_capability import SPEC_KEYS

    spec = load_registry().parameters
    return {q: spec[SPEC_KEYS[q]].display_unit if u == "spec" else u
            for q, u in {**UNITS, "dc_resistance": "spec"}.items()}
HEADERS = {"capacity": "capacity", "retention": "retained", "energy": "energy",
           "mean_voltage": "mean V", "specific_energy": "spec. E", "specific_power": "spec. P"}


def register(app: typer.Typer) -> None:
    app.command("performance")(performance)
    surrogate_app = typer.Typer(help="Gaussian-process surrogates of the performance model.",
                                no_args_is_help=True)
    surrogate_app.command("train")(surrogate_train)
    surrogate_app.command("check")(surrogate_check)
    app.add_typer(surrogate_app, name="surrogate")
    app.command("design")(design)


# Upper bounds that keep a mistyped count from running for days: a DFN run takes about
# a second per cell and C-rate on this class of machine (docs/benchmarks.md), and a
# design evaluates population x generations candidates through the chain.
MAX_RUNS = 10_000
MAX_GENERATIONS = 10_000
MAX_POPULATION = 10_000


def _rates(text: str) -> list[float]:
    try:
        rates = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise fail(f"--rates = {text!r} is not a comma-separated list of C-rates") from None
    if not rates or not all(math.isfinite(r) and r > 0 for r in rates):
        raise fail(f"--rates = {text!r} [1]: every C-rate must be in (0, inf)")
    return rates


def performance(recipe: Path = typer.Argument(..., help="Recipe YAML file"),
                rates: str = typer.Option("0.1,0.5,1,2,3", "--rates",
                                          help="Discharge C-rates, comma-separated"),
                model: str = typer.Option("dfn", "--model", help="dfn or spme"),
                set_: list[str] | None = typer.Option(
                    None, "--set", help="KEY=VALUE: a recipe setting's nominal, a bare "
                                        "number in the recipe's unit or with its unit "
                                        "('cathode.calender_line_load=900 N/mm'); its "
                                        "tolerance is kept (repeatable)"),
                samples: int = typer.Option(4, "--samples", "-n", max=MAX_RUNS,
                                            help="Sampled cells (plus the nominal one; "
                                                 f"0: the nominal cell alone; at most "
                                                 f"{MAX_RUNS:,})"),
                seed: int = typer.Option(0, "--seed", min=0, help="Seed of the chain's draws"),
                charge_rate: float | None = typer.Option(
                    None, "--charge-rate", help="Also charge at this C-rate and check plating"),
                mesh: str = typer.Option("default", "--mesh", help="default or coarse"),
                json_path: Path | None = typer.Option(None, "--json",
                                                      help="Write results as JSON (- for stdout)"),
                plot: Path | None = typer.Option(None, "--plot", help="Directory for PNG plots"),
                bpx_path: Path | None = typer.Option(None, "--bpx",
                                                     help="Write the nominal cell as BPX JSON")
                ) -> None:
    """Rate capability of a recipe's cells: PyBaMM (DFN or SPMe) on the twin's structure."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from gigatwin.cli.recipe import load
    from gigatwin.twin.performance.rate_capability import rate_capability

    c_rates = _rates(rates)
    if model not in ("dfn", "spme"):
        raise fail(f"--model = {model!r} is not dfn or spme")
    if samples < 0:
        raise fail(f"--samples = {samples} [1] is outside the allowed range [0, inf)")
    if charge_rate is not None and not (math.isfinite(charge_rate) and charge_rate > 0):
        raise fail(f"--charge-rate = {charge_rate} [1] is outside the allowed range (0, inf)")
    loaded = _with_settings(load(recipe), set_ or [])
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}"
                  "/{task.total} cells"), TimeElapsedColumn(), console=console,
                  transient=True) as bar:
        task = bar.add_task(f"{model.upper()} on {loaded.name}", total=samples + 1)
        try:
            result = rate_capability(loaded, c_rates, model, samples, seed, mesh, charge_rate,
                                     progress=lambda done, _total: bar.update(task,
                                                                               completed=done))
        except Exception as exc:
            raise _solve_errors(exc) from exc
    _print(result)
    write_json(result.to_dict(), json_path)
    if bpx_path is not None:
        _write_bpx(result, bpx_path)
    if plot is not None:
        _plots(result, plot)


def _with_settings(recipe, texts: list[str]):
    """The recipe with the ``--set KEY=VALUE`` nominals (tolerances kept)."""
    from gigatwin.twin.performance import surrogate

    try:
        pairs = [surrogate.parse_set(recipe, text) for text in texts]
    except (ValueError, KeyError) as exc:
        message = str(exc).strip('"')
        raise fail(message if message.startswith("--set") else
                   f"--set: {message}") from exc
    if not pairs:
        return recipe
    return surrogate.with_nominals(recipe, [v for v, _ in pairs], [x for _, x in pairs])


def _print(result) -> None:
    from rich.table import Table

    from gigatwin.units import from_si

    units = _units()

    def show(value: float, quantity: str) -> float:
        unit = units[quantity]
        return 100 * value if unit == "%" else float(from_si(value, unit))

    table = Table(title=f"{result.recipe}: {result.model.upper()}, nominal cell and "
                        f"{len(result.cells)} sampled cells (mean ± std)")
    table.add_column("C-rate", justify="right")
    for quantity in UNITS:
        table.add_column(f"{HEADERS[quantity]}\n[{units[quantity]}]", justify="right")
    for row in result.table():
        cells = [f"{row['c_rate']:g}"]
        for quantity in UNITS:
            q = row[quantity]
            mean, std = show(q["mean"], quantity), show(q["std"], quantity)
            cells.append(f"{mean:.3f}±{std:.3f}" if quantity == "mean_voltage"
                         else f"{mean:.4g}±{std:.1g}")
        table.add_row(*cells)
    console.print(table)
    nominal = result.table()
    console.print("nominal cell capacity: " + ", ".join(
        f"{show(row['capacity']['nominal'], 'capacity'):.4g} {units['capacity']} at "
        f"{row['c_rate']:g}C" for row in nominal))
    cells = result.cells or [result.nominal]
    dcir = [float(from_si(c.dc_resistance, units["dc_resistance"])) for c in cells]
    unit = units["dc_resistance"]
    console.print(f"DC resistance (10 s pulse at 1C from 50 % SOC): "
                  f"{float(from_si(result.nominal.dc_resistance, unit)):.4g} {unit} nominal, "
                  f"{sum(dcir) / len(dcir):.4g} {unit} mean")
    if result.nominal.charge is not None:
        margins = [1e3 * c.charge.plating_margin for c in cells]
        plated = sum(c.charge.plating for c in cells)
        console.print(f"Charge at {result.nominal.charge.c_rate:g}C: lowest anode potential "
                      f"vs Li {1e3 * result.nominal.charge.plating_margin:.3g} mV nominal "
                      f"(min over cells {min(margins):.3g} mV); lithium plating in {plated} "
                      f"of {len(cells)} cells")
    p = result.nominal.parameters
    w = p["windows"]
    console.print(f"[dim]base set {p['base_set']} ({p['base_cell']}); windows x {w['x0']:.3f}"
                  f"-{w['x100']:.3f}, y {w['y100']:.3f}-{w['y0']:.3f}; "
                  f"{len(p['from_structure'])} parameters from the structure, "
                  f"{len(p['from_base'])} from the base set (listed in --json); "
                  f"{len(result.citations)} cited sources[/dim]")


def _write_bpx(result, path: Path) -> None:
    from gigatwin.twin.performance.bpx_export import to_bpx
    from gigatwin.twin.performance.parameters import parameter_values

    document = to_bpx(parameter_values(result.nominal.structure),
                      "DFN" if result.model == "dfn" else "SPMe")
    write_json(document, path)


def _plots(result, directory: Path) -> None:
    import matplotlib
    import matplotlib.ticker

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    directory.mkdir(parents=True, exist_ok=True)
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(result.c_rates)))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for j, rate in enumerate(result.c_rates):
        for cell in result.cells:
            d = cell.discharges[j]
            ax.plot(d.discharged / 3600, d.voltage, color=colors[j], lw=0.6, alpha=0.4)
        d = result.nominal.discharges[j]
        ax.plot(d.discharged / 3600, d.voltage, color=colors[j], lw=2, label=f"{rate:g}C")
    ax.set_xlabel("discharged capacity [A*h]")
    ax.set_ylabel("voltage [V]")
    ax.set_title(f"{result.recipe}: {result.model.upper()} discharges "
                 f"(bold nominal, thin {len(result.cells)} sampled cells)", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(directory / "discharge_curves.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 4.5))
    energy = result.array("specific_energy") / 3600
    power = result.array("specific_power")
    ax.scatter(power.ravel(), energy.ravel(), s=8, color="0.6", label="sampled cells")
    nominal = type(result)(result.recipe, result.model, result.c_rates, result.nominal, [])
    ax.plot(nominal.array("specific_power")[0], nominal.array("specific_energy")[0] / 3600,
            "o-", color="tab:blue", label="nominal cell")
    for x, y, rate in zip(nominal.array("specific_power")[0],
                          nominal.array("specific_energy")[0] / 3600, result.c_rates,
                          strict=True):
        ax.annotate(f"{rate:g}C", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.set_xscale("log")
    ax.xaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("specific power [W/kg]")
    ax.set_ylabel("specific energy [W*h/kg]")
    ax.set_title(f"Ragone plot: {result.recipe}", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(directory / "ragone.png", dpi=110)
    plt.close(fig)
    console.print(f"[dim]wrote {directory / 'discharge_curves.png'} and "
                  f"{directory / 'ragone.png'}[/dim]")


def _progress_bar(description: str, total: int):
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(TextColumn("{task.description}"), BarColumn(),
                   TextColumn("{task.completed}/{task.total} runs"), TimeElapsedColumn(),
                   console=console, transient=True)
    task = bar.add_task(description, total=total)
    return bar, lambda done, _total: bar.update(task, completed=done)


def _error_table(title: str, errors: dict) -> None:
    from rich.table import Table

    table = Table(title=title)
    for col in ("output", "mean abs. error [%]", "in 95 % interval [%]", "runs"):
        table.add_column(col, justify="left" if col == "output" else "right")
    for name, e in errors.items():
        table.add_row(name, f"{100 * e['relative_mae']:.3f}", f"{100 * e['coverage_95']:.0f}",
                      str(e["runs"]))
    console.print(table)


def _solve_errors(exc: Exception) -> typer.Exit:
    """A cell of the recipe that the chain or PyBaMM cannot model: the input data are
    invalid (exit 1, the message names the quantity). Anything else goes on to the
    central error path of :func:`gigatwin.cli.app.main`."""
    if type(exc).__module__.startswith("pybamm"):
        return fail(f"PyBaMM could not solve a cell: {exc}", code=1)
    if isinstance(exc, (ValueError, KeyError, RuntimeError)):
        return fail(str(exc).strip('"'), code=1)
    raise exc


def surrogate_train(recipe: Path = typer.Argument(..., help="Recipe YAML file"),
                    vary: list[str] = typer.Option(..., "--vary",
                                                   help="KEY=LOW:HIGH in the recipe's unit "
                                                        "(repeatable)"),
                    runs: int = typer.Option(40, "--runs", max=MAX_RUNS,
                                             help=f"Physics runs (8 to {MAX_RUNS:,})"),
                    rates: str = typer.Option("0.1,1,2", "--rates", help="C-rates"),
                    model: str = typer.Option("dfn", "--model", help="dfn or spme"),
                    mesh: str = typer.Option("default", "--mesh", help="default or coarse"),
                    seed: int = typer.Option(0, "--seed", min=0, help="Seed of design and draws"),
                    output: Path = typer.Option(..., "-o", "--output",
                                                help="Model file (JSON) to write")) -> None:
    """Train GP surrogates of capacity, energy and DC resistance over a domain of settings."""
    from gigatwin.cli.recipe import load
    from gigatwin.twin.performance import surrogate

    c_rates = _rates(rates)
    if model not in ("dfn", "spme"):
        raise fail(f"--model = {model!r} is not dfn or spme")
    if runs < 8:
        raise fail(f"--runs = {runs} [1] is outside the allowed range [8, inf)")
    loaded = load(recipe)
    try:
        variables = [surrogate.parse_vary(loaded, text) for text in vary]
    except (ValueError, KeyError) as exc:
        raise fail(str(exc).strip('"')) from exc
    bar, progress = _progress_bar(f"{model.upper()} runs on {loaded.name}", runs)
    with bar:
        try:
            trained = surrogate.train(loaded, variables, runs, c_rates, model, mesh, seed,
                                      progress=progress)
        except Exception as exc:
            raise _solve_errors(exc) from exc
    trained.save(output)
    _error_table(f"Held-out errors ({next(iter(trained.heldout.values()))['runs']} of "
                 f"{runs} runs)", trained.heldout)
    console.print(f"[dim]wrote {output}: domain "
                  + "; ".join(f"{v.path} {v.show(v.low)} - {v.show(v.high)}"
                              for v in variables) + "[/dim]")


def surrogate_check(model_path: Path = typer.Argument(..., help="Model file (JSON)"),
                    runs: int = typer.Option(10, "--runs", max=MAX_RUNS,
                                             help=f"Fresh physics runs (at most {MAX_RUNS:,})"),
                    seed: int = typer.Option(1_000_003, "--seed", min=0, help="Seed of the new design"),
                    json_path: Path | None = typer.Option(None, "--json",
                                                          help="Write errors as JSON")) -> None:
    """Compare a surrogate with fresh physics runs at new points of its domain."""
    from gigatwin.twin.performance import surrogate

    if runs < 1:
        raise fail(f"--runs = {runs} [1] is outside the allowed range [1, inf)")
    try:
        loaded = surrogate.Surrogate.load(model_path)
    except UnicodeDecodeError as exc:
        raise fail_input(model_path, exc) from exc
    except ValueError as exc:
        raise fail(str(exc)) from exc
    bar, progress = _progress_bar(f"{loaded.model.upper()} runs on {loaded.recipe_name}", runs)
    with bar:
        try:
            errors = surrogate.check(loaded, runs, seed, progress=progress)
        except Exception as exc:
            raise _solve_errors(exc) from exc
    _error_table(f"Surrogate against {runs} fresh physics runs", errors)
    _error_table("Held-out errors stored with the model", loaded.heldout)
    write_json({"model": str(model_path), "check": errors, "heldout": loaded.heldout},
               json_path)


def design(problem_path: Path = typer.Argument(..., help="Design problem YAML"),
           generations: int = typer.Option(15, "--generations", max=MAX_GENERATIONS,
                                           help="NSGA-II generations (at most "
                                                f"{MAX_GENERATIONS:,})"),
           population: int = typer.Option(24, "--population", max=MAX_POPULATION,
                                          help="Candidates per generation (at most "
                                               f"{MAX_POPULATION:,})"),
           seed: int = typer.Option(0, "--seed", min=0, help="Seed of the optimiser"),
           out: Path | None = typer.Option(None, "--out",
                                           help="Directory for the chosen designs' recipes"),
           verify_model: str | None = typer.Option(
               None, "--verify-model",
               help="Physics model re-checking the chosen designs (default: the surrogate's)"),
           json_path: Path | None = typer.Option(None, "--json", help="Write results as JSON"),
           plot: Path | None = typer.Option(None, "--plot", help="Directory for the Pareto plot")
           ) -> None:
    """Inverse design: NSGA-II over recipe settings, the chain and a surrogate."""
    from rich.table import Table

    from gigatwin.twin.performance import design as inverse

    try:
        problem = inverse.load_problem(problem_path)
        with console.status(f"NSGA-II: {generations} generations of {population} on "
                            f"{problem.name}"):
            result = inverse.optimise(problem, generations, population, seed)
    except UnicodeDecodeError as exc:
        raise fail_input(problem_path, exc) from exc
    except (ValueError, KeyError) as exc:
        raise fail(str(exc).strip('"')) from exc
    verify_model = verify_model or problem.surrogate.model
    rows = result.rows()
    chosen = result.chosen()
    table = Table(title=f"Pareto front: {len(rows)} designs ({result.evaluations:,} candidates "
                        f"x {problem.samples} Monte Carlo cells)")
    for col in ["#", *rows[0]]:
        table.add_column(col.split(".")[-1].replace("_", " "), justify="right")
    order = np.argsort(result.values[problem.objectives[0]])[::-1]
    for i in order:
        mark = "*" if i in chosen else ""
        table.add_row(f"{i}{mark}", *(f"{v:.4g}" for v in rows[i].values()))
    console.print(table)
    checks = []
    for i in chosen:
        try:
            check = inverse.verify(problem, result.points[i], verify_model)
        except Exception as exc:
            raise _solve_errors(exc) from exc
        written = None
        if out is not None:
            written = str(inverse.write_recipe(problem, result.points[i],
                                               out / f"design_{i}.yaml"))
        checks.append({"index": int(i), **rows[i], **check, "recipe": written})
        console.print(f"design {i}: {verify_model.upper()} 2C retention "
                      f"{100 * check['retention_physics']:.2f} % vs surrogate "
                      f"{100 * check['retention_surrogate']:.2f} % "
                      f"({100 * check['relative_error']:+.2f} %)"
                      + (f"; wrote {written}" if written else ""))
    write_json({"problem": problem.name, "objectives": problem.objectives,
                "evaluations": result.evaluations, "pareto": rows, "chosen": checks,
                "citations": [c.as_dict() for c in result.citations]}, json_path)
    if plot is not None:
        _pareto_plot(result, chosen, plot)


def _pareto_plot(result, chosen: list[int], directory: Path) -> None:
    """The front on the first two objectives (energy density against the one objective
    if there is one), coloured by the yield, or by the retention when the yield is on an
    axis."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = result.rows()
    keys = list(rows[0])
    problem = result.problem

    def column(name: str) -> tuple[list[float], str]:
        key = next(k for k in keys if k.startswith(f"{name} ["))
        return [r[key] for r in rows], key

    axes = list(problem.objectives[:2])
    if len(axes) == 1:
        axes = ["energy_density", axes[0]] if axes[0] != "energy_density" else \
            ["energy_density", "retention"]
    colour = "yield" if "yield" not in axes else "retention"
    (x, x_label), (y, y_label) = column(axes[0]), column(axes[1])
    c, c_label = column(colour)
    labels = {"energy_density": " (mean of the Monte Carlo cells)",
              "retention": f" at {problem.retention_rate:g}C",
              "cost_per_kwh": " (factory model)"}
    directory.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6.5, 4.5))
    points = ax.scatter(x, y, c=c, cmap="viridis", s=30)
    fig.colorbar(points, ax=ax, label=c_label)
    for i in chosen:
        ax.annotate(f"design {i}", (x[i], y[i]), textcoords="offset points",
                    xytext=(5, 5), fontsize=8)
        ax.scatter([x[i]], [y[i]], s=90, facecolors="none", edgecolors="red")
    ax.margins(x=0.1, y=0.1)
    ax.set_xlabel(x_label + labels.get(axes[0], ""), fontsize=9)
    ax.set_ylabel(y_label + labels.get(axes[1], ""), fontsize=9)
    ax.set_title(f"Pareto front: {problem.name}", fontsize=9)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(directory / "pareto.png", dpi=110)
    plt.close(fig)
    console.print(f"[dim]wrote {directory / 'pareto.png'}[/dim]")
