"""``gigatwin plant`` (cost, energy, throughput by step; scenarios) and ``gigatwin linesim``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from typer.core import TyperGroup

from gigatwin.cli._common import console, fail, write_json


class _PlantGroup(TyperGroup):
    """``gigatwin plant PLANT.yaml [options]`` runs the model (the ``run`` command);
    ``gigatwin plant validate PLANT.yaml`` only checks the file."""

    def parse_args(self, ctx, args):
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


plant_app = typer.Typer(cls=_PlantGroup, no_args_is_help=True,
                        help="Cell plant cost, energy and throughput by step (run, validate).")


def register(app: typer.Typer) -> None:
    plant_app.command("run")(plant)
    plant_app.command("validate")(validate)
    app.add_typer(plant_app, name="plant")
    app.command("linesim")(linesim)


def validate(
    plant_file: Annotated[Path, typer.Argument(help="plant YAML (see examples/plants/)")],
) -> None:
    """Check a plant file: every problem at once (file, entry, key, value, unit, range),
    then size it once (BatPaC process names, cell areas the steps need)."""
    from gigatwin.factory import PlantError, evaluate_plant, load_plant
    try:
        p = load_plant(plant_file)
        evaluate_plant(p)
    except PlantError as exc:
        raise fail(str(exc)) from exc
    edition = p.batpac.edition if any(s.batpac for s in p.steps) else "none"
    console.print(f"{plant_file}: valid plant {p.name!r}, {len(p.steps)} steps, "
                  f"{p.annual_cells:,.0f} cells/yr, BatPaC edition {edition}")


def plant(
    plant_file: Annotated[Path, typer.Argument(help="plant YAML (see examples/plants/)")],
    scenario: Annotated[list[str] | None, typer.Option(
        "--scenario", "-s", help="innovation scenario to compare (repeatable; 'all')")] = None,
    json_path: Annotated[Path | None, typer.Option("--json", help="write JSON ('-': stdout)")] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="directory for PNG plots")] = None,
    batpac_edition: Annotated[str | None, typer.Option(
        "--batpac-edition", help="size BatPaC steps with this BatPaC baseline: 2012 or 5.0 "
                                 "(default: the plant's own)")] = None,
    published: Annotated[bool, typer.Option(
        "--published", help="compare the plant's absolute figures with published "
                            "gigafactory ranges")] = False,
) -> None:
    """Cost, energy and throughput of a cell plant by step, and innovation scenarios."""
    from gigatwin.factory import PlantError, load_plant, plots, report
    from gigatwin.factory.batpac import with_edition
    from gigatwin.factory.scenarios import compare, load_scenarios
    try:
        library = load_scenarios()
        scenario = scenario or []
        names = sorted(library) if "all" in scenario else list(scenario)
        base = load_plant(plant_file)
        if batpac_edition is not None:
            base = with_edition(base, batpac_edition)
        comp = compare(base, names, library)
    except PlantError as exc:
        raise fail(str(exc)) from exc
    _print_caveats(comp.baseline)
    _print_steps(comp.baseline)
    _print_basis(comp.baseline, report.basis(comp.baseline))
    if published:
        _print_published(comp.baseline)
    if names:
        _print_scenarios(comp, library)
    if plot is not None:
        stem = plant_file.stem
        paths = [plots.breakdown(comp.baseline, plot / f"factory_{stem}_breakdown.png")]
        if names:
            paths.append(plots.scenario_comparison(comp, plot / f"factory_{stem}_scenarios.png"))
        for p in paths:
            console.print(f"[dim]plot {p}[/dim]")
    write_json(report.comparison_dict(comp, library) if names else report.result_dict(comp.baseline),
               json_path)


def _print_steps(result) -> None:
    from gigatwin.factory.model import KWH
    from gigatwin.units import from_si
    out = result.annual_energy_output
    per_kwh = KWH / out
    if result.costed:
        console.print(_cost_table(result, per_kwh))
    else:
        console.print(f"[bold]{result.plant.name}[/bold]: cost {result.cost_scope}")
    flow = Table(title="energy and throughput by step")
    for col in ("step", "kWh/cell", "energy %", "cells/h", "util %", "lot time h"):
        flow.add_column(col, justify="left" if col == "step" else "right")
    for s in result.steps:
        service = s.kind == "service"
        flow.add_row(s.name, f"{from_si(s.energy_per_cell, 'kWh'):.3f}",
                     f"{100 * s.energy_share:.1f}",
                     "-" if service else f"{from_si(s.capacity, '1/h'):.0f}",
                     "-" if service else f"{100 * s.utilisation:.0f}",
                     "-" if service else f"{from_si(s.lot_time, 'h'):.2f}")
    console.print(flow)
    conv = result.conversion_cost
    if not result.costed:
        cost = "cost not modelled"
    elif result.materials_priced:
        cost = (f"cost {result.cost_per_energy * KWH:.2f} USD/kWh (conversion "
                f"{conv * per_kwh:.2f}, materials {result.materials_cost * per_kwh:.2f})"
                f" | {result.cost_per_cell:.2f} USD/cell")
    else:
        cost = (f"conversion cost {conv * per_kwh:.2f} USD/kWh (materials not "
                f"priced) | {result.cost_per_cell:.2f} USD/cell")
    capital = (f"capital {result.capital / 1e6:.0f} M$ | floor "
               f"{result.floor_area:,.0f} m^2" if result.costed else
               "capital and floor not modelled")
    console.print(
        f"output {from_si(out / (365.25 * 86400), 'GWh/yr'):.2f} GWh/yr "
        f"({result.annual_cells:,.0f} cells) | {cost} | "
        f"energy {result.energy_per_energy:.1f} kWh/kWh | {capital} | lead time "
        f"{from_si(result.lead_time, 'h'):.0f} h | bottleneck [bold]{result.bottleneck}[/bold]")


def _cost_table(result, per_kwh: float) -> Table:
    """Cost by step; materials say "not priced" rather than a zero."""
    cost = Table(title=f"{result.plant.name}: cost by step")
    for col in ("step", "machines", "capital M$", "cost M$/yr", "USD/kWh", "% of total"):
        cost.add_column(col, justify="left" if col == "step" else "right")
    total = result.total_cost

    def share(value: float) -> str:
        return f"{100 * value / total:.1f}" if total > 0 else "-"
    for s in result.steps:
        cost.add_row(s.name, "-" if s.kind == "service" else str(s.machines),
                     f"{s.capital / 1e6:.1f}", f"{s.cost_per_year / 1e6:.2f}",
                     f"{s.cost_per_year * per_kwh:.2f}", share(s.cost_per_year))
    cost.add_section()
    conv = result.conversion_cost
    cost.add_row("Conversion", "", f"{result.capital / 1e6:.1f}",
                 f"{conv / 1e6:.2f}", f"{conv * per_kwh:.2f}", share(conv))
    if result.materials_priced:
        cost.add_row("Materials", "", "", f"{result.materials_cost / 1e6:.2f}",
                     f"{result.materials_cost * per_kwh:.2f}",
                     share(result.materials_cost))
        label = "[bold]Total[/bold]"
    else:
        cost.add_row("Materials", "", "", "not priced", "not priced", "-")
        label = "[bold]Total (conversion only)[/bold]"
    cost.add_row(label, "", "", f"{total / 1e6:.2f}",
                 f"[bold]{total * per_kwh:.2f}[/bold]", share(total))
    return cost

def _print_caveats(result) -> None:
    from rich.markup import escape
    for caveat in result.plant.caveats:
        console.print(f"[bold yellow]Caveat:[/bold yellow] {escape(caveat)}")


def _print_basis(result, lines) -> None:
    from rich.markup import escape
    console.print("[bold]Basis of these figures:[/bold]")
    for line in lines:
        console.print(f"  - {escape(line)}")
    if result.plant.caveats:
        console.print("[bold yellow]See the caveat above the tables.[/bold yellow]")


def _print_published(result) -> None:
    from gigatwin.factory.published import compare_published
    t = Table(title="Absolute figures against published plants (docs/factory.md)")
    for col in ("figure", "plant", "published", "unit", "inside"):
        t.add_column(col, justify="left" if col in ("figure", "unit") else "right")
    for c in compare_published(result):
        t.add_row(c.figure.title, f"{c.value:,.1f}", f"{c.figure.low:,.6g}-{c.figure.high:,.6g}",
                  c.figure.unit, "yes" if c.inside else "[bold red]no[/bold red]")
    console.print(t)


def _print_scenarios(comp, library) -> None:
    from rich.markup import escape

    from gigatwin.factory.model import KWH
    from gigatwin.units import from_si
    base = comp.baseline
    t = Table(title="Scenarios against the baseline")
    for col in ("scenario", "d USD/kWh", "d kWh/kWh", "d capital M$", "d lead h"):
        t.add_column(col, justify="left" if col == "scenario" else "right",
                     no_wrap=col == "scenario")
    for name, r in comp.scenarios.items():
        t.add_row(name, f"{(r.cost_per_energy - base.cost_per_energy) * KWH:+.2f}",
                  f"{r.energy_per_energy - base.energy_per_energy:+.1f}",
                  f"{(r.capital - base.capital) / 1e6:+.1f}",
                  f"{from_si(r.lead_time - base.lead_time, 'h'):+.1f}")
    console.print(t)
    for name, r in comp.scenarios.items():
        console.print(f"[bold]{name}[/bold]: {escape(library[name].title)}")
        deltas = _step_deltas(base, r)
        console.print("  cost by step [USD/kWh]: " + (", ".join(
            f"{step} {d:+.2f}" for step, d in deltas) or "no step changes by 0.005 or more"))
        for change in r.plant.changes:
            console.print(f"  - {escape(change)}")


def _step_deltas(base, res) -> list[tuple[str, float]]:
    """(step, change of its cost per kWh of cells) for steps that change by >= 0.005."""
    from gigatwin.factory.model import KWH

    def per_kwh(r):
        return {s.name: s.cost_per_year / r.annual_energy_output * KWH for s in r.steps}
    b, s = per_kwh(base), per_kwh(res)
    out = [(n, s.get(n, 0.0) - b.get(n, 0.0)) for n in dict.fromkeys([*b, *s])]
    return [(n, d) for n, d in out if abs(d) >= 0.005]


# Ten years of operating days: a longer line simulation says nothing a year does not.
MAX_SIM_DAYS = 3650


def linesim(
    plant_file: Annotated[Path, typer.Argument(help="plant YAML")],
    days: Annotated[float, typer.Option("--days", help="operating days to simulate after warm-up")],
    seed: Annotated[int, typer.Option("--seed", min=0)] = 0,
    warmup_days: Annotated[float | None, typer.Option(
        "--warmup-days", help="default: the static lead time, rounded up to days")] = None,
    no_failures: Annotated[bool, typer.Option("--no-failures", help="switch failures off")] = False,
    json_path: Annotated[Path | None, typer.Option("--json", help="write results as JSON")] = None,
) -> None:
    """Discrete-event simulation of the line (SimPy): throughput, OEE, WIP, lead times."""
    import math

    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from gigatwin.factory import PlantError, evaluate_plant, load_plant
    from gigatwin.factory.des import line_from_result, simulate_line, static_line_capacity
    for option, value, zero_allowed in (("--days", days, False),
                                        ("--warmup-days", warmup_days, True)):
        if value is None:
            continue
        if not (math.isfinite(value) and (value > 0 or (zero_allowed and value == 0))
                and value <= MAX_SIM_DAYS):
            raise fail(f"{option} = {value:g} [day] is outside the allowed range "
                       f"{'[' if zero_allowed else '('}0, {MAX_SIM_DAYS}]")
    try:
        result = evaluate_plant(load_plant(plant_file))
    except PlantError as exc:
        raise fail(str(exc)) from exc
    cal = result.plant.calendar
    day = cal.shifts_per_day * cal.hours_per_shift * 3600.0
    warmup = (warmup_days * day if warmup_days is not None
              else math.ceil(result.lead_time / day) * day)
    stations = line_from_result(result)
    with Progress(TextColumn("simulating"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                  TimeRemainingColumn(), console=console, transient=True) as bar:
        task = bar.add_task("sim", total=warmup + days * day)
        sim = simulate_line(stations, days * day, warmup=warmup, seed=seed,
                            failures=not no_failures, chunk=day,
                            progress=lambda done, total: bar.update(task, completed=done))
    static = static_line_capacity(stations, failures=not no_failures)
    _print_sim(sim, static, cal)
    write_json(_sim_dict(result, sim, static, days, warmup, seed, cal), json_path)


def _print_sim(sim, static, cal) -> None:
    from gigatwin.units import from_si
    t = Table(title="Line simulation by station")
    for col in ("station", "units", "util %", "avail %", "perf %", "quality %", "OEE %",
                "failures", "WIP before (cells)"):
        t.add_column(col, justify="left" if col == "station" else "right")
    for s in sim.stations:
        t.add_row(s.name, str(s.machines), f"{100 * s.utilisation:.1f}", f"{100 * s.availability:.1f}",
                  f"{100 * s.performance:.1f}", f"{100 * s.quality:.1f}", f"{100 * s.oee:.1f}",
                  str(s.failures), f"{s.mean_wip_before:,.0f}")
    console.print(t)
    q = sim.lead_time_quantiles
    console.print(
        f"throughput {from_si(sim.throughput, '1/h'):,.0f} cells/h (static capacity "
        f"{from_si(static, '1/h'):,.0f}) | good cells {sim.good_cells:,.0f} | bottleneck "
        f"[bold]{sim.bottleneck}[/bold] | WIP {sim.wip_cells:,.0f} cells in buffers | lead time "
        f"p5/p50/p95 {from_si(q['p5'], 'h'):.0f}/{from_si(q['p50'], 'h'):.0f}/"
        f"{from_si(q['p95'], 'h'):.0f} h | {sim.events:,} events in {sim.wall_seconds:.1f} s "
        f"({sim.events_per_second:,.0f}/s)")


def _sim_dict(result, sim, static, days, warmup, seed, cal) -> dict:
    from gigatwin.factory.report import cells_per_hour, q
    hours = q
    return {
        "plant": result.plant.name, "days": days, "seed": seed,
        "warmup": hours(warmup, "h"),
        "throughput": cells_per_hour(sim.throughput),
        "static_capacity": cells_per_hour(static),
        "good_cells": q(sim.good_cells, "1", si=False),
        "annualised_output": q(sim.throughput * cal.operating_seconds, "1/yr", si=False),
        "bottleneck": sim.bottleneck,
        "wip_cells": q(sim.wip_cells, "1", si=False),
        "lead_time": {k: hours(v, "h") for k, v in sim.lead_time_quantiles.items()}
        | {"mean": hours(sim.lead_time_mean, "h")},
        "events": sim.events, "wall_seconds": sim.wall_seconds,
        "stations": [{"name": s.name, "machines": s.machines, "utilisation": s.utilisation,
                      "availability": s.availability, "performance": s.performance,
                      "quality": s.quality, "oee": s.oee, "failures": s.failures,
                      "lots": s.lots, "good_cells": s.good_cells,
                      "mean_wip_before": q(s.mean_wip_before, "1", si=False)}
                     for s in sim.stations],
    }
