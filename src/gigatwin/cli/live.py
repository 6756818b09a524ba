"""``gigatwin live``: the live twin on the virtual line (experiment: open loop, EWMA
baseline and the live twin in closed loop, on the same seed)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gigatwin.cli._common import console, fail, fail_input, write_json
from gigatwin.cli.line import _duration

live_app = typer.Typer(help="The live twin: online calibration and run-to-run control.",
                       no_args_is_help=True)


@live_app.command("experiment")
def experiment_cmd(
    line_file: Annotated[Path, typer.Argument(help="line file (examples/lines/pilot_line.yaml)")],
    scenario: Annotated[Path, typer.Option(help="scenario file of disturbances")],
    duration: Annotated[str, typer.Option(help="simulated time, e.g. 2d, 24h")] = "1d",
    seed: Annotated[int, typer.Option(min=0, help="random seed")] = 0,
    tolerance: Annotated[float, typer.Option(min=0.001, max=0.5,
                                             help="spec window, +- fraction of target")] = 0.02,
    json_path: Annotated[Path | None, typer.Option("--json", help="write results here")] = None,
) -> None:
    """Run the line three times on the same seed: open loop, EWMA, live twin closed loop."""
    from gigatwin.line import LineFileError, load_line, load_scenario
    from gigatwin.twin.live.experiment import experiment
    from gigatwin.twin.recipe import RecipeError

    seconds = _duration(duration, "--duration")
    try:
        line = load_line(line_file)
        scen = load_scenario(scenario, line)
    except (LineFileError, RecipeError) as exc:
        raise fail(str(exc), code=1) from exc
    except (OSError, ValueError) as exc:
        raise fail_input(scenario if line_file.exists() else line_file, exc) from exc
    result = experiment(line, scen, duration=seconds, seed=seed, tolerance=tolerance)
    table = Table(title=f"{scen.name}, {duration}, seed {seed}")
    for col in ("target", "mode", "Ppk", "mean dev", "scrap", "bias est (95 %)", "true"):
        table.add_column(col)
    for mode, run in result["runs"].items():
        for target, m in run["targets"].items():
            if not m.get("n"):
                continue
            est = run["estimates"].get(target.replace("coating_areal_loading",
                                                      "coating_slot_flow_rate_deviation"), {})
            table.add_row(target, mode, f"{m['ppk']:.2f}", f"{m['mean_deviation']:+.3g}",
                          f"{m['scrap_fraction']:.1%}",
                          f"{est['final_mean']:+.4f} +- {1.96 * est['final_std']:.4f}"
                          if est else "", f"{est['final_true']:+.4f}" if est else "")
    console.print(table)
    if json_path is not None:
        write_json(result, json_path)


def register(app: typer.Typer) -> None:
    app.add_typer(live_app, name="live")
