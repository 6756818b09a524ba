"""``gigatwin live``: the live twin on the virtual line (experiment: open loop, EWMA
baseline and the live twin in closed loop, on the same seed)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gigatwin.cli._common import console, fail, fail_input, write_json
from gigatwin.cli.line import _duration

# the calibrated parameter behind each controlled target
_PARAMETER = {"coating_areal_loading": "coating_slot_flow_rate_deviation",
              "calendered_porosity": "calender_line_load",
              "calendered_thickness": "calender_line_load"}
COLUMNS = ("scenario", "target", "mode", "Ppk", "mean dev [%]", "scrap [%]", "detect [h]",
           "correct [h]", "estimate (95 %)", "true", "coverage [%]")


def _corrections(entries: list[dict]) -> str:
    """Correction delays [h] of the disturbances that touched a target, ';'-separated:
    'stayed' if no coil left the band, 'not by end' if the last coil is outside."""
    out = []
    for d in entries:
        if not d.get("left_band"):
            out.append("stayed")
        elif d.get("delay_h") is None:
            out.append("not by end")
        else:
            out.append(f"{d['delay_h']:.1f}")
    return "; ".join(out)


def _name(result: dict) -> str:
    """The scenario's file name without suffix (else its name)."""
    return Path(result["scenario_file"]).stem if result.get("scenario_file") \
        else result["scenario"]


def rows(result: dict) -> list[tuple[str, ...]]:
    """One row per target and mode of an experiment's result (see COLUMNS)."""
    out = []
    for mode, run in result["runs"].items():
        for target, m in run["targets"].items():
            if not m.get("n"):
                continue
            electrode, _, bare = target.partition(".")
            param = f"{electrode}.{_PARAMETER.get(bare, '')}"
            est = run["estimates"].get(param, {})
            detect = "; ".join(
                f"{d['delay_h']:.1f}" if d.get("delay_h") is not None else "n/a"
                for d in run.get("detections", []) if d.get("target") == param)
            if bare == "" and run.get("predictive"):     # cell capacity: predictive alarm
                first = run["predictive"].get("first_alarm_h")
                detect = f"pred. {first:.1f}" if first is not None else ""
            coverage = est.get("coverage_95_after_1h")
            out.append((_name(result), target, mode, f"{m['ppk']:.2f}",
                        f"{100 * m['mean_deviation'] / m['target']:+.2f}",
                        f"{100 * m['scrap_fraction']:.1f}", detect,
                        _corrections(m.get("correction", [])),
                        f"{est['final_mean']:+.4f} +- {1.96 * est['final_std']:.4f}"
                        if est else "", f"{est['final_true']:+.4f}" if est else "",
                        f"{100 * coverage:.0f}" if coverage is not None else ""))
    return out


def predictive_rows(result: dict) -> list[tuple[str, ...]]:
    """Per mode: predicted capacity Cpk of the cells in the line, prediction error, the
    first predictive alarm and its lead on the measured streaming-SPC alarms."""
    out = []
    for mode, run in result["runs"].items():
        p = run.get("predictive")
        if not p:
            continue
        cpk = p["predicted_cpk_all"]["cell_capacity"]["cpk"]
        true = run["targets"].get("cell_capacity", {}).get("ppk")
        lead = p["lead_time"].get("eol_discharge_capacity")
        gauge = p["measured_first_alarm_h"].get("cathode.coating_areal_loading")
        first = p.get("first_alarm_h")
        out.append((_name(result), mode, str(p["pairs_predicted"]), f"{cpk:.2f}",
                    f"{true:.2f}" if true is not None else "",
                    f"{100 * p['capacity_rmse_rel']:.2f}"
                    if p.get("capacity_rmse_rel") is not None else "",
                    f"{100 * p['capacity_inside_95']:.0f}"
                    if p.get("capacity_inside_95") is not None else "",
                    f"{first:.1f}" if first is not None else "none",
                    ("none" if lead is None else f">= {lead['hours_at_least']:.1f}"
                     if "hours_at_least" in lead else f"{lead['hours']:.1f}"),
                    f"{gauge:.1f}" if gauge is not None else "none"))
    return out


PREDICTIVE_COLUMNS = ("scenario", "mode", "pairs", "predicted Cpk", "true Ppk",
                      "pred. error [%]", "in 95 % [%]", "pred. alarm [h]",
                      "lead on EOL SPC [h]", "gauge SPC alarm [h]")


def markdown(header, body) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(lines) + "\n"

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
    markdown_path: Annotated[Path | None, typer.Option(
        "--markdown", help="append the tables' rows (Markdown) to this file")] = None,
) -> None:
    """Run the line three times on the same seed: open loop, EWMA, live twin closed loop."""
    from gigatwin.line import LineFileError, load_line, load_scenario
    from gigatwin.line.live import experiment
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
    body, pbody = rows(result), predictive_rows(result)
    table = Table(title=f"{scen.name}, {duration}, seed {seed}")
    for col in COLUMNS[1:]:
        table.add_column(col)
    for r in body:
        table.add_row(*r[1:])
    console.print(table)
    table = Table(title="predictive quality: cell capacity")
    for col in PREDICTIVE_COLUMNS[1:]:
        table.add_column(col)
    for r in pbody:
        table.add_row(*r[1:])
    console.print(table)
    if markdown_path is not None:
        try:
            with markdown_path.open("a", encoding="utf-8") as f:
                f.write(markdown(COLUMNS, body) + "\n" + markdown(PREDICTIVE_COLUMNS, pbody)
                        + "\n")
        except OSError as exc:
            raise fail(f"--markdown {markdown_path}: {exc}") from exc
    if json_path is not None:
        write_json(result, json_path)


def _open(url: str):
    """The store the line's data were ingested into; a path that does not exist is an
    error here, not a new empty store (nothing to follow or to list)."""
    from gigatwin.store import open_store
    from gigatwin.store.backends import StoreError

    try:
        return open_store(url, create=False)
    except (ValueError, OSError, StoreError) as exc:
        raise fail(f"--store {url!r}: {exc}") from exc


@live_app.command("follow")
def follow_cmd(
    store: Annotated[str, typer.Option(help="store URL filled by ingestion, "
                                            "e.g. duckdb://out/line.duckdb")],
    recipe: Annotated[Path, typer.Option(help="the recipe the line runs")],
) -> None:
    """Calibrate on everything stored and advise the next pump setpoints (mode advise)."""
    from gigatwin.ingest.live import follow
    from gigatwin.twin import load_recipe
    from gigatwin.twin.recipe import RecipeError

    try:
        plan = load_recipe(recipe)
    except RecipeError as exc:
        raise fail(str(exc), code=1) from exc
    except (OSError, ValueError) as exc:
        raise fail_input(recipe, exc) from exc
    with _open(store) as s:
        summary = follow(s, plan)
    if not summary:
        raise fail("the store holds no wet_film_thickness signals of a coater", code=1)
    table = Table(title="slot-die flow bias (posterior)")
    for col in ("key", "mean", "95 % interval", "readings", "rejected"):
        table.add_column(col)
    for key, e in summary.items():
        table.add_row(key, f"{e['mean']:+.4f}",
                      f"{e['mean'] - 1.96 * e['std']:+.4f} .. {e['mean'] + 1.96 * e['std']:+.4f}",
                      str(e["readings"]), str(e["rejected"]))
    console.print(table)


@live_app.command("recommendations")
def recommendations_cmd(
    store: Annotated[str, typer.Option(help="store URL")],
    accept: Annotated[str | None, typer.Option(help="accept the recommendation ID")] = None,
    reject: Annotated[str | None, typer.Option(help="reject the recommendation ID")] = None,
    last: Annotated[int, typer.Option(min=1, help="show the last N")] = 10,
) -> None:
    """List the live twin's recommendations; accept or reject one."""
    from gigatwin.ingest.live import decide, recommendations

    if accept and reject:
        raise fail("give --accept or --reject, not both")
    with _open(store) as s:
        for rec_id, status in ((accept, "accepted"), (reject, "rejected")):
            if rec_id:
                try:
                    decide(s, rec_id, status)
                except KeyError as exc:
                    raise fail(str(exc.args[0]), code=1) from exc
                console.print(f"{rec_id}: {status}")
        recs = recommendations(s)[-last:]
    table = Table(title="recommendations")
    for col in ("id", "from", "to", "predicted", "status", "why"):
        table.add_column(col)
    for r in recs:
        table.add_row(r["rec_id"], f"{r['previous']:+.4f}", f"{r['value']:+.4f}",
                      f"{r['predicted']:.4g} +- {r['predicted_std']:.2g}", r["status"], r["why"])
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(live_app, name="live")
