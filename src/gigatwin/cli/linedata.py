"""Line data commands: ``ingest mqtt|opcua|file``, ``trace``, ``track``, ``export cell``."""

from __future__ import annotations

import contextlib
import signal
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from gigatwin.cli._common import console, err_console, fail, fail_input, write_json

STORE_HELP = "Store URL: duckdb:///path/file.duckdb or postgresql://user@host:port/db"

ingest_app = typer.Typer(help="Ingest line data, validated with the spec, into a store.",
                         no_args_is_help=True)
export_app = typer.Typer(help="Export records from a store.", no_args_is_help=True)


store_app = typer.Typer(help="Inspect a store.", no_args_is_help=True)


def _open(url: str, *, read_only: bool = False):
    """The store at ``url``: for reading (nothing migrated or written; it must exist) or
    for ingestion (created when missing, refused when it fails its quick check)."""
    from gigatwin.store import open_store
    from gigatwin.store.backends import StoreError
    from gigatwin.store.check import quick_check

    try:
        store = open_store(url, read_only=read_only)
    except (ValueError, StoreError) as exc:
        raise fail(str(exc)) from exc
    except Exception as exc:  # noqa: BLE001 - a driver error while opening: say which store
        raise fail(f"cannot open store {url}: {type(exc).__name__}: {str(exc).strip()}", 1) from exc
    if not read_only:
        findings = quick_check(store)
        if findings:
            store.close()
            raise fail(f"store {url} fails its check, nothing was written: "
                       + "; ".join(map(str, findings)) + f". Run 'gigatwin store check {url}'.", 1)
    return store


def file_options(mapping: Path | None, timezone: str | None, registry=None):
    """The ``--mapping`` (loaded; ``None`` without one) and ``--timezone`` of a file read
    as `ingest file` reads it (`spec validate` takes them too), both checked before the
    file is: an unknown time zone is a usage error (exit 2), a mapping that cannot be
    used invalid data (exit 1), each message naming the option or the mapping file."""
    from gigatwin.ingest.files import load_file_mapping, time_zone

    try:
        if timezone is not None:
            time_zone(timezone, "--timezone")
    except ValueError as exc:
        raise fail(str(exc)) from exc
    try:
        return load_file_mapping(mapping, registry) if mapping is not None else None
    except ValueError as exc:
        raise fail(str(exc), 1) from exc


def _print_counts(counts: dict, *, retries: int | None = None, outages: int | None = None) -> None:
    names = ["received", "stored", "duplicates", "quarantined"]
    values = [counts[k] for k in names]
    if retries is not None:
        names += ["retries", "outages"]
        values += [retries, outages or 0]
    table = Table(*names)
    table.add_row(*(f"{v:,}" for v in values))
    console.print(table)


@ingest_app.command("file")
def ingest_file_cmd(path: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV or Parquet of records or genealogy")],
                    store: Annotated[str, typer.Option("--store", help=STORE_HELP)],
                    mapping: Annotated[Path | None, typer.Option(
                        "--mapping", exists=True, dir_okay=False,
                        help="YAML mapping of a wide file: value columns -> spec keys and units, "
                             "timestamp column, format and zone, asset and product columns "
                             "(docs/linedata.md)")] = None,
                    timezone: Annotated[str | None, typer.Option(
                        "--timezone", help="IANA time zone (e.g. Europe/Berlin) of timestamps "
                                           "written without one; refused otherwise")] = None,
                    json_out: Annotated[Path | None, typer.Option("--json", help="write the counts as JSON")] = None):
    """Import a CSV/Parquet file of records (key, value, unit, ts, ...), of genealogy
    edges, or a wide file with --mapping."""
    from gigatwin.ingest.files import ImportStoppedError, ingest_file
    from gigatwin.store.backends import StoreError

    mapped = file_options(mapping, timezone)
    with _open(store) as db:
        try:
            counts = ingest_file(db, path, mapping=mapped, timezone=timezone).as_dict()
        except ImportStoppedError as exc:
            _print_counts(exc.committed.as_dict())
            raise fail(str(exc), 1) from exc
        except ValueError as exc:   # the file's content (encoding, CSV, columns, time zones)
            raise fail_input(path, exc) from exc
        except (StoreError, OSError) as exc:
            raise fail(f"{path}: import stopped, nothing of this file was committed: {exc}", 1) from exc
        except Exception as exc:  # noqa: BLE001 - a database error: say it, without a traceback
            raise fail(f"{path}: import stopped, nothing of this file was committed: "
                       f"{type(exc).__name__}: {str(exc).strip()}", 1) from exc
    _print_counts(counts)
    if counts.get("empty_cells"):
        console.print(f"{counts['empty_cells']:,} empty cell(s) in the value columns: no "
                      "measurement at that time, not records")
    if counts.get("quarantined"):
        console.print(f"see them with: gigatwin quarantine list --store {store} --source file:{path.name}",
                      soft_wrap=True)
    write_json(counts, json_out)


@ingest_app.command("mqtt")
def ingest_mqtt_cmd(store: Annotated[str, typer.Option("--store", help=STORE_HELP)],
                    broker: Annotated[str, typer.Option("--broker", help="HOST:PORT")] = "127.0.0.1:1883",
                    topic: Annotated[str, typer.Option("--topic", help="topic filter")] = "gigatwin/#",
                    client_id: Annotated[str | None, typer.Option(
                        "--client-id", help="fixed id of a persistent session kept across restarts "
                        "(default: unique per process, no session kept)")] = None,
                    batch_size: Annotated[int, typer.Option("--batch-size", min=1)] = 2000,
                    idle_exit: Annotated[float | None, typer.Option("--idle-exit", help="stop after this many seconds without messages")] = None):
    """Subscribe (QoS 1) and ingest until Ctrl-C / SIGTERM; see docs/linedata.md for the
    broker settings each delivery guarantee needs."""
    from gigatwin.ingest.mqtt import BrokerUnreachableError, MqttIngestor, parse_broker
    from gigatwin.store.backends import StoreError

    _positive_seconds(idle_exit, "--idle-exit")
    try:
        host, port = parse_broker(broker)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    with _open(store) as db:
        ingestor = MqttIngestor(db, host, port, topic=topic, client_id=client_id, batch_size=batch_size,
                                on_warning=_warn)
        signal.signal(signal.SIGTERM, lambda *_: ingestor.stop())
        ingestor.on_subscribed = lambda: print(f"subscribed to {topic}", flush=True)
        err_console.print(f"ingesting {topic} from {host}:{port} into {store} as client "
                          f"{ingestor.client_id} (Ctrl-C to stop)", soft_wrap=True)
        try:
            with contextlib.suppress(KeyboardInterrupt):
                ingestor.run(idle_exit=idle_exit)
        except (BrokerUnreachableError, StoreError) as exc:
            raise fail(str(exc), 1) from exc
        except Exception as exc:  # noqa: BLE001 - e.g. a full disk: say it, without a traceback
            raise fail(f"ingestion stopped: {type(exc).__name__}: {str(exc).strip()}; messages not "
                       "committed were not acknowledged (the broker delivers them again)", 1) from exc
        finally:
            _print_counts(ingestor.counts.as_dict(), retries=ingestor.retries + ingestor.writer.retries,
                          outages=ingestor.writer.outages)


@ingest_app.command("opcua")
def ingest_opcua_cmd(endpoint: Annotated[str, typer.Option("--endpoint", help="opc.tcp://host:port/path")],
                     mapping: Annotated[Path, typer.Option("--mapping", exists=True, help="YAML mapping node id -> spec key")],
                     store: Annotated[str, typer.Option("--store", help=STORE_HELP)],
                     duration: Annotated[float | None, typer.Option("--duration", help="stop after seconds")] = None):
    """Subscribe to the mapped nodes of an OPC UA server and ingest their data changes."""
    import asyncio

    from gigatwin.ingest.opcua import EndpointUnreachableError, OpcUaIngestor, load_mapping
    from gigatwin.store.backends import StoreError

    _positive_seconds(duration, "--duration")
    try:
        mappings = load_mapping(mapping)
    except ValueError as exc:
        raise fail(str(exc)) from exc
    with _open(store) as db:
        ingestor = OpcUaIngestor(db, endpoint, mappings, on_warning=_warn)
        try:
            with contextlib.suppress(KeyboardInterrupt):
                asyncio.run(ingestor.run(duration=duration))
        except (EndpointUnreachableError, StoreError) as exc:
            raise fail(str(exc), 1) from exc
        finally:
            _print_counts(ingestor.counts.as_dict(), retries=ingestor.retries + ingestor.writer.retries,
                          outages=ingestor.writer.outages)


def _positive_seconds(value: float | None, option: str) -> None:
    """A time limit of ``ingest``: none, or finite and > 0 seconds."""
    import math

    if value is not None and not (math.isfinite(value) and value > 0):
        raise fail(f"{option} {value!r}: a number of seconds, finite and > 0")


def _warn(message: str) -> None:
    err_console.print(f"[yellow]warning:[/yellow] {escape(message)}", soft_wrap=True)


def _reached_table(title: str, reached) -> Table:
    table = Table("generation", "kind", "object", "metres", title=title)
    for r in reached:
        ranges = ", ".join(f"{lo:g}-{hi:g}" for lo, hi in r.as_dict()["ranges_m"])
        table.add_row(str(r.generation), r.kind, r.object_id, ranges)
    return table


def trace_cmd(cell_id: Annotated[str, typer.Argument(help="object to trace (usually a cell)")],
              store: Annotated[str, typer.Option("--store", help=STORE_HELP)],
              json_out: Annotated[Path | None, typer.Option("--json", help="write the result as JSON")] = None):
    """Every upstream object and lot of a cell, with the roll positions its electrodes came from."""
    from gigatwin.trace import trace

    with _open(store, read_only=True) as db:
        try:
            reached = trace(db, cell_id)
        except KeyError as exc:
            raise fail(str(exc.args[0])) from exc
    console.print(_reached_table(f"trace {cell_id}", reached))
    write_json([r.as_dict() for r in reached], json_out)


def track_cmd(object_id: Annotated[str, typer.Argument(help="lot, batch, roll, coil, ...")],
              store: Annotated[str, typer.Option("--store", help=STORE_HELP)],
              from_m: Annotated[float | None, typer.Option("--from", help="start position on it, in metres")] = None,
              to_m: Annotated[float | None, typer.Option("--to", help="end position on it, in metres")] = None,
              json_out: Annotated[Path | None, typer.Option("--json", help="write the result as JSON")] = None):
    """Every downstream object of a lot, batch, roll or roll segment (--from/--to metres)."""
    from gigatwin.trace import track

    with _open(store, read_only=True) as db:
        try:
            reached = track(db, object_id, from_m, to_m)
        except KeyError as exc:
            raise fail(str(exc.args[0])) from exc
        except ValueError as exc:
            raise fail(str(exc)) from exc
    cells = sum(r.kind == "cell" for r in reached)
    console.print(_reached_table(f"track {object_id}", reached))
    console.print(f"{len(reached) - 1} downstream objects, {cells} cells")
    write_json([r.as_dict() for r in reached], json_out)


@export_app.command("cell")
def export_cell_cmd(cell_id: Annotated[str, typer.Argument()],
                    store: Annotated[str, typer.Option("--store", help=STORE_HELP)],
                    fmt: Annotated[str, typer.Option("--format", help="jsonld")] = "jsonld",
                    out: Annotated[Path, typer.Option("--out", help="file, or - for stdout")] = Path("-")):
    """A cell's record (design, genealogy, measurements) as JSON-LD with the spec's IRIs."""
    from gigatwin.trace.jsonld import cell_record

    if fmt != "jsonld":
        raise fail(f"--format {fmt!r} is not supported; use jsonld")
    with _open(store, read_only=True) as db:
        try:
            document = cell_record(db, cell_id)
        except KeyError as exc:
            raise fail(str(exc.args[0])) from exc
    write_json(document, out)


def passport_cmd(cell_id: Annotated[str, typer.Argument(help="the cell")],
                 store: Annotated[str, typer.Option("--store", help=STORE_HELP)],
                 fmt: Annotated[str, typer.Option(
                     "--format", help="table, csv, json or jsonld")] = "table",
                 out: Annotated[Path, typer.Option(
                     "--out", help="file, or - for stdout (csv, json, jsonld)")] = Path("-")):
    """The measurements of a cell and of every object it came from, in display units."""
    from gigatwin.trace.passport import passport

    if fmt not in ("table", "csv", "json", "jsonld"):
        raise fail(f"--format {fmt!r} is not one of table, csv, json, jsonld")
    with _open(store, read_only=True) as db:
        try:
            if fmt == "jsonld":
                from gigatwin.trace.jsonld import cell_record

                write_json(cell_record(db, cell_id), out)
                return
            entries = passport(db, cell_id)
        except KeyError as exc:
            raise fail(str(exc.args[0]), 1) from exc
    rows = [e.as_dict() for e in entries]
    if fmt == "json":
        write_json({"cell": cell_id, "measurements": rows}, out)
    elif fmt == "csv":
        _write_csv(rows, out)
    else:
        table = Table(title=f"passport of {cell_id}: {len(rows)} measurement(s)")
        for column in ("object", "on metres", "key", "value", "unit"):
            table.add_column(column, justify="right" if column == "value" else "left")
        for e in entries:     # kind, asset and times: in --format csv and json
            value = f"{e.value:.6g}" if e.value is not None else (e.text or "")
            key = e.key if e.source == "measurement" else (
                f"{e.key} ({e.asset}, {e.source.split(',')[0].removeprefix('series: ')})")
            table.add_row(e.object_id, e.ranges_m or "-", key, value, e.unit)
        console.print(table)


def _write_csv(rows: list[dict], out: Path) -> None:
    import csv
    import io

    from gigatwin.cli._common import write_text

    names = ("object_id", "kind", "generation", "ranges_m", "key", "value", "text_value",
             "unit", "ts", "asset", "source")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names)
    writer.writeheader()
    writer.writerows(rows)
    if str(out) == "-":
        typer.echo(buffer.getvalue(), nl=False)
    else:
        write_text(out, buffer.getvalue(), "--out")


@store_app.command("check")
def store_check_cmd(url: Annotated[str, typer.Argument(help=STORE_HELP)]):
    """Read every row (block checksums), check schema version, genealogy and counters."""
    from gigatwin.store.check import TABLES, check

    with _open(url, read_only=True) as db:
        findings = check(db)
    for finding in findings:
        err_console.print(f"[bold red]problem:[/bold red] {escape(str(finding))}", soft_wrap=True)
    if findings:
        raise typer.Exit(1)
    console.print(f"store {url}: OK ({len(TABLES)} tables read in full, schema version current, "
                  "genealogy and counters consistent)", soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.add_typer(ingest_app, name="ingest")
    app.add_typer(store_app, name="store")
    app.command("trace")(trace_cmd)
    app.command("track")(track_cmd)
    app.command("passport")(passport_cmd)
    app.add_typer(export_app, name="export")
