"""Quality commands: ``gigatwin spc chart|capability``, ``gigatwin grade``, ``gigatwin match``."""
# ruff: noqa: B008  (typer declares options as argument defaults)

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path

import typer
from rich.table import Table

from gigatwin.cli._common import console, fail, write_json

spc_app = typer.Typer(help="Statistical process control: control charts and capability.",
                      no_args_is_help=True)


class ChartType(StrEnum):
    xbar_r = "xbar-r"
    xbar_s = "xbar-s"
    imr = "imr"
    ewma = "ewma"
    cusum = "cusum"
    p = "p"
    np_ = "np"
    c = "c"
    u = "u"


class RuleSet(StrEnum):
    western_electric = "western-electric"
    nelson = "nelson"
    none = "none"


def _read_csv(path: Path):
    import pandas as pd

    if not path.exists():
        raise fail(f"{path}: no such file")
    return pd.read_csv(path, comment="#")


def _column(table, name: str, path: Path):
    if name not in table:
        raise fail(f"{path}: no column {name!r}; columns are {list(table.columns)}")
    return table[name].to_numpy(dtype=float)


def _chart_inputs(table, path, kind, column, subgroup, subgroup_column):
    """Positional data arguments of the chart function for ``kind``."""
    from gigatwin.quality import subgroup_matrix

    values = _column(table, column, path)
    if kind in ("p", "np", "u"):
        if subgroup_column:
            return (values, _column(table, subgroup_column, path))
        if subgroup:
            return (values, float(subgroup))
        raise fail(f"the {kind} chart needs sample sizes: --subgroup N or --subgroup-column COL")
    if kind == "c":
        return (values,)
    ids = table[subgroup_column].to_numpy() if subgroup_column else None
    if subgroup_column and subgroup_column not in table:
        raise fail(f"{path}: no column {subgroup_column!r}")
    if kind in ("xbar-r", "xbar-s") and not (subgroup or subgroup_column):
        raise fail(f"the {kind} chart needs subgroups: --subgroup N or --subgroup-column COL")
    if kind == "imr" or not (subgroup or subgroup_column):
        return (values,)
    return (subgroup_matrix(values, subgroup_size=subgroup, subgroup_ids=ids),)


def _options(kind, width, target, sigma, lam, k, h, rules, parameters, exclude):
    if kind == "ewma":
        return {"lam": lam, "width": width, "target": target, "sigma": sigma,
                "parameters": parameters}
    if kind == "cusum":
        return {"k": k, "h": h, "target": target, "sigma": sigma, "parameters": parameters}
    options = {"width": width, "target": target, "rules": None if rules == "none" else rules,
               "parameters": parameters, "exclude_out_of_control": exclude}
    if kind not in ("xbar-r", "xbar-s", "imr"):
        if sigma is not None:
            raise fail(f"--sigma does not apply to the {kind} chart (its sigma follows from the count)")
        return options
    return {**options, "sigma": sigma}


def _print_analysis(analysis) -> None:
    table = Table(title=f"{analysis.chart_type} chart, phase {analysis.phase}")
    for col in ("chart", "points", "center", "LCL", "UCL", "signals"):
        table.add_column(col)
    for c in analysis.charts:
        d = c.as_dict()
        fmt = lambda v: f"{v:.6g}" if isinstance(v, float) else "varies"  # noqa: E731
        table.add_row(c.name, str(c.statistic.size), fmt(d["center"]), fmt(d["lcl"]),
                      fmt(d["ucl"]), str(len(c.signals)))
    console.print(table)
    for c in analysis.charts:
        for s in c.signals[:20]:
            console.print(f"  [red]{c.name}[/red] {s.rule} at {s.index}: {s.description} "
                          f"(points {list(s.points)})")
        if len(c.signals) > 20:
            console.print(f"  ... {len(c.signals) - 20} more signals on {c.name}")
    for e in analysis.excluded:
        console.print(f"  [yellow]excluded[/yellow] subgroup {e['index']}: {e['reason']}")


@spc_app.command("chart")
def chart(
    data: Path = typer.Argument(..., help="CSV file (lines starting with # are comments)."),
    column: str = typer.Option(..., "--column", help="Measurement column; for p/np/c/u the count column."),
    type_: ChartType = typer.Option(..., "--type", help="Chart type."),
    subgroup: int | None = typer.Option(None, "--subgroup", help="Subgroup size (consecutive rows); for p/np/u the sample size."),
    subgroup_column: str | None = typer.Option(None, "--subgroup-column", help="Column of subgroup labels; for p/np/u the column of sample sizes."),
    lam: float = typer.Option(0.2, "--lambda", help="EWMA weight lambda in (0, 1]."),
    width: float = typer.Option(3.0, "--limit-width", help="Distance of the control limits [sigma]."),
    target: float | None = typer.Option(None, "--target", help="Known process mean (p, c, u: known rate)."),
    sigma: float | None = typer.Option(None, "--sigma", help="Known process standard deviation."),
    k: float = typer.Option(0.5, "--k", help="CUSUM reference value [sigma]."),
    h: float = typer.Option(5.0, "--h", help="CUSUM decision interval [sigma]."),
    rules: RuleSet = typer.Option(RuleSet.western_electric, "--rules", help="Run rules added to the limit test."),
    limits: Path | None = typer.Option(None, "--limits", help="JSON of a previous run: monitor against its parameters (Phase II)."),
    exclude: bool = typer.Option(False, "--exclude-out-of-control", help="Phase I: drop subgroups beyond the limits and re-estimate."),
    json_path: Path | None = typer.Option(None, "--json", help="Write the result as JSON ('-' for stdout)."),
    plot: Path | None = typer.Option(None, "--plot", help="Write a plotly HTML chart."),
) -> None:
    """Control chart with limit and run-rule signals (Phase I, or Phase II with --limits)."""
    from gigatwin.quality import CHART_FUNCTIONS

    kind = type_.value
    table = _read_csv(data)
    parameters = None
    if limits is not None:
        previous = json.loads(limits.read_text(encoding="utf-8"))
        if previous.get("type") != kind:
            raise fail(f"{limits} holds a {previous.get('type')!r} chart, not {kind!r}")
        parameters = previous["parameters"]
    args = _chart_inputs(table, data, kind, column, subgroup, subgroup_column)
    options = _options(kind, width, target, sigma, lam, k, h, rules.value, parameters, exclude)
    try:
        analysis = CHART_FUNCTIONS[kind](*args, **options)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    _print_analysis(analysis)
    write_json(analysis.as_dict(), json_path)
    if plot is not None:
        from gigatwin.quality.plots import chart_figure

        plot.parent.mkdir(parents=True, exist_ok=True)
        chart_figure(analysis, title=f"{kind} chart of {column} ({data.name})").write_html(plot)
        console.print(f"[dim]wrote {plot}[/dim]")


@spc_app.command("capability")
def capability_command(
    data: Path = typer.Argument(..., help="CSV file."),
    column: str = typer.Option(..., "--column", help="Measurement column."),
    lsl: float | None = typer.Option(None, "--lsl", help="Lower specification limit."),
    usl: float | None = typer.Option(None, "--usl", help="Upper specification limit."),
    target: float | None = typer.Option(None, "--target", help="Target (default: mid-specification)."),
    subgroup: int | None = typer.Option(None, "--subgroup", help="Subgroup size for the within sigma (R-bar/d2)."),
    subgroup_column: str | None = typer.Option(None, "--subgroup-column", help="Column of subgroup labels."),
    confidence: float = typer.Option(0.95, "--confidence", help="Confidence level of the intervals."),
    json_path: Path | None = typer.Option(None, "--json", help="Write the result as JSON."),
    plot: Path | None = typer.Option(None, "--plot", help="Write a plotly HTML histogram."),
) -> None:
    """Cp, Cpk, Cpl, Cpu, Pp, Ppk, Cpm with confidence intervals and a normality test."""
    from gigatwin.quality import capability, subgroup_matrix

    table = _read_csv(data)
    values = _column(table, column, data)
    if subgroup or subgroup_column:
        ids = table[subgroup_column].to_numpy() if subgroup_column else None
        values = subgroup_matrix(values, subgroup_size=subgroup, subgroup_ids=ids)
    try:
        result = capability(values, lsl=lsl, usl=usl, target=target, confidence=confidence)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    t = Table(title=f"Capability of {column} (n = {result.n}, mean = {result.mean:.6g}, "
                    f"sigma within = {result.sigma_within:.4g}, overall = {result.sigma_overall:.4g})")
    for col in ("index", "value", f"{confidence:.0%} low", "high"):
        t.add_column(col)
    for name, idx in result.indices.items():
        t.add_row(name, f"{idx.value:.4g}", f"{idx.ci_low:.4g}", f"{idx.ci_high:.4g}")
    console.print(t)
    norm = result.normality
    if norm.get("test"):
        console.print(f"normality: {norm['test']} p = {norm['p_value']:.3g} "
                      f"({'normal' if norm['normal'] else 'NOT normal: see percentile indices'})")
    write_json(result.as_dict(), json_path)
    if plot is not None:
        from gigatwin.quality.plots import capability_figure

        plot.parent.mkdir(parents=True, exist_ok=True)
        capability_figure(values, result).write_html(plot)


def grade(
    data: Path = typer.Argument(..., help="End-of-line CSV, one row per cell."),
    config: Path = typer.Option(..., "--config", help="GRADES.yaml: columns, units and grade limits."),
    json_path: Path | None = typer.Option(None, "--json", help="Write grades and KPIs as JSON."),
) -> None:
    """Grade cells into bins by capacity, DCIR and self-discharge; flag k-value outliers."""
    from gigatwin.quality import GradeConfig, grade_cells, resistance_spread

    table = _read_csv(data)
    try:
        cfg = GradeConfig.load(config)
        graded = grade_cells(table, cfg)
    except (ValueError, KeyError) as exc:
        raise fail(str(exc)) from exc
    counts = graded["grade"].value_counts().to_dict()
    t = Table(title=f"Grades of {len(graded)} cells ({data.name})")
    t.add_column("grade")
    t.add_column("cells")
    t.add_column("share")
    for g in [x["name"] for x in cfg.grades] + [cfg.reject]:
        t.add_row(g, str(counts.get(g, 0)), f"{counts.get(g, 0) / len(graded):.1%}")
    console.print(t)
    summary = {"cells": len(graded), "grades": {str(k): int(v) for k, v in counts.items()}}
    if "self_discharge_outlier" in graded:
        summary["self_discharge_outliers"] = int(graded["self_discharge_outlier"].sum())
        console.print(f"self-discharge outliers: {summary['self_discharge_outliers']}")
    if "dcir" in cfg.columns:
        from gigatwin.units import to_si

        col, unit = cfg.columns["dcir"]
        summary["resistance_spread_ohm"] = resistance_spread(to_si(table[col].to_numpy(float), unit))
    records = graded.astype(object).where(graded.notna(), None).to_dict(orient="records")
    write_json({"summary": summary, "cells": records}, json_path)


def match(
    data: Path = typer.Argument(..., help="End-of-line CSV, one row per cell."),
    cells_per_module: int = typer.Option(..., "--cells-per-module", help="Cells in one module."),
    capacity_column: str = typer.Option("capacity_Ah", "--capacity-column"),
    resistance_column: str = typer.Option("dcir_mohm", "--resistance-column"),
    modules_per_band: int = typer.Option(1, "--modules-per-band", help="Capacity band width in modules (>1 also evens resistance)."),
    json_path: Path | None = typer.Option(None, "--json", help="Write the assignment as JSON."),
) -> None:
    """Match cells into modules minimising the within-module capacity and resistance spread."""
    from gigatwin.quality import match_cells

    table = _read_csv(data)
    try:
        result = match_cells(_column(table, capacity_column, data),
                             _column(table, resistance_column, data), cells_per_module,
                             modules_per_band=modules_per_band)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    console.print(
        f"{int(result.module.max()) + 1} modules of {cells_per_module}; mean within-module "
        f"capacity range {result.capacity_spread:.4g} (sequential {result.sequential_capacity_spread:.4g},"
        f" x{result.capacity_improvement:.1f} smaller); resistance range {result.resistance_spread:.4g}"
        f" (sequential {result.sequential_resistance_spread:.4g}); {len(result.unassigned)} unassigned")
    out = result.as_dict()
    if "cell_id" in table:
        out["cell_id"] = table["cell_id"].astype(str).tolist()
    write_json(out, json_path)


def register(app: typer.Typer) -> None:
    app.add_typer(spc_app, name="spc")
    app.command("grade")(grade)
    app.command("match")(match)
