"""``gigatwin line``: run the virtual pilot line, and score alarms against its truth."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from gigatwin.cli._common import console, fail, fail_input, write_json

line_app = typer.Typer(help="The virtual pilot line: production data with ground truth.",
                       no_args_is_help=True)


def _duration(text: str, option: str) -> float:
    from gigatwin.units import UnitError, parse_quantity, same_dimension, to_si

    try:
        number, unit = parse_quantity(text)
    except UnitError:
        raise fail(f"{option} {text!r} is not a duration (e.g. 7d, 12 h, 30 min)") from None
    if not same_dimension(unit, "s"):
        raise fail(f"{option} {text!r} is not a duration (e.g. 7d, 12 h, 30 min)")
    seconds = float(to_si(number, unit))
    if not (math.isfinite(seconds) and seconds > 0):
        raise fail(f"{option} {text!r} must be finite and > 0")
    if seconds > 366 * 86400:
        raise fail(f"{option} {text!r} is longer than the allowed 366 days")
    return seconds


def _speed(text: str) -> float | None:
    if text == "max":
        return None
    try:
        factor = float(text)
    except ValueError:
        raise fail(f"--speed {text!r} must be 'max' or a factor > 0 (1 = real time)") from None
    if not (math.isfinite(factor) and factor > 0):
        raise fail(f"--speed {text!r} must be 'max' or a factor > 0 (1 = real time)")
    return factor


@line_app.command("run")
def run_cmd(
    line_file: Annotated[Path, typer.Argument(help="line file (examples/lines/pilot_line.yaml)")],
    scenario: Annotated[Path | None, typer.Option(help="scenario file of disturbances")] = None,
    duration: Annotated[str, typer.Option(help="simulated time, e.g. 7d, 12h")] = "1d",
    speed: Annotated[str, typer.Option(help="'max' (as fast as possible) or a factor of "
                                            "real time (1 = real time, 1000)")] = "max",
    seed: Annotated[int, typer.Option(min=0, help="random seed")] = 0,
    store: Annotated[str | None, typer.Option(help="store URL to ingest into (in-process), "
                                                   "e.g. duckdb://out/line.duckdb")] = None,
    files: Annotated[Path | None, typer.Option(help="folder for CSV records and genealogy")] = None,
    mqtt: Annotated[str | None, typer.Option(help="broker HOST:PORT to publish to (QoS 1); "
                                                  "setpoint commands on <station>/setpoints")] = None,
    opcua: Annotated[str | None, typer.Option(help="serve the line over OPC UA at "
                                                   "opc.tcp://HOST:PORT (writable setpoints)")] = None,
    opcua_mapping: Annotated[Path | None, typer.Option(
        help="write the 'gigatwin ingest opcua --mapping' file of the served variables")] = None,
    truth: Annotated[Path | None, typer.Option(help="where to write the ground truth JSON")] = None,
) -> None:
    """Run the virtual pilot line and send what it measures to a store, files or MQTT."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from gigatwin.line import LineFileError, load_line, load_scenario
    from gigatwin.line.config import NO_DISTURBANCE
    from gigatwin.line.engine import LinePhysicsError
    from gigatwin.line.sinks import FileSink, MqttSink, StoreSink, run_to
    from gigatwin.twin.recipe import RecipeError

    seconds, factor = _duration(duration, "--duration"), _speed(speed)
    if not (store or files or mqtt or opcua):
        raise fail("give at least one of --store, --files, --mqtt, --opcua (where the data go)")
    if opcua_mapping and not opcua:
        raise fail("--opcua-mapping needs --opcua (the server whose variables it maps)")
    try:
        line = load_line(line_file)
        plan = load_scenario(scenario, line) if scenario else NO_DISTURBANCE
    except (LineFileError, RecipeError) as exc:
        raise fail(str(exc), code=1) from exc
    except (OSError, ValueError) as exc:
        raise fail_input(scenario if scenario and line_file.exists() else line_file, exc) from exc
    sinks, opened = [], None
    if store:
        from gigatwin.store import open_store

        opened = open_store(store)
        sinks.append(StoreSink(opened, source=f"line:{line_file.name}"))
    if files:
        sinks.append(FileSink(files))
    if mqtt:
        from gigatwin.ingest.mqtt import parse_broker

        host, port = parse_broker(mqtt)
        try:
            sinks.append(MqttSink(host, port, commands=line))
        except OSError as exc:
            raise fail(f"--mqtt {mqtt}: cannot connect ({exc.strerror or exc})") from exc
    if opcua:
        import logging

        import yaml

        from gigatwin.line.opcua_server import LineOpcUaServer, mapping

        # asyncua logs a failed bind with its traceback: the one-line error below says
        # it, so asyncua is silenced while the server starts; afterwards it logs errors
        # only (it warns that the open endpoint has no encryption: the line serves
        # loopback or a plant network without security by design, docs/line.md)
        asyncua_log = logging.getLogger("asyncua")
        asyncua_log.setLevel(logging.CRITICAL + 1)
        try:
            server = LineOpcUaServer(line, opcua).start()
        except ValueError as exc:
            raise fail(f"--opcua: {exc}") from exc
        except (OSError, TimeoutError) as exc:
            raise fail(f"--opcua {opcua}: {exc}") from exc
        finally:
            asyncua_log.setLevel(logging.ERROR)
        sinks.append(server)
        console.print(f"[dim]OPC UA server at {opcua}, namespace {server.namespace}[/dim]")
        if opcua_mapping:
            opcua_mapping.parent.mkdir(parents=True, exist_ok=True)
            opcua_mapping.write_text(yaml.safe_dump(mapping(line, server.namespace_index),
                                                    sort_keys=False), encoding="utf-8")
            console.print(f"[dim]ingest mapping: {opcua_mapping}[/dim]")
    started = time.monotonic()
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                  TextColumn("{task.fields[at]}"), TimeRemainingColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task(f"{line.name}", total=seconds, at="")

        def advance(now: float) -> None:
            if factor is not None:   # real time or a multiple of it
                wait = started + now / factor - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            progress.update(task, completed=now, at=f"day {now / 86400:.2f}")

        try:
            result = run_to(line, plan, sinks, duration=seconds, seed=seed, progress=advance,
                            steps=100 if factor is None else max(100, int(seconds / 60)))
        except LinePhysicsError as exc:
            raise fail(str(exc), code=1) from None
    if opened is not None:
        opened.close()
    sent = max((s.sent for s in sinks), default=0)
    console.print(f"{line.name}: {seconds / 86400:g} day(s) of production "
                  f"({plan.name}), {sent:,} records, {len(result.cell_rows):,} cells tested, "
                  f"in {time.monotonic() - started:.1f} s")
    if truth:
        result.write(truth)
        console.print(f"[dim]ground truth: {truth} and "
                      f"{truth.with_name(truth.stem + '_cells.csv')}[/dim]")


@line_app.command("score")
def score_cmd(
    truth: Annotated[Path, typer.Argument(help="ground truth JSON written by 'line run --truth'")],
    store: Annotated[str, typer.Option(help="store URL the run was ingested into")],
    phase1: Annotated[str, typer.Option(help="time at the start taken as in control")] = "6h",
    json_out: Annotated[Path | None, typer.Option("--json", help="write the score as JSON")] = None,
) -> None:
    """Run streaming SPC over the stored data and score its alarms against the truth."""
    from datetime import timedelta

    from gigatwin.ingest.spc import watch
    from gigatwin.line.score import load_truth, score, stored_alarms
    from gigatwin.store import open_store
    from gigatwin.store.backends import StoreError

    window = _duration(phase1, "--phase1")
    try:
        facts = load_truth(truth)
    except (OSError, ValueError) as exc:
        raise fail_input(truth, exc) from exc
    try:       # the store the run was ingested into: never a new, empty one
        opened = open_store(store, create=False)
    except (StoreError, ValueError, OSError) as exc:
        raise fail(f"--store {store!r}: {exc}") from exc
    with opened:
        if not stored_alarms(opened):
            alarms, skipped = watch(opened, phase1=window)
            for line in skipped:
                console.print(f"[dim]not monitored: {line}[/dim]")
        result = score(facts, stored_alarms(opened), phase1=timedelta(seconds=window))
    table = Table(title=f"Alarms against the truth of {facts['scenario']}")
    for column in ("disturbance", "kind", "target", "detected", "delay (h)", "first alarm on"):
        table.add_column(column)
    for d in result.detections:
        table.add_row(d.name, d.kind, d.target, "yes" if d.detected else "[red]no[/red]",
                      f"{d.delay_hours:.2f}" if d.detected else "–", d.series or "–")
    console.print(table)
    for line in result.not_scored:
        console.print(f"[dim]not scored: {line}[/dim]")
    console.print(f"{result.alarms} alarm(s); {result.false_alarms} false, "
                  f"{result.false_alarm_rate:.2f} per day over {result.monitored_days:.2f} "
                  "monitored day(s)")
    write_json(result.as_dict(), json_out)


def register(app: typer.Typer) -> None:
    app.add_typer(line_app, name="line")
