"""``gigatwin spec``: browse, export and validate against the data specification."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from gigatwin.cli._common import console, dumps, fail, fail_input

spec_app = typer.Typer(help="The manufacturing data specification: every parameter of every step.",
                       no_args_is_help=True)


class ExportFormat(StrEnum):
    json_schema = "json-schema"
    jsonld = "jsonld"
    markdown = "markdown"
    html = "html"


def _registry():
    from gigatwin.spec import SpecError, load_registry

    try:
        return load_registry()
    except SpecError as exc:
        raise fail(str(exc)) from exc


@spec_app.command("list")
def list_parameters(
    step: Annotated[str | None, typer.Option(help="only this step (e.g. coating)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print a JSON list instead of a table")] = False,
) -> None:
    """List the parameters of every step (or one step)."""
    reg = _registry()
    if step is not None and step not in reg.steps:
        raise fail(f"unknown step {step!r}; steps: {', '.join(s.key for s in reg.ordered_steps())}")
    steps = [reg.steps[step]] if step else reg.ordered_steps()
    params = [p for s in steps for p in reg.step_parameters(s.key)]
    if as_json:
        typer.echo(dumps([p.as_dict() for p in params]))
        return
    table = Table(title=f"gigatwin specification: {len(params)} parameters in {len(steps)} step(s)")
    table.add_column("step")
    table.add_column("key", no_wrap=True)
    for column in ("role", "SI unit", "display", "online", "parameter"):
        table.add_column(column, overflow="fold")
    for p in params:
        si, shown = (p.unit, p.display_unit) if p.is_quantity else (p.kind, "–")
        table.add_row(p.step, p.key, p.role, si, shown, p.online, p.label)
    console.print(table)


@spec_app.command("show")
def show(key: str) -> None:
    """Everything the specification says about one parameter."""
    from gigatwin.spec.vocabulary import STRUCTURE

    reg = _registry()
    param = reg.get(key)  # a key, or an electrode-qualified one (cathode.dried_porosity)
    if param is None and key in reg.steps:
        step = reg.steps[key]
        console.print(f"[bold]{key}[/bold]: step {step.order} of the specification, "
                      f"{step.name}: {step.description} ({len(step.parameter_keys)} "
                      f"parameters; `gigatwin spec list --step {key}`; source: {step.source})",
                      soft_wrap=True)
        return
    if param is None and key in STRUCTURE:
        console.print(f"[bold]{key}[/bold]: {STRUCTURE[key]}", soft_wrap=True)
        return
    if param is None:
        from gigatwin.spec.vocabulary import close_matches, renamed_key

        new = renamed_key(key.split(".")[-1])
        close = close_matches(key.split(".")[-1], reg.parameters)
        raise fail(f"unknown key {key!r}" + (f"; renamed to {new!r}" if new else
                                             f"; did you mean {', '.join(close)}?" if close
                                             else ""))
    table = Table(show_header=False, title=key)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    for name, value in param.as_dict().items():
        if isinstance(value, dict):
            value = f"{value['as_given']}  →  SI {_interval(value)}  (source: {value['source']})"
        elif isinstance(value, list):
            value = ", ".join(value)
        table.add_row(name, "" if value is None else str(value))
    console.print(table)


def _interval(r: dict) -> str:
    lo = ("[" if r["lower_inclusive"] else "(") + (f"{r['lower']:g}" if r["lower"] is not None else "-inf")
    hi = (f"{r['upper']:g}" if r["upper"] is not None else "inf") + ("]" if r["upper_inclusive"] else ")")
    return f"{lo}, {hi} {r['unit']}"


@spec_app.command("export")
def export(
    fmt: Annotated[ExportFormat, typer.Option("--format", "-f", help="output format")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="file to write (default: stdout)")] = None,
    step: Annotated[str | None, typer.Option(help="json-schema of this step only")] = None,
) -> None:
    """Export as JSON Schema (records per step), JSON-LD, Markdown or HTML tables."""
    from gigatwin.spec import export as ex

    reg = _registry()
    if fmt is ExportFormat.json_schema:
        if step is not None and step not in reg.steps:
            raise fail(f"unknown step {step!r}")
        text = dumps(ex.json_schema(reg, step) if step else ex.json_schemas(reg))
    elif fmt is ExportFormat.jsonld:
        text = dumps(ex.jsonld(reg))
    elif fmt is ExportFormat.markdown:
        text = ex.markdown(reg)
    else:
        text = ex.html_tables(reg)
    if output is None:
        typer.echo(text)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text + "\n", encoding="utf-8")
        console.print(f"wrote {output} ({fmt.value})")


@spec_app.command("gaps")
def gap_report(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON instead of a table")] = False,
) -> None:
    """Parameters that models need but the line measures only offline or not at all."""
    from gigatwin.spec.export import gaps

    reg = _registry()
    rows = gaps(reg)
    if as_json:
        typer.echo(dumps([{"key": p.key, "step": p.step, "label": p.label, "role": p.role,
                           "online": p.online, "models": list(p.models),
                           "measurement": list(p.measurement)} for p in rows]))
        return
    table = Table(title=f"Measurement gaps: {len(rows)} parameters models need but the line "
                        "measures offline or not at all")
    for column in ("step", "parameter", "key", "measurable", "models", "measurement today"):
        table.add_column(column, overflow="fold")
    for p in rows:
        table.add_row(reg.steps[p.step].name, p.label, p.key,
                      "[red]not at all[/red]" if p.online == "none" else "[yellow]offline only[/yellow]",
                      ", ".join(p.models), ", ".join(p.measurement) or "–")
    console.print(table)


@spec_app.command("validate")
def validate(
    file: Annotated[Path, typer.Argument(help="records as CSV (key,value,unit,ts,...), Parquet or JSON",
                                         exists=True, dir_okay=False)],
    json_out: Annotated[Path | None, typer.Option("--json", help="write every row's outcome as JSON")] = None,
    mapping: Annotated[Path | None, typer.Option(
        "--mapping", exists=True, dir_okay=False,
        help="YAML mapping of a wide CSV/Parquet file, as for `ingest file --mapping`")] = None,
    timezone: Annotated[str | None, typer.Option(
        "--timezone", help="IANA time zone of timestamps written without one, as for `ingest file`")] = None,
) -> None:
    """Validate a file of records; exit 0 when every record is valid, 1 otherwise."""
    from gigatwin.cli._common import write_json

    reg = _registry()
    if mapping is not None or timezone is not None:  # the file as `ingest file` reads it
        from gigatwin.cli.linedata import file_options
        from gigatwin.ingest.files import check_file

        mapped = file_options(mapping, timezone, reg)
        try:
            checked = check_file(file, mapping=mapped, timezone=timezone, registry=reg)
        except ValueError as exc:
            raise fail_input(file, exc) from exc
    else:
        from gigatwin.spec.batch import check_file

        try:
            checked = check_file(file, reg)  # on columns: an object only per row with a problem
        except ValueError as exc:
            raise fail_input(file, exc) from exc
    console.print(f"{file}: {checked.received} records, [green]{checked.accepted} valid[/green], "
                  f"[red]{checked.rejected} rejected[/red], {checked.warned} with warnings")
    problems = checked.problems
    if problems:
        table = Table(title="Problems")
        for column in ("row", "key", "value", "unit", "status", "problem"):
            table.add_column(column, overflow="fold")
        for r in problems:
            status = "[red]rejected[/red]" if r.errors else "[yellow]warning[/yellow]"
            text = escape("\n".join(str(p) for p in (r.errors or r.warnings)))
            table.add_row(str(r.row), escape(str(r.raw.get("key", ""))), escape(str(r.raw.get("value", ""))),
                          escape(str(r.raw.get("unit", ""))), status, text)
        console.print(table)
    naive = sum(1 for r in problems if any(p.field == "ts" and "no time zone" in p.message for p in r.warnings))
    if naive:
        console.print(f"[yellow]{naive:,} record(s) have a timestamp without a time zone:[/yellow] "
                      "`gigatwin ingest file` refuses such a file unless --timezone (or a mapping's "
                      "timezone) says where it was taken", soft_wrap=True)
    if json_out is not None:  # every row's outcome: one result object per row
        batch = checked.batch()
        write_json({"file": str(file), "received": batch.received, "accepted": len(batch.accepted),
                    "rejected": len(batch.rejected), "records": [r.as_dict() for r in batch.all]}, json_out)
    raise typer.Exit(1 if checked.rejected else 0)


def register(app: typer.Typer) -> None:
    app.add_typer(spec_app, name="spec")

