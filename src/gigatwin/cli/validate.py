"""``gigatwin validate``: run the published reference cases and print how the twin does."""
# ruff: noqa: B008  (typer declares arguments and options as default values)

from __future__ import annotations

from pathlib import Path

import typer

from gigatwin.cli._common import console, err_console, write_json

STYLE = {"pass": "green", "known miss": "yellow", "FAIL": "bold red",
         "UNEXPECTED PASS": "bold magenta"}


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)


def validate(json_path: Path | None = typer.Option(
                 None, "--json", help="Write the results as JSON (- for stdout)"),
             plot: Path | None = typer.Option(
                 None, "--plot", help="Directory for validation.png")) -> None:
    """Run every published reference case (cells and process steps) through the twin.

    Prints case | quantity | reference | predicted | deviation | within tolerance; exits 0
    when every comparison is within its tolerance or a known miss with its reason, 1
    otherwise (a failure, an unexpected pass of a known miss, or a case that errors).
    """
    from rich.table import Table

    from gigatwin.twin import validation

    results = validation.run()
    out = err_console if str(json_path) == "-" else console  # keep stdout for the JSON
    table = Table(title="Published reference cases")
    for col in ("case", "quantity", "reference", "predicted", "deviation",
                "within tolerance", "status"):
        table.add_column(col, justify="right" if col in ("reference", "predicted",
                                                           "deviation") else "left")
    for result in results:
        if result.error:
            table.add_row(result.case.name, "", "", "", "", "", f"[bold red]ERROR[/] "
                          f"{result.error}")
        for c in result.comparisons:
            state = validation.status(c)
            deviation = (f"{100 * c.deviation:+.1f} % (tol {100 * c.tolerance:.0f} %)"
                         if c.relative else f"{c.deviation:+.3g} (tol {c.tolerance:.3g})")
            table.add_row(c.case, c.quantity, f"{c.reference:.4g} {c.unit}",
                          f"{c.predicted:.4g} {c.unit}", deviation,
                          "yes" if c.within else "no", f"[{STYLE[state]}]{state}[/]")
    out.print(table)
    for result in results:
        for c in result.comparisons:
            if c.known_miss:
                out.print(f"[yellow]known miss[/] {c.case} ({c.quantity}): {c.known_miss}")
    data = validation.to_dict(results)
    write_json(data, json_path)
    if plot is not None:
        plot.mkdir(parents=True, exist_ok=True)
        validation.plot_deviations(results, plot / "validation.png")
        out.print(f"[dim]wrote {plot / 'validation.png'}[/dim]")
    ok = data["ok"]
    out.print("[green]all cases within tolerance or known misses[/]" if ok
              else "[bold red]some cases fail, pass unexpectedly or error[/]")
    raise typer.Exit(0 if ok else 1)
