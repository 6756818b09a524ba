"""``gigatwin live``: the live twin on the virtual line (experiment: open loop, EWMA
baseline and the live twin in closed loop, on the same seed)."""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from gigatwin.cli._common import console, err_console, fail, fail_input, write_json
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


class Mode(enum.StrEnum):
    advise = "advise"
    closed_loop = "closed-loop"


def _writer(opcua: str | None, mqtt: str | None):
    """The OPC UA or MQTT writer of the line's setpoints, connected once to check it
    (a clear error naming the option, within a few seconds, if it cannot be reached)."""
    from gigatwin.ingest.live_loop import MqttWriter, OpcUaWriter, WriteError

    if opcua and mqtt:
        raise fail("give --opcua or --mqtt, not both (where the setpoints are written)")
    option, value = ("--opcua", opcua) if opcua else ("--mqtt", mqtt)
    if value is None:
        return None
    try:
        writer = OpcUaWriter(value) if opcua else MqttWriter(value)
        writer.check()
    except ValueError as exc:
        raise fail(f"{option}: {exc}") from None
    except WriteError as exc:
        raise fail(f"{option} {exc}") from None
    return writer


@live_app.command("follow")
def follow_cmd(
    store: Annotated[str, typer.Option(help="store URL filled by ingestion, "
                                            "e.g. duckdb://out/line.duckdb")],
    recipe: Annotated[Path, typer.Option(help="the recipe the line runs")],
    interval: Annotated[float | None, typer.Option(
        help="keep following: a pass every SECONDS (0.1 to 86400) until Ctrl-C or "
             "SIGTERM; without it, one pass")] = None,
    passes: Annotated[int | None, typer.Option(
        help="with --interval: stop after N passes")] = None,
    mode: Annotated[Mode, typer.Option(
        help="advise: store recommendations only; closed-loop: also write them to "
             "the line (--opcua or --mqtt)")] = Mode.advise,
    opcua: Annotated[str | None, typer.Option(
        help="the line's OPC UA server, opc.tcp://HOST:PORT (setpoint nodes)")] = None,
    mqtt: Annotated[str | None, typer.Option(
        help="the line's MQTT broker HOST:PORT (setpoint command topics)")] = None,
) -> None:
    """Calibrate on what is stored and advise the next pump setpoints; with --interval
    keep following the store, and in closed-loop mode write each advice to the line.
    (Issue #13's `twin live` is this command.)"""
    import math

    from gigatwin.ingest.live_loop import Follower
    from gigatwin.twin import load_recipe
    from gigatwin.twin.recipe import RecipeError

    if interval is not None and not (math.isfinite(interval) and 0.1 <= interval <= 86400):
        raise fail(f"--interval {interval:g} must be between 0.1 and 86400 seconds")
    if passes is not None and passes < 1:
        raise fail(f"--passes {passes} must be >= 1")
    if passes is not None and interval is None:
        raise fail("--passes needs --interval (without it, follow makes one pass)")
    try:
        plan = load_recipe(recipe)
    except RecipeError as exc:
        raise fail(str(exc), code=1) from exc
    except (OSError, ValueError) as exc:
        raise fail_input(recipe, exc) from exc
    _open(store).close()                 # a bad URL fails here, before any connection
    closed = mode is Mode.closed_loop
    if closed and not (opcua or mqtt):
        raise fail("--mode closed-loop needs --opcua or --mqtt (where to write)")
    writer = _writer(opcua, mqtt)        # checked in advise mode too: a typo shows now
    follower = Follower(lambda: _open(store), plan, mode=mode.value,
                        writer=writer if closed else None)
    try:
        if interval is None:
            report = follower.run_pass()
            if not report.estimates:
                raise fail("the store holds no wet_film_thickness signals of a coater",
                           code=1)
            if closed or report.written or report.failed:
                console.print(report.line(mode.value, follower.transport))
        else:
            _loop(follower, interval, passes, mode.value)
    finally:
        if writer is not None and hasattr(writer, "close"):
            writer.close()
    _estimates_table(follower.totals()["estimates"])
    if interval is not None:
        t = follower.totals()
        console.print(f"stopped after {t['passes']} pass(es): {t['readings']:,} readings "
                      f"followed, {t['recommendations']} recommendation(s) stored, "
                      f"{t['written']} written, {t['failed']} failed write(s) "
                      f"(mode {mode.value})")
    if interval is None and follower.totals()["failed"]:
        raise typer.Exit(3)           # one pass: its write failed (reported above)


def _loop(follower, interval: float, passes: int | None, mode: str) -> None:
    """Passes every ``interval`` s until ``passes``, Ctrl-C or SIGTERM (the pass in
    progress ends first; a second Ctrl-C stops at once). A pass that fails after the
    first is reported and the loop goes on (the line or the store may be back)."""
    import signal
    import threading

    stop = threading.Event()

    def on_signal(signum, frame) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()

    installed = {}
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            installed[sig] = signal.signal(sig, on_signal)
    try:
        number = 0
        while True:
            number += 1
            try:
                report = follower.run_pass()
                console.print(report.line(mode, follower.transport))
                for w, reason in report.failed:
                    err_console.print(f"[yellow]write of {w.key} failed:[/yellow] "
                                      f"{escape(reason)}", soft_wrap=True)
            except typer.Exit:
                if number == 1:
                    raise
            except Exception as exc:  # noqa: BLE001 - a transient store problem
                if number == 1:
                    raise fail(f"--store: {type(exc).__name__}: {exc}", code=1) from None
                err_console.print(f"[yellow]pass {number} failed:[/yellow] "
                                  f"{escape(f'{type(exc).__name__}: {exc}')}", soft_wrap=True)
            if passes is not None and number >= passes:
                break
            if stop.wait(interval):
                break
    except KeyboardInterrupt:
        pass
    finally:
        for sig, old in installed.items():
            signal.signal(sig, old)


def _estimates_table(summary: dict) -> None:
    if not summary:
        return
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
